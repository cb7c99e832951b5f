from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.domain.transfers import InventoryTransfer
from ordergraph.schema.context import Info
from ordergraph.schema.enums import TransferStatus
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.node import Node
from ordergraph.schema.types.warehouse import WarehouseType


@strawberry.type(
    name="InventoryTransfer",
    description="Units of one SKU moving between warehouses: off the source's onHand when "
    "sent, inTransit at the destination until received (or back at the source if cancelled).",
)
class TransferType(Node):
    pk: strawberry.Private[int]
    from_pk: strawberry.Private[int]
    to_pk: strawberry.Private[int]
    number: str
    sku: str
    quantity: int
    status: TransferStatus
    actor: str = strawberry.field(description="Who sent it.")
    version: int = strawberry.field(description="Bumped by every change.")
    created_at: datetime
    updated_at: datetime
    received_at: datetime | None
    cancelled_at: datetime | None

    @classmethod
    def from_domain(cls, transfer: InventoryTransfer) -> TransferType:
        assert transfer.id is not None
        return cls(
            id=strawberry.ID(encode_id("InventoryTransfer", transfer.id)),
            pk=transfer.id,
            from_pk=transfer.from_warehouse_id,
            to_pk=transfer.to_warehouse_id,
            number=transfer.number,
            sku=transfer.sku,
            quantity=transfer.quantity,
            status=transfer.status,
            actor=transfer.actor,
            version=transfer.version,
            created_at=transfer.created_at,
            updated_at=transfer.updated_at,
            received_at=transfer.received_at,
            cancelled_at=transfer.cancelled_at,
        )

    @strawberry.field
    async def from_warehouse(self, info: Info) -> WarehouseType:
        warehouse = await info.context.loaders.warehouse_by_id.load(self.from_pk)
        assert warehouse is not None  # a foreign key guarantees it
        return WarehouseType.from_domain(warehouse)

    @strawberry.field
    async def to_warehouse(self, info: Info) -> WarehouseType:
        warehouse = await info.context.loaders.warehouse_by_id.load(self.to_pk)
        assert warehouse is not None  # a foreign key guarantees it
        return WarehouseType.from_domain(warehouse)
