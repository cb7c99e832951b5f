from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.repositories._insert import insert_ignoring_conflict
from ordergraph.db.tables import inventory_levels, inventory_movements, products, warehouses
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
        backorder_limit=m["backorder_limit"],
    )


class SqlInventoryRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def adjust(self, adjustment: StockAdjustment, now: datetime) -> InventoryLevel:
        """One conditional UPDATE: it changes the row only if stock stays above reserved."""
        await self._ensure_level(adjustment.sku, adjustment.warehouse_id, now)
        t = inventory_levels.c
        stmt = (
            sa.update(inventory_levels)
            .where(t.sku == adjustment.sku, t.warehouse_id == adjustment.warehouse_id)
            .where(t.on_hand + adjustment.delta >= 0)
            .where(t.on_hand + adjustment.delta + t.backorder_limit >= t.reserved)
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

    async def _ensure_level(self, sku: str, warehouse_id: int, now: datetime) -> None:
        """Create the (empty) level row if missing, with the product's backorder limit."""
        limit = await self._conn.scalar(
            sa.select(products.c.backorder_limit).where(products.c.sku == sku)
        )
        await insert_ignoring_conflict(
            self._conn,
            inventory_levels,
            {
                "sku": sku,
                "warehouse_id": warehouse_id,
                "on_hand": 0,
                "reserved": 0,
                "backorder_limit": int(limit or 0),
                "updated_at": now,
            },
            ["sku", "warehouse_id"],
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

    async def availability(self, skus: list[str]) -> dict[tuple[str, int], int]:
        """Reservable units per (sku, warehouse): on hand minus reserved, plus the backorder
        allowance — which also makes every warehouse a candidate for a backorderable SKU."""
        t, p, w = inventory_levels.c, products.c, warehouses.c
        joined = (
            sa.select(
                p.sku,
                w.id.label("warehouse_id"),
                (
                    sa.func.coalesce(t.on_hand, 0)
                    - sa.func.coalesce(t.reserved, 0)
                    + sa.func.coalesce(t.backorder_limit, p.backorder_limit)
                ).label("available"),
            )
            .select_from(
                sa.join(products, warehouses, sa.true()).outerjoin(
                    inventory_levels, sa.and_(t.sku == p.sku, t.warehouse_id == w.id)
                )
            )
            .where(p.sku.in_(skus))
            .where(sa.or_(t.sku.is_not(None), p.allow_backorder.is_(True)))
        )
        rows = await self._conn.execute(joined)
        return {(r.sku, r.warehouse_id): int(r.available) for r in rows}

    async def reserve(self, sku: str, warehouse_id: int, quantity: int, now: datetime) -> bool:
        """``UPDATE … WHERE on_hand + backorder_limit - reserved >= :q``: zero rows means too
        little stock (someone was faster), or no level row yet (only backorders need one)."""
        if await self._reserve(sku, warehouse_id, quantity, now):
            return True
        t = inventory_levels.c
        exists = await self._conn.scalar(
            sa.select(sa.literal(1)).where(t.sku == sku, t.warehouse_id == warehouse_id)
        )
        if exists:
            return False
        await self._ensure_level(sku, warehouse_id, now)
        return await self._reserve(sku, warehouse_id, quantity, now)

    async def _reserve(self, sku: str, warehouse_id: int, quantity: int, now: datetime) -> bool:
        t = inventory_levels.c
        result = await self._conn.execute(
            sa.update(inventory_levels)
            .where(t.sku == sku, t.warehouse_id == warehouse_id)
            .where(t.on_hand + t.backorder_limit - t.reserved >= quantity)
            .values(reserved=t.reserved + quantity, updated_at=now)
            .returning(t.sku)
        )
        return result.first() is not None

    async def release(self, sku: str, warehouse_id: int, quantity: int, now: datetime) -> None:
        t = inventory_levels.c
        result = await self._conn.execute(
            sa.update(inventory_levels)
            .where(t.sku == sku, t.warehouse_id == warehouse_id, t.reserved >= quantity)
            .values(reserved=t.reserved - quantity, updated_at=now)
            .returning(t.sku)
        )
        if result.first() is None:
            raise RuntimeError(f"release of {quantity} {sku} exceeds what is reserved")

    async def ship(self, sku: str, warehouse_id: int, quantity: int, now: datetime) -> bool:
        t = inventory_levels.c
        result = await self._conn.execute(
            sa.update(inventory_levels)
            .where(t.sku == sku, t.warehouse_id == warehouse_id)
            .where(t.reserved >= quantity, t.on_hand >= quantity)
            .values(on_hand=t.on_hand - quantity, reserved=t.reserved - quantity, updated_at=now)
            .returning(t.sku)
        )
        return result.first() is not None
