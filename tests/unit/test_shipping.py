"""Shipping rates: the most specific rate applies, per started kilogram, free over a total."""

from __future__ import annotations

import pytest

from ordergraph.domain.money import Money
from ordergraph.domain.shipping import DEFAULT_RATES, ShippingRate, shipping_cost

RATES = (
    ShippingRate("*", "EUR", base_minor=1000, per_kg_minor=300),
    ShippingRate("NL", "EUR", base_minor=700, per_kg_minor=200),
    ShippingRate("EU-WEST", "EUR", base_minor=500, per_kg_minor=100, free_over_minor=5000),
)


def cost(
    region: str | None,
    country_code: str,
    *,
    grams: int = 500,
    subtotal: Money = Money(1000, "EUR"),
    rates: tuple[ShippingRate, ...] = RATES,
) -> Money | None:
    return shipping_cost(
        rates, region=region, country_code=country_code, weight_grams=grams, subtotal=subtotal
    )


def test_a_region_rate_beats_a_country_rate_and_the_fallback() -> None:
    assert cost("EU-WEST", "NL") == Money(500, "EUR")


def test_a_region_rate_applies_whatever_order_the_rates_are_listed_in() -> None:
    assert cost("EU-WEST", "NL", rates=tuple(reversed(RATES))) == Money(500, "EUR")


def test_a_country_rate_beats_the_fallback_when_no_region_rate_matches() -> None:
    assert cost("NL-NORTH", "NL") == Money(700, "EUR")
    assert cost(None, "NL") == Money(700, "EUR")


def test_the_fallback_rate_applies_anywhere_else() -> None:
    assert cost("US-EAST", "US") == Money(1000, "EUR")


@pytest.mark.parametrize(
    ("grams", "expected"),
    [(0, 700), (1, 700), (1000, 700), (1001, 900), (2000, 900), (2001, 1100), (10_500, 2700)],
)
def test_each_started_kilogram_after_the_first_adds_the_per_kg_charge(
    grams: int, expected: int
) -> None:
    assert cost(None, "NL", grams=grams) == Money(expected, "EUR")


def test_shipping_is_free_from_the_threshold_on() -> None:
    assert cost("EU-WEST", "NL", subtotal=Money(4999, "EUR")) == Money(500, "EUR")
    assert cost("EU-WEST", "NL", subtotal=Money(5000, "EUR")) == Money(0, "EUR")
    assert cost("EU-WEST", "NL", grams=9000, subtotal=Money(5001, "EUR")) == Money(0, "EUR")


def test_a_threshold_on_one_rate_does_not_make_another_free() -> None:
    assert cost(None, "NL", subtotal=Money(99_999, "EUR")) == Money(700, "EUR")


def test_no_rate_in_the_order_currency_means_no_price() -> None:
    assert cost("EU-WEST", "NL", subtotal=Money(1000, "USD")) is None


def test_no_matching_destination_means_no_price() -> None:
    rates = (ShippingRate("NL", "EUR", base_minor=700),)
    assert cost("US-EAST", "US", rates=rates) is None


def test_the_default_rates_price_every_supported_currency_anywhere() -> None:
    for currency in ("EUR", "USD", "GBP"):
        price = cost("MARS", "US", subtotal=Money(1000, currency), rates=DEFAULT_RATES)
        assert price == Money(995, currency)
    assert cost("EU-WEST", "NL", rates=DEFAULT_RATES) == Money(495, "EUR")
    assert cost("EU-WEST", "NL", subtotal=Money(7500, "EUR"), rates=DEFAULT_RATES) == Money(
        0, "EUR"
    )
    assert cost("EU-WEST", "NL", subtotal=Money(1000, "JPY"), rates=DEFAULT_RATES) is None
