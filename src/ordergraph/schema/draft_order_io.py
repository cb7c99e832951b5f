"""Inputs and payloads of the draft order mutations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.domain.orders import Channel
from ordergraph.schema.errors import UserError
from ordergraph.schema.inputs import IDEMPOTENCY_HELP
from ordergraph.schema.types.customer import AddressInput
from ordergraph.schema.types.draft_order import DraftOrderType
from ordergraph.schema.types.money import MoneyInput
from ordergraph.schema.types.order import OrderType


@strawberry.input(description="An order line; staff (orders:write) may set its unit price.")
class DraftOrderLineInput:
    sku: str
    quantity: int
    unit_price: MoneyInput | None = strawberry.field(
        default=None,
        description="A custom price per unit instead of the catalog's, in the order's currency "
        "(MIXED_CURRENCY otherwise); discounts and tax apply on it. Needs priceReason.",
    )
    price_reason: str | None = strawberry.field(
        default=None,
        description="Why the line has a custom price (REQUIRED with unitPrice); shown on the "
        "draft line and in the placed order's order.placed event.",
    )


@strawberry.input(description="What placeOrder would take, saved for later (no idempotencyKey).")
class DraftOrderInput:
    lines: list[DraftOrderLineInput] = strawberry.field(
        description="As PlaceOrderInput.lines, each with an optional custom unit price."
    )
    shipping_address: AddressInput
    channel: Channel = strawberry.field(
        default=Channel.PHONE, description="The order's channel: PHONE unless told."
    )
    customer_id: strawberry.ID | None = None
    email: str | None = None
    name: str | None = None
    phone: str | None = None
    sales_rep: str | None = strawberry.field(
        default=None, description="Without it: the staff member who created the draft."
    )
    shipping_option_id: str | None = None
    market_id: strawberry.ID | None = None
    discount_codes: list[str] = strawberry.field(default_factory=list)
    reserve_inventory_until: datetime | None = strawberry.field(
        default=strawberry.UNSET,
        description="Reserve the lines' stock until then (OUT_OF_STOCK when it is not there; "
        "a time in the past is INVALID); released when it passes, on delete, and handed to "
        "the order on completion. On update: absent keeps the current reservation (following "
        "the new quantities), null releases it.",
    )


@strawberry.input(description="Options of completeDraftOrder.")
class CompleteDraftOrderInput:
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.type
class DraftOrderPayload:
    draft_order: DraftOrderType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CompleteDraftOrderPayload:
    draft_order: DraftOrderType | None = None
    order: OrderType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
