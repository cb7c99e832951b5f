from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from ordergraph.db.queries import analytics as reads
from ordergraph.db.queries.order_series import GroupBy
from ordergraph.domain.principals import Scope
from ordergraph.domain.time_buckets import Bucket
from ordergraph.schema.context import Info, require
from ordergraph.schema.types.order_series import (
    AnalyticsFilter,
    OrderSeriesPointType,
    order_series,
)


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
