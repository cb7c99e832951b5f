from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from ordergraph.db.queries import analytics as reads
from ordergraph.db.queries import operations as ops
from ordergraph.db.queries.order_series import GroupBy
from ordergraph.domain.principals import Scope
from ordergraph.domain.time_buckets import Bucket
from ordergraph.schema.context import Info, require
from ordergraph.schema.types.forecast import ForecastType, resolve_forecast
from ordergraph.schema.types.operations_figures import (
    FeedbackScoreType,
    FillRateType,
    LeadTimeGroupBy,
    OnTimeGroupBy,
    OnTimeRateType,
    ReturnFigureType,
    StageLeadTimeType,
    StockCoverType,
    cover_window,
    window,
)
from ordergraph.schema.types.order_series import (
    AnalyticsFilter,
    OrderSeriesPointType,
    order_series,
)

From = Annotated[
    datetime | None, strawberry.argument(name="from", description="Orders created at or after.")
]
To = Annotated[datetime | None, strawberry.argument(description="Orders created before.")]


@strawberry.type(name="Demand")
class DemandType:
    key: str = strawberry.field(description="Region code (or country), or SKU.")
    name: str | None
    orders: int
    units: int


@strawberry.type(name="LeadTime", description="Confirmation to first shipment.")
class LeadTimeType:
    orders: int
    average_hours: float | None
    max_hours: float | None


@strawberry.type(name="Rate")
class RateType:
    total: int
    hits: int
    rate: float | None = strawberry.field(description="hits / total; null when total is 0.")


def _rate(value: reads.Rate) -> RateType:
    return RateType(total=value.total, hits=value.hits, rate=value.rate)


@strawberry.type(
    name="Analytics",
    description="Aggregates over orders created since `since` (default: all), cancelled ones "
    "left out. Needs orders:read.",
)
class AnalyticsType:
    @strawberry.field(description="Orders and units per destination region.")
    async def demand_by_region(self, info: Info, since: datetime | None = None) -> list[DemandType]:
        require(info, Scope.ORDERS_READ)
        rows = await reads.demand_by_region(info.context.read_engine, since)
        return [DemandType(key=d.key, name=d.name, orders=d.orders, units=d.units) for d in rows]

    @strawberry.field(description="Best-selling products by units.")
    async def demand_by_product(
        self, info: Info, since: datetime | None = None, first: int = 10
    ) -> list[DemandType]:
        require(info, Scope.ORDERS_READ)
        rows = await reads.demand_by_product(
            info.context.read_engine, since, max(1, min(first, 100))
        )
        return [DemandType(key=d.key, name=d.name, orders=d.orders, units=d.units) for d in rows]

    @strawberry.field
    async def lead_time(self, info: Info, since: datetime | None = None) -> LeadTimeType:
        require(info, Scope.ORDERS_READ)
        value = await reads.lead_time(info.context.read_engine, since)
        return LeadTimeType(
            orders=value.orders, average_hours=value.average_hours, max_hours=value.max_hours
        )

    @strawberry.field(description="Delivered orders that arrived by their promised date.")
    async def on_time_rate(self, info: Info, since: datetime | None = None) -> RateType:
        require(info, Scope.ORDERS_READ)
        return _rate(await reads.on_time(info.context.read_engine, since))

    @strawberry.field(description="Units returned (not rejected) per unit delivered.")
    async def return_rate(self, info: Info, since: datetime | None = None) -> RateType:
        require(info, Scope.ORDERS_READ)
        return _rate(await reads.return_rate(info.context.read_engine, since))

    # operations figures (db/queries/operations.py): each over orders created in [from, to)

    @strawberry.field(description="p50/p90 hours per stage, per warehouse or carrier.")
    async def lead_times(
        self,
        info: Info,
        group_by: LeadTimeGroupBy = LeadTimeGroupBy.WAREHOUSE,
        from_: From = None,
        to: To = None,
    ) -> list[StageLeadTimeType]:
        require(info, Scope.ORDERS_READ)
        rows = await ops.stage_lead_times(
            info.context.read_engine, window(from_, to), group_by.value
        )
        return [StageLeadTimeType.from_read(r) for r in rows]

    @strawberry.field(description="Delivered parcels on time, per carrier or region.")
    async def on_time_rates(
        self,
        info: Info,
        group_by: OnTimeGroupBy = OnTimeGroupBy.CARRIER,
        from_: From = None,
        to: To = None,
    ) -> list[OnTimeRateType]:
        require(info, Scope.ORDERS_READ)
        rows = await ops.on_time_rates(info.context.read_engine, window(from_, to), group_by.value)
        return [OnTimeRateType.from_read(r) for r in rows]

    @strawberry.field(description="Open orders whose promised delivery has passed.")
    async def late_orders(self, info: Info, from_: From = None, to: To = None) -> int:
        require(info, Scope.ORDERS_READ)
        now = info.context.deps.clock.now()
        return await ops.late_orders(info.context.read_engine, window(from_, to), now)

    @strawberry.field(description="Open orders flagged at risk (Order.atRisk).")
    async def at_risk_orders(self, info: Info, from_: From = None, to: To = None) -> int:
        require(info, Scope.ORDERS_READ)
        return await ops.at_risk_orders(info.context.read_engine, window(from_, to))

    @strawberry.field(description="Units returned, return rate and refunds per SKU.")
    async def returns_by_sku(
        self, info: Info, from_: From = None, to: To = None
    ) -> list[ReturnFigureType]:
        require(info, Scope.ORDERS_READ)
        rows = await ops.returns_by(info.context.read_engine, window(from_, to), "SKU")
        return [ReturnFigureType.from_read(r) for r in rows]

    @strawberry.field(
        description="Units returned, share of delivered units and refunds per reason."
    )
    async def returns_by_reason(
        self, info: Info, from_: From = None, to: To = None
    ) -> list[ReturnFigureType]:
        require(info, Scope.ORDERS_READ)
        rows = await ops.returns_by(info.context.read_engine, window(from_, to), "REASON")
        return [ReturnFigureType.from_read(r) for r in rows]

    @strawberry.field(description="Delivery feedback submitted in [from, to).")
    async def feedback_score(
        self, info: Info, from_: From = None, to: To = None
    ) -> FeedbackScoreType:
        require(info, Scope.ORDERS_READ)
        score = await ops.feedback_score(info.context.read_engine, window(from_, to))
        return FeedbackScoreType(responses=score.responses, average_rating=score.average_rating)

    @strawberry.field(
        description="Per SKU and warehouse: available stock against the units allocated there "
        "in the `days` before `to` (default now). Needs inventory:read."
    )
    async def stock_cover(self, info: Info, days: int = 28, to: To = None) -> list[StockCoverType]:
        require(info, Scope.INVENTORY_READ)  # analytics itself needs orders:read
        days, end = cover_window(days, to, info.context.deps.clock.now())
        rows = await ops.stock_cover(info.context.read_engine, end, days)
        return [StockCoverType.from_read(r, days) for r in rows]

    @strawberry.field(description="Units shipped complete in the first parcel, per unit ordered.")
    async def fill_rate(self, info: Info, from_: From = None, to: To = None) -> FillRateType:
        require(info, Scope.ORDERS_READ)
        value = await ops.fill_rate(info.context.read_engine, window(from_, to))
        return FillRateType(
            ordered_units=value.ordered_units, filled_units=value.filled_units, rate=value.rate
        )

    @strawberry.field(
        description="Weekly demand for a SKU (to a destination region if given) for the next "
        "`weeks` weeks (1-52), with a backtest against the seasonal naive baseline."
    )
    async def forecast(
        self, info: Info, sku: str, region: str | None = None, weeks: int = 8
    ) -> ForecastType:
        require(info, Scope.ORDERS_READ)
        return await resolve_forecast(info, sku, region, weeks)

    @strawberry.field(
        description="Orders, units, revenue, average order value, cancellations and refunds per "
        "time bucket (local boundaries in `timezone`, right across DST), one point per (bucket, "
        "group, currency): revenue is never added across currencies. At most 2000 buckets."
    )
    async def orders(
        self,
        info: Info,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        bucket: Bucket,
        timezone: str = "UTC",
        group_by: GroupBy | None = None,
        filter: AnalyticsFilter | None = None,
    ) -> list[OrderSeriesPointType]:
        return await order_series(info, from_, to, bucket, timezone, group_by, filter)
