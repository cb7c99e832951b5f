"""``quoteOrder``'s answer: what ``placeOrder`` would record for the same input, unwritten."""

from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.domain.orders import OrderLine
from ordergraph.schema.errors import UserError
from ordergraph.schema.types.money import MoneyType
from ordergraph.schema.types.order import RoutingDecisionType
from ordergraph.schema.types.shipping_option import OrderShippingOptionType, ShippingOptionType
from ordergraph.services.orders import routing_explanation
from ordergraph.services.pricing import PricedOrder

NOT_YET = "Zero in the order currency until {} exist (not built yet)."


@strawberry.type(name="QuoteLine", description="A line as the order would have it (no id yet).")
class QuoteLineType:
    sku: str
    name: str
    quantity: int
    unit_price: MoneyType
    total: MoneyType

    @classmethod
    def from_domain(cls, line: OrderLine) -> QuoteLineType:
        return cls(
            sku=line.sku,
            name=line.name,
            quantity=line.quantity,
            unit_price=MoneyType.from_domain(line.unit_price),
            total=MoneyType.from_domain(line.total),
        )


@strawberry.type(
    name="Quote",
    description="What placeOrder would charge, ship and promise for this input right now, "
    "computed by the same code; nothing is reserved, so stock may still run out before the "
    "order is placed. total = subtotal - discountTotal + taxTotal + shippingTotal.",
)
class QuoteType:
    lines: list[QuoteLineType] = strawberry.field(description="Repeated SKUs merged.")
    subtotal: MoneyType
    discount_total: MoneyType = strawberry.field(
        description="Discounts taken off. " + NOT_YET.format("discounts")
    )
    tax_total: MoneyType = strawberry.field(description="Tax added. " + NOT_YET.format("taxes"))
    shipping_total: MoneyType
    total: MoneyType
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
        return cls(
            lines=[QuoteLineType.from_domain(line) for line in priced.lines],
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
