from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from ordergraph.domain.inventory import InventoryLevel
from ordergraph.domain.principals import Scope
from ordergraph.schema.context import Info, require
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.node import Node
from ordergraph.schema.types.warehouse import WarehouseType

if TYPE_CHECKING:
    from ordergraph.schema.types.product import ProductType


def level_id(sku: str, warehouse_id: int) -> str:
    return encode_id("InventoryLevel", f"{warehouse_id}:{sku}")


@strawberry.type(name="InventoryLevel", description="Stock of one SKU in one warehouse.")
class InventoryLevelType(Node):
    sku: str
    warehouse_pk: strawberry.Private[int]
    on_hand_units: strawberry.Private[int]
    reserved_units: strawberry.Private[int]
    safety_units: strawberry.Private[int]
    in_transit_units: strawberry.Private[int]
    incoming_units: strawberry.Private[int]
    threshold: strawberry.Private[int | None]
    available: int = strawberry.field(
        description="onHand minus reserved (negative when backordered); safety stock is not "
        "taken off: see availableToSell."
    )
    available_to_sell: int = strawberry.field(
        description="onHand minus reserved minus safetyStock: what is left to sell here "
        "(a backorderable product may still take orders below zero, down to -backorderLimit)."
    )
    backorder_limit: int = strawberry.field(
        description="How far below zero available may go (0 unless the product allows it)."
    )
    updated_at: datetime

    @classmethod
    def from_domain(cls, level: InventoryLevel) -> InventoryLevelType:
        return cls(
            id=strawberry.ID(level_id(level.sku, level.warehouse_id)),
            sku=level.sku,
            warehouse_pk=level.warehouse_id,
            on_hand_units=level.on_hand,
            reserved_units=level.reserved,
            safety_units=level.safety_stock,
            in_transit_units=level.in_transit,
            incoming_units=level.incoming,
            threshold=level.low_stock_threshold,
            available=level.available,
            available_to_sell=level.available_to_sell,
            backorder_limit=level.backorder_limit,
            updated_at=level.updated_at,
        )

    @strawberry.field(description="Units in the warehouse (needs inventory:read).")
    def on_hand(self, info: Info) -> int:
        require(info, Scope.INVENTORY_READ)
        return self.on_hand_units

    @strawberry.field(description="Units held for orders (needs inventory:read).")
    def reserved(self, info: Info) -> int:
        require(info, Scope.INVENTORY_READ)
        return self.reserved_units

    @strawberry.field(description="Units held back from sale (needs inventory:read).")
    def safety_stock(self, info: Info) -> int:
        require(info, Scope.INVENTORY_READ)
        return self.safety_units

    @strawberry.field(
        description="Units sent here by a transfer, not yet received (needs inventory:read)."
    )
    def in_transit(self, info: Info) -> int:
        require(info, Scope.INVENTORY_READ)
        return self.in_transit_units

    @strawberry.field(
        description="Units expected from inbound shipments, not yet received "
        "(needs inventory:read)."
    )
    def incoming(self, info: Info) -> int:
        require(info, Scope.INVENTORY_READ)
        return self.incoming_units

    @strawberry.field(
        description="INVENTORY_LOW fires when availableToSell drops below it; null: never "
        "(needs inventory:read)."
    )
    def low_stock_threshold(self, info: Info) -> int | None:
        require(info, Scope.INVENTORY_READ)
        return self.threshold

    @strawberry.field
    async def warehouse(self, info: Info) -> WarehouseType:
        warehouse = await info.context.loaders.warehouse_by_id.load(self.warehouse_pk)
        assert warehouse is not None  # a foreign key guarantees it
        return WarehouseType.from_domain(warehouse)

    @strawberry.field
    async def product(
        self, info: Info
    ) -> Annotated[ProductType, strawberry.lazy("ordergraph.schema.types.product")]:
        from ordergraph.schema.types.product import ProductType

        product = await info.context.loaders.product_by_sku.load(self.sku)
        assert product is not None  # a foreign key guarantees it
        return ProductType.from_domain(product)
