"""Inputs and payloads of the transfer and inbound shipment mutations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.schema.errors import UserError
from ordergraph.schema.inputs import IDEMPOTENCY_HELP
from ordergraph.schema.types.inbound_shipment import InboundShipmentType
from ordergraph.schema.types.transfer import TransferType


@strawberry.input
class TransferInventoryInput:
    sku: str
    from_warehouse_id: strawberry.ID
    to_warehouse_id: strawberry.ID
    quantity: int
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input
class TransferInput:
    transfer_id: strawberry.ID
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.type
class TransferPayload:
    transfer: TransferType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class InboundShipmentLineInput:
    sku: str
    quantity: int


@strawberry.input
class CreateInboundShipmentInput:
    warehouse_id: strawberry.ID
    expected_at: datetime
    lines: list[InboundShipmentLineInput]
    reference: str | None = strawberry.field(
        default=None, description="The supplier's or purchase order's reference."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input(description="Units that arrived for one line, named by lineId or by sku.")
class ReceiveInboundLineInput:
    quantity: int
    line_id: strawberry.ID | None = None
    sku: str | None = None


@strawberry.input
class ReceiveInboundShipmentInput:
    inbound_shipment_id: strawberry.ID
    lines: list[ReceiveInboundLineInput] | None = strawberry.field(
        default=None, description="Absent: receive everything still outstanding."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input
class InboundShipmentInput:
    inbound_shipment_id: strawberry.ID
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.type
class InboundShipmentPayload:
    inbound_shipment: InboundShipmentType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
