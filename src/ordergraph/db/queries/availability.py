"""The storefront's stock reads: two statements for any list of SKUs (``AvailabilityReader``)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.tables import (
    inbound_shipment_lines,
    inbound_shipments,
    inventory_levels,
    inventory_transfers,
    products,
    warehouses,
)
from ordergraph.db.types import BigId
from ordergraph.domain.availability import Restock, StockSnapshot
from ordergraph.domain.catalog import ProductStatus, Warehouse
from ordergraph.domain.inbound import OPEN
from ordergraph.domain.transfers import TransferStatus


def _selling() -> sa.ColumnElement[bool]:
    """Active warehouses, for products on sale: an archived or draft product sells nowhere."""
    return sa.and_(warehouses.c.active.is_(True), products.c.status == ProductStatus.ACTIVE.value)


class SqlAvailabilityReader:
    """Reads on the read engine (a replica when configured), outside any write transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def stock(self, skus: Sequence[str]) -> StockSnapshot:
        """Every asked-for product x every active warehouse, with available-to-sell."""
        p, w, lv = products.c, warehouses.c, inventory_levels.c
        stmt = (
            sa.select(
                p.sku,
                p.allow_backorder,
                w.id.label("warehouse_id"),
                w.code,
                w.name,
                w.region,
                w.country_code,
                w.priority,
                w.created_at,
                (lv.on_hand - lv.reserved - lv.safety_stock).label("available"),
            )
            .select_from(
                products.outerjoin(warehouses, _selling()).outerjoin(
                    inventory_levels, sa.and_(lv.sku == p.sku, lv.warehouse_id == w.id)
                )
            )
            .where(p.sku.in_(list(skus)))
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        backorderable: dict[str, bool] = {}
        found: dict[int, Warehouse] = {}
        available: dict[tuple[str, int], int] = {}
        for m in rows:
            backorderable[m["sku"]] = bool(m["allow_backorder"])
            if m["warehouse_id"] is None:
                continue
            found.setdefault(
                m["warehouse_id"],
                Warehouse(
                    id=m["warehouse_id"],
                    code=m["code"],
                    name=m["name"],
                    region=m["region"],
                    country_code=m["country_code"],
                    priority=m["priority"],
                    created_at=m["created_at"],
                ),
            )
            if m["available"] is not None:
                available[(m["sku"], m["warehouse_id"])] = int(m["available"])
        return StockSnapshot(backorderable, list(found.values()), available)

    async def restocks(self, skus: Sequence[str]) -> list[Restock]:
        """The earliest open inbound line per (sku, warehouse), and the earliest in-transit
        transfer per (sku, destination, source): one UNION ALL."""
        lines, shipments, t = inbound_shipment_lines.c, inbound_shipments.c, inventory_transfers.c
        inbound = (
            sa.select(
                lines.sku,
                shipments.warehouse_id.label("warehouse_id"),
                sa.cast(sa.null(), BigId).label("source_warehouse_id"),
                sa.func.min(shipments.expected_at).label("at"),
            )
            .select_from(inbound_shipment_lines.join(inbound_shipments))
            .where(lines.sku.in_(list(skus)))
            .where(shipments.status.in_([s.value for s in OPEN]))
            .where(lines.quantity_received < lines.quantity_expected)
            .group_by(lines.sku, shipments.warehouse_id)
        )
        moving = (
            sa.select(
                t.sku,
                t.to_warehouse_id,
                t.from_warehouse_id,
                sa.func.min(t.created_at),
            )
            .where(t.sku.in_(list(skus)), t.status == TransferStatus.IN_TRANSIT.value)
            .group_by(t.sku, t.to_warehouse_id, t.from_warehouse_id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(sa.union_all(inbound, moving))).mappings().all()
        return [
            Restock(m["sku"], m["warehouse_id"], m["at"], m["source_warehouse_id"]) for m in rows
        ]
