"""Weekly demand per SKU (and destination region): the history a forecast is fitted on.

One GROUP BY over order lines of non-cancelled orders, by the Monday (UTC) of the ISO week the
order was created in. The week start is computed in SQL on both dialects (``week_start``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from ordergraph.db.queries.analytics import COUNTED, destination_region
from ordergraph.db.tables import order_lines, orders


class week_start(FunctionElement[Any]):  # noqa: N801 - named like the SQL function it stands for
    """The Monday of a UTC timestamp's ISO week, as ``YYYY-MM-DD`` text on both dialects."""

    inherit_cache = True
    name = "week_start"


@compiles(week_start, "postgresql")
def _week_start_pg(element: week_start, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = element.clauses
    inner = compiler.process(moment, **kw)
    return f"to_char(date_trunc('week', timezone('UTC', {inner})), 'YYYY-MM-DD')"


@compiles(week_start, "sqlite")
def _week_start_sqlite(element: week_start, compiler: SQLCompiler, **kw: Any) -> str:
    # 'weekday 0' moves forward to the next Sunday (or stays on one); six days back is Monday
    (moment,) = element.clauses
    return f"date({compiler.process(moment, **kw)}, 'weekday 0', '-6 days')"


async def weekly_demand(
    engine: AsyncEngine, sku: str, region: str | None, before: datetime
) -> dict[date, int]:
    """Units per week for ``sku`` (to ``region`` if given), orders created before ``before``.

    Weeks without sales are absent.
    """
    o, ol = orders.c, order_lines.c
    week = week_start(o.created_at)
    stmt = (
        sa.select(week.label("week"), sa.func.sum(ol.quantity).label("units"))
        .select_from(orders.join(order_lines, ol.order_id == o.id))
        .where(
            ol.sku == sku,
            o.status.in_(COUNTED),
            o.created_at < before,
            destination_region() == region if region is not None else sa.true(),
        )
        .group_by(week)
        .order_by(week)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    return {date.fromisoformat(str(r.week)): int(r.units or 0) for r in rows}
