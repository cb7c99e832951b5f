"""Rounding money to a currency's minor unit, and splitting an amount without losing a unit.

Every amount is an integer of ISO 4217 minor units (cents for EUR, yen for JPY, fils for KWD:
``currency_exponent``). Taxes and discounts produce fractions of a minor unit; ``round_minor``
turns them into units by an explicit rule, and ``allocate`` splits a total over lines so the
parts always add up to the total exactly: the invariant "lines + shipping + tax - discounts =
total = charged" depends on never rounding each part on its own.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ordergraph.domain.money import currency_exponent


class RoundingRule(enum.StrEnum):
    """How a fraction of exactly one half is rounded (others go to the nearest unit)."""

    HALF_UP = "HALF_UP"  # away from zero: 0.5 → 1, 2.5 → 3, -0.5 → -1
    HALF_EVEN = "HALF_EVEN"  # to the even neighbour (banker's): 0.5 → 0, 1.5 → 2, 2.5 → 2


class RoundingMode(enum.StrEnum):
    """Where a computed amount (tax, a percentage discount) is rounded to minor units."""

    PER_UNIT = "PER_UNIT"  # each unit's amount, then times the quantity
    PER_LINE = "PER_LINE"  # each line's amount
    PER_ORDER = "PER_ORDER"  # the order's sum, then allocated back to the lines


@dataclass(frozen=True, slots=True)
class RoundingPolicy:
    mode: RoundingMode = RoundingMode.PER_LINE
    rule: RoundingRule = RoundingRule.HALF_UP


def minor_exponent(currency: str) -> int:
    """The number of decimal places of the currency's minor unit (JPY 0, EUR 2, KWD 3)."""
    return currency_exponent(currency)


def round_units(minor: int | Decimal | Fraction, rule: RoundingRule) -> int:
    """A (fractional) number of minor units rounded to a whole one by ``rule``; exact, since
    it compares integers (a Decimal converts to a Fraction without loss)."""
    value = Fraction(minor)
    whole, rest = divmod(value.numerator, value.denominator)  # floor division: rest ≥ 0
    twice = 2 * rest  # compare the remainder with one half without leaving integers
    if twice < value.denominator:
        return whole
    if twice > value.denominator:
        return whole + 1
    if rule is RoundingRule.HALF_EVEN:
        return whole + (whole % 2)
    return whole + 1 if value > 0 else whole  # exactly half: away from zero


def round_minor(amount: Decimal, currency: str, rule: RoundingRule) -> int:
    """A decimal amount in the currency's major unit (EUR 1.005) as whole minor units (100 or
    101, by ``rule``)."""
    if not amount.is_finite():
        raise ValueError("cannot round a non-finite amount")
    return round_units(Fraction(amount) * 10 ** minor_exponent(currency), rule)


def allocate(total_minor: int, weights: Sequence[int | Decimal | Fraction]) -> list[int]:
    """Split ``total_minor`` in proportion to ``weights`` (largest remainder).

    The parts always sum to ``total_minor`` exactly, and each is within one minor unit of its
    exact share (its share rounded down, or up by one). Remainders that tie go to the earlier
    part, so the split is deterministic. All-zero weights split evenly; a negative total splits
    like its absolute value, negated (a refund reverses exactly the allocated parts).
    """
    if not weights:
        if total_minor != 0:
            raise ValueError("cannot allocate a non-zero total over no parts")
        return []
    shares = [Fraction(w) for w in weights]
    if any(s < 0 for s in shares):
        raise ValueError("weights must not be negative")
    if total_minor < 0:
        return [-part for part in allocate(-total_minor, shares)]
    if sum(shares) == 0:
        shares = [Fraction(1)] * len(shares)
    whole = sum(shares)
    exact = [total_minor * s / whole for s in shares]
    parts = [int(e) for e in exact]  # floor: every exact share is non-negative
    left = total_minor - sum(parts)
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[:left]:
        parts[i] += 1
    return parts
