from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from ordergraph.domain.fulfillments import Fulfillment, FulfillmentLine
from ordergraph.schema.context import Info
from ordergraph.schema.enums import FulfillmentStatus
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.node import Node
from ordergraph.schema.types.warehouse import WarehouseType

if TYPE_CHECKING:
    from ordergraph.schema.types.shipment import ShipmentType


@strawberry.type(name="FulfillmentLine")
class FulfillmentLineType:
    id: strawberry.ID
    order_line_id: strawberry.ID
    sku: str
    quantity: int
    shipped_quantity: int
    remaining_quantity: int

    @classmethod
    def from_domain(cls, line: FulfillmentLine) -> FulfillmentLineType:
        return cls(
            id=strawberry.ID(encode_id("FulfillmentLine", line.id or 0)),
            order_line_id=strawberry.ID(encode_id("OrderLine", line.order_line_id)),
            sku=line.sku,
            quantity=line.quantity,
            shipped_quantity=line.shipped_quantity,
            remaining_quantity=line.remaining,
        )


@strawberry.type(name="Fulfillment", description="The part of an order one warehouse ships.")
class FulfillmentType(Node):
    pk: strawberry.Private[int]
    order_pk: strawberry.Private[int]
    warehouse_pk: strawberry.Private[int]
    status: FulfillmentStatus
    lines: list[FulfillmentLineType]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, fulfillment: Fulfillment) -> FulfillmentType:
        assert fulfillment.id is not None
        return cls(
            id=strawberry.ID(encode_id("Fulfillment", fulfillment.id)),
            pk=fulfillment.id,
            order_pk=fulfillment.order_id,
            warehouse_pk=fulfillment.warehouse_id,
            status=fulfillment.status,
            lines=[FulfillmentLineType.from_domain(line) for line in fulfillment.lines],
            created_at=fulfillment.created_at,
            updated_at=fulfillment.updated_at,
        )

    @strawberry.field(
        description=(
            "The printable packing slip (PDF): GET it with a staff token holding orders:read. "
            "Null, with a FORBIDDEN error, for callers without that permission."
        )
    )
    def packing_slip_url(self, info: Info) -> str | None:
        return f"{info.context.public_base_url}/fulfillments/{self.id}/packing-slip.pdf"

    @strawberry.field
    async def warehouse(self, info: Info) -> WarehouseType:
        warehouse = await info.context.loaders.warehouse_by_id.load(self.warehouse_pk)
        assert warehouse is not None
        return WarehouseType.from_domain(warehouse)

    @strawberry.field
    async def shipments(
        self, info: Info
    ) -> list[Annotated[ShipmentType, strawberry.lazy("ordergraph.schema.types.shipment")]]:
        from ordergraph.schema.types.shipment import ShipmentType

        found = await info.context.loaders.shipments_by_order_id.load(self.order_pk)
        return [ShipmentType.from_domain(s) for s in found if s.fulfillment_id == self.pk]
