"""Rounding to minor units and splitting totals: hand-computed tables and properties.

The parts of an allocation always add up to the total and each stays within one minor unit of
its exact share; the next slices (taxes, discounts, refunds) rest on exactly this.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pycountry
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordergraph.domain.rounding import (
    RoundingRule,
    allocate,
    minor_exponent,
    round_minor,
    round_units,
)

UP, EVEN = RoundingRule.HALF_UP, RoundingRule.HALF_EVEN

# ISO 4217 List One (2024): every active code whose minor unit is not 2 decimal places
ISO_4217_NOT_TWO = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}


@pytest.mark.parametrize(
    ("currency", "exponent"), [("JPY", 0), ("EUR", 2), ("USD", 2), ("KWD", 3), ("CLF", 4)]
)
def test_minor_unit_exponents_follow_iso_4217(currency: str, exponent: int) -> None:
    assert minor_exponent(currency) == exponent


def test_every_pycountry_currency_has_its_iso_4217_exponent() -> None:
    for currency in pycountry.currencies:
        code = currency.alpha_3
        expected = ISO_4217_NOT_TWO.get(code, 2)
        assert minor_exponent(code) == expected, code


@pytest.mark.parametrize(
    ("amount", "currency", "half_up", "half_even"),
    [
        # EUR, two places: exact halves of a cent
        ("1.005", "EUR", 101, 100),
        ("1.015", "EUR", 102, 102),
        ("1.025", "EUR", 103, 102),
        ("0.125", "EUR", 13, 12),
        ("-1.005", "EUR", -101, -100),
        ("-1.015", "EUR", -102, -102),
        # not halves: both rules go to the nearest cent
        ("1.004", "EUR", 100, 100),
        ("1.0051", "EUR", 101, 101),
        ("1.0049999", "EUR", 100, 100),
        ("19.99", "EUR", 1999, 1999),
        # JPY, no places: halves of a yen
        ("0.5", "JPY", 1, 0),
        ("1.5", "JPY", 2, 2),
        ("2.5", "JPY", 3, 2),
        ("1234.5", "JPY", 1235, 1234),
        ("-2.5", "JPY", -3, -2),
        ("99.49", "JPY", 99, 99),
        # KWD, three places: halves of a fils
        ("1.2345", "KWD", 1235, 1234),
        ("1.2355", "KWD", 1236, 1236),
        ("0.0005", "KWD", 1, 0),
        ("10.000", "KWD", 10000, 10000),
    ],
)
def test_round_minor_by_rule(amount: str, currency: str, half_up: int, half_even: int) -> None:
    assert round_minor(Decimal(amount), currency, UP) == half_up
    assert round_minor(Decimal(amount), currency, EVEN) == half_even


def test_a_21_percent_vat_on_a_line_rounds_as_computed_by_hand() -> None:
    # 3 x 8.25 EUR at 21 %: 24.75 x 0.21 = 5.1975 → 5.20
    assert round_minor(Decimal("24.75") * Decimal("0.21"), "EUR", UP) == 520
    # 1.05 EUR at 10 %: 0.105 exactly half a cent → 0.11 half-up, 0.10 half-even
    assert round_minor(Decimal("1.05") * Decimal("0.10"), "EUR", UP) == 11
    assert round_minor(Decimal("1.05") * Decimal("0.10"), "EUR", EVEN) == 10
    # 1,250 JPY at 10 % included: tax = 1250 x 10/110 = 113.63… → 114
    assert round_units(Fraction(1250 * 10, 110), UP) == 114


def test_huge_and_tiny_amounts_round_exactly() -> None:
    assert round_minor(Decimal("1E+20"), "EUR", UP) == 10**22
    assert round_minor(Decimal("0.004999999999999999999999999999"), "EUR", UP) == 0
    assert round_minor(Decimal("0.005000000000000000000000000001"), "EUR", EVEN) == 1


def test_non_finite_amounts_are_refused() -> None:
    with pytest.raises(ValueError, match="non-finite"):
        round_minor(Decimal("NaN"), "EUR", UP)
    with pytest.raises(ValueError, match="non-finite"):
        round_minor(Decimal("Infinity"), "EUR", UP)


@pytest.mark.parametrize(
    ("total", "weights", "parts"),
    [
        (100, [1, 1, 1], [34, 33, 33]),  # the odd cent to the first of equal remainders
        (1000, [1999, 1999, 2], [500, 500, 0]),
        (10, [3, 3, 4], [3, 3, 4]),
        (5, [1, 1], [3, 2]),
        (1, [1, 1, 1, 1], [1, 0, 0, 0]),
        (0, [5, 7], [0, 0]),
        (7, [0, 0], [4, 3]),  # all zero: evenly
        (7, [0, 1], [0, 7]),
        (-100, [1, 1, 1], [-34, -33, -33]),  # a refund mirrors the charge
        # a 10.00 discount over lines of 19.99, 5.01, 75.00 (100.00): 1.999, 0.501, 7.5
        (1000, [1999, 501, 7500], [200, 50, 750]),
        # 1,000 JPY over 3 equal lines
        (1000, [1, 1, 1], [334, 333, 333]),
        # shares 1.5, 0.75, 0.75: floors 1, 0, 0; the two units left go to the 0.75s
        (3, [Decimal("0.5"), Decimal("0.25"), Decimal("0.25")], [1, 1, 1]),
    ],
)
def test_allocate_by_hand(total: int, weights: list[int | Decimal], parts: list[int]) -> None:
    assert allocate(total, weights) == parts


def test_allocate_refuses_what_cannot_be_split() -> None:
    assert allocate(0, []) == []
    with pytest.raises(ValueError, match="no parts"):
        allocate(1, [])
    with pytest.raises(ValueError, match="negative"):
        allocate(10, [1, -1])


@given(
    total=st.integers(min_value=-(10**15), max_value=10**15),
    weights=st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=60),
)
def test_allocated_parts_sum_to_the_total_and_stay_within_a_unit_of_their_share(
    total: int, weights: list[int]
) -> None:
    parts = allocate(total, weights)
    assert len(parts) == len(weights)
    assert sum(parts) == total
    whole = sum(weights)
    shares = [Fraction(w, whole) if whole else Fraction(1, len(weights)) for w in weights]
    for part, share in zip(parts, shares, strict=True):
        assert abs(part - total * share) < 1
    if total >= 0:
        assert all(part >= 0 for part in parts)


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=6, min_value=-(10**9), max_value=10**9
    )
)
def test_the_two_rules_differ_only_on_exact_halves_and_by_one_unit(amount: Decimal) -> None:
    up = round_minor(amount, "EUR", UP)
    even = round_minor(amount, "EUR", EVEN)
    exact = Fraction(amount) * 100
    assert abs(up - exact) <= Fraction(1, 2)
    assert abs(even - exact) <= Fraction(1, 2)
    if up != even:
        assert exact - int(exact) in (Fraction(1, 2), Fraction(-1, 2))
        assert even % 2 == 0
