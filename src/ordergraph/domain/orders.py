"""The order aggregate: its lifecycle, lines, totals, holds and the events it records."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ordergraph.domain.customers import Address
from ordergraph.domain.errors import DomainError, InvalidInput
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.money import Money
from ordergraph.domain.payment_status import UNPAID, move_payment
from ordergraph.domain.payment_status import PaymentStatus as PaymentStatus  # re-exported

MAX_LINES = 250
MAX_QUANTITY = 10_000


class OrderStatus(enum.StrEnum):
    PLACED = "PLACED"
    CONFIRMED = "CONFIRMED"
    PROCESSING = "PROCESSING"
    PARTIALLY_SHIPPED = "PARTIALLY_SHIPPED"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


class Channel(enum.StrEnum):
    WEB = "WEB"
    APP = "APP"
    STORE = "STORE"
    PHONE = "PHONE"
    SALES_REP = "SALES_REP"
    MARKETPLACE = "MARKETPLACE"


class HoldType(enum.StrEnum):
    PAYMENT_REVIEW = "PAYMENT_REVIEW"
    FRAUD_REVIEW = "FRAUD_REVIEW"
    ADDRESS_VERIFICATION = "ADDRESS_VERIFICATION"
    STOCK_ISSUE = "STOCK_ISSUE"
    CUSTOMER_REQUEST = "CUSTOMER_REQUEST"
    DELIVERY_EXCEPTION = "DELIVERY_EXCEPTION"  # a carrier returned or failed a parcel
    AWAITING_RETURN = "AWAITING_RETURN"  # an exchange's replacement waits for the return
    OTHER = "OTHER"


# Holds that may be placed after everything shipped: the parcel, not the warehouse, is stuck.
AFTER_SHIPPING_HOLDS = frozenset({HoldType.DELIVERY_EXCEPTION})


TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PLACED: frozenset({OrderStatus.CONFIRMED, OrderStatus.CANCELLED}),
    OrderStatus.CONFIRMED: frozenset({OrderStatus.PROCESSING, OrderStatus.CANCELLED}),
    OrderStatus.PROCESSING: frozenset(
        {OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED, OrderStatus.CANCELLED}
    ),
    OrderStatus.PARTIALLY_SHIPPED: frozenset({OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


class IllegalTransition(DomainError):
    """The order's status does not allow this step."""

    code = "ILLEGAL_TRANSITION"

    def __init__(self, order_number: str, current: OrderStatus, wanted: OrderStatus) -> None:
        super().__init__(
            f"order {order_number} is {current.value} and cannot become {wanted.value}"
        )
        self.current = current
        self.wanted = wanted


class OrderNotCancellable(DomainError):
    code = "ORDER_NOT_CANCELLABLE"

    def __init__(self, order_number: str, status: OrderStatus) -> None:
        super().__init__(f"order {order_number} is {status.value} and can no longer be cancelled")


class OrderNotPayable(DomainError):
    code = "ORDER_NOT_PAYABLE"


class OrderOnHold(DomainError):
    code = "ORDER_ON_HOLD"


class OutOfStock(DomainError):
    """Not enough stock across all warehouses for one or more SKUs."""

    code = "OUT_OF_STOCK"

    def __init__(self, shortfall: Mapping[str, int]) -> None:
        detail = ", ".join(f"{sku} short by {n}" for sku, n in sorted(shortfall.items()))
        super().__init__(f"not enough stock: {detail}", field=["lines"])
        self.shortfall = dict(shortfall)


@dataclass(frozen=True, slots=True)
class RequestedLine:
    sku: str
    quantity: int


def merge_lines(lines: list[RequestedLine]) -> dict[str, int]:
    """Validate requested lines and merge duplicate SKUs (order of first appearance kept)."""
    if not lines:
        raise InvalidInput("an order needs at least one line", field=["lines"], code="REQUIRED")
    if len(lines) > MAX_LINES:
        raise InvalidInput(
            f"an order may have at most {MAX_LINES} lines", field=["lines"], code="TOO_MANY_LINES"
        )
    merged: dict[str, int] = {}
    for index, line in enumerate(lines):
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise InvalidInput(
                f"must be between 1 and {MAX_QUANTITY}",
                field=["lines", str(index), "quantity"],
                code="INVALID_QUANTITY",
            )
        merged[line.sku] = merged.get(line.sku, 0) + line.quantity
        if merged[line.sku] > MAX_QUANTITY:
            raise InvalidInput(
                f"total quantity of {line.sku} exceeds {MAX_QUANTITY}",
                field=["lines", str(index), "quantity"],
                code="INVALID_QUANTITY",
            )
    return merged


@dataclass(slots=True)
class OrderLine:
    id: int | None
    sku: str
    name: str
    quantity: int
    unit_price: Money
    discount: int = 0  # minor units: the discounts' shares of this line
    tax: int = 0  # minor units: the line's tax (inside the price when ``tax_included``)
    tax_included: bool = False
    tax_class: str | None = None

    @property
    def total(self) -> Money:
        """Unit price times quantity, before discounts (and as displayed: with or without tax)."""
        return self.unit_price * self.quantity

    @property
    def charged(self) -> Money:
        """What the customer pays for the line: less its discounts, plus tax unless included."""
        extra = 0 if self.tax_included else self.tax
        return Money(self.total.minor_units - self.discount + extra, self.unit_price.currency)


@dataclass(slots=True)
class Hold:
    id: int | None
    type: HoldType
    reason: str | None
    created_at: datetime
    created_by: str
    released_at: datetime | None = None
    released_by: str | None = None

    @property
    def active(self) -> bool:
        return self.released_at is None


@dataclass(slots=True)
class Order:
    id: int | None
    number: str
    status: OrderStatus
    payment_status: PaymentStatus
    channel: Channel
    customer_id: int | None
    email: str
    contact_name: str | None
    phone: str | None
    currency: str
    lines: list[OrderLine]
    shipping_total: Money
    shipping_address: Address
    placed_by: str
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None = None
    promised_delivery_at: datetime | None = None
    confirmed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    routing: dict[str, Any] | None = None
    placed_by_token_id: int | None = None  # the API token that placed it, if any
    ship_by_at: datetime | None = None
    delivered_at: datetime | None = None
    at_risk_reasons: list[str] = field(default_factory=list)
    authorization_expires_at: datetime | None = None  # when the provider lets the hold lapse
    locale: str | None = None  # the customer's language for mail (BCP 47, e.g. nl-NL)
    timezone: str | None = None  # IANA name, for dates in mail
    sales_rep: str | None = None  # the staff member or rep who took the order
    source: str | None = None  # an order taken elsewhere: the channel's name ("amazon")
    external_id: str | None = None  # ... and its id there; unique with ``source``
    import_fingerprint: str | None = None  # digest of the imported content (replays match it)
    holds: list[Hold] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)  # labels staff and rules put on it
    metadata: dict[str, str] = field(default_factory=dict)  # domain/annotations.py
    private_metadata: dict[str, str] = field(default_factory=dict)  # staff only
    shipping_discount: int = 0  # minor units taken off ``shipping_total``
    shipping_tax: int = 0  # minor units of tax on shipping
    prices_include_tax: bool = False  # the market's tax display when it was placed
    tax_policy: str | None = None  # TaxPolicyUsed (NONE / PROVIDER / FALLBACK); None: older
    market_id: int | None = None  # None: the built-in default market
    version: int = 1
    pending_events: list[DomainEvent] = field(default_factory=list)

    @property
    def subtotal(self) -> Money:
        total = Money(0, self.currency)
        for line in self.lines:
            total = total + line.total
        return total

    @property
    def discount_total(self) -> Money:
        """Every discount's share, of the lines and of shipping."""
        lines = sum(line.discount for line in self.lines)
        return Money(lines + self.shipping_discount, self.currency)

    @property
    def tax_total(self) -> Money:
        """Tax on the lines and on shipping (contained in the prices when they include it)."""
        return Money(sum(line.tax for line in self.lines) + self.shipping_tax, self.currency)

    @property
    def shipping_charged(self) -> Money:
        """What the customer pays for shipping: less its discount, plus tax unless included."""
        extra = 0 if self.prices_include_tax else self.shipping_tax
        minor = self.shipping_total.minor_units - self.shipping_discount + extra
        return Money(minor, self.currency)

    @property
    def total(self) -> Money:
        """Subtotal less discounts, plus shipping, plus tax unless the prices include it."""
        tax = Money(0, self.currency) if self.prices_include_tax else self.tax_total
        return self.subtotal - self.discount_total + self.shipping_total + tax

    @property
    def active_holds(self) -> list[Hold]:
        return [h for h in self.holds if h.active]

    def record(self, type_: str, actor: str, payload: dict[str, Any] | None = None) -> None:
        assert self.id is not None, "record events after the order has an id"
        self.pending_events.append(
            DomainEvent(
                type=type_,
                aggregate_type="Order",
                aggregate_id=self.id,
                payload={"number": self.number, "status": self.status.value, **(payload or {})},
                order_id=self.id,
                actor=actor,
            )
        )

    def _move(self, wanted: OrderStatus, now: datetime) -> None:
        if wanted not in TRANSITIONS[self.status]:
            raise IllegalTransition(self.number, self.status, wanted)
        self.status = wanted
        self.updated_at = now
        self.version += 1

    def can_take_payment(self) -> bool:
        return self.status is OrderStatus.PLACED and self.payment_status in UNPAID

    def _move_payment(self, wanted: PaymentStatus, now: datetime) -> None:
        self.payment_status = move_payment(self.payment_status, wanted)
        self.updated_at = now
        self.version += 1

    def confirm(
        self,
        payment_status: PaymentStatus | None,
        now: datetime,
        actor: str,
        ship_by: datetime | None = None,
    ) -> None:
        """Payment secured: PLACED → CONFIRMED; the reservation no longer expires, and the
        warehouses have until ``ship_by`` to ship. ``payment_status`` None: confirmed on payment
        terms (cash on delivery, invoice), the payment stays as it is (PENDING)."""
        self._move(OrderStatus.CONFIRMED, now)
        if payment_status is not None:
            self.payment_status = move_payment(self.payment_status, payment_status)
        self.confirmed_at = now
        self.ship_by_at = ship_by
        self.expires_at = None
        payload: dict[str, Any] = {"paymentStatus": self.payment_status.value}
        if payment_status is None:
            payload["paymentTerms"] = True
        self.record("order.confirmed", actor, payload)

    def payment_failed(self, now: datetime, actor: str, code: str) -> None:
        self._move_payment(PaymentStatus.FAILED, now)
        self.record("order.payment_failed", actor, {"code": code})

    def payment_action_required(self, now: datetime, actor: str) -> None:
        """The customer has to complete the payment (3-D Secure); the order stays PLACED."""
        self._move_payment(PaymentStatus.ACTION_REQUIRED, now)
        self.record("order.payment_action_required", actor)

    def mark_captured(self, now: datetime, actor: str, *, final: bool = True) -> None:
        """Capture of an earlier authorization (all of it, or one shipment's part)."""
        if self.status is OrderStatus.CANCELLED:
            raise OrderNotPayable(f"order {self.number} is CANCELLED")
        wanted = PaymentStatus.PAID if final else PaymentStatus.PARTIALLY_CAPTURED
        if self.payment_status is PaymentStatus.PARTIALLY_REFUNDED:
            wanted = PaymentStatus.PARTIALLY_REFUNDED  # a later shipment after a refund
        elif self.payment_status not in {
            PaymentStatus.AUTHORIZED,
            PaymentStatus.PARTIALLY_CAPTURED,
        }:
            raise OrderNotPayable(
                f"order {self.number} has payment {self.payment_status.value}, not AUTHORIZED"
            )
        self._move_payment(wanted, now)
        self.record("order.payment_captured", actor, {"final": final})

    def set_payment_status(self, status: PaymentStatus, now: datetime, actor: str) -> None:
        """Money moved after the fact (void, refund, a late charge), as the table allows."""
        self._move_payment(status, now)
        self.record("order.payment_updated", actor, {"paymentStatus": status.value})

    def cancel(self, reason: str, now: datetime, actor: str) -> None:
        if OrderStatus.CANCELLED not in TRANSITIONS[self.status]:
            raise OrderNotCancellable(self.number, self.status)
        self._move(OrderStatus.CANCELLED, now)
        self.cancelled_at = now
        self.cancel_reason = reason
        self.expires_at = None
        self.record("order.cancelled", actor, {"reason": reason})

    def place_hold(self, hold: Hold, now: datetime) -> None:
        after_shipping = self.status is OrderStatus.SHIPPED and hold.type in AFTER_SHIPPING_HOLDS
        closed = {OrderStatus.CANCELLED, OrderStatus.DELIVERED, OrderStatus.SHIPPED}
        if self.status in closed and not after_shipping:
            raise IllegalTransition(self.number, self.status, self.status)
        if any(h.type is hold.type for h in self.active_holds):
            raise InvalidInput(
                f"order {self.number} already has an active {hold.type.value} hold",
                field=["type"],
                code="DUPLICATE",
            )
        self.holds.append(hold)
        self.updated_at = now
        self.version += 1
        self.record("order.hold_placed", hold.created_by, {"holdType": hold.type.value})

    def release_hold(self, hold_type: HoldType, now: datetime, actor: str) -> Hold:
        hold = next((h for h in self.active_holds if h.type is hold_type), None)
        if hold is None:
            raise InvalidInput(
                f"order {self.number} has no active {hold_type.value} hold",
                field=["type"],
                code="NOT_FOUND",
            )
        hold.released_at = now
        hold.released_by = actor
        self.updated_at = now
        self.version += 1
        self.record("order.hold_released", actor, {"holdType": hold_type.value})
        return hold

    def start_processing(self, now: datetime, actor: str) -> None:
        """The first pick started: CONFIRMED → PROCESSING (later picks change nothing)."""
        if self.status is OrderStatus.CONFIRMED:
            self._move(OrderStatus.PROCESSING, now)
            self.record("order.processing", actor)
        elif self.status not in {OrderStatus.PROCESSING, OrderStatus.PARTIALLY_SHIPPED}:
            raise IllegalTransition(self.number, self.status, OrderStatus.PROCESSING)

    def shipped(self, everything: bool, now: datetime, actor: str) -> None:
        """Units left a warehouse: PARTIALLY_SHIPPED, or SHIPPED once nothing is left."""
        wanted = OrderStatus.SHIPPED if everything else OrderStatus.PARTIALLY_SHIPPED
        self._move(wanted, now)
        self.record(f"order.{wanted.value.lower()}", actor)
        if everything and "NOT_SHIPPED_IN_TIME" in self.at_risk_reasons:
            self.at_risk_reasons = [r for r in self.at_risk_reasons if r != "NOT_SHIPPED_IN_TIME"]

    def delivered(self, at: datetime, now: datetime, actor: str) -> None:
        self._move(OrderStatus.DELIVERED, now)
        self.delivered_at = at
        self.at_risk_reasons = []
        self.record("order.delivered", actor, {"deliveredAt": at.isoformat()})

    def flag_at_risk(self, reasons: list[str], now: datetime, actor: str) -> bool:
        """Record new risk reasons (e.g. NOT_SHIPPED_IN_TIME); True if anything was new."""
        new = [r for r in reasons if r not in self.at_risk_reasons]
        if not new:
            return False
        self.at_risk_reasons = sorted({*self.at_risk_reasons, *new})
        self.updated_at = now
        self.version += 1
        self.record("order.at_risk", actor, {"reasons": new})
        return True

    @property
    def at_risk(self) -> bool:
        return bool(self.at_risk_reasons)

    def ensure_not_on_hold(self) -> None:
        if self.active_holds:
            kinds = ", ".join(h.type.value for h in self.active_holds)
            raise OrderOnHold(f"order {self.number} is on hold ({kinds})")
