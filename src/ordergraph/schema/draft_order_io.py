"""Inputs and payloads of the draft order mutations."""

from __future__ import annotations

import strawberry

from ordergraph.domain.orders import Channel
from ordergraph.schema.errors import UserError
from ordergraph.schema.inputs import IDEMPOTENCY_HELP
from ordergraph.schema.order_inputs import OrderLineInput
from ordergraph.schema.types.customer import AddressInput
from ordergraph.schema.types.draft_order import DraftOrderType
from ordergraph.schema.types.order import OrderType


@strawberry.input(description="What placeOrder would take, saved for later (no idempotencyKey).")
class DraftOrderInput:
    lines: list[OrderLineInput] = strawberry.field(description="As PlaceOrderInput.lines.")
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
