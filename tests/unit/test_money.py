"""Money: integer minor units, the currency's number of places, and nothing else."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.money import MAX_MINOR_UNITS, Money, clean_currency, currency_exponent


@pytest.mark.parametrize(
    ("amount", "currency", "minor_units"),
    [
        ("19.99", "EUR", 1999),
        ("19.9", "EUR", 1990),
        ("0", "EUR", 0),
        ("-0.05", "EUR", -5),
        ("1500", "JPY", 1500),
        ("1.234", "KWD", 1234),
        ("12.3456", "CLF", 123456),
    ],
)
def test_parsing_an_amount_counts_minor_units_by_the_currency_exponent(
    amount: str, currency: str, minor_units: int
) -> None:
    assert Money.parse(amount, currency, ["price"]) == Money(minor_units, currency)


def test_trailing_zeros_beyond_the_currency_places_are_accepted() -> None:
    assert Money.parse("19.900", "EUR", ["price"]) == Money(1990, "EUR")
    assert Money.parse("1500.0", "JPY", ["price"]) == Money(1500, "JPY")


def test_the_currency_code_is_normalised_to_upper_case() -> None:
    assert Money.parse(Decimal("5"), " eur ", ["price"]) == Money(500, "EUR")


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("19.999", "EUR"), ("15.5", "JPY"), ("1.2345", "KWD"), ("0.001", "USD")],
)
def test_more_decimal_places_than_the_currency_allows_are_refused(
    amount: str, currency: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        Money.parse(amount, currency, ["price"])
    assert caught.value.code == "INVALID_AMOUNT"
    assert caught.value.field == ("price", "amount")


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-Infinity", "inf"])
def test_non_finite_amounts_are_refused(amount: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Money.parse(amount, "EUR", ["price"])
    assert caught.value.field == ("price", "amount")


@pytest.mark.parametrize("amount", ["", "abc", "1,50", "1.2.3"])
def test_text_that_is_not_a_decimal_number_is_refused(amount: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Money.parse(amount, "EUR", ["price"])
    assert caught.value.field == ("price", "amount")


@pytest.mark.parametrize("currency", ["XYZ", "EURO", "EU", "", "€"])
def test_unknown_currency_codes_are_refused(currency: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Money.parse("1.00", currency, ["price"])
    assert caught.value.code == "INVALID_CURRENCY"
    assert caught.value.field == ("price", "currency")


def test_amounts_above_the_maximum_are_refused() -> None:
    limit = Decimal(MAX_MINOR_UNITS).scaleb(-2)
    assert Money.parse(limit, "EUR", ["p"]).minor_units == MAX_MINOR_UNITS
    for amount in [limit + Decimal("0.01"), -limit - Decimal("0.01"), Decimal("1e30")]:
        with pytest.raises(InvalidInput) as caught:
            Money.parse(amount, "EUR", ["p"])
        assert caught.value.code == "INVALID_AMOUNT"


def test_an_astronomically_large_amount_is_refused_as_too_large() -> None:
    with pytest.raises(InvalidInput) as caught:
        Money.parse("1e999999", "EUR", ["p"])
    assert caught.value.code == "INVALID_AMOUNT"


def test_an_amount_with_many_significant_digits_is_not_silently_rounded() -> None:
    with pytest.raises(InvalidInput):
        Money.parse("1.000000000000000000000000000001", "EUR", ["p"])


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(1999, "EUR"), "19.99"),
        (Money(1990, "EUR"), "19.90"),
        (Money(0, "EUR"), "0.00"),
        (Money(-5, "EUR"), "-0.05"),
        (Money(1500, "JPY"), "1500"),
        (Money(1234, "KWD"), "1.234"),
    ],
)
def test_the_amount_has_exactly_the_currency_places(money: Money, text: str) -> None:
    assert money.amount == Decimal(text)
    assert str(money.amount) == text


def test_adding_money_keeps_the_currency_and_refuses_mixing() -> None:
    assert Money(150, "EUR") + Money(250, "EUR") == Money(400, "EUR")
    assert Money(150, "EUR") * 3 == Money(450, "EUR")
    with pytest.raises(ValueError, match="cannot add"):
        _ = Money(150, "EUR") + Money(150, "USD")


def test_currency_helpers_know_the_exponents() -> None:
    assert [currency_exponent(c) for c in ["EUR", "JPY", "KWD", "CLF"]] == [2, 0, 3, 4]
    assert clean_currency("jpy", ["c"]) == "JPY"


CURRENCIES = st.sampled_from(["EUR", "USD", "JPY", "KWD", "CLF"])


@settings(database=None)
@given(minor_units=st.integers(-MAX_MINOR_UNITS, MAX_MINOR_UNITS), currency=CURRENCIES)
def test_the_amount_of_any_money_parses_back_to_the_same_money(
    minor_units: int, currency: str
) -> None:
    money = Money(minor_units, currency)
    assert Money.parse(money.amount, currency, ["p"]) == money
    assert Money.parse(str(money.amount), currency, ["p"]) == money


@settings(database=None)
@given(
    value=st.decimals(
        min_value=-(10**10), max_value=10**10, allow_nan=False, allow_infinity=False, places=4
    ),
    currency=CURRENCIES,
)
def test_parsing_accepts_exactly_the_amounts_already_at_the_currency_precision(
    value: Decimal, currency: str
) -> None:
    quantum = Decimal(1).scaleb(-currency_exponent(currency))
    if value == value.quantize(quantum):
        assert Money.parse(value, currency, ["p"]).amount == value
    else:
        with pytest.raises(InvalidInput):
            Money.parse(value, currency, ["p"])
