"""Operations figures for ``analytics``: stage lead times, on-time rates, late and at-risk
counts, returns by SKU and reason, feedback score, stock cover.

Every figure covers the orders created in ``[start, end)`` (either end open when None), except
the feedback score (responses submitted in the window) and stock cover (demand of the ``days``
before ``end``). Durations and on-time checks are computed in Python over a bounded SQL
projection (``MAX_ROWS``), as in ``analytics.py``: both dialects, one definition
(``ordergraph.domain.operations_figures``). Sums and counts are plain GROUP BYs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.queries.analytics import COUNTED, MAX_ROWS
from ordergraph.db.repositories.inventory import level_from_row
from ordergraph.db.tables import (
    inventory_levels,
    order_allocations,
    order_feedback,
    order_lines,
    orders,
    outbox,
    refund_lines,
    refunds,
    return_lines,
    returns,
    shipment_lines,
    shipments,
    warehouses,
)
from ordergraph.domain.inventory import InventoryLevel
from ordergraph.domain.operations_figures import (
    Fill,
    StageLeadTime,
    StageTimes,
    fill,
    lead_times,
    ratio,
)
from ordergraph.domain.orders import OrderStatus
from ordergraph.domain.refunds import RefundStatus
from ordergraph.domain.returns import ReturnStatus
from ordergraph.domain.shipments import ShipmentStatus

OPEN = [s.value for s in OrderStatus if s not in (OrderStatus.DELIVERED, OrderStatus.CANCELLED)]
LeadTimeGroup = Literal["WAREHOUSE", "CARRIER"]
OnTimeGroup = Literal["CARRIER", "REGION"]


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime | None = None
    end: datetime | None = None

    def covers(self, column: sa.ColumnElement[datetime]) -> sa.ColumnElement[bool]:
        return sa.and_(
            column >= self.start if self.start is not None else sa.true(),
            column < self.end if self.end is not None else sa.true(),
        )


@dataclass(frozen=True, slots=True)
class GroupRate:
    group: str
    total: int
    hits: int

    @property
    def rate(self) -> float | None:
        return ratio(self.hits, self.total)


@dataclass(frozen=True, slots=True)
class ReturnFigure:
    key: str
    units_returned: int
    units_delivered: int
    refunded: dict[str, int] = field(default_factory=dict)  # currency -> minor units

    @property
    def rate(self) -> float | None:
        return ratio(self.units_returned, self.units_delivered)


@dataclass(frozen=True, slots=True)
class FeedbackScore:
    responses: int
    average_rating: float | None


@dataclass(frozen=True, slots=True)
class StockCoverRow:
    level: InventoryLevel
    warehouse_code: str
    units_demanded: int


async def _rows(engine: AsyncEngine, stmt: sa.Select[Any]) -> list[sa.Row[Any]]:
    async with engine.connect() as conn:
        return list((await conn.execute(stmt)).all())


async def stage_lead_times(
    engine: AsyncEngine, window: Window, group_by: LeadTimeGroup
) -> list[StageLeadTime]:
    """Lead times per stage for every (order, warehouse or carrier) pair that shipped: confirmed
    is ``orders.confirmed_at``, picked the first ``fulfillment.packed`` event of the pair's
    fulfillments, shipped the first parcel, delivered the last one once all arrived."""
    o, s, w = orders.c, shipments.c, warehouses.c
    in_window = sa.select(o.id).where(o.status.in_(COUNTED), window.covers(o.created_at))
    parcels = await _rows(
        engine,
        sa.select(
            o.id,
            o.created_at,
            o.confirmed_at,
            s.fulfillment_id,
            s.carrier,
            w.code.label("warehouse"),
            s.shipped_at,
            s.delivered_at,
        )
        .select_from(
            orders.join(shipments, s.order_id == o.id).join(warehouses, w.id == s.warehouse_id)
        )
        .where(o.id.in_(in_window))
        .order_by(o.id, s.id)
        .limit(MAX_ROWS),
    )
    packed_events = await _rows(
        engine,
        sa.select(outbox.c.payload, outbox.c.occurred_at)
        .where(outbox.c.type == "fulfillment.packed", outbox.c.order_id.in_(in_window))
        .limit(MAX_ROWS),
    )
    packed: dict[int, datetime] = {}
    for event in packed_events:
        fulfillment_id = int((event.payload or {}).get("fulfillmentId", 0))
        if fulfillment_id not in packed or event.occurred_at < packed[fulfillment_id]:
            packed[fulfillment_id] = event.occurred_at

    pairs: dict[tuple[int, str], list[sa.Row[Any]]] = defaultdict(list)
    for parcel in parcels:
        key = parcel.warehouse if group_by == "WAREHOUSE" else parcel.carrier
        pairs[(parcel.id, str(key))].append(parcel)

    def times(group: list[sa.Row[Any]]) -> StageTimes:
        picks = [packed[p.fulfillment_id] for p in group if p.fulfillment_id in packed]
        arrived = [p.delivered_at for p in group]
        return StageTimes(
            placed=group[0].created_at,
            confirmed=group[0].confirmed_at,
            picked=min(picks) if picks else None,
            shipped=min(p.shipped_at for p in group),
            delivered=None if None in arrived else max(arrived),
        )

    return lead_times((key, times(group)) for (_, key), group in pairs.items())


def _region() -> sa.ColumnElement[str]:
    return sa.func.coalesce(orders.c.shipping_region, orders.c.shipping_country, "")


async def on_time_rates(
    engine: AsyncEngine, window: Window, group_by: OnTimeGroup
) -> list[GroupRate]:
    """Delivered parcels per carrier or destination region, and how many arrived by their
    promise (the parcel's, else the order's; no promise counts as on time)."""
    o, s = orders.c, shipments.c
    rows = await _rows(
        engine,
        sa.select(
            s.carrier,
            _region().label("region"),
            s.delivered_at,
            s.promised_delivery_at,
            o.promised_delivery_at.label("order_promise"),
        )
        .select_from(shipments.join(orders, o.id == s.order_id))
        .where(
            s.status == ShipmentStatus.DELIVERED.value,
            s.delivered_at.is_not(None),
            o.status.in_(COUNTED),
            window.covers(o.created_at),
        )
        .limit(MAX_ROWS),
    )
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        promise = row.promised_delivery_at or row.order_promise
        tally = counts[str(row.carrier if group_by == "CARRIER" else row.region)]
        tally[0] += 1
        tally[1] += promise is None or row.delivered_at <= promise
    return [GroupRate(key, total, hits) for key, (total, hits) in sorted(counts.items())]


async def late_orders(engine: AsyncEngine, window: Window, now: datetime) -> int:
    """Open orders (neither delivered nor cancelled) whose promised delivery has passed."""
    o = orders.c
    stmt = sa.select(sa.func.count()).where(
        o.status.in_(OPEN), o.promised_delivery_at < now, window.covers(o.created_at)
    )
    async with engine.connect() as conn:
        return int(await conn.scalar(stmt) or 0)


async def at_risk_orders(engine: AsyncEngine, window: Window) -> int:
    """Open orders flagged at risk (``Order.atRisk``: the risk sweep's reasons)."""
    o = orders.c
    stmt = sa.select(sa.func.count()).where(
        o.status.in_(OPEN), o.at_risk.is_(True), window.covers(o.created_at)
    )
    async with engine.connect() as conn:
        return int(await conn.scalar(stmt) or 0)


def _delivered_units(window: Window) -> sa.Select[str, Any]:
    s, sl, o = shipments.c, shipment_lines.c, orders.c
    return (
        sa.select(sl.sku, sa.func.sum(sl.quantity).label("units"))
        .select_from(
            shipment_lines.join(shipments, s.id == sl.shipment_id).join(orders, o.id == s.order_id)
        )
        .where(s.status == ShipmentStatus.DELIVERED.value, window.covers(o.created_at))
        .group_by(sl.sku)
    )


def _returned_units(window: Window, key: sa.ColumnElement[str]) -> sa.Select[str, Any]:
    r, rl, o = returns.c, return_lines.c, orders.c
    return (
        sa.select(key.label("key"), sa.func.sum(rl.quantity).label("units"))
        .select_from(
            return_lines.join(returns, r.id == rl.return_id).join(orders, o.id == r.order_id)
        )
        .where(r.status != ReturnStatus.REJECTED.value, window.covers(o.created_at))
        .group_by(key)
    )


def _refunded(
    window: Window, key: sa.ColumnElement[str], via_return: bool
) -> sa.Select[str, str, Any]:
    """Refund line amounts of succeeded refunds per key and currency (shipping, appeasements
    and adjustments belong to no SKU or reason)."""
    f, fl, o = refunds.c, refund_lines.c, orders.c
    joined = refund_lines.join(refunds, f.id == fl.refund_id).join(orders, o.id == f.order_id)
    if via_return:
        # a refund line takes the reason of its order line in the refund's return
        joined = joined.join(
            return_lines,
            sa.and_(
                return_lines.c.return_id == f.return_id,
                return_lines.c.order_line_id == fl.order_line_id,
            ),
        )
    else:
        joined = joined.join(order_lines, order_lines.c.id == fl.order_line_id)
    return (
        sa.select(key.label("key"), f.currency, sa.func.sum(fl.amount_minor).label("minor"))
        .select_from(joined)
        .where(f.status == RefundStatus.SUCCEEDED.value, window.covers(o.created_at))
        .group_by(key, f.currency)
    )


async def returns_by(
    engine: AsyncEngine, window: Window, by: Literal["SKU", "REASON"]
) -> list[ReturnFigure]:
    """Units returned (returns not rejected), units delivered, and refunds per SKU or per
    return reason; a reason's delivered units are all delivered units (its share of them)."""
    key = return_lines.c.sku if by == "SKU" else return_lines.c.reason
    refund_key = order_lines.c.sku if by == "SKU" else return_lines.c.reason
    async with engine.connect() as conn:
        delivered = {r.sku: int(r.units) for r in await conn.execute(_delivered_units(window))}
        returned = {r.key: int(r.units) for r in await conn.execute(_returned_units(window, key))}
        refunded: dict[str, dict[str, int]] = defaultdict(dict)
        for r in await conn.execute(_refunded(window, refund_key, via_return=by == "REASON")):
            refunded[r.key][r.currency] = int(r.minor)
    everything = sum(delivered.values())
    keys = sorted(set(returned) | set(refunded) | (set(delivered) if by == "SKU" else set()))
    return [
        ReturnFigure(
            key=k,
            units_returned=returned.get(k, 0),
            units_delivered=delivered.get(k, 0) if by == "SKU" else everything,
            refunded=dict(sorted(refunded.get(k, {}).items())),
        )
        for k in keys
    ]


async def feedback_score(engine: AsyncEngine, window: Window) -> FeedbackScore:
    """Responses submitted in the window and their average rating (1 to 5)."""
    f = order_feedback.c
    stmt = sa.select(sa.func.count(), sa.func.avg(f.rating)).where(window.covers(f.submitted_at))
    async with engine.connect() as conn:
        responses, average = (await conn.execute(stmt)).one()
    return FeedbackScore(int(responses), float(average) if average is not None else None)


async def stock_cover(engine: AsyncEngine, end: datetime, days: int) -> list[StockCoverRow]:
    """Every inventory level with the units allocated from it to orders (not cancelled) created
    in the ``days`` before ``end``."""
    lv, w, a, o = inventory_levels.c, warehouses.c, order_allocations.c, orders.c
    recent = Window(end - timedelta(days=days), end)
    demand = (
        sa.select(a.sku, a.warehouse_id, sa.func.sum(a.quantity).label("units"))
        .select_from(order_allocations.join(orders, o.id == a.order_id))
        .where(o.status.in_(COUNTED), recent.covers(o.created_at))
        .group_by(a.sku, a.warehouse_id)
        .subquery()
    )
    rows = await _rows(
        engine,
        sa.select(
            inventory_levels,
            w.code.label("warehouse_code"),
            sa.func.coalesce(demand.c.units, 0).label("units_demanded"),
        )
        .select_from(
            inventory_levels.join(warehouses, w.id == lv.warehouse_id).outerjoin(
                demand, sa.and_(demand.c.sku == lv.sku, demand.c.warehouse_id == lv.warehouse_id)
            )
        )
        .order_by(lv.sku, w.code)
        .limit(MAX_ROWS),
    )
    return [StockCoverRow(level_from_row(r), r.warehouse_code, int(r.units_demanded)) for r in rows]


async def fill_rate(engine: AsyncEngine, window: Window) -> Fill:
    """Over orders (not cancelled) with at least one parcel: ordered units against the units of
    lines that left complete in the order's first parcel (earliest ``shipped_at``, then id)."""
    o, ol, s, sl = orders.c, order_lines.c, shipments.c, shipment_lines.c
    shipped = (
        sa.select(o.id)
        .where(o.status.in_(COUNTED), window.covers(o.created_at))
        .where(sa.exists().where(s.order_id == o.id))
    )
    lines = await _rows(
        engine,
        sa.select(ol.id, ol.quantity).where(ol.order_id.in_(shipped)).limit(MAX_ROWS),
    )
    parcels = await _rows(
        engine,
        sa.select(s.order_id, s.id, s.shipped_at, sl.order_line_id, sl.quantity)
        .select_from(shipment_lines.join(shipments, s.id == sl.shipment_id))
        .where(s.order_id.in_(shipped))
        .order_by(s.order_id, s.shipped_at, s.id)
        .limit(MAX_ROWS),
    )
    first: dict[int, int] = {}
    for p in parcels:
        first.setdefault(p.order_id, p.id)
    return fill(
        ((r.id, r.quantity) for r in lines),
        ((p.order_line_id, p.quantity) for p in parcels if first[p.order_id] == p.id),
    )
