"""An order's price breakdown as it is stored: each line's discount and tax, the tax lines per
rate and the discounts' shares per line, all from one ``PriceBreakdown``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ordergraph.domain.orders import OrderLine
from ordergraph.domain.price_calculation import PriceBreakdown, PricedLine, PricedShipping


@dataclass(frozen=True, slots=True)
class OrderTaxLine:
    """One rate's tax on one order line (or on shipping: ``order_line_id`` None)."""

    order_line_id: int | None
    name: str
    rate: Decimal  # percent
    taxable: int  # net minor units the rate applied to
    amount: int


@dataclass(frozen=True, slots=True)
class OrderDiscountLine:
    """One discount's share of one order line (or of shipping: ``order_line_id`` None)."""

    order_line_id: int | None
    discount_id: int | None
    code: str | None
    name: str
    amount: int


@dataclass(frozen=True, slots=True)
class PriceDetails:
    taxes: tuple[OrderTaxLine, ...]
    discounts: tuple[OrderDiscountLine, ...]


def priced_lines(lines: Sequence[OrderLine], breakdown: PriceBreakdown) -> list[OrderLine]:
    """``lines`` (in the breakdown's order) with their discount and tax filled in."""
    out = []
    for line, priced in zip(lines, breakdown.lines, strict=True):
        assert line.sku == priced.sku
        out.append(
            OrderLine(
                line.id,
                line.sku,
                line.name,
                line.quantity,
                line.unit_price,
                discount=priced.discount,
                tax=priced.tax,
                tax_included=breakdown.inclusive,
                tax_class=priced.tax_class.value,
            )
        )
    return out


def price_details(lines: Sequence[OrderLine], breakdown: PriceBreakdown) -> PriceDetails:
    """The rows to store for stored ``lines`` (ids filled in, in the breakdown's order)."""
    taxes: list[OrderTaxLine] = []
    discounts: list[OrderDiscountLine] = []
    parts: list[tuple[int | None, PricedLine | PricedShipping]] = [
        (line.id, priced) for line, priced in zip(lines, breakdown.lines, strict=True)
    ]
    parts.append((None, breakdown.shipping))
    for line_id, priced in parts:
        for portion in priced.taxes:
            taxes.append(
                OrderTaxLine(line_id, portion.name, portion.rate, priced.net, portion.amount)
            )
        for share in priced.discounts:
            d = share.discount
            discounts.append(OrderDiscountLine(line_id, d.id, d.code, d.name, share.amount))
    return PriceDetails(tuple(taxes), tuple(discounts))
