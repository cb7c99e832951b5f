"""Discounts: automatic ones and codes, and the terms by which one applies to an order.

A discount is created valid (``new_discount``: a code of 1 to 64 characters in upper case, a
percentage in (0, 100], an amount in its currency's precision, a window that ends after it
starts, limits of at least 1) and is usable at a moment in a currency unless
``unusable_reason`` says why not. How much it takes off which line is pricing's business
(``covers`` tells which lines); the database enforces the usage limits (services/discounts.py).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from ordergraph.domain.errors import DomainError
from ordergraph.domain.money import Money, clean_currency, currency_exponent
from ordergraph.domain.validation import clean_code, clean_sku, clean_text


class DiscountKind(enum.StrEnum):
    PERCENTAGE = "PERCENTAGE"  # value "10" = 10 % off what it applies to
    FIXED_AMOUNT = "FIXED_AMOUNT"  # value "10" = 10.00 in ``currency`` off, split over lines
    FREE_SHIPPING = "FREE_SHIPPING"  # the shipping price is taken off


class DiscountScope(enum.StrEnum):
    ORDER = "ORDER"  # every line
    PRODUCTS = "PRODUCTS"  # lines whose SKU is in ``skus`` or whose group is in ``groups``


@dataclass(slots=True)
class Discount:
    """An automatic discount (``code`` None) or a code; amounts in minor units of ``currency``."""

    id: int | None
    code: str | None
    name: str
    kind: DiscountKind
    value: Decimal
    currency: str | None  # required for FIXED_AMOUNT and a minimum subtotal
    scope: DiscountScope = DiscountScope.ORDER
    skus: frozenset[str] = field(default_factory=frozenset)
    groups: frozenset[str] = field(default_factory=frozenset)
    minimum_subtotal: int | None = None  # minor units of ``currency``
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    usage_limit: int | None = None
    per_customer_limit: int | None = None
    combinable: bool = True
    active: bool = True
    times_used: int = 0
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def automatic(self) -> bool:
        return self.code is None

    def covers(self, sku: str, group: str | None) -> bool:
        """Whether a line of ``sku`` (in product ``group``) is discounted by this discount."""
        if self.kind is DiscountKind.FREE_SHIPPING or self.scope is DiscountScope.ORDER:
            return True
        return sku in self.skus or (group is not None and group in self.groups)


class DiscountInvalid(DomainError):
    """A discount's terms do not hold together, or a code cannot be used now."""

    code = "DISCOUNT_INVALID"


MAX_CODE = 64
MAX_NAME = 100
MAX_TARGETS = 500  # skus, and groups, of one PRODUCTS discount
MAX_LIMIT = 1_000_000_000  # fits an INTEGER column
_PERCENT_PLACES = 2


def clean_discount_code(value: str, field: Sequence[str] = ("code",)) -> str:
    """1 to 64 letters, digits, '.', '_' or '-', in upper case: codes match case-insensitively."""
    return clean_code(value, field, max_length=MAX_CODE)


def clean_discount_name(value: str) -> str:
    return clean_text(value, ["name"], max_length=MAX_NAME)


def _decimal(value: str | Decimal, field: Sequence[str]) -> Decimal:
    try:
        parsed = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, ValueError):
        raise DiscountInvalid("is not a decimal number", field=field) from None
    if not parsed.is_finite():
        raise DiscountInvalid("must be a finite number", field=field)
    return parsed


def _places(value: Decimal) -> int:
    """Significant decimal places: 12.50 has 1, 100 has 0."""
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def clean_value(kind: DiscountKind, value: str | Decimal | None, currency: str | None) -> Decimal:
    """A percentage in (0, 100] with at most two places; an amount above zero in the
    currency's precision; nothing for free shipping (stored as 0)."""
    field = ["value"]
    if kind is DiscountKind.FREE_SHIPPING:
        if value is not None:
            raise DiscountInvalid("a FREE_SHIPPING discount has no value", field=field)
        return Decimal(0)
    if value is None:
        raise DiscountInvalid(f"a {kind.value} discount needs a value", field=field)
    parsed = _decimal(value, field)
    if kind is DiscountKind.PERCENTAGE:
        if not Decimal(0) < parsed <= Decimal(100):
            raise DiscountInvalid("a percentage must be above 0 and at most 100", field=field)
        if _places(parsed) > _PERCENT_PLACES:
            raise DiscountInvalid("a percentage has at most 2 decimal places", field=field)
        return parsed.quantize(Decimal(1).scaleb(-_places(parsed)))
    if currency is None:
        raise DiscountInvalid("a FIXED_AMOUNT discount needs a currency", field=["currency"])
    if parsed <= 0:
        raise DiscountInvalid("an amount off must be above 0", field=field)
    exponent = currency_exponent(currency)
    if _places(parsed) > exponent:
        raise DiscountInvalid(
            f"has more decimal places than {currency} allows ({exponent})", field=field
        )
    if parsed.adjusted() > 12:
        raise DiscountInvalid("is too large", field=field)
    return parsed.quantize(Decimal(1).scaleb(-exponent))


def _clean_targets(
    values: Sequence[str], name: str, clean: Callable[[str, Sequence[str]], str]
) -> frozenset[str]:
    if len(values) > MAX_TARGETS:
        raise DiscountInvalid(f"at most {MAX_TARGETS}", field=[name])
    return frozenset(clean(v, [name, str(i)]) for i, v in enumerate(values))


def _clean_group(value: str, field: Sequence[str]) -> str:
    return clean_text(value, field, max_length=64)


def clean_moment(moment: datetime | None, name: str) -> datetime | None:
    """An aware moment, in UTC (as stored and shown)."""
    if moment is None:
        return None
    if moment.utcoffset() is None:
        raise DiscountInvalid("needs a UTC offset", field=[name])
    return moment.astimezone(UTC)


def check_window(starts_at: datetime | None, ends_at: datetime | None) -> None:
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise DiscountInvalid("must be after startsAt", field=["endsAt"])


def check_limits(usage_limit: int | None, per_customer_limit: int | None) -> None:
    for name, limit in (("usageLimit", usage_limit), ("perCustomerLimit", per_customer_limit)):
        if limit is not None and not 1 <= limit <= MAX_LIMIT:
            raise DiscountInvalid(f"must be between 1 and {MAX_LIMIT}", field=[name])


def new_discount(
    *,
    code: str | None,
    name: str,
    kind: DiscountKind,
    value: str | Decimal | None,
    currency: str | None,
    scope: DiscountScope = DiscountScope.ORDER,
    skus: Sequence[str] = (),
    groups: Sequence[str] = (),
    minimum_subtotal: Money | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    usage_limit: int | None = None,
    per_customer_limit: int | None = None,
    combinable: bool = True,
    active: bool = True,
    now: datetime,
) -> Discount:
    """A validated discount (``code`` None: automatic). A minimum subtotal is in the discount's
    currency: it sets the currency of a percentage discount, and must agree with a fixed one."""
    cleaned_code = clean_discount_code(code) if code is not None else None
    cleaned_currency = clean_currency(currency, ["currency"]) if currency is not None else None
    if minimum_subtotal is not None:
        if minimum_subtotal.minor_units <= 0:
            raise DiscountInvalid("must be above 0", field=["minimumSubtotal", "amount"])
        if cleaned_currency is None:
            cleaned_currency = minimum_subtotal.currency
        elif minimum_subtotal.currency != cleaned_currency:
            raise DiscountInvalid(
                f"must be in the discount's currency {cleaned_currency}",
                field=["minimumSubtotal", "currency"],
            )
    if kind is DiscountKind.FREE_SHIPPING and scope is not DiscountScope.ORDER:
        raise DiscountInvalid("free shipping applies to the whole order", field=["scope"])
    clean_skus = _clean_targets(skus, "skus", clean_sku)
    clean_groups = _clean_targets(groups, "groups", _clean_group)
    if scope is DiscountScope.PRODUCTS and not (clean_skus or clean_groups):
        raise DiscountInvalid("a PRODUCTS discount needs skus or groups", field=["skus"])
    if scope is DiscountScope.ORDER and (clean_skus or clean_groups):
        raise DiscountInvalid("skus and groups need scope PRODUCTS", field=["scope"])
    starts_at = clean_moment(starts_at, "startsAt")
    ends_at = clean_moment(ends_at, "endsAt")
    check_window(starts_at, ends_at)
    check_limits(usage_limit, per_customer_limit)
    return Discount(
        id=None,
        code=cleaned_code,
        name=clean_discount_name(name),
        kind=kind,
        value=clean_value(kind, value, cleaned_currency),
        currency=cleaned_currency,
        scope=scope,
        skus=clean_skus,
        groups=clean_groups,
        minimum_subtotal=minimum_subtotal.minor_units if minimum_subtotal is not None else None,
        starts_at=starts_at,
        ends_at=ends_at,
        usage_limit=usage_limit,
        per_customer_limit=per_customer_limit,
        combinable=combinable,
        active=active,
        created_at=now,
        updated_at=now,
    )


def unusable_reason(discount: Discount, now: datetime, currency: str) -> str | None:
    """Why ``discount`` cannot apply to an order in ``currency`` at ``now``; None if it can.
    (Per-customer limits need the customer's uses: ``take_uses`` enforces them.)"""
    if not discount.active:
        return "is not active"
    if discount.starts_at is not None and now < discount.starts_at:
        return f"has not started yet (it starts at {discount.starts_at.isoformat()})"
    if discount.ends_at is not None and now >= discount.ends_at:
        return "has ended"
    if discount.usage_limit is not None and discount.times_used >= discount.usage_limit:
        return "has been used up"
    if discount.currency is not None and discount.currency != currency:
        what = "is" if discount.kind is DiscountKind.FIXED_AMOUNT else "has a minimum subtotal"
        return f"{what} in {discount.currency}, not {currency}"
    return None


def label(discount: Discount) -> str:
    """How a message names it: the code, or an automatic discount's name."""
    return discount.code if discount.code is not None else discount.name


class UseOutcome(enum.Enum):
    """What taking one use of a discount for an order came to."""

    TAKEN = "TAKEN"
    ALREADY_TAKEN = "ALREADY_TAKEN"  # this order holds a use of it already: nothing changed
    USED_UP = "USED_UP"  # usage_limit reached
    CUSTOMER_LIMIT_REACHED = "CUSTOMER_LIMIT_REACHED"  # per_customer_limit reached


def customer_key(customer_id: int | None, email: str | None) -> str:
    """Whose uses count against a per-customer limit: the customer, else the email address."""
    if customer_id is not None:
        return f"customer:{customer_id}"
    if email is None:
        raise ValueError("an order has a customer or an email")
    return f"email:{email.strip().lower()}"
