"""Inventory levels and the movement ledger. Only ``services/stock_ledger`` calls the writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.repositories._insert import (
    insert_ignoring_conflict,
    insert_many_ignoring_conflict,
)
from ordergraph.db.tables import inventory_levels, inventory_movements, products, warehouses
from ordergraph.domain.inventory import InventoryLevel, InventoryMovement, LevelChange


def level_from_row(row: sa.Row[tuple[object, ...]] | sa.RowMapping) -> InventoryLevel:
    m = row._mapping if isinstance(row, sa.Row) else row
    return InventoryLevel(
        sku=m["sku"],
        warehouse_id=m["warehouse_id"],
        on_hand=m["on_hand"],
        reserved=m["reserved"],
        updated_at=m["updated_at"],
        backorder_limit=m["backorder_limit"],
        safety_stock=m["safety_stock"],
        in_transit=m["in_transit"],
        incoming=m["incoming"],
        low_stock_threshold=m["low_stock_threshold"],
    )


_COUNTS_PER_STATEMENT = 250


class SqlInventoryRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, sku: str, warehouse_id: int) -> InventoryLevel | None:
        t = inventory_levels.c
        row = (
            await self._conn.execute(
                sa.select(inventory_levels).where(t.sku == sku, t.warehouse_id == warehouse_id)
            )
        ).first()
        return level_from_row(row) if row is not None else None

    async def get_many(
        self, keys: Sequence[tuple[str, int]]
    ) -> dict[tuple[str, int], InventoryLevel]:
        if not keys:
            return {}
        t = inventory_levels.c
        wanted = set(keys)
        # by SKU in bulk, then the exact pairs: a row-value IN list is not portable to SQLite
        query = sa.select(inventory_levels).where(t.sku.in_(sorted({sku for sku, _ in wanted})))
        levels = (level_from_row(r) for r in await self._conn.execute(query))
        return {
            (lv.sku, lv.warehouse_id): lv for lv in levels if (lv.sku, lv.warehouse_id) in wanted
        }

    async def apply(
        self, sku: str, warehouse_id: int, change: LevelChange, now: datetime
    ) -> InventoryLevel | None:
        """One conditional UPDATE: the level after the change, or None if a guard refused it
        (the row is created empty first when it does not exist yet)."""
        level = await self._update(sku, warehouse_id, change, now)
        if level is not None:
            return level
        # refused, or no row yet — or a row another transaction created since: try once more
        if await self.get(sku, warehouse_id) is None:
            await self._ensure_level(sku, warehouse_id, now)
        return await self._update(sku, warehouse_id, change, now)

    async def _update(
        self, sku: str, warehouse_id: int, change: LevelChange, now: datetime
    ) -> InventoryLevel | None:
        t = inventory_levels.c
        stmt = sa.update(inventory_levels).where(t.sku == sku, t.warehouse_id == warehouse_id)
        if change.on_hand < 0:
            stmt = stmt.where(t.on_hand + change.on_hand >= 0)
        if change.reserved < 0:
            stmt = stmt.where(t.reserved + change.reserved >= 0)
        if change.on_hand < 0 or change.reserved > 0:
            stmt = stmt.where(
                t.reserved + change.reserved <= t.on_hand + change.on_hand + t.backorder_limit
            )
        if change.covered:
            stmt = stmt.where(t.on_hand + change.on_hand >= t.reserved + change.reserved)
        if change.in_transit < 0:
            stmt = stmt.where(t.in_transit + change.in_transit >= 0)
        if change.incoming < 0:
            stmt = stmt.where(t.incoming + change.incoming >= 0)
        if change.sellable is not None:
            stmt = stmt.where(
                t.on_hand + t.backorder_limit - t.reserved - t.safety_stock >= change.sellable
            )
        if change.on_hand_was is not None:
            stmt = stmt.where(t.on_hand == change.on_hand_was)
        values: dict[str, object] = {"updated_at": now}
        for name, delta in (
            ("on_hand", change.on_hand),
            ("reserved", change.reserved),
            ("in_transit", change.in_transit),
            ("incoming", change.incoming),
        ):
            if delta:
                values[name] = t[name] + delta
        row = (await self._conn.execute(stmt.values(values).returning(*inventory_levels.c))).first()
        return level_from_row(row) if row is not None else None

    async def configure(
        self,
        sku: str,
        warehouse_id: int,
        now: datetime,
        *,
        safety_stock: int | None = None,
        low_stock_threshold: int | None = None,
        clear_threshold: bool = False,
    ) -> InventoryLevel:
        """Set a level's safety stock and low-stock threshold (settings, not ledger fields)."""
        await self._ensure_level(sku, warehouse_id, now)
        values: dict[str, object] = {"updated_at": now}
        if safety_stock is not None:
            values["safety_stock"] = safety_stock
        if low_stock_threshold is not None or clear_threshold:
            values["low_stock_threshold"] = low_stock_threshold
        t = inventory_levels.c
        row = (
            await self._conn.execute(
                sa.update(inventory_levels)
                .where(t.sku == sku, t.warehouse_id == warehouse_id)
                .values(values)
                .returning(*inventory_levels.c)
            )
        ).one()
        return level_from_row(row)

    async def apply_counts(
        self, counts: Sequence[tuple[str, int, int, int]], now: datetime
    ) -> dict[tuple[str, int], InventoryLevel]:
        """``(sku, warehouse id, on hand, was)``: each level's on hand becomes the count if it
        still is ``was`` and the count covers what is reserved — one UPDATE … FROM for many
        levels. The levels that took their count."""
        t = inventory_levels.c
        applied: dict[tuple[str, int], InventoryLevel] = {}
        # SQLite allows at most 500 terms in a compound SELECT
        for start in range(0, len(counts), _COUNTS_PER_STATEMENT):
            chunk = counts[start : start + _COUNTS_PER_STATEMENT]
            counted = sa.union_all(
                *(
                    sa.select(
                        sa.cast(sa.literal(sku), sa.String(64)).label("sku"),
                        sa.cast(sa.literal(warehouse_id), sa.BigInteger).label("warehouse_id"),
                        sa.cast(sa.literal(on_hand), sa.Integer).label("on_hand"),
                        sa.cast(sa.literal(was), sa.Integer).label("was"),
                    )
                    for sku, warehouse_id, on_hand, was in chunk
                )
            ).subquery("counted")
            c = counted.c
            stmt = (
                sa.update(inventory_levels)
                .where(t.sku == c.sku, t.warehouse_id == c.warehouse_id, t.on_hand == c.was)
                .where(t.reserved <= c.on_hand + t.backorder_limit)
                .values(on_hand=c.on_hand, updated_at=now)
                .returning(*inventory_levels.c)
            )
            for row in await self._conn.execute(stmt):
                level = level_from_row(row)
                applied[(level.sku, level.warehouse_id)] = level
        return applied

    async def ensure_levels(self, keys: Sequence[tuple[str, int]], now: datetime) -> None:
        """Many ``_ensure_level``s: one read of the backorder limits, one multi-row insert."""
        if not keys:
            return
        skus = sorted({sku for sku, _ in keys})
        query = sa.select(products.c.sku, products.c.backorder_limit).where(
            products.c.sku.in_(skus)
        )
        limits = {r.sku: r.backorder_limit for r in await self._conn.execute(query)}
        rows = [
            {
                "sku": sku,
                "warehouse_id": warehouse_id,
                "on_hand": 0,
                "reserved": 0,
                "backorder_limit": int(limits.get(sku) or 0),
                "updated_at": now,
            }
            for sku, warehouse_id in sorted(set(keys))
        ]
        for start in range(0, len(rows), 2_000):  # bound parameters per statement
            await insert_many_ignoring_conflict(
                self._conn, inventory_levels, rows[start : start + 2_000], ["sku", "warehouse_id"]
            )

    async def set_backorder_limit(
        self, sku: str, limit: int, now: datetime
    ) -> list[InventoryLevel]:
        """Copy a product's new backorder limit onto its levels, where what is reserved still
        fits under it; the levels it did not fit (left unchanged)."""
        t = inventory_levels.c
        await self._conn.execute(
            sa.update(inventory_levels)
            .where(t.sku == sku, t.backorder_limit != limit, t.reserved <= t.on_hand + limit)
            .values(backorder_limit=limit, updated_at=now)
        )
        rows = await self._conn.execute(
            sa.select(inventory_levels)
            .where(t.sku == sku, t.backorder_limit != limit)
            .order_by(t.warehouse_id)
        )
        return [level_from_row(r) for r in rows]

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

    async def record_movements(self, movements: Sequence[InventoryMovement]) -> None:
        if not movements:
            return
        await self._conn.execute(
            sa.insert(inventory_movements),
            [
                {
                    "sku": m.sku,
                    "warehouse_id": m.warehouse_id,
                    "kind": m.kind.value,
                    "field": m.field.value,
                    "delta": m.delta,
                    "note": m.note,
                    "actor": m.actor,
                    "reference": m.reference,
                    "created_at": m.created_at,
                }
                for m in movements
            ],
        )

    async def availability(self, skus: list[str]) -> dict[tuple[str, int], int]:
        """Units available to sell per (sku, warehouse): on hand - reserved - safety stock,
        plus the backorder allowance — which also makes every warehouse a candidate for a
        backorderable SKU."""
        t, p, w = inventory_levels.c, products.c, warehouses.c
        joined = (
            sa.select(
                p.sku,
                w.id.label("warehouse_id"),
                (
                    sa.func.coalesce(t.on_hand, 0)
                    - sa.func.coalesce(t.reserved, 0)
                    - sa.func.coalesce(t.safety_stock, 0)
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
