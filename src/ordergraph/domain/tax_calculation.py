"""Tax on each line and on shipping, rounded where the market's policy says.

A line's tax is computed on its price after discounts. With tax-exclusive prices a rate adds
``amount x rate``; with tax-inclusive prices the tax is already inside the amount, and a rate's
part of it is ``amount x rate / (100 + all rates)`` (so 21 % VAT in 12.10 is 2.10). Rounding:

- ``PER_UNIT``: each unit's tax is rounded, then multiplied by the quantity;
- ``PER_LINE``: each line's tax is rounded;
- ``PER_ORDER``: each rate's exact tax over the whole order is rounded once, then split back over
  the lines by ``allocate`` in proportion to their exact tax, so no rounding is repeated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ordergraph.domain.rounding import RoundingMode, RoundingPolicy, allocate, round_units
from ordergraph.domain.taxes import AppliedRate


@dataclass(frozen=True, slots=True)
class Taxable:
    amount: int  # minor units after discounts, as displayed (gross when inclusive)
    quantity: int  # 1 for shipping
    rates: tuple[AppliedRate, ...]


@dataclass(frozen=True, slots=True)
class TaxPortion:
    """One rate's tax on one line (or on shipping)."""

    name: str
    rate: Decimal
    amount: int


def _exact(item: Taxable, rate: AppliedRate, inclusive: bool) -> Fraction:
    if inclusive:
        whole = 100 + sum((Fraction(r.rate) for r in item.rates), Fraction(0))
        return Fraction(item.amount) * Fraction(rate.rate) / whole
    return Fraction(item.amount) * Fraction(rate.rate) / 100


def compute_taxes(
    items: Sequence[Taxable], *, inclusive: bool, policy: RoundingPolicy
) -> list[tuple[TaxPortion, ...]]:
    """Each item's tax portions, one per rate, in the items' order."""
    exact = [[_exact(item, r, inclusive) for r in item.rates] for item in items]
    if policy.mode is RoundingMode.PER_ORDER:
        return _per_order(items, exact, policy)
    out: list[tuple[TaxPortion, ...]] = []
    for item, amounts in zip(items, exact, strict=True):
        portions = []
        for rate, value in zip(item.rates, amounts, strict=True):
            if policy.mode is RoundingMode.PER_UNIT:
                tax = round_units(value / item.quantity, policy.rule) * item.quantity
            else:
                tax = round_units(value, policy.rule)
            portions.append(TaxPortion(rate.name, rate.rate, tax))
        out.append(tuple(portions))
    return out


def _per_order(
    items: Sequence[Taxable], exact: list[list[Fraction]], policy: RoundingPolicy
) -> list[tuple[TaxPortion, ...]]:
    by_rate: dict[tuple[str, Decimal], list[tuple[int, int]]] = {}
    for i, item in enumerate(items):
        for j, rate in enumerate(item.rates):
            by_rate.setdefault((rate.name, rate.rate), []).append((i, j))
    amounts: dict[tuple[int, int], int] = {}
    for places in by_rate.values():
        weights = [exact[i][j] for i, j in places]
        total = round_units(sum(weights, Fraction(0)), policy.rule)
        for place, part in zip(places, allocate(total, weights), strict=True):
            amounts[place] = part
    return [
        tuple(TaxPortion(r.name, r.rate, amounts[(i, j)]) for j, r in enumerate(item.rates))
        for i, item in enumerate(items)
    ]
