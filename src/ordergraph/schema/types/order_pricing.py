"""How an order's total came about: tax lines per rate and the discounts' shares."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from ordergraph.domain.money import Money
from ordergraph.domain.order_pricing import OrderDiscountLine, OrderTaxLine
from ordergraph.domain.price_calculation import TaxSummary, totals_per_rate
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.money import MoneyType


@strawberry.type(name="TaxLine", description="One rate's tax on a line, on shipping or in all.")
class TaxLineType:
    name: str
    rate: Decimal = strawberry.field(description="A percentage: 21 is 21 %.")
    taxable_amount: MoneyType = strawberry.field(description="The net amount it applied to.")
    amount: MoneyType

    @classmethod
    def of(cls, name: str, rate: Decimal, taxable: int, amount: int, currency: str) -> TaxLineType:
        return cls(
            name=name,
            rate=rate,
            taxable_amount=MoneyType.from_domain(Money(taxable, currency)),
            amount=MoneyType.from_domain(Money(amount, currency)),
        )

    @classmethod
    def from_domain(cls, line: OrderTaxLine, currency: str) -> TaxLineType:
        return cls.of(line.name, line.rate, line.taxable, line.amount, currency)


def summarize(lines: list[OrderTaxLine], currency: str) -> list[TaxLineType]:
    """Totals per rate over the order (the invoice's table)."""
    per_rate = totals_per_rate(TaxSummary(t.name, t.rate, t.taxable, t.amount) for t in lines)
    return [TaxLineType.of(s.name, s.rate, s.taxable, s.amount, currency) for s in per_rate]


@strawberry.type(
    name="DiscountAllocation",
    description="One discount's share of one order line, or of shipping (orderLineId null).",
)
class DiscountAllocationType:
    order_line_id: strawberry.ID | None
    discount_id: strawberry.ID | None
    code: str | None
    name: str
    amount: MoneyType

    @classmethod
    def from_domain(cls, line: OrderDiscountLine, currency: str) -> DiscountAllocationType:
        return cls(
            order_line_id=strawberry.ID(encode_id("OrderLine", line.order_line_id))
            if line.order_line_id is not None
            else None,
            discount_id=strawberry.ID(encode_id("Discount", line.discount_id))
            if line.discount_id is not None
            else None,
            code=line.code,
            name=line.name,
            amount=MoneyType.from_domain(Money(line.amount, currency)),
        )
