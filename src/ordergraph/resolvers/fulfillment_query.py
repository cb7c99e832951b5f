"""Queries for the warehouse floor and for tracking: pickList, trackShipment."""

from __future__ import annotations

import strawberry

from ordergraph.db.queries.orders import pick_list, shipment_by_code
from ordergraph.domain.fulfillments import FulfillmentStatus as DomainFulfillmentStatus
from ordergraph.domain.principals import Scope
from ordergraph.resolvers.common import query_id
from ordergraph.schema.context import Info, require
from ordergraph.schema.enums import FulfillmentStatus
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.shipment import ShipmentType

MAX_CODE = 32


@strawberry.type(name="PickListLine", description="One SKU to pick, summed over fulfillments.")
class PickListLineType:
    sku: str
    name: str
    quantity: int = strawberry.field(description="Units still to ship.")
    order_numbers: list[str]
    fulfillment_ids: list[strawberry.ID]


@strawberry.type
class FulfillmentQuery:
    @strawberry.field(
        description="What a warehouse has to pick, grouped by SKU (needs orders:read). By "
        "default, fulfillments being picked; pass statuses to include PENDING or PACKED."
    )
    async def pick_list(
        self,
        info: Info,
        warehouse_id: strawberry.ID,
        statuses: list[FulfillmentStatus] | None = None,
    ) -> list[PickListLineType]:
        require(info, Scope.ORDERS_READ)
        warehouse = query_id(warehouse_id, "Warehouse", "warehouseId")
        wanted = [s.value for s in statuses or [DomainFulfillmentStatus.PICKING]]
        rows = await pick_list(info.context.read_engine, warehouse, wanted)
        return [
            PickListLineType(
                sku=row.sku,
                name=row.name,
                quantity=row.quantity,
                order_numbers=list(row.order_numbers),
                fulfillment_ids=[
                    strawberry.ID(encode_id("Fulfillment", i)) for i in row.fulfillment_ids
                ],
            )
            for row in rows
        ]

    @strawberry.field(
        description="Public: a shipment by its short tracking code, no token needed. Shows "
        "only what the tracking page shows."
    )
    async def track_shipment(self, info: Info, code: str) -> ShipmentType | None:
        if not code or len(code) > MAX_CODE or not code.isascii():
            return None
        found = await shipment_by_code(info.context.read_engine, code)
        return ShipmentType.from_domain(found[0]) if found else None
