"""What an order costs, line by line: price, discounts, tax, and what is charged.

The one calculation behind ``quoteOrder``, ``placeOrder`` and (later) order edits. Every amount
is an integer of minor units and one invariant always holds, checked on every call:

    sum(line totals) + shipping total = subtotal - discounts + shipping (+ tax if exclusive)
                                      = the order total = the amount charged

A line's *total* is what the customer pays for it: its price less its discounts, plus its tax
when prices exclude tax (inclusive prices already contain it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ordergraph.domain.discount_application import (
    AppliedDiscounts,
    DiscountableLine,
    DiscountShare,
    apply_discounts,
)
from ordergraph.domain.discounts import Discount
from ordergraph.domain.rounding import RoundingPolicy
from ordergraph.domain.tax_calculation import Taxable, TaxPortion, compute_taxes
from ordergraph.domain.taxes import AppliedRate, TaxClass


@dataclass(frozen=True, slots=True)
class PricingLine:
    sku: str
    quantity: int
    unit_price: int  # minor units, as displayed in the market
    tax_class: TaxClass = TaxClass.STANDARD
    group: str | None = None


@dataclass(frozen=True, slots=True)
class PricingRequest:
    currency: str
    inclusive: bool  # prices contain tax (the market's tax display)
    rounding: RoundingPolicy
    lines: Sequence[PricingLine]
    shipping: int  # the shipping price, as displayed
    line_rates: Mapping[TaxClass, tuple[AppliedRate, ...]]
    shipping_rates: tuple[AppliedRate, ...] = ()
    discounts: Sequence[Discount] = ()  # codes given, then automatic discounts usable now
    code_index: Mapping[str, int] | None = None  # code → its index in the input


@dataclass(frozen=True, slots=True)
class PricedLine:
    sku: str
    quantity: int
    unit_price: int
    amount: int  # unit price x quantity
    discount: int
    discounts: tuple[DiscountShare, ...]
    tax: int
    taxes: tuple[TaxPortion, ...]
    total: int  # what is charged for the line
    inclusive: bool
    tax_class: TaxClass = TaxClass.STANDARD

    @property
    def net(self) -> int:
        """The line's amount after discounts and without tax."""
        return self.amount - self.discount - (self.tax if self.inclusive else 0)


@dataclass(frozen=True, slots=True)
class PricedShipping:
    price: int
    discount: int
    discounts: tuple[DiscountShare, ...]
    tax: int
    taxes: tuple[TaxPortion, ...]
    total: int
    inclusive: bool

    @property
    def net(self) -> int:
        return self.price - self.discount - (self.tax if self.inclusive else 0)


@dataclass(frozen=True, slots=True)
class TaxSummary:
    """One rate's totals over the order (the invoice's "totals per rate")."""

    name: str
    rate: Decimal
    taxable: int  # net amount the rate applied to
    amount: int


@dataclass(frozen=True, slots=True)
class PriceBreakdown:
    currency: str
    inclusive: bool
    lines: tuple[PricedLine, ...]
    shipping: PricedShipping
    applied: AppliedDiscounts
    subtotal: int  # sum of line amounts, before discounts
    discount_total: int  # lines and shipping
    tax_total: int  # lines and shipping (contained in the prices when inclusive)
    total: int

    @property
    def shipping_price(self) -> int:
        return self.shipping.price

    def tax_summary(self) -> list[TaxSummary]:
        parts = [(line.net, line.taxes) for line in self.lines]
        parts.append((self.shipping.net, self.shipping.taxes))
        return totals_per_rate(
            TaxSummary(p.name, p.rate, net, p.amount) for net, taxes in parts for p in taxes
        )


def totals_per_rate(portions: Iterable[TaxSummary]) -> list[TaxSummary]:
    """One total per (name, rate), in the order the rates first appear."""
    totals: dict[tuple[str, Decimal], list[int]] = {}
    for p in portions:
        entry = totals.setdefault((p.name, p.rate), [0, 0])
        entry[0] += p.taxable
        entry[1] += p.amount
    return [TaxSummary(n, r, t, a) for (n, r), (t, a) in totals.items()]


def calculate_prices(request: PricingRequest) -> PriceBreakdown:
    """Discounts, then tax on what is left, for every line and for shipping."""
    lines = request.lines
    applied = apply_discounts(
        request.discounts,
        [DiscountableLine(li.sku, li.group, li.unit_price * li.quantity) for li in lines],
        shipping=request.shipping,
        currency=request.currency,
        rule=request.rounding.rule,
        code_index=dict(request.code_index or {}),
    )
    amounts = [li.unit_price * li.quantity for li in lines]
    taxables = [
        Taxable(
            amounts[i] - applied.line_total(i),
            li.quantity,
            request.line_rates.get(li.tax_class, ()) if li.tax_class is not TaxClass.ZERO else (),
        )
        for i, li in enumerate(lines)
    ]
    taxables.append(
        Taxable(request.shipping - applied.shipping_total, 1, tuple(request.shipping_rates))
    )
    taxes = compute_taxes(taxables, inclusive=request.inclusive, policy=request.rounding)

    def charged(after_discount: int, tax: int) -> int:
        return after_discount if request.inclusive else after_discount + tax

    priced = tuple(
        PricedLine(
            sku=li.sku,
            quantity=li.quantity,
            unit_price=li.unit_price,
            amount=amounts[i],
            discount=applied.line_total(i),
            discounts=tuple(s for s in applied.shares if s.line == i),
            tax=sum(p.amount for p in taxes[i]),
            taxes=taxes[i],
            total=charged(taxables[i].amount, sum(p.amount for p in taxes[i])),
            inclusive=request.inclusive,
            tax_class=li.tax_class,
        )
        for i, li in enumerate(lines)
    )
    shipping_tax = sum(p.amount for p in taxes[-1])
    shipping = PricedShipping(
        price=request.shipping,
        discount=applied.shipping_total,
        discounts=tuple(s for s in applied.shares if s.line is None),
        tax=shipping_tax,
        taxes=taxes[-1],
        total=charged(taxables[-1].amount, shipping_tax),
        inclusive=request.inclusive,
    )
    subtotal = sum(amounts)
    discount_total = sum(s.amount for s in applied.shares)
    tax_total = sum(line.tax for line in priced) + shipping.tax
    total = subtotal - discount_total + request.shipping + (0 if request.inclusive else tax_total)
    if sum(line.total for line in priced) + shipping.total != total:  # pragma: no cover
        raise AssertionError("price invariant broken: lines + shipping != total")
    return PriceBreakdown(
        request.currency,
        request.inclusive,
        priced,
        shipping,
        applied,
        subtotal,
        discount_total,
        tax_total,
        total,
    )


def unit_share(amount: int, quantity: int, before: int, units: int) -> int:
    """The part of ``amount`` (spread over ``quantity`` units) that ``units`` more units carry
    after ``before`` were already taken. Shares of the running count are floored, so however a
    line is refunded or cancelled in parts, all its units together give back exactly
    ``amount`` — never a cent more or less."""
    return amount * (before + units) // quantity - amount * before // quantity
