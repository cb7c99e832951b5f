from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.domain.inbound import InboundShipment
from ordergraph.schema.context import Info
from ordergraph.schema.enums import InboundStatus
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.node import Node
from ordergraph.schema.types.warehouse import WarehouseType


@strawberry.type(name="InboundShipmentLine")
class InboundShipmentLineType:
    id: strawberry.ID
    sku: str
    quantity_expected: int
    quantity_received: int = strawberry.field(
        description="May exceed quantityExpected: the count at the dock wins."
    )
    quantity_outstanding: int = strawberry.field(description="Still expected (never below 0).")


@strawberry.type(
    name="InboundShipment",
    description="Stock on its way to a warehouse from a supplier: shown as incoming there "
    "until received.",
)
class InboundShipmentType(Node):
    pk: strawberry.Private[int]
    warehouse_pk: strawberry.Private[int]
    number: str
    status: InboundStatus
    expected_at: datetime
    reference: str | None = strawberry.field(description="The supplier's or PO reference.")
    lines: list[InboundShipmentLineType]
    actor: str = strawberry.field(description="Who announced it.")
    version: int = strawberry.field(description="Bumped by every change.")
    created_at: datetime
    updated_at: datetime
    received_at: datetime | None
    cancelled_at: datetime | None

    @classmethod
    def from_domain(cls, shipment: InboundShipment) -> InboundShipmentType:
        assert shipment.id is not None
        return cls(
            id=strawberry.ID(encode_id("InboundShipment", shipment.id)),
            pk=shipment.id,
            warehouse_pk=shipment.warehouse_id,
            number=shipment.number,
            status=shipment.status,
            expected_at=shipment.expected_at,
            reference=shipment.reference,
            lines=[
                InboundShipmentLineType(
                    id=strawberry.ID(encode_id("InboundShipmentLine", line.id or 0)),
                    sku=line.sku,
                    quantity_expected=line.quantity_expected,
                    quantity_received=line.quantity_received,
                    quantity_outstanding=line.outstanding,
                )
                for line in shipment.lines
            ],
            actor=shipment.actor,
            version=shipment.version,
            created_at=shipment.created_at,
            updated_at=shipment.updated_at,
            received_at=shipment.received_at,
            cancelled_at=shipment.cancelled_at,
        )

    @strawberry.field
    async def warehouse(self, info: Info) -> WarehouseType:
        warehouse = await info.context.loaders.warehouse_by_id.load(self.warehouse_pk)
        assert warehouse is not None  # a foreign key guarantees it
        return WarehouseType.from_domain(warehouse)
