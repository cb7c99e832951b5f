"""Orders from other channels: the rules an import must meet, and who took an order.

An imported order was sold elsewhere (a marketplace, a shop's till, a partner), so its prices
and the money already collected are facts reported by that channel, not ours to compute: the
rules here only check that those facts add up. ``source`` + ``external_id`` name the order
there; the database keeps them unique, so a replay finds the first order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from ordergraph.domain.errors import DomainError, InvalidInput
from ordergraph.domain.money import Money
from ordergraph.domain.orders import MAX_LINES, MAX_QUANTITY, Channel, OrderStatus, PaymentStatus
from ordergraph.domain.principals import Principal, Role
from ordergraph.domain.validation import clean_sku, clean_text, optional_text

MAX_SALES_REP = 200
MAX_EXTERNAL_ID = 200
CLOCK_SKEW = timedelta(minutes=5)  # a till's clock may run a little ahead of ours
# channels where a person takes the order; a staff token that places one is that person
REP_CHANNELS = frozenset({Channel.PHONE, Channel.SALES_REP})
STAFF_ROLES = frozenset({Role.STAFF, Role.ADMIN})
EXTERNAL_GATEWAY = "external"  # money the channel collected: recorded, never charged by us

_SOURCE_RE = re.compile(r"^[a-z0-9][a-z0-9._:-]{0,63}$")


class ImportedDifferently(DomainError):
    """The channel's order id was imported before with other content; nothing was changed."""

    code = "ALREADY_IMPORTED"

    def __init__(self, order_id: int, number: str, source: str, external_id: str) -> None:
        super().__init__(
            f"{source} order {external_id} was imported before as {number} with different "
            "content; nothing was changed (edit or cancel that order instead)",
            field=["externalId"],
        )
        self.order_id = order_id


def sales_rep_for(channel: Channel, actor: Principal, given: str | None) -> str | None:
    """The sales rep as given; for phone and sales-rep orders a staff caller by default."""
    rep = optional_text(given, ["salesRep"], max_length=MAX_SALES_REP)
    if rep is None and channel in REP_CHANNELS and actor.role in STAFF_ROLES:
        return actor.name
    return rep


@dataclass(frozen=True, slots=True)
class RawMoney:
    amount: Decimal | str
    currency: str


@dataclass(frozen=True, slots=True)
class RawImportLine:
    sku: str
    quantity: int
    unit_price: RawMoney


@dataclass(frozen=True, slots=True)
class ImportLine:
    sku: str
    quantity: int
    unit_price: Money


@dataclass(frozen=True, slots=True)
class ImportTerms:
    """A validated import: what was sold, for how much, and how much was paid."""

    source: str
    external_id: str
    lines: tuple[ImportLine, ...]
    currency: str
    shipping_total: Money
    paid: Money
    already_fulfilled: bool
    placed_at: datetime | None

    @property
    def total(self) -> Money:
        subtotal = sum(
            (line.unit_price * line.quantity for line in self.lines), Money(0, self.currency)
        )
        return subtotal + self.shipping_total

    @property
    def demand(self) -> dict[str, int]:
        return {line.sku: line.quantity for line in self.lines}

    @property
    def payment_status(self) -> PaymentStatus:
        """PAID once the channel collected the whole total (a free order is paid), else
        PENDING: partial payments are refused by ``check_import``."""
        return (
            PaymentStatus.PAID
            if self.paid.minor_units == self.total.minor_units
            else PaymentStatus.PENDING
        )

    @property
    def status(self) -> OrderStatus:
        """Goods handed over at the counter: the order is over, DELIVERED (returns work from
        there). Otherwise it starts PLACED, and the payment confirms it as usual."""
        return OrderStatus.DELIVERED if self.already_fulfilled else OrderStatus.PLACED


def clean_source(value: str) -> str:
    cleaned = clean_text(value, ["source"], max_length=64).lower()
    if not _SOURCE_RE.match(cleaned):
        raise InvalidInput(
            "may contain only letters, digits, '.', '_', ':' and '-'",
            field=["source"],
            code="INVALID",
        )
    return cleaned


def _money(raw: RawMoney, field: Sequence[str]) -> Money:
    money = Money.parse(raw.amount, raw.currency, field)
    if money.minor_units < 0:
        raise InvalidInput("must not be negative", field=[*field, "amount"], code="INVALID_AMOUNT")
    return money


def _same_currency(money: Money, currency: str, field: Sequence[str]) -> None:
    if money.currency != currency:
        raise InvalidInput(
            f"must be in {currency}, the currency of the lines",
            field=[*field, "currency"],
            code="MIXED_CURRENCY",
        )


def check_lines(lines: Sequence[RawImportLine]) -> tuple[ImportLine, ...]:
    if not lines:
        raise InvalidInput("an order needs at least one line", field=["lines"], code="REQUIRED")
    if len(lines) > MAX_LINES:
        raise InvalidInput(
            f"an order may have at most {MAX_LINES} lines", field=["lines"], code="TOO_MANY_LINES"
        )
    checked: list[ImportLine] = []
    seen: set[str] = set()
    for index, line in enumerate(lines):
        at = ["lines", str(index)]
        sku = clean_sku(line.sku, [*at, "sku"])
        if sku in seen:
            raise InvalidInput(
                f"{sku} appears twice: send one line per SKU",
                field=[*at, "sku"],
                code="DUPLICATE",
            )
        seen.add(sku)
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise InvalidInput(
                f"must be between 1 and {MAX_QUANTITY}",
                field=[*at, "quantity"],
                code="INVALID_QUANTITY",
            )
        price = _money(line.unit_price, [*at, "unitPrice"])
        if checked:
            _same_currency(price, checked[0].unit_price.currency, [*at, "unitPrice"])
        checked.append(ImportLine(sku, line.quantity, price))
    return tuple(checked)


def check_import(
    *,
    source: str,
    external_id: str,
    lines: Sequence[RawImportLine],
    shipping_total: RawMoney | None,
    paid_amount: RawMoney | None,
    already_fulfilled: bool,
    placed_at: datetime | None,
    now: datetime,
) -> ImportTerms:
    """Validate an import: one currency, positive quantities, no negative amounts, paid either
    nothing or the whole total, taken no later than now."""
    checked = check_lines(lines)
    currency = checked[0].unit_price.currency
    shipping = Money(0, currency)
    if shipping_total is not None:
        shipping = _money(shipping_total, ["shippingTotal"])
        _same_currency(shipping, currency, ["shippingTotal"])
    paid = Money(0, currency)
    if paid_amount is not None:
        paid = _money(paid_amount, ["paidAmount"])
        _same_currency(paid, currency, ["paidAmount"])
    if placed_at is not None:
        if placed_at.tzinfo is None:
            raise InvalidInput("needs a UTC offset", field=["placedAt"])
        if placed_at > now + CLOCK_SKEW:
            raise InvalidInput("must not be in the future", field=["placedAt"])
    terms = ImportTerms(
        source=clean_source(source),
        external_id=clean_text(external_id, ["externalId"], max_length=MAX_EXTERNAL_ID),
        lines=checked,
        currency=currency,
        shipping_total=shipping,
        paid=paid,
        already_fulfilled=already_fulfilled,
        placed_at=placed_at,
    )
    total = terms.total.minor_units
    if paid.minor_units > total:
        raise InvalidInput(
            f"must not exceed the order total of {terms.total.amount} {currency}",
            field=["paidAmount", "amount"],
            code="INVALID_AMOUNT",
        )
    if 0 < paid.minor_units < total:
        raise InvalidInput(
            f"must be 0 or the whole total of {terms.total.amount} {currency}: partly paid "
            "orders cannot be imported yet",
            field=["paidAmount", "amount"],
            code="INVALID_AMOUNT",
        )
    return terms
