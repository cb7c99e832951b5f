"""The refund calculator: one breakdown for every case, never more than was captured.

Amounts are integer minor units throughout. A refunded unit gives back its share of what the
line was charged (price less its discounts, plus tax unless included), floored on the running
count of refunded units (``unit_share``), so a line refunded in any number of parts gives back
exactly its charged total, and shipping gives back what shipping was charged.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ordergraph.domain.errors import DomainError, InvalidInput
from ordergraph.domain.money import Money
from ordergraph.domain.orders import Order
from ordergraph.domain.price_calculation import unit_share


class RefundStatus(enum.StrEnum):
    PENDING = "PENDING"  # claimed, the gateway is being asked
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"  # the gateway failed: nothing was paid back; ask again


class RefundNotPossible(DomainError):
    def __init__(self, message: str, *, code: str, field: list[str] | None = None) -> None:
        super().__init__(message, field=field)
        self.code = code


@dataclass(frozen=True, slots=True)
class RefundRequest:
    lines: Mapping[int, int] = field(default_factory=dict)  # order line id → units
    shipping: bool = False
    appeasement: Money | None = None
    everything: bool = False  # all that is left: a cancelled order


@dataclass(frozen=True, slots=True)
class RefundLine:
    order_line_id: int
    quantity: int
    amount: Money


@dataclass(frozen=True, slots=True)
class RefundBreakdown:
    lines: tuple[RefundLine, ...]
    shipping: Money
    appeasement: Money
    adjustment: Money  # ≤ 0: what "everything" had to give up to stay within what is left
    total: Money
    refundable_before: Money  # captured minus refunded (and pending), before this refund


@dataclass(slots=True)
class Refund:
    id: int | None
    order_id: int
    return_id: int | None
    status: RefundStatus
    reason: str | None
    breakdown: RefundBreakdown
    created_at: datetime
    created_by: str
    gateway_reference: str | None = None
    error: str | None = None
    completed_at: datetime | None = None

    @property
    def counts(self) -> bool:
        """Pending and succeeded refunds use up what can still be refunded."""
        return self.status is not RefundStatus.FAILED


def paid_back_units(
    previous: Sequence[Refund], exchanged: Mapping[int, int] | None = None
) -> dict[int, int]:
    """Units per order line already paid back: in refunds that count, or sent back in
    exchanges (``exchanged``)."""
    units: dict[int, int] = dict(exchanged or {})
    for refund in previous:
        if refund.counts:
            for done in refund.breakdown.lines:
                units[done.order_line_id] = units.get(done.order_line_id, 0) + done.quantity
    return units


def calculate_refund(
    order: Order,
    request: RefundRequest,
    *,
    captured: Money,
    previous: list[Refund],
    exchanged: Mapping[int, int] | None = None,
) -> RefundBreakdown:
    """The breakdown for ``request``; raises RefundNotPossible when it cannot be paid.

    ``exchanged``: units per order line sent back in exchanges; their value paid for the
    replacement, so they count as paid back (and take their share) like refunded units."""
    currency = order.currency
    zero = Money(0, currency)
    counting = [r for r in previous if r.counts]
    refunded_units = paid_back_units(counting, exchanged)
    refunded = sum((r.breakdown.total for r in counting), zero)
    left = Money(max(0, captured.minor_units - refunded.minor_units), currency)
    shipping_refunded = sum((r.breakdown.shipping for r in counting), zero)

    by_id = {line.id: line for line in order.lines}
    wanted = (
        {i: line.quantity - refunded_units.get(i, 0) for i, line in by_id.items() if i is not None}
        if request.everything
        else dict(request.lines)
    )
    lines: list[RefundLine] = []
    for index, (line_id, units) in enumerate(wanted.items()):
        line = by_id.get(line_id)
        if line is None:
            raise InvalidInput(
                "is not a line of this order",
                field=["lines", str(index), "orderLineId"],
                code="NOT_FOUND",
            )
        still = line.quantity - refunded_units.get(line_id, 0)
        if units < 0 or units > still:
            raise RefundNotPossible(
                f"only {still} of {line.sku} can still be refunded",
                code="REFUND_QUANTITY_EXCEEDED",
                field=["lines", str(index), "quantity"],
            )
        if units:
            # the units' share of what was charged for the line (its discounts and tax
            # included), so refunding a line in parts gives back exactly what it cost
            before = refunded_units.get(line_id, 0)
            amount = unit_share(line.charged.minor_units, line.quantity, before, units)
            lines.append(RefundLine(line_id, units, Money(amount, currency)))

    shipping = (
        Money(order.shipping_charged.minor_units - shipping_refunded.minor_units, currency)
        if request.shipping or request.everything
        else zero
    )
    appeasement = request.appeasement or zero
    if appeasement.currency != currency:
        raise InvalidInput(
            f"must be in the order's currency {currency}",
            field=["appeasement", "currency"],
            code="INVALID_CURRENCY",
        )
    if appeasement.minor_units < 0:
        raise InvalidInput(
            "must not be negative", field=["appeasement", "amount"], code="INVALID_AMOUNT"
        )
    total = sum((line.amount for line in lines), zero) + shipping + appeasement
    adjustment = zero
    if request.everything and total.minor_units > left.minor_units:
        adjustment = Money(left.minor_units - total.minor_units, currency)
        total = left
    if total.minor_units == 0:
        raise RefundNotPossible("there is nothing to refund", code="NOTHING_TO_REFUND")
    if total.minor_units > left.minor_units:
        raise RefundNotPossible(
            f"{total.amount} {currency} is more than the {left.amount} {currency} that can "
            "still be refunded",
            code="REFUND_EXCEEDS_CAPTURED",
        )
    return RefundBreakdown(tuple(lines), shipping, appeasement, adjustment, total, left)
