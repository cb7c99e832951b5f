"""Transfer and inbound shipment mutations (stock moves go through services/stock_ledger)."""

from __future__ import annotations

import strawberry

from ordergraph.domain.inbound import ExpectedLine, InboundShipment
from ordergraph.domain.transfers import InventoryTransfer
from ordergraph.resolvers.common import attempt, input_id
from ordergraph.schema.context import Info, authenticated
from ordergraph.schema.errors import UserError
from ordergraph.schema.transfer_io import (
    CreateInboundShipmentInput,
    InboundShipmentInput,
    InboundShipmentPayload,
    ReceiveInboundShipmentInput,
    TransferInput,
    TransferInventoryInput,
    TransferPayload,
)
from ordergraph.schema.types.inbound_shipment import InboundShipmentType
from ordergraph.schema.types.transfer import TransferType
from ordergraph.services import inbound, transfers
from ordergraph.services.inbound import InboundReceipt


def _transfer(done: InventoryTransfer | None, errors: list[UserError]) -> TransferPayload:
    if done is None:
        return TransferPayload(user_errors=errors)
    return TransferPayload(transfer=TransferType.from_domain(done))


def _inbound(done: InboundShipment | None, errors: list[UserError]) -> InboundShipmentPayload:
    if done is None:
        return InboundShipmentPayload(user_errors=errors)
    return InboundShipmentPayload(inbound_shipment=InboundShipmentType.from_domain(done))


@strawberry.type
class TransferMutation:
    @strawberry.mutation(
        description="Send stock to another warehouse (inventory:write): off the source's "
        "onHand at once, inTransit at the destination until receiveTransfer."
    )
    async def transfer_inventory(
        self, info: Info, input: TransferInventoryInput
    ) -> TransferPayload:
        actor = authenticated(info)

        async def run() -> InventoryTransfer:
            return await transfers.transfer_inventory(
                info.context.deps,
                actor,
                sku=input.sku,
                from_warehouse_id=input_id(
                    input.from_warehouse_id, "Warehouse", ["fromWarehouseId"]
                ),
                to_warehouse_id=input_id(input.to_warehouse_id, "Warehouse", ["toWarehouseId"]),
                quantity=input.quantity,
                idempotency_key=input.idempotency_key,
            )

        return _transfer(*await attempt(run))

    @strawberry.mutation(
        description="IN_TRANSIT → RECEIVED: the units go on hand at the destination."
    )
    async def receive_transfer(self, info: Info, input: TransferInput) -> TransferPayload:
        actor = authenticated(info)

        async def run() -> InventoryTransfer:
            return await transfers.receive_transfer(
                info.context.deps,
                actor,
                transfer_id=input_id(input.transfer_id, "InventoryTransfer", ["transferId"]),
                idempotency_key=input.idempotency_key,
            )

        return _transfer(*await attempt(run))

    @strawberry.mutation(
        description="IN_TRANSIT → CANCELLED: the units go back on hand at the source."
    )
    async def cancel_transfer(self, info: Info, input: TransferInput) -> TransferPayload:
        actor = authenticated(info)

        async def run() -> InventoryTransfer:
            return await transfers.cancel_transfer(
                info.context.deps,
                actor,
                transfer_id=input_id(input.transfer_id, "InventoryTransfer", ["transferId"]),
                idempotency_key=input.idempotency_key,
            )

        return _transfer(*await attempt(run))

    @strawberry.mutation(
        description="Announce stock on its way from a supplier (inventory:write): each line "
        "shows as incoming at the warehouse until received."
    )
    async def create_inbound_shipment(
        self, info: Info, input: CreateInboundShipmentInput
    ) -> InboundShipmentPayload:
        actor = authenticated(info)

        async def run() -> InboundShipment:
            return await inbound.create_inbound_shipment(
                info.context.deps,
                actor,
                warehouse_id=input_id(input.warehouse_id, "Warehouse", ["warehouseId"]),
                expected_at=input.expected_at,
                reference=input.reference,
                lines=[ExpectedLine(line.sku, line.quantity) for line in input.lines],
                idempotency_key=input.idempotency_key,
            )

        return _inbound(*await attempt(run))

    @strawberry.mutation(
        description="Put arrived units on hand; without lines, everything still outstanding. "
        "PARTIALLY_RECEIVED until every line arrived; more than expected is accepted."
    )
    async def receive_inbound_shipment(
        self, info: Info, input: ReceiveInboundShipmentInput
    ) -> InboundShipmentPayload:
        actor = authenticated(info)

        async def run() -> InboundShipment:
            receipts = (
                None
                if input.lines is None
                else [
                    InboundReceipt(
                        quantity=line.quantity,
                        line_id=input_id(
                            line.line_id, "InboundShipmentLine", ["lines", str(i), "lineId"]
                        )
                        if line.line_id is not None
                        else None,
                        sku=line.sku,
                    )
                    for i, line in enumerate(input.lines)
                ]
            )
            return await inbound.receive_inbound_shipment(
                info.context.deps,
                actor,
                shipment_id=input_id(
                    input.inbound_shipment_id, "InboundShipment", ["inboundShipmentId"]
                ),
                receipts=receipts,
                idempotency_key=input.idempotency_key,
            )

        return _inbound(*await attempt(run))

    @strawberry.mutation(
        description="Close an open inbound shipment; the rest is no longer incoming."
    )
    async def cancel_inbound_shipment(
        self, info: Info, input: InboundShipmentInput
    ) -> InboundShipmentPayload:
        actor = authenticated(info)

        async def run() -> InboundShipment:
            return await inbound.cancel_inbound_shipment(
                info.context.deps,
                actor,
                shipment_id=input_id(
                    input.inbound_shipment_id, "InboundShipment", ["inboundShipmentId"]
                ),
                idempotency_key=input.idempotency_key,
            )

        return _inbound(*await attempt(run))
