"""Aggregates for the analytics query: demand, lead times, on-time rate, return rate.

Plain GROUP BYs that both dialects run; time differences are computed in Python over the
(bounded) rows, since PostgreSQL and SQLite disagree on interval arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.tables import (
    order_lines,
    orders,
    return_lines,
    returns,
    shipment_lines,
    shipments,
)
from ordergraph.domain.orders import OrderStatus
from ordergraph.domain.returns import ReturnStatus
from ordergraph.domain.shipments import ShipmentStatus

COUNTED = [s.value for s in OrderStatus if s is not OrderStatus.CANCELLED]
MAX_ROWS = 50_000


@dataclass(frozen=True, slots=True)
class Demand:
    key: str
    name: str | None
    orders: int
    units: int


@dataclass(frozen=True, slots=True)
class LeadTime:
    orders: int
    average_hours: float | None
    max_hours: float | None


@dataclass(frozen=True, slots=True)
class Rate:
    total: int
    hits: int

    @property
    def rate(self) -> float | None:
        return self.hits / self.total if self.total else None


def destination_region() -> sa.ColumnElement[str]:
    """Where an order goes, as demand is counted: its shipping region, else its country."""
    return sa.func.coalesce(orders.c.shipping_region, orders.c.shipping_country)


def _since(column: sa.ColumnElement[datetime], since: datetime | None) -> sa.ColumnElement[bool]:
    return column >= since if since is not None else sa.true()


async def demand_by_region(engine: AsyncEngine, since: datetime | None) -> list[Demand]:
    o, ol = orders.c, order_lines.c
    region = destination_region()
    stmt = (
        sa.select(
            region.label("key"),
            sa.func.count(sa.distinct(o.id)).label("orders"),
            sa.func.sum(ol.quantity).label("units"),
        )
        .select_from(orders.join(order_lines, ol.order_id == o.id))
        .where(o.status.in_(COUNTED), _since(o.created_at, since))
        .group_by(region)
        .order_by(sa.func.sum(ol.quantity).desc(), region)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    return [Demand(str(r.key), None, int(r.orders), int(r.units or 0)) for r in rows]


async def demand_by_product(
    engine: AsyncEngine, since: datetime | None, limit: int
) -> list[Demand]:
    o, ol = orders.c, order_lines.c
    stmt = (
        sa.select(
            ol.sku,
            sa.func.max(ol.name).label("name"),
            sa.func.count(sa.distinct(o.id)).label("orders"),
            sa.func.sum(ol.quantity).label("units"),
        )
        .select_from(orders.join(order_lines, ol.order_id == o.id))
        .where(o.status.in_(COUNTED), _since(o.created_at, since))
        .group_by(ol.sku)
        .order_by(sa.func.sum(ol.quantity).desc(), ol.sku)
        .limit(limit)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    return [Demand(r.sku, r.name, int(r.orders), int(r.units or 0)) for r in rows]


async def lead_time(engine: AsyncEngine, since: datetime | None) -> LeadTime:
    """Confirmation to first shipment, over orders that shipped."""
    o, s = orders.c, shipments.c
    stmt = (
        sa.select(o.confirmed_at, sa.func.min(s.shipped_at).label("shipped_at"))
        .select_from(orders.join(shipments, s.order_id == o.id))
        .where(o.confirmed_at.is_not(None), _since(o.created_at, since))
        .group_by(o.id, o.confirmed_at)
        .limit(MAX_ROWS)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    hours = [
        (_aware(r.shipped_at) - r.confirmed_at).total_seconds() / 3600
        for r in rows
        if r.shipped_at is not None
    ]
    if not hours:
        return LeadTime(0, None, None)
    return LeadTime(len(hours), sum(hours) / len(hours), max(hours))


def _aware(value: datetime | str) -> datetime:
    # SQLite hands back aggregates of UTC columns without the column's type
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def on_time(engine: AsyncEngine, since: datetime | None) -> Rate:
    """Delivered orders that arrived by their promised date."""
    o = orders.c
    stmt = (
        sa.select(o.delivered_at, o.promised_delivery_at)
        .where(
            o.status == OrderStatus.DELIVERED.value,
            o.delivered_at.is_not(None),
            _since(o.created_at, since),
        )
        .limit(MAX_ROWS)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    hits = sum(
        1
        for r in rows
        if r.promised_delivery_at is None or r.delivered_at <= r.promised_delivery_at
    )
    return Rate(len(rows), hits)


async def return_rate(engine: AsyncEngine, since: datetime | None) -> Rate:
    """Units in (non-rejected) returns against units delivered."""
    s, sl, r, rl, o = shipments.c, shipment_lines.c, returns.c, return_lines.c, orders.c
    delivered = (
        sa.select(sa.func.coalesce(sa.func.sum(sl.quantity), 0))
        .select_from(
            shipment_lines.join(shipments, s.id == sl.shipment_id).join(orders, o.id == s.order_id)
        )
        .where(s.status == ShipmentStatus.DELIVERED.value, _since(o.created_at, since))
    )
    returned = (
        sa.select(sa.func.coalesce(sa.func.sum(rl.quantity), 0))
        .select_from(
            return_lines.join(returns, r.id == rl.return_id).join(orders, o.id == r.order_id)
        )
        .where(r.status != ReturnStatus.REJECTED.value, _since(o.created_at, since))
    )
    async with engine.connect() as conn:
        total = int(await conn.scalar(delivered) or 0)
        hits = int(await conn.scalar(returned) or 0)
    return Rate(total, hits)
