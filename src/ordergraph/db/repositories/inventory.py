from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.repositories._insert import insert_ignoring_conflict
from ordergraph.db.tables import inventory_levels, inventory_movements
from ordergraph.domain.errors import InsufficientStock
from ordergraph.domain.inventory import (
    InventoryLevel,
    InventoryMovement,
    StockAdjustment,
)


def level_from_row(row: sa.Row[tuple[object, ...]] | sa.RowMapping) -> InventoryLevel:
    m = row._mapping if isinstance(row, sa.Row) else row
    return InventoryLevel(
        sku=m["sku"],
        warehouse_id=m["warehouse_id"],
        on_hand=m["on_hand"],
        reserved=m["reserved"],
        updated_at=m["updated_at"],
    )


class SqlInventoryRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def adjust(self, adjustment: StockAdjustment, now: datetime) -> InventoryLevel:
        """One conditional UPDATE: it changes the row only if stock stays above reserved."""
        key = {"sku": adjustment.sku, "warehouse_id": adjustment.warehouse_id}
        await insert_ignoring_conflict(
            self._conn,
            inventory_levels,
            {**key, "on_hand": 0, "reserved": 0, "updated_at": now},
            ["sku", "warehouse_id"],
        )
        t = inventory_levels.c
        stmt = (
            sa.update(inventory_levels)
            .where(t.sku == adjustment.sku, t.warehouse_id == adjustment.warehouse_id)
            .where(t.on_hand + adjustment.delta >= t.reserved)
            .values(on_hand=t.on_hand + adjustment.delta, updated_at=now)
            .returning(*inventory_levels.c)
        )
        row = (await self._conn.execute(stmt)).first()
        if row is not None:
            return level_from_row(row)
        current = (
            await self._conn.execute(
                sa.select(t.on_hand, t.reserved).where(
                    t.sku == adjustment.sku, t.warehouse_id == adjustment.warehouse_id
                )
            )
        ).one()
        raise InsufficientStock(
            f"on hand would be {current.on_hand + adjustment.delta}, "
            f"below the {current.reserved} reserved",
            field=["delta"],
        )

    async def record_movement(self, movement: InventoryMovement) -> None:
        await self._conn.execute(
            sa.insert(inventory_movements).values(
                sku=movement.sku,
                warehouse_id=movement.warehouse_id,
                kind=movement.kind.value,
                on_hand_delta=movement.on_hand_delta,
                reserved_delta=movement.reserved_delta,
                reason=movement.reason,
                actor=movement.actor,
                reference=movement.reference,
                created_at=movement.created_at,
            )
        )
