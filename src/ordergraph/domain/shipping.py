"""Shipping rates: by destination region (or country) and parcel weight, or flat."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ordergraph.domain.money import Money


@dataclass(frozen=True, slots=True)
class ShippingRate:
    """``base`` plus ``per_kg`` for each started kilogram above the first; free over a total.

    ``match`` is a region code (``EU-WEST``), a country code (``NL``) or ``*``.
    """

    match: str
    currency: str
    base_minor: int
    per_kg_minor: int = 0
    free_over_minor: int | None = None

    def applies_to(self, region: str | None, country_code: str, currency: str) -> bool:
        if currency != self.currency:
            return False
        return self.match in {"*", country_code} or (region is not None and self.match == region)

    def price(self, weight_grams: int, subtotal: Money) -> Money:
        if self.free_over_minor is not None and subtotal.minor_units >= self.free_over_minor:
            return Money(0, self.currency)
        extra_kg = max(0, -(-weight_grams // 1000) - 1)
        return Money(self.base_minor + extra_kg * self.per_kg_minor, self.currency)


def _specificity(rate: ShippingRate, region: str | None) -> int:
    if region is not None and rate.match == region:
        return 0
    return 2 if rate.match == "*" else 1


def shipping_cost(
    rates: Sequence[ShippingRate],
    *,
    region: str | None,
    country_code: str,
    weight_grams: int,
    subtotal: Money,
) -> Money | None:
    """The most specific rate's price (region, then country, then ``*``); None if none applies."""
    matching = [r for r in rates if r.applies_to(region, country_code, subtotal.currency)]
    if not matching:
        return None
    best = min(matching, key=lambda r: _specificity(r, region))
    return best.price(weight_grams, subtotal)


DEFAULT_RATES: tuple[ShippingRate, ...] = tuple(
    rate
    for currency in ("EUR", "USD", "GBP")
    for rate in (
        ShippingRate("*", currency, base_minor=995, per_kg_minor=200, free_over_minor=15000),
        ShippingRate("EU-WEST", currency, base_minor=495, per_kg_minor=100, free_over_minor=7500),
        ShippingRate(
            "EU-CENTRAL", currency, base_minor=495, per_kg_minor=100, free_over_minor=7500
        ),
        ShippingRate("UK", currency, base_minor=595, per_kg_minor=150, free_over_minor=7500),
        ShippingRate("US-EAST", currency, base_minor=599, per_kg_minor=150, free_over_minor=7500),
        ShippingRate("US-WEST", currency, base_minor=599, per_kg_minor=150, free_over_minor=7500),
    )
)
