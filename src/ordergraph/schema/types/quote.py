"""``quoteOrder``'s answer: what ``placeOrder`` would record for the same input, unwritten."""

from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.domain.money import Money
from ordergraph.domain.orders import OrderLine
from ordergraph.domain.price_calculation import PricedLine
from ordergraph.schema.errors import UserError
from ordergraph.schema.types.money import MoneyType
from ordergraph.schema.types.order import RoutingDecisionType
from ordergraph.schema.types.order_pricing import TaxLineType
from ordergraph.schema.types.shipping_option import OrderShippingOptionType, ShippingOptionType
from ordergraph.services.orders import routing_explanation
from ordergraph.services.pricing import PricedOrder


@strawberry.type(name="QuoteLine", description="A line as the order would have it (no id yet).")
class QuoteLineType:
    sku: str
    name: str
    quantity: int
    unit_price: MoneyType
    total: MoneyType = strawberry.field(description="As OrderLine.total: before discounts.")
    discount_total: MoneyType
    tax_total: MoneyType
    charged_total: MoneyType = strawberry.field(description="As OrderLine.chargedTotal.")
    tax_lines: list[TaxLineType]

    @classmethod
    def from_domain(cls, line: OrderLine, priced: PricedLine) -> QuoteLineType:
        currency = line.unit_price.currency
        return cls(
            sku=line.sku,
            name=line.name,
            quantity=line.quantity,
            unit_price=MoneyType.from_domain(line.unit_price),
            total=MoneyType.from_domain(line.total),
            discount_total=MoneyType.from_domain(Money(line.discount, currency)),
            tax_total=MoneyType.from_domain(Money(line.tax, currency)),
            charged_total=MoneyType.from_domain(line.charged),
            tax_lines=[
                TaxLineType.of(t.name, t.rate, priced.net, t.amount, currency) for t in priced.taxes
            ],
        )


@strawberry.type(name="QuoteDiscount", description="A discount the order would get, in all.")
class QuoteDiscountType:
    code: str | None
    name: str
    automatic: bool
    amount: MoneyType


@strawberry.type(
    name="Quote",
    description="What placeOrder would charge, ship and promise for this input right now, "
    "computed by the same code; nothing is reserved, so stock may still run out before the "
    "order is placed. total = subtotal - discountTotal + shippingTotal, + taxTotal unless "
    "pricesIncludeTax.",
)
class QuoteType:
    lines: list[QuoteLineType] = strawberry.field(description="Repeated SKUs merged.")
    subtotal: MoneyType
    discount_total: MoneyType = strawberry.field(description="Discounts taken off, in all.")
    tax_total: MoneyType = strawberry.field(
        description="Tax on lines and shipping (inside the prices when pricesIncludeTax)."
    )
    shipping_total: MoneyType = strawberry.field(description="The shipping price.")
    shipping_discount: MoneyType
    shipping_tax: MoneyType
    total: MoneyType
    prices_include_tax: bool
    tax_policy: str = strawberry.field(description="As Order.taxPolicy.")
    tax_lines: list[TaxLineType] = strawberry.field(description="Totals per rate.")
    discounts: list[QuoteDiscountType] = strawberry.field(description="In the order applied.")
    promised_delivery_at: datetime = strawberry.field(
        description="The order's promisedDeliveryAt: the chosen option's window latest, or "
        "handling plus transit where no carrier service serves the order (then it moves with "
        "the time the order is placed)."
    )
    shipping_options: list[ShippingOptionType] = strawberry.field(
        description="Every carrier service option for this order, cheapest first, as "
        "shippingOptions answers; an id can be passed as shippingOptionId."
    )
    shipping_option: OrderShippingOptionType | None = strawberry.field(
        description="The option the order would ship with (the one asked for, else the "
        "cheapest); null where the fixed rate table prices shipping."
    )
    routing: RoutingDecisionType = strawberry.field(
        description="Where the stock would be reserved, as Order.routing."
    )

    @classmethod
    def from_domain(cls, priced: PricedOrder) -> QuoteType:
        option = priced.option
        b, currency = priced.breakdown, priced.currency
        return cls(
            lines=[
                QuoteLineType.from_domain(line, p)
                for line, p in zip(priced.lines, b.lines, strict=True)
            ],
            shipping_discount=MoneyType.from_domain(Money(b.shipping.discount, currency)),
            shipping_tax=MoneyType.from_domain(Money(b.shipping.tax, currency)),
            prices_include_tax=b.inclusive,
            tax_policy=priced.tax_policy.value,
            tax_lines=[
                TaxLineType.of(t.name, t.rate, t.taxable, t.amount, currency)
                for t in b.tax_summary()
            ],
            discounts=[
                QuoteDiscountType(
                    code=d.code,
                    name=d.name,
                    automatic=d.automatic,
                    amount=MoneyType.from_domain(Money(b.applied.amount_of(d), currency)),
                )
                for d in b.applied.discounts
            ],
            subtotal=MoneyType.from_domain(priced.subtotal),
            discount_total=MoneyType.from_domain(priced.discount_total),
            tax_total=MoneyType.from_domain(priced.tax_total),
            shipping_total=MoneyType.from_domain(priced.shipping_total),
            total=MoneyType.from_domain(priced.total),
            promised_delivery_at=priced.promised_delivery_at,
            shipping_options=[ShippingOptionType.from_domain(q) for q in priced.options],
            shipping_option=OrderShippingOptionType.from_domain(option) if option else None,
            routing=RoutingDecisionType.from_json(routing_explanation(priced.plan)),
        )


@strawberry.type
class QuoteOrderPayload:
    quote: QuoteType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
