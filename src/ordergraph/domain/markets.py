"""Markets: which countries buy in which currency, with which tax display and rounding.

A market is a set of countries with a currency, a tax display (prices include or exclude tax),
the channels it sells through and its rounding policy. The market of an order follows from the
shipping country: a country belongs to at most one *active* market (``MarketCountryTaken``;
the database enforces it too, so two concurrent claims cannot both win). A country no market
claims, and every country of a shop with no markets, falls to the default market in the shop's
currency (``ORDERGRAPH_DEFAULT_CURRENCY``).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from ordergraph.domain.errors import DomainError, InvalidInput
from ordergraph.domain.money import clean_currency
from ordergraph.domain.orders import Channel
from ordergraph.domain.rounding import RoundingPolicy
from ordergraph.domain.taxes import TaxFailurePolicy, clean_rate
from ordergraph.domain.validation import clean_country, clean_text

MAX_COUNTRIES = 250  # ISO 3166-1 has 249
MAX_NAME = 100
DEFAULT_HANDLE = "default"
_HANDLE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class TaxDisplay(enum.StrEnum):
    INCLUSIVE = "INCLUSIVE"  # shown prices contain the tax (VAT in the EU)
    EXCLUSIVE = "EXCLUSIVE"  # tax is added at checkout (US sales tax)


class MarketCountryTaken(DomainError):
    """Another active market already sells to this country; nothing was changed."""

    code = "MARKET_COUNTRY_TAKEN"

    def __init__(self, country: str, holder: str | None, index: int | None = None) -> None:
        where = f"the market {holder!r}" if holder else "another active market"
        super().__init__(
            f"{country} belongs to {where} already: a country is in at most one active market",
            field=["countries", str(index)] if index is not None else ["countries"],
        )
        self.country = country


@dataclass(slots=True)
class Market:
    """A market; ``id`` is None for the built-in default market."""

    id: int | None
    handle: str
    name: str
    countries: frozenset[str]
    currency: str
    tax_display: TaxDisplay = TaxDisplay.EXCLUSIVE
    channels: frozenset[Channel] = field(default_factory=lambda: frozenset(Channel))
    rounding: RoundingPolicy = field(default_factory=RoundingPolicy)
    # what checkout does when the tax provider cannot answer; FALLBACK charges the fallback rate
    tax_failure_policy: TaxFailurePolicy = TaxFailurePolicy.BLOCK
    fallback_tax_rate: Decimal | None = None  # a percentage; required for FALLBACK
    active: bool = True
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def is_default(self) -> bool:
        return self.id is None

    def sells_to(self, country_code: str) -> bool:
        return self.active and country_code in self.countries


def default_market(currency: str) -> Market:
    """What applies where no market is configured: every country and channel, the shop's
    currency, prices without tax (a shop without tax charges none), per-line half-up rounding."""
    return Market(
        id=None, handle=DEFAULT_HANDLE, name="Default", countries=frozenset(), currency=currency
    )


def clean_handle(value: str) -> str:
    handle = clean_text(value, ["handle"], max_length=63).lower()
    if not _HANDLE_RE.match(handle):
        raise InvalidInput(
            "may contain only lower-case letters, digits and '-' (e.g. eu, united-states)",
            field=["handle"],
        )
    if handle == DEFAULT_HANDLE:
        raise InvalidInput(
            "is reserved for the built-in default market", field=["handle"], code="DUPLICATE"
        )
    return handle


def clean_name(value: str) -> str:
    return clean_text(value, ["name"], max_length=MAX_NAME)


def clean_market_currency(value: str) -> str:
    return clean_currency(value, ["currency"])


def clean_countries(values: Sequence[str]) -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes, at least one, each once."""
    if not values:
        raise InvalidInput(
            "a market needs at least one country", field=["countries"], code="REQUIRED"
        )
    if len(values) > MAX_COUNTRIES:
        raise InvalidInput(f"at most {MAX_COUNTRIES}", field=["countries"])
    seen: set[str] = set()
    for i, value in enumerate(values):
        code = clean_country(value, ["countries", str(i)])
        if code in seen:
            raise InvalidInput(
                f"{code} appears twice", field=["countries", str(i)], code="DUPLICATE"
            )
        seen.add(code)
    return frozenset(seen)


def clean_channels(values: Iterable[Channel]) -> frozenset[Channel]:
    channels = frozenset(values)
    if not channels:
        raise InvalidInput(
            "a market sells through at least one channel", field=["channels"], code="REQUIRED"
        )
    return channels


def clean_tax_policy(
    policy: TaxFailurePolicy, fallback_rate: Decimal | str | None
) -> tuple[TaxFailurePolicy, Decimal | None]:
    """The failure policy with its fallback rate (a percentage, 0 to 100); FALLBACK without a
    rate is ``REQUIRED``. BLOCK may keep a rate, so switching back and forth loses nothing."""
    rate = clean_rate(fallback_rate, ["fallbackTaxRate"]) if fallback_rate is not None else None
    if policy is TaxFailurePolicy.FALLBACK and rate is None:
        raise InvalidInput(
            "the FALLBACK tax failure policy needs a fallbackTaxRate",
            field=["fallbackTaxRate"],
            code="REQUIRED",
        )
    return policy, rate


def check_countries_free(
    market: Market, others: Iterable[Market], given: Sequence[str] = ()
) -> None:
    """``MarketCountryTaken`` for the first of an active ``market``'s countries that another
    active market holds (``given``: the input order, to point at the offending entry)."""
    if not market.active:
        return
    holders = {
        country: other.handle
        for other in others
        if other.active and other.id != market.id
        for country in other.countries
    }
    order = [c.strip().upper() for c in given] or sorted(market.countries)
    for i, country in enumerate(order):
        if country in holders:
            raise MarketCountryTaken(country, holders[country], i if given else None)


def market_for(country_code: str | None, markets: Iterable[Market], default: Market) -> Market:
    """The active market that sells to ``country_code``, else ``default``."""
    if country_code is not None:
        code = country_code.strip().upper()
        for market in markets:
            if market.sells_to(code):
                return market
    return default
