"""Which discounts an order gets, and each one's share of every line and of shipping.

Rules (documented in the README, "Discounts"):

- Codes the customer gives must all apply; one that cannot (below its minimum subtotal, none of
  the lines are covered, a fixed amount in another currency) is a ``DISCOUNT_INVALID`` userError,
  never silently dropped. A code that is not combinable cannot be given with another code.
- With codes given, automatic discounts that are combinable apply next to them; automatic ones
  that are not combinable step aside. Without codes, the automatic discounts that are combinable
  apply together, unless one that is not combinable gives more on its own (then it alone).
- Product discounts go first, then order discounts, each on what is left after the ones before
  it (so 10 % and 10 % is 19 %, and no line ever goes below zero); free shipping takes what is
  left of the shipping price. The order subtotal a minimum is checked against is the subtotal
  before any discount.
- A percentage is rounded once per discount by the market's rule, and every discount's amount is
  split over the lines it covers by ``allocate`` in proportion to what is left of each, so the
  shares add up to the discount exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ordergraph.domain.discounts import Discount, DiscountInvalid, DiscountKind, DiscountScope
from ordergraph.domain.money import currency_exponent
from ordergraph.domain.rounding import RoundingRule, allocate, round_units


def _not_applicable(message: str, index: int | None) -> DiscountInvalid:
    """A code the customer gave cannot apply to this order; nothing is placed."""
    field = ["discountCodes", str(index)] if index is not None else ["discountCodes"]
    return DiscountInvalid(message, field=field)


@dataclass(frozen=True, slots=True)
class DiscountableLine:
    sku: str
    group: str | None
    amount: int  # the line's price (unit price x quantity) in minor units, as displayed


@dataclass(frozen=True, slots=True)
class DiscountShare:
    """One discount's share of one line (``line`` is its index) or of shipping (``line`` None)."""

    discount: Discount
    line: int | None
    amount: int


@dataclass(frozen=True, slots=True)
class AppliedDiscounts:
    discounts: tuple[Discount, ...]  # in the order they were applied
    shares: tuple[DiscountShare, ...]

    def line_total(self, index: int) -> int:
        return sum(s.amount for s in self.shares if s.line == index)

    @property
    def shipping_total(self) -> int:
        return sum(s.amount for s in self.shares if s.line is None)

    def amount_of(self, discount: Discount) -> int:
        return sum(s.amount for s in self.shares if s.discount is discount)


def fixed_minor(discount: Discount) -> int:
    """A fixed amount's value in minor units of its currency (validated at creation)."""
    assert discount.currency is not None
    return int(discount.value.scaleb(currency_exponent(discount.currency)))


def _why_not(discount: Discount, lines: Sequence[DiscountableLine], currency: str) -> str | None:
    subtotal = sum(line.amount for line in lines)
    needs_currency = (
        discount.kind is DiscountKind.FIXED_AMOUNT or discount.minimum_subtotal is not None
    )
    if needs_currency and discount.currency != currency:
        return f"applies to orders in {discount.currency}, not {currency}"
    if discount.minimum_subtotal is not None and subtotal < discount.minimum_subtotal:
        minimum = Decimal(discount.minimum_subtotal).scaleb(-currency_exponent(currency))
        return f"needs a subtotal of at least {minimum} {currency}"
    if not any(discount.covers(line.sku, line.group) for line in lines):
        return "applies to none of the products in this order"
    return None


def _apply(
    chosen: Sequence[Discount], lines: Sequence[DiscountableLine], shipping: int, rule: RoundingRule
) -> AppliedDiscounts:
    left = [line.amount for line in lines]
    shipping_left = shipping
    order = sorted(
        chosen, key=lambda d: (d.kind is DiscountKind.FREE_SHIPPING, d.scope is DiscountScope.ORDER)
    )  # stable: product discounts, then order discounts, then free shipping
    shares: list[DiscountShare] = []
    for discount in order:
        if discount.kind is DiscountKind.FREE_SHIPPING:
            if shipping_left:
                shares.append(DiscountShare(discount, None, shipping_left))
            shipping_left = 0
            continue
        covered = [i for i, line in enumerate(lines) if discount.covers(line.sku, line.group)]
        base = sum(left[i] for i in covered)
        if discount.kind is DiscountKind.PERCENTAGE:
            amount = round_units(Fraction(base) * Fraction(discount.value) / 100, rule)
        else:
            amount = min(fixed_minor(discount), base)
        for i, part in zip(covered, allocate(amount, [left[i] for i in covered]), strict=True):
            if part:
                shares.append(DiscountShare(discount, i, part))
                left[i] -= part
    return AppliedDiscounts(tuple(order), tuple(shares))


def apply_discounts(
    discounts: Sequence[Discount],
    lines: Sequence[DiscountableLine],
    *,
    shipping: int,
    currency: str,
    rule: RoundingRule,
    code_index: dict[str, int] | None = None,
) -> AppliedDiscounts:
    """Choose among ``discounts`` (the codes given, then the automatic ones usable now) and
    split each chosen one over ``lines`` and ``shipping``; ``DiscountInvalid`` for a code
    that cannot apply. ``code_index`` maps a code to its position in the input, for the field."""
    index = code_index or {}
    codes = [d for d in discounts if not d.automatic]
    for discount in codes:
        reason = _why_not(discount, lines, currency)
        if reason is not None:
            raise _not_applicable(f"{discount.code} {reason}", index.get(discount.code or ""))
        if not discount.combinable and len(codes) > 1:
            raise _not_applicable(
                f"{discount.code} cannot be combined with other codes",
                index.get(discount.code or ""),
            )
    automatic = [d for d in discounts if d.automatic and _why_not(d, lines, currency) is None]
    together = [d for d in automatic if d.combinable]
    if codes:
        alone = [d for d in codes if not d.combinable]
        return _apply(alone or [*codes, *together], lines, shipping, rule)
    best = _apply(together, lines, shipping, rule)
    for discount in (d for d in automatic if not d.combinable):
        single = _apply([discount], lines, shipping, rule)
        if sum(s.amount for s in single.shares) > sum(s.amount for s in best.shares):
            best = single
    return best
