from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.db.queries.orders import FulfillmentRow
from ordergraph.schema.context import Info
from ordergraph.schema.enums import FulfillmentStatus
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.node import Node
from ordergraph.schema.types.warehouse import WarehouseType


@strawberry.type(name="FulfillmentLine")
class FulfillmentLineType:
    order_line_id: strawberry.ID
    sku: str
    quantity: int


@strawberry.type(name="Fulfillment", description="The part of an order one warehouse ships.")
class FulfillmentType(Node):
    pk: strawberry.Private[int]
    warehouse_pk: strawberry.Private[int]
    status: FulfillmentStatus
    lines: list[FulfillmentLineType]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: FulfillmentRow) -> FulfillmentType:
        return cls(
            id=strawberry.ID(encode_id("Fulfillment", row.id)),
            pk=row.id,
            warehouse_pk=row.warehouse_id,
            status=FulfillmentStatus(row.status),
            lines=[
                FulfillmentLineType(
                    order_line_id=strawberry.ID(encode_id("OrderLine", line_id)),
                    sku=sku,
                    quantity=quantity,
                )
                for line_id, sku, quantity in row.lines
            ],
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field
    async def warehouse(self, info: Info) -> WarehouseType:
        warehouse = await info.context.loaders.warehouse_by_id.load(self.warehouse_pk)
        assert warehouse is not None
        return WarehouseType.from_domain(warehouse)
