"""Tax classes, tax rates and the rates that apply to one destination.

A product has a tax class (standard, reduced or zero); a rate is a percentage for one class in
one country, optionally narrowed to a region (a US state, a Canadian province). Every rate that
matches a destination applies, so a country rate and a region rate add up (Canada: GST + PST);
a destination with no rate is not taxed, which is how a shop without tax keeps charging none.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal


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
