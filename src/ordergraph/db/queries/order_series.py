"""``analytics.orders``: an order time series in ONE aggregate statement on both dialects.

The bucket boundaries come from ``domain.time_buckets`` (computed in Python with zoneinfo, so they
are right across DST). The statement reads orders in one constant range of ``created_at`` (the
``ix_orders_created`` index where the range is narrow) and refunds in one range of
``completed_at`` (``ix_refunds_completed``), and puts each row in its bucket with a balanced tree
of CASE expressions over the boundaries (log2(buckets) comparisons a row), grouped by (bucket,
group, currency): revenue is never added across currencies. It is a UNION ALL of the orders part,
the units part and the refunds part; rows of one key are added up in ``fill_series``. (A join to
a VALUES list of boundaries was tried first: PostgreSQL cannot estimate its range join, planned
~20x the rows, switched JIT on and hashed whole tables; see bench/analytics_series.py.)

Figures:

- orders, units, revenue: orders placed in the bucket that are not cancelled; revenue is the
  order total (after discounts, with shipping and tax as charged);
- cancellations: orders placed in the bucket that are cancelled now;
- refunds: succeeded refunds completed in the bucket (whole refund totals).

PRODUCT and WAREHOUSE groups work on order lines: units are the line's units (for WAREHOUSE the
units each warehouse's fulfillments hold; lines not routed yet have group null), revenue is the
line total (unit price x quantity, before order-level discounts, without shipping and tax; a line
split over warehouses is shared in proportion to units), orders count distinct orders, and refunds
are refund-line amounts (shipping, appeasement and adjustment refunds are not on a line and are
left out there).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.tables import (
    fulfillment_lines,
    fulfillments,
    order_lines,
    orders,
    refund_lines,
    refunds,
    warehouses,
)
from ordergraph.db.types import UTCDateTime
from ordergraph.domain.fulfillments import FulfillmentStatus
from ordergraph.domain.orders import OrderStatus
from ordergraph.domain.refunds import RefundStatus
from ordergraph.domain.time_buckets import SeriesRow, TimeBucket


class GroupBy(enum.StrEnum):
    CHANNEL = "CHANNEL"
    REGION = "REGION"
    COUNTRY = "COUNTRY"
    PRODUCT = "PRODUCT"
    WAREHOUSE = "WAREHOUSE"
    SALES_REP = "SALES_REP"


LINE_GROUPS = frozenset({GroupBy.PRODUCT, GroupBy.WAREHOUSE})


@dataclass(frozen=True, slots=True)
class SeriesFilter:
    channel: str | None = None
    country_code: str | None = None
    region: str | None = None
    sku: str | None = None
    warehouse_id: int | None = None
    sales_rep: str | None = None


CANCELLED = OrderStatus.CANCELLED.value


@dataclass(frozen=True, slots=True)
class _Bounds:
    """The buckets' counted windows, which tile [start, end) without gaps."""

    start: datetime
    end: datetime
    cuts: tuple[datetime, ...]  # the inner boundaries: bucket i is [cuts[i-1], cuts[i])

    @classmethod
    def of(cls, buckets: list[TimeBucket]) -> _Bounds:
        cuts = tuple(b.counted_from for b in buckets[1:])
        return cls(buckets[0].counted_from, buckets[-1].counted_to, cuts)

    def within(self, column: sa.ColumnElement[datetime]) -> sa.ColumnElement[bool]:
        start, end = sa.literal(self.start, UTCDateTime), sa.literal(self.end, UTCDateTime)
        return sa.and_(column >= start, column < end)

    def index(self, column: sa.ColumnElement[datetime]) -> sa.ColumnElement[int]:
        """The bucket of ``column`` as a balanced tree of CASEs: log2(buckets) comparisons a
        row, on both dialects, with a plain range on the indexed column around it."""

        def tree(cuts: tuple[datetime, ...], offset: int) -> sa.ColumnElement[int]:
            if not cuts:
                return sa.literal_column(str(offset), sa.Integer)
            mid = len(cuts) // 2
            return sa.case(
                (column < sa.literal(cuts[mid], UTCDateTime), tree(cuts[:mid], offset)),
                else_=tree(cuts[mid + 1 :], offset + mid + 1),
            )

        return tree(self.cuts, 0)


# GROUP BY by position: the bucket's CASE, then the group, then the currency
BY_BUCKET_GROUP_CURRENCY: list[sa.ColumnElement[Any]] = [
    sa.literal_column(str(n)) for n in (1, 2, 3)
]


def _allocations() -> sa.Subquery:
    """Which warehouse holds how many units of an order line (cancelled fulfillments left out)."""
    fl, f, w = fulfillment_lines.c, fulfillments.c, warehouses.c
    return (
        sa.select(
            fl.order_line_id,
            fl.quantity,
            f.warehouse_id,
            w.code.label("warehouse_code"),
        )
        .select_from(
            fulfillment_lines.join(fulfillments, f.id == fl.fulfillment_id).join(
                warehouses, w.id == f.warehouse_id
            )
        )
        .where(f.status != FulfillmentStatus.CANCELLED.value)
        .subquery("alloc")
    )


def _order_group(group_by: GroupBy | None) -> sa.ColumnElement[Any]:
    o = orders.c
    match group_by:
        case GroupBy.CHANNEL:
            return o.channel
        case GroupBy.REGION:
            return sa.func.coalesce(o.shipping_region, o.shipping_country)
        case GroupBy.COUNTRY:
            return o.shipping_country
        case GroupBy.SALES_REP:
            return o.sales_rep
        case _:
            return sa.null()


def _order_filters(flt: SeriesFilter) -> list[sa.ColumnElement[bool]]:
    o = orders.c
    conditions: list[sa.ColumnElement[bool]] = []
    if flt.channel is not None:
        conditions.append(o.channel == flt.channel)
    if flt.country_code is not None:
        conditions.append(o.shipping_country == flt.country_code)
    if flt.region is not None:
        conditions.append(sa.func.coalesce(o.shipping_region, o.shipping_country) == flt.region)
    if flt.sales_rep is not None:
        conditions.append(o.sales_rep == flt.sales_rep)
    return conditions


def _order_level_filters(flt: SeriesFilter) -> list[sa.ColumnElement[bool]]:
    """The order-level filters plus sku / warehouse as "the order has such a line / fulfillment"."""
    o, ol, f = orders.c, order_lines.c, fulfillments.c
    conditions = _order_filters(flt)
    if flt.sku is not None:
        conditions.append(
            sa.exists().where(ol.order_id == o.id, ol.sku == flt.sku).correlate(orders)
        )
    if flt.warehouse_id is not None:
        conditions.append(
            sa.exists()
            .where(
                f.order_id == o.id,
                f.warehouse_id == flt.warehouse_id,
                f.status != FulfillmentStatus.CANCELLED.value,
            )
            .correlate(orders)
        )
    return conditions


def _sum_if(
    condition: sa.ColumnElement[bool], value: sa.ColumnElement[int] | int
) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, value), else_=0)), 0)


def _zero() -> sa.ColumnElement[int]:
    return sa.literal(0, sa.BigInteger)


def _branch(
    b: _Bounds,
    moment: sa.ColumnElement[datetime],
    group: sa.ColumnElement[Any],
    currency: sa.ColumnElement[str],
    source: sa.FromClause,
    conditions: list[sa.ColumnElement[bool]],
    *,
    orders: sa.ColumnElement[int] | None = None,
    units: sa.ColumnElement[int] | None = None,
    revenue: sa.ColumnElement[int] | None = None,
    cancellations: sa.ColumnElement[int] | None = None,
    refunds: sa.ColumnElement[int] | None = None,
) -> sa.Select[Any]:
    """One part of the UNION ALL: rows in [start, end) of ``moment``, by (bucket, group,
    currency), with the figures it computes and 0 for the others."""
    figures = {
        "orders": orders,
        "units": units,
        "revenue": revenue,
        "cancellations": cancellations,
        "refunds": refunds,
    }
    return (
        sa.select(
            b.index(moment).label("idx"),
            group.label("grp"),
            currency.label("currency"),
            *((_zero() if value is None else value).label(name) for name, value in figures.items()),
        )
        .select_from(source)
        .where(b.within(moment), *conditions)
        .group_by(*BY_BUCKET_GROUP_CURRENCY)
    )


def _order_statement(
    b: _Bounds, group_by: GroupBy | None, flt: SeriesFilter
) -> list[sa.Select[Any]]:
    o, ol, r = orders.c, order_lines.c, refunds.c
    group = _order_group(group_by)
    conditions = _order_level_filters(flt)
    kept = o.status != CANCELLED
    placed = _branch(
        b,
        o.created_at,
        group,
        o.currency,
        orders,
        conditions,
        orders=_sum_if(kept, 1),
        revenue=_sum_if(kept, o.total_minor),
        cancellations=_sum_if(o.status == CANCELLED, 1),
    )
    # units in a part of their own, a join of the lines: a per-order subquery in the part above
    # cost 100 ms over 50,000 orders; fill_series adds the rows of one key up
    units = _branch(
        b,
        o.created_at,
        group,
        o.currency,
        orders.join(order_lines, ol.order_id == o.id),
        [kept, *conditions],
        units=sa.func.sum(ol.quantity),
    )
    refunded = _branch(
        b,
        r.completed_at,
        group,
        r.currency,
        refunds.join(orders, o.id == r.order_id),
        [r.status == RefundStatus.SUCCEEDED.value, *conditions],
        refunds=sa.func.sum(r.total_minor),
    )
    return [placed, units, refunded]


def _line_statement(b: _Bounds, group_by: GroupBy, flt: SeriesFilter) -> list[sa.Select[Any]]:
    o, ol, r, rl = orders.c, order_lines.c, refunds.c, refund_lines.c
    by_warehouse = group_by is GroupBy.WAREHOUSE or flt.warehouse_id is not None
    alloc = _allocations() if by_warehouse else None
    if alloc is not None:
        units: sa.ColumnElement[int] = sa.func.coalesce(alloc.c.quantity, ol.quantity)
    else:
        units = ol.quantity
    group = ol.sku if group_by is GroupBy.PRODUCT else alloc.c.warehouse_code  # type: ignore[union-attr]
    conditions = _order_filters(flt)
    if flt.sku is not None:
        conditions.append(ol.sku == flt.sku)
    if flt.warehouse_id is not None and alloc is not None:
        conditions.append(alloc.c.warehouse_id == flt.warehouse_id)

    def lines_of(source: sa.FromClause) -> sa.FromClause:
        if alloc is None:
            return source
        return source.outerjoin(alloc, alloc.c.order_line_id == ol.id)

    def share(amount: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
        # a line split over warehouses: its amount shared in proportion to units (integer
        # division, the same on both dialects)
        return amount * units // ol.quantity if alloc is not None else amount

    kept = o.status != CANCELLED
    placed = _branch(
        b,
        o.created_at,
        group,
        o.currency,
        lines_of(orders.join(order_lines, ol.order_id == o.id)),
        conditions,
        orders=sa.func.count(sa.distinct(sa.case((kept, o.id)))),
        units=_sum_if(kept, units),
        revenue=_sum_if(kept, share(ol.total_minor)),
        cancellations=sa.func.count(sa.distinct(sa.case((o.status == CANCELLED, o.id)))),
    )
    refunded = _branch(
        b,
        r.completed_at,
        group,
        r.currency,
        lines_of(
            refunds.join(refund_lines, rl.refund_id == r.id)
            .join(order_lines, ol.id == rl.order_line_id)
            .join(orders, o.id == r.order_id)
        ),
        [r.status == RefundStatus.SUCCEEDED.value, *conditions],
        refunds=sa.func.sum(share(rl.amount_minor)),
    )
    return [placed, refunded]


async def order_series(
    engine: AsyncEngine,
    buckets: list[TimeBucket],
    group_by: GroupBy | None,
    flt: SeriesFilter,
) -> list[SeriesRow]:
    """The non-empty (bucket, group, currency) aggregates; ``domain.time_buckets.fill_series``
    adds the empty buckets."""
    if not buckets:
        return []
    b = _Bounds.of(buckets)
    if group_by in LINE_GROUPS:
        assert group_by is not None
        parts = _line_statement(b, group_by, flt)
    else:
        parts = _order_statement(b, group_by, flt)
    stmt = sa.union_all(*parts)
    async with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # the CASE tree makes the estimated cost high enough to switch JIT compilation on,
            # which costs more than the query saves (bench/analytics_series.py)
            await conn.execute(sa.text("SET LOCAL jit = off"))
        rows = (await conn.execute(stmt)).all()
    return [
        SeriesRow(
            bucket=int(row[0]),
            group=None if row[1] is None else str(row[1]),
            currency=str(row[2]),
            orders=int(row[3] or 0),
            units=int(row[4] or 0),
            revenue_minor=int(row[5] or 0),
            cancellations=int(row[6] or 0),
            refunds_minor=int(row[7] or 0),
        )
        for row in rows
    ]
