"""Exchanges: units sent back for other units, as one linked return and replacement order.

The terms of an exchange are decided here, without I/O: which returned units the policy allows
(the same ``check_return`` a return uses), which new lines are valid, and how the money
settles. The returned units are valued with ``unit_share`` over what each line was charged —
the same share a refund of the return gives back — so the difference reverses exactly what
was paid for them:

- difference > 0: the customer owes it; it is charged before the exchange commits;
- difference < 0: the customer is owed it; it is refunded when the return is received,
  as any return's refund is;
- difference = 0: nothing moves.

The replacement waits under a hold until the return is received unless the caller asks for it
to ship before (``shipBeforeReturnReceived``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ordergraph.domain.errors import DomainError, InvalidInput
from ordergraph.domain.money import Money
from ordergraph.domain.order_changes import MAX_CHANGES
from ordergraph.domain.orders import MAX_LINES, MAX_QUANTITY, Order
from ordergraph.domain.price_calculation import unit_share
from ordergraph.domain.returns import RequestedReturnLine, Returnable, check_return


class ExchangeSettlement(enum.StrEnum):
    NONE = "NONE"  # the new lines cost what the returned units were paid
    CHARGE = "CHARGE"  # the customer pays the difference now
    REFUND_ON_RECEIPT = "REFUND_ON_RECEIPT"  # the difference is refunded on receipt


@dataclass(frozen=True, slots=True)
class NewLine:
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Exchange:
    """A committed exchange: the original order, its linked return and the replacement."""

    original_order_id: int
    replacement_order_id: int
    return_id: int
    returned: Money
    new_total: Money
    settlement: ExchangeSettlement
    hold_replacement: bool
    created_by: str
    created_at: datetime
    id: int | None = None

    @property
    def difference(self) -> Money:
        return self.new_total - self.returned


@dataclass(frozen=True, slots=True)
class ExchangeTerms:
    returned: Money  # what the returned units were paid (their refund share)
    new_total: Money  # what the replacement's lines cost today, tax and shipping included
    hold_replacement: bool

    @property
    def difference(self) -> Money:
        return self.new_total - self.returned

    @property
    def settlement(self) -> ExchangeSettlement:
        minor = self.difference.minor_units
        if minor > 0:
            return ExchangeSettlement.CHARGE
        if minor < 0:
            return ExchangeSettlement.REFUND_ON_RECEIPT
        return ExchangeSettlement.NONE


def check_return_lines(
    requested: Sequence[RequestedReturnLine],
    returnable: Mapping[int, Returnable],
    now: datetime,
) -> None:
    """The return policy for the exchanged units; errors point into ``returnLines``."""
    try:
        check_return(list(requested), returnable, now)
    except DomainError as error:
        if error.field and error.field[0] == "lines":
            error.field = ("returnLines", *error.field[1:])
        raise


def check_new_lines(lines: Sequence[NewLine]) -> None:
    """At least one, at most ``MAX_CHANGES``, each SKU once, quantities in range."""
    if not lines:
        raise InvalidInput(
            "an exchange needs at least one new line", field=["newLines"], code="REQUIRED"
        )
    if len(lines) > min(MAX_CHANGES, MAX_LINES):
        raise InvalidInput(
            f"at most {min(MAX_CHANGES, MAX_LINES)} new lines",
            field=["newLines"],
            code="TOO_MANY_LINES",
        )
    seen: set[str] = set()
    for index, line in enumerate(lines):
        at = ["newLines", str(index)]
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise InvalidInput(
                f"must be between 1 and {MAX_QUANTITY}",
                field=[*at, "quantity"],
                code="INVALID_QUANTITY",
            )
        if line.sku in seen:
            raise InvalidInput(f"{line.sku} is given twice", field=[*at, "sku"], code="DUPLICATE")
        seen.add(line.sku)


def returned_value(
    order: Order, requested: Sequence[RequestedReturnLine], refunded_units: Mapping[int, int]
) -> Money:
    """What the customer paid for the returned units: per line, the share of what the line was
    charged that a refund of those units gives back (after units already refunded)."""
    by_id = {line.id: line for line in order.lines}
    taken: dict[int, int] = dict(refunded_units)
    total = 0
    for index, wanted in enumerate(requested):
        line = by_id.get(wanted.order_line_id)
        if line is None:
            raise InvalidInput(
                "is not a line of this order",
                field=["returnLines", str(index), "orderLineId"],
                code="NOT_FOUND",
            )
        before = taken.get(wanted.order_line_id, 0)
        total += unit_share(line.charged.minor_units, line.quantity, before, wanted.quantity)
        taken[wanted.order_line_id] = before + wanted.quantity
    return Money(total, order.currency)


def exchange_terms(
    returned: Money, new_total: Money, *, ship_before_return_received: bool
) -> ExchangeTerms:
    if returned.currency != new_total.currency:
        raise InvalidInput(
            "the replacement must be priced in the order's currency",
            field=["newLines"],
            code="INVALID_CURRENCY",
        )
    return ExchangeTerms(returned, new_total, hold_replacement=not ship_before_return_received)
