"""Inputs and payloads of the fulfillment and shipping mutations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.schema.enums import ShipmentStatus
from ordergraph.schema.errors import UserError
from ordergraph.schema.inputs import IDEMPOTENCY_HELP
from ordergraph.schema.types.fulfillment import FulfillmentType
from ordergraph.schema.types.order import OrderType
from ordergraph.schema.types.shipment import ShipmentType


@strawberry.input
class FulfillmentInput:
    fulfillment_id: strawberry.ID
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input
class ShipFulfillmentLineInput:
    fulfillment_line_id: strawberry.ID
    quantity: int


@strawberry.input
class ShipFulfillmentInput:
    fulfillment_id: strawberry.ID
    carrier: str | None = strawberry.field(
        default=None,
        description="DHL, UPS, FEDEX, USPS, ROYAL_MAIL, DPD, GLS, POSTNL (tracking URL built for "
        "you), or any other name with trackingUrl. Omitted: ORDERGRAPH_CARRIER_POLICY picks a "
        "carrier service serving the lane (Shipment.carrierChoice says why); CARRIER_REQUIRED "
        "if none does.",
    )
    tracking_number: str
    service: str | None = None
    tracking_url: str | None = strawberry.field(
        default=None, description="For custom carriers, or to override the template."
    )
    lines: list[ShipFulfillmentLineInput] | None = strawberry.field(
        default=None, description="Ship part of the fulfillment; default: everything left."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)
    notify_customer: bool = strawberry.field(
        default=True, description="Mail the customer about this (default true; always honoured)."
    )


@strawberry.input
class ShipmentEventInput:
    shipment_id: strawberry.ID
    status: ShipmentStatus
    occurred_at: datetime
    location: str | None = None
    description: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)
    notify_customer: bool = strawberry.field(
        default=True, description="Mail the customer about this (default true; always honoured)."
    )


@strawberry.type
class FulfillmentPayload:
    fulfillment: FulfillmentType | None = None
    order: OrderType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ShipFulfillmentPayload:
    shipment: ShipmentType | None = None
    fulfillment: FulfillmentType | None = None
    order: OrderType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ShipmentEventPayload:
    shipment: ShipmentType | None = None
    order: OrderType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
