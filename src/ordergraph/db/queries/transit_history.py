"""Transit times of delivered shipments, per (carrier, service, origin region), to one
destination: the history a delivery window learns from.

One statement. PostgreSQL computes p50/p90 with ``percentile_cont``; SQLite has no ordered-set
aggregates, so it returns the (bounded: most recent first) rows and Python interpolates the same
way (``domain.carrier_services.percentile``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import orders, shipments, warehouses
from ordergraph.domain.carrier_services import TransitStats, stats_from

HISTORY_WINDOW = timedelta(days=180)  # older deliveries say little about today's carriers
SQLITE_ROW_LIMIT = 5000

Key = tuple[str, str, str]


def _route(
    origin_regions: Sequence[str], country_code: str, region: str | None
) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = [
        shipments.c.status == "DELIVERED",
        shipments.c.delivered_at.is_not(None),
        shipments.c.service.is_not(None),
        warehouses.c.region.in_(list(origin_regions)),
        orders.c.shipping_country == country_code,
    ]
    if region is not None:
        conditions.append(orders.c.shipping_region == region)
    return conditions


async def transit_history(
    conn: AsyncConnection,
    origin_regions: Sequence[str],
    country_code: str,
    region: str | None,
    now: datetime,
) -> dict[Key, TransitStats]:
    """Deliveries of the last ``HISTORY_WINDOW`` before ``now``."""
    if not origin_regions:
        return {}
    joined = shipments.join(warehouses, warehouses.c.id == shipments.c.warehouse_id).join(
        orders, orders.c.id == shipments.c.order_id
    )
    where = [
        *_route(origin_regions, country_code, region),
        shipments.c.delivered_at >= now - HISTORY_WINDOW,
    ]
    if conn.dialect.name == "postgresql":
        days = sa.extract("epoch", shipments.c.delivered_at - shipments.c.shipped_at) / 86400.0
        stmt = (
            sa.select(
                shipments.c.carrier,
                shipments.c.service,
                warehouses.c.region,
                sa.func.count().label("n"),
                sa.func.percentile_cont(0.5).within_group(days).label("p50"),
                sa.func.percentile_cont(0.9).within_group(days).label("p90"),
            )
            .select_from(joined)
            .where(*where)
            .group_by(shipments.c.carrier, shipments.c.service, warehouses.c.region)
        )
        return {
            (r.carrier, r.service, r.region): TransitStats(int(r.n), float(r.p50), float(r.p90))
            for r in await conn.execute(stmt)
        }
    stmt = (
        sa.select(
            shipments.c.carrier,
            shipments.c.service,
            warehouses.c.region,
            shipments.c.shipped_at,
            shipments.c.delivered_at,
        )
        .select_from(joined)
        .where(*where)
        .order_by(shipments.c.delivered_at.desc())
        .limit(SQLITE_ROW_LIMIT)
    )
    samples: dict[Key, list[float]] = defaultdict(list)
    for r in await conn.execute(stmt):
        samples[(r.carrier, r.service, r.region)].append(
            (r.delivered_at - r.shipped_at).total_seconds() / 86400
        )
    return {key: stats_from(days) for key, days in samples.items()}
