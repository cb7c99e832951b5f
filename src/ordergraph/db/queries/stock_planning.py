"""What ``stockRecommendations`` plans over: recent demand per (SKU, region), available stock
per (SKU, active warehouse), and the active carrier services' lanes.

Demand is the recent weekly average, not the forecast: fitting a model per (SKU, region) is
too slow for a catalogue, one GROUP BY is not. Only the ``max_skus`` SKUs with the most units
are planned for.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.queries.analytics import COUNTED, MAX_ROWS, destination_region
from ordergraph.db.repositories.carrier_services import load_services
from ordergraph.db.repositories.warehouses import warehouse_from_row
from ordergraph.db.tables import carrier_services, inventory_levels, order_lines, orders, warehouses
from ordergraph.domain.carrier_services import CarrierService
from ordergraph.domain.catalog import Warehouse
from ordergraph.domain.stock_planning import Site


@dataclass(frozen=True, slots=True)
class PlanningInput:
    units: dict[tuple[str, str], int]  # sold per (SKU, region) in the window
    free: dict[tuple[str, int], int]  # on hand minus reserved, per (SKU, warehouse id)
    in_transit: dict[tuple[str, int], int]  # sent here by transfers, not yet received
    sites: list[Site]  # active warehouses, by priority then id
    warehouses: dict[int, Warehouse]
    services: list[CarrierService]  # active ones


async def planning_input(
    engine: AsyncEngine, start: datetime, end: datetime, sku: str | None, max_skus: int
) -> PlanningInput:
    o, ol, lv, w = orders.c, order_lines.c, inventory_levels.c, warehouses.c
    region = destination_region()
    sold = (
        sa.select(ol.sku, region.label("region"), sa.func.sum(ol.quantity).label("units"))
        .select_from(orders.join(order_lines, ol.order_id == o.id))
        .where(
            o.status.in_(COUNTED),
            o.created_at >= start,
            o.created_at < end,
            region.is_not(None),
            ol.sku == sku if sku is not None else sa.true(),
        )
        .group_by(ol.sku, region)
        .limit(MAX_ROWS)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(sold)).all()
        totals: dict[str, int] = defaultdict(int)
        for r in rows:
            totals[r.sku] += int(r.units or 0)
        skus = sorted(totals, key=lambda s: (-totals[s], s))[:max_skus]
        chosen = set(skus)
        units = {(r.sku, r.region): int(r.units or 0) for r in rows if r.sku in chosen}
        site_rows = (
            await conn.execute(sa.select(warehouses).where(w.active).order_by(w.priority, w.id))
        ).all()
        found = [warehouse_from_row(r) for r in site_rows]
        stock_rows = (
            (
                await conn.execute(
                    sa.select(
                        lv.sku,
                        lv.warehouse_id,
                        (lv.on_hand - lv.reserved).label("free"),
                        lv.in_transit,
                    )
                    .join(warehouses, w.id == lv.warehouse_id)
                    .where(w.active, lv.sku.in_(skus))
                )
            ).all()
            if skus
            else []
        )
        services = await load_services(conn, carrier_services.c.active)
    return PlanningInput(
        units=units,
        free={(r.sku, int(r.warehouse_id)): int(r.free) for r in stock_rows},
        in_transit={(r.sku, int(r.warehouse_id)): int(r.in_transit) for r in stock_rows},
        sites=[Site(int(x.id or 0), x.code, x.region) for x in found],
        warehouses={int(x.id or 0): x for x in found},
        services=services,
    )
