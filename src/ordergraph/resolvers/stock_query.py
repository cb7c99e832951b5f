"""Stock reads for staff: the movement ledger and the audit that recomputes levels from it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from graphql import GraphQLError

from ordergraph.db.queries.inventory_audit import audit_levels
from ordergraph.db.queries.inventory_movements import movements_query
from ordergraph.domain.principals import Scope
from ordergraph.resolvers.common import query_id
from ordergraph.schema.context import Info, require
from ordergraph.schema.enums import MovementKind
from ordergraph.schema.pagination import Connection, paginate
from ordergraph.schema.types.inventory_audit import InventoryAuditType
from ordergraph.schema.types.inventory_movement import InventoryMovementType
from ordergraph.schema.types.stock_planning import (
    StockRecommendationType,
    resolve_stock_recommendations,
)

MAX_SKU = 64


@strawberry.type
class StockQuery:
    @strawberry.field(
        description="The movement ledger, newest first (needs inventory:read). Every filter "
        "narrows: a level's history is sku + warehouseId."
    )
    async def inventory_movements(
        self,
        info: Info,
        sku: str | None = None,
        warehouse_id: strawberry.ID | None = None,
        reason: MovementKind | None = None,
        since: Annotated[
            datetime | None,
            strawberry.argument(description="Only movements booked at or after this time."),
        ] = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[InventoryMovementType]:
        require(info, Scope.INVENTORY_READ)
        if sku is not None and (len(sku) > MAX_SKU or "\x00" in sku):
            raise GraphQLError(
                f"sku must be at most {MAX_SKU} characters", extensions={"code": "BAD_USER_INPUT"}
            )
        warehouse_pk = query_id(warehouse_id, "Warehouse", "warehouseId") if warehouse_id else None
        return await paginate(
            info,
            movements_query(
                sku=sku.strip() if sku else None,
                warehouse_id=warehouse_pk,
                kind=reason.value if reason else None,
                since=since,
            ),
            first=first,
            after=after,
            last=None,
            before=None,
            to_node=InventoryMovementType.from_row,
            descending=True,
        )

    @strawberry.field(
        description="Recompute every level from the movement ledger and report each quantity "
        "that disagrees (needs inventory:read). Also `ordergraph inventory audit`."
    )
    async def inventory_audit(self, info: Info) -> InventoryAuditType:
        require(info, Scope.INVENTORY_READ)
        # the primary: a replica's snapshot agrees with itself too, but staff expect "now"
        engine = info.context.write_engine or info.context.read_engine
        return InventoryAuditType.from_report(await audit_levels(engine))

    @strawberry.field(
        description="Transfers that put stock where the next `weeks` (1-52) of demand are, by "
        "destination region (needs inventory:read). Demand is the recent weekly average (last 8 "
        "whole weeks), for the 500 SKUs with the most units unless `sku` is given."
    )
    async def stock_recommendations(
        self, info: Info, weeks: int = 4, sku: str | None = None
    ) -> list[StockRecommendationType]:
        require(info, Scope.INVENTORY_READ)
        return await resolve_stock_recommendations(info, weeks, sku)
