"""Change sets: what an edit, a partial cancellation or an exchange does to an order's lines.

One mechanism for all three (ARCHITECTURE.md, decision 9): the caller states changes, and
``plan_changes`` turns them, with what the warehouses already hold, into one ``ChangePlan`` —
each line's quantity before and after. Stock, money and the new version all follow from the
plan in ``services.change_sets``; nothing here does I/O.

A unit is editable until a warehouse starts picking it: units in a fulfillment that is PICKING,
PACKED or SHIPPED are locked, so a line can go down to its locked units and no further.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ordergraph.domain.customers import Address
from ordergraph.domain.errors import DomainError, InvalidInput, NotFound
from ordergraph.domain.orders import MAX_LINES, MAX_QUANTITY, OrderStatus, PaymentStatus

MAX_CHANGES = 50

# Statuses in which lines can still change: something is left that no warehouse has picked.
EDITABLE = frozenset(
    {
        OrderStatus.PLACED,
        OrderStatus.CONFIRMED,
        OrderStatus.PROCESSING,
        OrderStatus.PARTIALLY_SHIPPED,
    }
)


class ChangeKind(enum.StrEnum):
    EDIT = "EDIT"
    CANCELLATION = "CANCELLATION"
    EXCHANGE = "EXCHANGE"


class OrderNotEditable(DomainError):
    """The order is shipped, delivered or cancelled: nothing about it can change any more."""

    code = "ORDER_NOT_EDITABLE"

    def __init__(self, number: str, status: OrderStatus) -> None:
        super().__init__(f"order {number} is {status.value} and can no longer be changed")


class LineNotEditable(DomainError):
    """Units of the line are picked, packed or shipped: they cannot be taken off the order."""

    code = "LINE_NOT_EDITABLE"


class OrderWouldBeEmpty(DomainError):
    """The change would leave no units on the order: cancel the order instead."""

    code = "ORDER_WOULD_BE_EMPTY"


class NothingToChange(DomainError):
    code = "NOTHING_TO_CHANGE"


@dataclass(frozen=True, slots=True)
class AddLine:
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class RemoveLine:
    order_line_id: int


@dataclass(frozen=True, slots=True)
class SetQuantity:
    order_line_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class SetShippingAddress:
    address: Address


@dataclass(frozen=True, slots=True)
class SetShippingMethod:
    """Ship with the carrier service of ``option_id`` (a ``shippingOptions`` id), re-priced."""

    option_id: str


Change = AddLine | RemoveLine | SetQuantity | SetShippingAddress | SetShippingMethod


@dataclass(frozen=True, slots=True)
class LineState:
    """A line as the warehouses see it: ``locked`` units are picked, packed or shipped."""

    line_id: int
    sku: str
    quantity: int
    locked: int = 0
    shipped: int = 0


@dataclass(frozen=True, slots=True)
class PlannedLine:
    line_id: int | None  # None: a line the change adds
    sku: str
    before: int
    after: int

    @property
    def delta(self) -> int:
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class ChangePlan:
    lines: tuple[PlannedLine, ...]
    address: Address | None = None  # a new shipping address, if the change sets one
    shipped: Mapping[int, int] | None = None  # line id → units shipped (for the status)
    shipping_option: str | None = None  # a shippingOptions id, if the change sets the method
    shipping_option_field: tuple[str, ...] = ("changes",)  # where it was given, for userErrors

    @property
    def changed(self) -> tuple[PlannedLine, ...]:
        return tuple(line for line in self.lines if line.delta)

    @property
    def kept(self) -> tuple[PlannedLine, ...]:
        """Lines that stay on the order (quantity above zero)."""
        return tuple(line for line in self.lines if line.after > 0)

    @property
    def everything_shipped(self) -> bool:
        """After the change, every unit left on the order has shipped (nothing open)."""
        shipped = self.shipped or {}
        return all(
            line.line_id is not None and shipped.get(line.line_id, 0) >= line.after
            for line in self.lines
        )

    def diff(self) -> list[dict[str, object]]:
        return [
            {"lineId": line.line_id, "sku": line.sku, "before": line.before, "after": line.after}
            for line in self.changed
        ]


def check_editable(number: str, status: OrderStatus) -> None:
    if status not in EDITABLE:
        raise OrderNotEditable(number, status)


def _quantity(value: int, field: list[str], *, minimum: int = 1) -> int:
    if not minimum <= value <= MAX_QUANTITY:
        raise InvalidInput(
            f"must be between {minimum} and {MAX_QUANTITY}", field=field, code="INVALID_QUANTITY"
        )
    return value


def plan_changes(
    lines: Sequence[LineState], changes: Sequence[Change], *, field: str = "changes"
) -> ChangePlan:
    """Each line's quantity after ``changes``; refuses unknown lines (``NOT_FOUND``), a line
    changed twice or the shipping address or method set twice (``DUPLICATE``), taking off
    locked units or changing how picked units ship (``LINE_NOT_EDITABLE``), an empty
    order (``ORDER_WOULD_BE_EMPTY``) and a change set that changes nothing. Adding a SKU the
    order has already raises that line's quantity (an order has one line per SKU)."""
    if not changes:
        raise InvalidInput("give at least one change", field=[field], code="REQUIRED")
    if len(changes) > MAX_CHANGES:
        raise InvalidInput(
            f"at most {MAX_CHANGES} changes at once", field=[field], code="TOO_MANY_LINES"
        )
    by_id = {line.line_id: line for line in lines}
    by_sku = {line.sku: line for line in lines}
    after = {line.line_id: line.quantity for line in lines}
    added: dict[str, int] = {}
    touched: set[int] = set()
    address: Address | None = None
    option: str | None = None
    option_field: tuple[str, ...] = (field,)
    for index, change in enumerate(changes):
        at = [field, str(index)]
        match change:
            case AddLine(sku, quantity):
                _quantity(quantity, [*at, "addLine", "quantity"])
                existing = by_sku.get(sku)
                if existing is not None:
                    _touch(touched, existing.line_id, at)
                    after[existing.line_id] = _quantity(
                        after[existing.line_id] + quantity, [*at, "addLine", "quantity"]
                    )
                else:
                    if sku in added:
                        raise InvalidInput(
                            f"{sku} is added twice", field=[*at, "addLine", "sku"], code="DUPLICATE"
                        )
                    added[sku] = quantity
            case RemoveLine(line_id) | SetQuantity(line_id, _):
                name = "removeLine" if isinstance(change, RemoveLine) else "setQuantity"
                line = by_id.get(line_id)
                if line is None:
                    raise NotFound("is not a line of this order", field=[*at, name, "orderLineId"])
                _touch(touched, line_id, at)
                wanted = 0 if isinstance(change, RemoveLine) else change.quantity
                if isinstance(change, SetQuantity):
                    _quantity(wanted, [*at, name, "quantity"], minimum=0)
                if wanted < line.locked:
                    raise LineNotEditable(
                        f"{line.locked} of {line.sku} are picked, packed or shipped: the line "
                        f"cannot go below {line.locked}",
                        field=[*at, name, "orderLineId" if wanted == 0 else "quantity"],
                    )
                after[line_id] = wanted
            case SetShippingAddress(new_address):
                _check_shipping_open(lines, address, "address", [*at, "setShippingAddress"])
                address = new_address
            case SetShippingMethod(option_id):
                _check_shipping_open(lines, option, "method", [*at, "setShippingMethod"])
                option = option_id
                option_field = (*at, "setShippingMethod", "shippingOptionId")
    planned = [
        PlannedLine(line.line_id, line.sku, line.quantity, after[line.line_id]) for line in lines
    ]
    planned += [PlannedLine(None, sku, 0, quantity) for sku, quantity in added.items()]
    if len([p for p in planned if p.after > 0]) > MAX_LINES:
        raise InvalidInput(
            f"an order may have at most {MAX_LINES} lines", field=[field], code="TOO_MANY_LINES"
        )
    if not any(p.after > 0 for p in planned):
        raise OrderWouldBeEmpty(
            "the change would leave the order without units: cancel the order instead",
            field=[field],
        )
    plan = ChangePlan(
        tuple(planned),
        address,
        {line.line_id: line.shipped for line in lines},
        shipping_option=option,
        shipping_option_field=option_field,
    )
    if not plan.changed and address is None and option is None:
        raise NothingToChange("the changes leave the order as it is", field=[field])
    return plan


def _check_shipping_open(
    lines: Sequence[LineState], already: object, what: str, at: list[str]
) -> None:
    """The shipping address or method may be set once per change set, and only while no unit
    is picked: picked units are on their way to the current address with the current method."""
    if already is not None:
        raise InvalidInput(f"the shipping {what} is set twice", field=at[:-1], code="DUPLICATE")
    if any(line.locked for line in lines):
        raise LineNotEditable(
            "units are picked, packed or shipped to the current address: "
            f"the shipping {what} can no longer change",
            field=at,
        )


def _touch(touched: set[int], line_id: int, at: list[str]) -> None:
    if line_id in touched:
        raise InvalidInput("changes the same line twice", field=at, code="DUPLICATE")
    touched.add(line_id)


def cancellation_changes(
    lines: Sequence[LineState], cancel: Sequence[tuple[int, int]]
) -> list[Change]:
    """``cancelOrderLines``' (order line id, units) as changes: each line down by its units,
    which must be units not yet picked (``LINE_NOT_EDITABLE`` otherwise)."""
    by_id = {line.line_id: line for line in lines}
    changes: list[Change] = []
    for index, (line_id, units) in enumerate(cancel):
        at = ["lines", str(index)]
        line = by_id.get(line_id)
        if line is None:
            raise NotFound("is not a line of this order", field=[*at, "orderLineId"])
        _quantity(units, [*at, "quantity"])
        open_units = line.quantity - line.locked
        if units > open_units:
            raise LineNotEditable(
                f"only {open_units} of {line.sku} are not yet picked and can be cancelled",
                field=[*at, "quantity"],
            )
        changes.append(SetQuantity(line_id, line.quantity - units))
    return changes


def line_states(
    lines: Sequence[tuple[int, str, int]],
    locked: Mapping[int, int],
    shipped: Mapping[int, int],
) -> list[LineState]:
    """Lines (id, sku, quantity) with their locked and shipped units."""
    return [
        LineState(line_id, sku, quantity, locked.get(line_id, 0), shipped.get(line_id, 0))
        for line_id, sku, quantity in lines
    ]


class MoneyAction(enum.StrEnum):
    """How a change set settles the difference in total with the customer's payment."""

    NONE = "NONE"  # nothing paid yet (the payment will be for the new total), or no difference
    AUTHORIZE = "AUTHORIZE"  # funds held: a new hold for what is still to capture, old voided
    CHARGE = "CHARGE"  # paid: the difference is charged now
    REFUND = "REFUND"  # paid: the difference is refunded after the change commits
    CAPTURE_LESS = "CAPTURE_LESS"  # funds held: later captures take only the new total


def money_action(payment_status: PaymentStatus, difference: int) -> MoneyAction:
    """The settlement for a ``difference`` (new total - old, minor units) by payment status."""
    if difference == 0:
        return MoneyAction.NONE
    if payment_status in {PaymentStatus.AUTHORIZED, PaymentStatus.PARTIALLY_CAPTURED}:
        return MoneyAction.AUTHORIZE if difference > 0 else MoneyAction.CAPTURE_LESS
    if payment_status in {PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED}:
        return MoneyAction.CHARGE if difference > 0 else MoneyAction.REFUND
    return MoneyAction.NONE


class PaymentRequired(DomainError):
    """The change raises the total of a paid (or authorized) order and no payment was given."""

    code = "PAYMENT_REQUIRED"
