"""Input and payload of ``importOrder``: orders taken on another channel."""

from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.schema.enums import Channel
from ordergraph.schema.errors import UserError
from ordergraph.schema.types.customer import AddressInput
from ordergraph.schema.types.money import MoneyInput
from ordergraph.schema.types.order import OrderType


@strawberry.input(description="One line as the channel sold it.")
class ImportOrderLineInput:
    sku: str
    quantity: int
    unit_price: MoneyInput = strawberry.field(
        description="The price the channel charged per unit (not the catalog price)."
    )


@strawberry.input
class ImportOrderInput:
    source: str = strawberry.field(
        description="The channel's name, e.g. amazon or pos-amsterdam (stored lower-case)."
    )
    external_id: str = strawberry.field(
        description="The order's id on that channel. source + externalId import once: a replay "
        "returns the first order and changes nothing; other content under the same pair is an "
        "ALREADY_IMPORTED userError carrying that first order."
    )
    channel: Channel = Channel.MARKETPLACE
    lines: list[ImportOrderLineInput] = strawberry.field(
        description="At most 250 lines, one per SKU, all in one currency."
    )
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="An existing customer."
    )
    email: str | None = strawberry.field(
        default=None,
        description="The buyer's email: the customer with it, or a new one. Without customerId "
        "and email the order is a guest order (a walk-in at the till).",
    )
    name: str | None = None
    phone: str | None = None
    shipping_address: AddressInput | None = strawberry.field(
        default=None, description="Required unless alreadyFulfilled."
    )
    shipping_total: MoneyInput | None = strawberry.field(
        default=None, description="Shipping the channel charged (default 0)."
    )
    paid_amount: MoneyInput | None = strawberry.field(
        default=None,
        description="Money the channel already collected: 0 (payment PENDING) or the whole "
        "total (PAID, recorded as a captured payment from the external gateway).",
    )
    already_fulfilled: bool = strawberry.field(
        default=False,
        description="Goods already handed over (a shop sale): stock leaves on hand at once, "
        "no fulfillment, the order is DELIVERED.",
    )
    warehouse_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Where the goods come from (the shop, for alreadyFulfilled); otherwise "
        "routed like placeOrder.",
    )
    placed_at: datetime | None = strawberry.field(
        default=None, description="When the channel took the order (default now)."
    )
    sales_rep: str | None = strawberry.field(
        default=None, description="Who took the order (PHONE/SALES_REP default: the caller)."
    )
    notify_customer: bool = strawberry.field(
        default=False, description="Mail the customer as for an order placed here (default no)."
    )


@strawberry.type
class ImportOrderPayload:
    order: OrderType | None = None
    replayed: bool = strawberry.field(
        default=False, description="The order was imported before; nothing changed now."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)
