"""Tax classes, tax rates and the rates that apply to one destination.

A product has a tax class (standard, reduced or zero); a rate is a percentage for one class in
one country, optionally narrowed to a region (a US state, a Canadian province). Every rate that
matches a destination applies, so a country rate and a region rate add up (Canada: GST + PST);
a destination with no rate is not taxed, which is how a shop without tax keeps charging none.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from ordergraph.domain.errors import DomainError, InvalidInput
from ordergraph.domain.validation import clean_text


class TaxClass(enum.StrEnum):
    STANDARD = "STANDARD"
    REDUCED = "REDUCED"
    ZERO = "ZERO"


class TaxPolicyUsed(enum.StrEnum):
    """How an order's tax was decided, recorded on the order."""

    NONE = "NONE"  # no tax is configured for the destination: nothing charged
    PROVIDER = "PROVIDER"  # the market's tax provider answered
    FALLBACK = "FALLBACK"  # the provider failed; the market's fallback rate was used


@dataclass(frozen=True, slots=True)
class AppliedRate:
    """One rate applied to an amount: ``rate`` is a percentage ("21" for 21 %)."""

    name: str
    rate: Decimal

    @property
    def fraction(self) -> Decimal:
        return self.rate / 100


class TaxFailurePolicy(enum.StrEnum):
    """What a market does when its tax provider cannot answer."""

    BLOCK = "BLOCK"  # refuse the checkout (TAX_UNAVAILABLE): never charge a silent zero
    FALLBACK = "FALLBACK"  # charge the market's fallback rate on every class but ZERO


MAX_RATE = Decimal(100)
RATE_PLACES = 4  # "7.6875" is the finest a rate may be
MAX_RATE_NAME = 64
MAX_REGION = 16
FALLBACK_RATE_NAME = "Fallback"
_REGION_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,15}$")


class TaxUnavailable(DomainError):
    """The market's tax provider did not answer and the market blocks rather than guess."""

    code = "TAX_UNAVAILABLE"

    def __init__(self, provider: str, reason: str) -> None:
        super().__init__(
            f"tax could not be computed: the tax provider ({provider}) is not answering; "
            "nothing was charged, try again shortly"
        )
        self.provider = provider
        self.reason = reason  # for the log, not the customer


class TaxProviderUnavailable(Exception):
    """Raised by a ``TaxProvider`` that cannot answer now (down, refused, malformed reply).

    Not a ``DomainError``: the market's failure policy decides what the customer sees."""


@dataclass(slots=True)
class TaxRate:
    """A percentage for one tax class in one country, optionally narrowed to a region."""

    id: int | None
    country_code: str
    region: str | None
    tax_class: TaxClass
    rate: Decimal
    name: str
    tax_shipping: bool = False
    active: bool = True
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def applies_to(self, country_code: str, region: str | None, tax_class: TaxClass) -> bool:
        return (
            self.active
            and self.tax_class is tax_class
            and self.country_code == country_code
            and (self.region is None or self.region == region)
        )

    def applied(self) -> AppliedRate:
        return AppliedRate(self.name, self.rate)


@dataclass(frozen=True, slots=True)
class TaxAnswer:
    """What a tax provider answers for one destination.

    ``configured`` is False when the provider knows no tax for the destination at all (a shop
    that charges none); ``rates`` holds every class asked for, ``shipping`` the rates that apply
    to the shipping charge."""

    rates: Mapping[TaxClass, tuple[AppliedRate, ...]]
    shipping: tuple[AppliedRate, ...]
    configured: bool = True


def normalize_region(region: str | None) -> str | None:
    """A destination's region as rates store it: trimmed, upper-case, None when blank."""
    if region is None:
        return None
    return region.strip().upper() or None


def rates_for(
    rates: Iterable[TaxRate], country_code: str, region: str | None, tax_class: TaxClass
) -> tuple[AppliedRate, ...]:
    """Every active rate of ``tax_class`` for the country, country-wide or for exactly this
    region; they add up (GST + PST). ZERO never yields a rate. Ordered country-wide first,
    then by name, so a receipt lists them the same way every time."""
    if tax_class is TaxClass.ZERO:
        return ()
    country = country_code.strip().upper()
    where = normalize_region(region)
    matching = [r for r in rates if r.applies_to(country, where, tax_class)]
    matching.sort(key=lambda r: (r.region is not None, r.name))
    return tuple(r.applied() for r in matching)


def clean_rate(value: Decimal | str, field: Sequence[str]) -> Decimal:
    """A percentage from 0 to 100 with at most four decimals ("21", "7.25", "0")."""
    if isinstance(value, str) and len(value) > 32:
        raise InvalidInput('must be a percentage such as "21" or "7.25"', field=field)
    try:
        rate = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput('must be a decimal number such as "21" or "7.25"', field=field) from None
    if not rate.is_finite():
        raise InvalidInput('must be a decimal number such as "21" or "7.25"', field=field)
    if not 0 <= rate <= MAX_RATE:
        raise InvalidInput("must be between 0 and 100 (a percentage)", field=field)
    quantum = Decimal(1).scaleb(-RATE_PLACES)
    if rate != rate.quantize(quantum):
        raise InvalidInput(f"at most {RATE_PLACES} decimal places", field=field)
    return rate.normalize() + 0  # "21.00" and "21" are one rate; +0 turns 1E+2 into 100


def clean_region(value: str | None, field: Sequence[str]) -> str | None:
    """A region code within the country (a state or province: "CA", "ON", "QC"), or None."""
    if value is None:
        return None
    region = clean_text(value, field, max_length=MAX_REGION, required=False).upper()
    if not region:
        return None
    if not _REGION_RE.match(region):
        raise InvalidInput("may contain only letters, digits and '-' (e.g. CA, ON)", field=field)
    return region


def clean_rate_name(value: str, field: Sequence[str]) -> str:
    return clean_text(value, field, max_length=MAX_RATE_NAME)


def format_rate(rate: Decimal) -> str:
    """The shortest decimal string of a rate: 21 → "21", 7.2500 → "7.25"."""
    return format(rate.normalize(), "f")


def fallback_answer(classes: Iterable[TaxClass], rate: Decimal) -> TaxAnswer:
    """What a market's FALLBACK policy charges: its fallback rate on every class but ZERO, and
    on shipping."""
    applied = (AppliedRate(FALLBACK_RATE_NAME, rate),)
    return TaxAnswer(
        rates={c: () if c is TaxClass.ZERO else applied for c in classes},
        shipping=applied,
    )
