from __future__ import annotations

from datetime import datetime

import strawberry

from ordergraph.domain.catalog import Warehouse
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.node import Node


@strawberry.type(name="Warehouse", description="A stock location orders are shipped from.")
class WarehouseType(Node):
    pk: strawberry.Private[int]
    code: str
    name: str
    region: str = strawberry.field(description="Routing region code, e.g. EU-WEST.")
    country_code: str
    priority: int = strawberry.field(description="Lower wins when routing ties.")
    created_at: datetime
    version: int = strawberry.field(description="Bumped by every change (expectedVersion).")
    active: bool = strawberry.field(
        description="False once deactivated: new orders are not routed here; its open "
        "fulfillments and stock stay."
    )
    deactivated_at: datetime | None

    @classmethod
    def from_domain(cls, warehouse: Warehouse) -> WarehouseType:
        assert warehouse.id is not None
        return cls(
            id=strawberry.ID(encode_id("Warehouse", warehouse.id)),
            pk=warehouse.id,
            code=warehouse.code,
            name=warehouse.name,
            region=warehouse.region,
            country_code=warehouse.country_code,
            priority=warehouse.priority,
            created_at=warehouse.created_at,
            version=warehouse.version,
            active=warehouse.active,
            deactivated_at=warehouse.deactivated_at,
        )
