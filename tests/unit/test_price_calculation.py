"""The price calculation against totals worked out by hand (the arithmetic is in each docstring).

Every case also re-checks the invariant: lines + shipping = subtotal - discounts + shipping
(+ tax when exclusive) = total.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordergraph.domain.discounts import Discount, DiscountInvalid, DiscountKind, DiscountScope
from ordergraph.domain.price_calculation import (
    PriceBreakdown,
    PricingLine,
    PricingRequest,
    calculate_prices,
    unit_share,
)
from ordergraph.domain.rounding import RoundingMode, RoundingPolicy, RoundingRule
from ordergraph.domain.taxes import AppliedRate, TaxClass

VAT21 = (AppliedRate("VAT", Decimal("21")),)
VAT9 = (AppliedRate("VAT reduced", Decimal("9")),)
NL = {TaxClass.STANDARD: VAT21, TaxClass.REDUCED: VAT9}
PER_LINE = RoundingPolicy()


def pct(value: str, **kw: object) -> Discount:
    return Discount(None, None, f"{value}%", DiscountKind.PERCENTAGE, Decimal(value), None, **kw)  # type: ignore[arg-type]


def fixed(value: str, currency: str, **kw: object) -> Discount:
    return Discount(None, None, "fixed", DiscountKind.FIXED_AMOUNT, Decimal(value), currency, **kw)  # type: ignore[arg-type]


def checked(b: PriceBreakdown) -> PriceBreakdown:
    assert sum(li.total for li in b.lines) + b.shipping.total == b.total
    tax = b.tax_total if not b.inclusive else 0
    assert b.subtotal - b.discount_total + b.shipping.price + tax == b.total
    assert sum(s.amount for s in b.tax_summary()) == b.tax_total
    return b


def price(
    lines: list[PricingLine],
    *,
    currency: str = "EUR",
    inclusive: bool = False,
    shipping: int = 0,
    rates: Mapping[TaxClass, tuple[AppliedRate, ...]] | None = None,
    shipping_rates: tuple[AppliedRate, ...] = (),
    discounts: list[Discount] | None = None,
    rounding: RoundingPolicy = PER_LINE,
) -> PriceBreakdown:
    return checked(
        calculate_prices(
            PricingRequest(
                currency=currency,
                inclusive=inclusive,
                rounding=rounding,
                lines=lines,
                shipping=shipping,
                line_rates=NL if rates is None else rates,
                shipping_rates=shipping_rates,
                discounts=discounts or [],
            )
        )
    )


def test_exclusive_tax_is_added_on_lines_and_shipping() -> None:
    """2 x 10.00 at 21 % = 20.00 + 4.20; shipping 5.00 + 1.05; total 30.25."""
    b = price([PricingLine("A", 2, 1000)], shipping=500, shipping_rates=VAT21)
    assert (b.lines[0].tax, b.shipping.tax, b.tax_total, b.total) == (420, 105, 525, 3025)
    assert b.lines[0].total == 2420


def test_inclusive_prices_contain_mixed_rates() -> None:
    """12.10 at 21 % holds 2.10; 2 x 10.90 at 9 % hold 1.80; shipping 4.84 holds 0.84;
    the total is what the prices say: 12.10 + 21.80 + 4.84 = 38.74."""
    b = price(
        [PricingLine("A", 1, 1210), PricingLine("B", 2, 1090, TaxClass.REDUCED)],
        inclusive=True,
        shipping=484,
        shipping_rates=VAT21,
    )
    assert [li.tax for li in b.lines] == [210, 180]
    assert (b.shipping.tax, b.tax_total, b.total) == (84, 474, 3874)
    assert [li.net for li in b.lines] == [1000, 2000]
    summary = {s.name: (s.taxable, s.amount) for s in b.tax_summary()}
    assert summary == {"VAT": (1000 + 400, 210 + 84), "VAT reduced": (2000, 180)}


@pytest.mark.parametrize(
    ("rule", "tax_b"), [(RoundingRule.HALF_UP, 95), (RoundingRule.HALF_EVEN, 94)]
)
def test_percentage_discount_is_split_then_taxed(rule: RoundingRule, tax_b: int) -> None:
    """Subtotal 3 x 3.33 + 5.00 = 14.99; 10 % = 1.499 → 1.50, split 1.00 / 0.50 (largest
    remainder: 99.93 | 50.03); tax 21 % of 8.99 = 1.8879 → 1.89 and of 4.50 = 0.945 → 0.95
    half-up, 0.94 half-even; total 14.99 - 1.50 + 1.89 + tax_b."""
    b = price(
        [PricingLine("A", 3, 333), PricingLine("B", 1, 500)],
        discounts=[pct("10")],
        rounding=RoundingPolicy(RoundingMode.PER_LINE, rule),
    )
    assert [li.discount for li in b.lines] == [100, 50]
    assert [li.tax for li in b.lines] == [189, tax_b]
    assert b.discount_total == 150
    assert b.total == 1499 - 150 + 189 + tax_b


def test_fixed_discount_in_yen_with_inclusive_consumption_tax() -> None:
    """JPY has no minor unit. 1,100 (10 %) + 3 x 540 (8 %) = 2,720; ¥500 off split by
    1,100 : 1,620 → 202.2 | 297.8 → 202 / 298; tax inside 898 x 10/110 = 81.6 → 82 and
    1,322 x 8/108 = 97.9 → 98; total 2,220."""
    rates = {
        TaxClass.STANDARD: (AppliedRate("JCT", Decimal("10")),),
        TaxClass.REDUCED: (AppliedRate("JCT reduced", Decimal("8")),),
    }
    b = price(
        [PricingLine("A", 1, 1100), PricingLine("B", 3, 540, TaxClass.REDUCED)],
        currency="JPY",
        inclusive=True,
        rates=rates,
        discounts=[fixed("500", "JPY")],
    )
    assert [li.discount for li in b.lines] == [202, 298]
    assert [li.tax for li in b.lines] == [82, 98]
    assert (b.total, b.tax_total, b.discount_total) == (2220, 180, 500)


def test_kuwaiti_dinar_has_three_decimals() -> None:
    """1.250 KWD at 5 % = 0.0625 → 63 fils (half-up); total 1.313."""
    b = price(
        [PricingLine("A", 1, 1250)],
        currency="KWD",
        rates={TaxClass.STANDARD: (AppliedRate("VAT", Decimal("5")),)},
    )
    assert (b.tax_total, b.total) == (63, 1313)


@pytest.mark.parametrize(
    ("mode", "rule", "tax"),
    [
        (RoundingMode.PER_UNIT, RoundingRule.HALF_UP, 9),  # 2.5 → 3, x 3
        (RoundingMode.PER_UNIT, RoundingRule.HALF_EVEN, 6),  # 2.5 → 2, x 3
        (RoundingMode.PER_LINE, RoundingRule.HALF_UP, 8),  # 7.5 → 8
        (RoundingMode.PER_LINE, RoundingRule.HALF_EVEN, 8),  # 7.5 → 8 (8 is even)
        (RoundingMode.PER_ORDER, RoundingRule.HALF_UP, 8),
    ],
)
def test_rounding_mode_decides_where_tax_is_rounded(
    mode: RoundingMode, rule: RoundingRule, tax: int
) -> None:
    """3 x 0.10 at 25 %: 2.5 cents a unit, 7.5 a line."""
    rates = {TaxClass.STANDARD: (AppliedRate("VAT", Decimal("25")),)}
    b = price([PricingLine("A", 3, 10)], rates=rates, rounding=RoundingPolicy(mode, rule))
    assert b.tax_total == tax


def test_per_order_rounding_rounds_each_rate_once_and_splits_it_back() -> None:
    """Three lines of 0.10 at 25 %: 2.5 cents each. Per line: 3 + 3 + 3 = 9. Per order: 7.5
    → 8, split 3 / 3 / 2 (ties go to the earlier lines)."""
    rates = {TaxClass.STANDARD: (AppliedRate("VAT", Decimal("25")),)}
    lines = [PricingLine(s, 1, 10) for s in "ABC"]
    assert price(lines, rates=rates).tax_total == 9
    b = price(lines, rates=rates, rounding=RoundingPolicy(RoundingMode.PER_ORDER))
    assert [li.tax for li in b.lines] == [3, 3, 2]


def test_additive_country_and_region_rates() -> None:
    """Canada: GST 5 % + PST 7 % on 100.00 = 5.00 + 7.00."""
    rates = {
        TaxClass.STANDARD: (AppliedRate("GST", Decimal("5")), AppliedRate("PST", Decimal("7")))
    }
    b = price([PricingLine("A", 1, 10000)], currency="CAD", rates=rates)
    assert [(p.name, p.amount) for p in b.lines[0].taxes] == [("GST", 500), ("PST", 700)]
    assert b.total == 11200


def test_zero_class_and_no_rates_charge_no_tax() -> None:
    b = price([PricingLine("A", 1, 1000, TaxClass.ZERO), PricingLine("B", 1, 1000)], rates={})
    assert (b.tax_total, b.total) == (0, 2000)
    assert all(li.taxes == () for li in b.lines)


def test_product_discount_goes_first_and_order_discount_takes_the_rest() -> None:
    """A 10.00 (in scope) and B 10.00: 20 % of A = 2.00; then 10 % of 8.00 + 10.00 = 1.80
    split 0.80 / 1.00; 3.80 in all."""
    product = pct("20", scope=DiscountScope.PRODUCTS, skus=frozenset({"A"}))
    b = price(
        [PricingLine("A", 1, 1000), PricingLine("B", 1, 1000)],
        rates={},
        discounts=[pct("10"), product],
    )
    assert [li.discount for li in b.lines] == [280, 100]
    assert b.applied.amount_of(product) == 200
    assert b.discount_total == 380


def test_free_shipping_takes_shipping_and_its_tax() -> None:
    free = Discount(None, None, "free", DiscountKind.FREE_SHIPPING, Decimal(0), None)
    b = price([PricingLine("A", 1, 1000)], shipping=500, shipping_rates=VAT21, discounts=[free])
    assert (b.shipping.discount, b.shipping.tax, b.shipping.total) == (500, 0, 0)
    assert b.total == 1210


def test_fixed_discount_never_makes_a_line_negative() -> None:
    b = price([PricingLine("A", 1, 300)], rates={}, discounts=[fixed("10", "EUR")])
    assert (b.discount_total, b.total) == (300, 0)


def code(
    name: str, kind: DiscountKind = DiscountKind.PERCENTAGE, value: str = "10", **kw: object
) -> Discount:
    return Discount(1, name, name, kind, Decimal(value), kw.pop("currency", None), **kw)  # type: ignore[arg-type]


def test_a_code_below_its_minimum_is_refused() -> None:
    with pytest.raises(DiscountInvalid, match=r"at least 50\.00 EUR"):
        price(
            [PricingLine("A", 1, 1000)],
            discounts=[code("BIG", currency="EUR", minimum_subtotal=5000)],
        )


def test_a_code_that_is_not_combinable_cannot_join_another_code() -> None:
    with pytest.raises(DiscountInvalid, match="cannot be combined"):
        price([PricingLine("A", 1, 1000)], discounts=[code("ONE", combinable=False), code("TWO")])


def test_a_code_for_other_products_is_refused() -> None:
    only_b = code("BONLY", scope=DiscountScope.PRODUCTS, skus=frozenset({"B"}))
    with pytest.raises(DiscountInvalid, match="none of the products"):
        price([PricingLine("A", 1, 1000)], discounts=[only_b])


def test_a_code_in_another_currency_is_refused() -> None:
    with pytest.raises(DiscountInvalid, match="in USD"):
        price(
            [PricingLine("A", 1, 1000)],
            discounts=[code("USD5", DiscountKind.FIXED_AMOUNT, "5", currency="USD")],
        )


def test_best_automatic_discount_wins_when_one_is_not_combinable() -> None:
    """Combinable 5 % + 5 % = 9.75 % of 100.00 = 9.75; the lone 15 % gives 15.00: it wins."""
    lone = pct("15", combinable=False)
    b = price([PricingLine("A", 1, 10000)], rates={}, discounts=[pct("5"), pct("5"), lone])
    assert b.applied.discounts == (lone,)
    assert b.discount_total == 1500


def test_with_a_code_non_combinable_automatic_discounts_step_aside() -> None:
    lone, also = pct("50", combinable=False), pct("5")
    b = price([PricingLine("A", 1, 10000)], rates={}, discounts=[code("TEN"), also, lone])
    assert lone not in b.applied.discounts
    assert b.discount_total == 1000 + 450  # 10 % of 100.00, then 5 % of 90.00


def test_unit_shares_give_back_exactly_the_line_however_it_is_split() -> None:
    """10.00 over 3 units: one at a time → 3.33, 3.33, 3.34."""
    assert [unit_share(1000, 3, before, 1) for before in range(3)] == [333, 333, 334]
    assert unit_share(1000, 3, 0, 2) + unit_share(1000, 3, 2, 1) == 1000


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(
        st.tuples(
            st.integers(1, 20),
            st.integers(0, 100_000),
            st.sampled_from(list(TaxClass)),
        ),
        min_size=1,
        max_size=6,
    ),
    shipping=st.integers(0, 5_000),
    inclusive=st.booleans(),
    mode=st.sampled_from(list(RoundingMode)),
    rule=st.sampled_from(list(RoundingRule)),
    percentage=st.sampled_from(["0.5", "10", "33.3333", "100"]),
    off=st.integers(0, 50_000),
)
def test_the_invariant_holds_for_any_order(
    lines: list[tuple[int, int, TaxClass]],
    shipping: int,
    inclusive: bool,
    mode: RoundingMode,
    rule: RoundingRule,
    percentage: str,
    off: int,
) -> None:
    b = price(
        [PricingLine(f"S{i}", q, p, c) for i, (q, p, c) in enumerate(lines)],
        inclusive=inclusive,
        shipping=shipping,
        shipping_rates=VAT21,
        discounts=[pct(percentage), fixed(str(Decimal(off) / 100), "EUR")],
        rounding=RoundingPolicy(mode, rule),
    )
    for li in b.lines:
        assert 0 <= li.discount <= li.amount
        assert li.tax >= 0
        assert li.net >= 0
    assert b.total >= 0
