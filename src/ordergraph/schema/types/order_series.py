"""``analytics.orders``: the order time series (OrderSeriesPoint, Bucket, AnalyticsGroupBy,
AnalyticsFilter). What each figure means: db/queries/order_series.py and README "Analytics"."""

from __future__ import annotations

from datetime import datetime

import strawberry
from graphql import GraphQLError

from ordergraph.db.queries import order_series as reads
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.money import Money
from ordergraph.domain.orders import Channel
from ordergraph.domain.principals import Scope
from ordergraph.domain.time_buckets import Bucket, SeriesPoint, fill_series, time_buckets
from ordergraph.schema.context import Info, require
from ordergraph.schema.ids import decode_int_id
from ordergraph.schema.types.money import MoneyType

strawberry.enum(
    Bucket,
    name="Bucket",
    description="A series bucket, starting at a local boundary in the caller's timezone: the "
    "hour, midnight, Monday's midnight, the first of the month's midnight.",
)
strawberry.enum(reads.GroupBy, name="AnalyticsGroupBy")


@strawberry.input(description="Narrows analytics.orders; every given field must match.")
class AnalyticsFilter:
    channel: Channel | None = None
    country_code: str | None = strawberry.field(default=None, description="Shipping country.")
    region: str | None = strawberry.field(
        default=None, description="Shipping region (the country where an address has none)."
    )
    sku: str | None = strawberry.field(
        default=None,
        description="Orders with a line of this SKU; for PRODUCT and WAREHOUSE groups only "
        "that SKU's lines.",
    )
    warehouse_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Orders a warehouse fulfils; for PRODUCT and WAREHOUSE groups only the "
        "units that warehouse holds.",
    )
    sales_rep: str | None = None

    def to_spec(self) -> reads.SeriesFilter:
        return reads.SeriesFilter(
            channel=self.channel.value if self.channel is not None else None,
            country_code=self.country_code.strip().upper() if self.country_code else None,
            region=self.region.strip() if self.region else None,
            sku=self.sku.strip() if self.sku else None,
            warehouse_id=(
                decode_int_id(self.warehouse_id, "Warehouse", ["filter", "warehouseId"])
                if self.warehouse_id is not None
                else None
            ),
            sales_rep=self.sales_rep,
        )


@strawberry.type(
    name="OrderSeriesPoint",
    description="One bucket of one (group, currency) series. Every series has a point in "
    "every bucket (zeros where nothing happened), so a chart has no holes.",
)
class OrderSeriesPointType:
    bucket_start: datetime = strawberry.field(description="In the caller's timezone.")
    bucket_end: datetime
    group: str | None = strawberry.field(
        description="The groupBy value (channel, region, country, SKU, warehouse code, sales "
        "rep); null without groupBy, or where the order has none."
    )
    orders: int = strawberry.field(description="Orders placed in the bucket, not cancelled.")
    units: int
    revenue: MoneyType = strawberry.field(
        description="Totals of those orders (PRODUCT/WAREHOUSE: line totals), in one currency."
    )
    average_order_value: MoneyType | None = strawberry.field(
        description="revenue / orders, to the minor unit; null without orders."
    )
    cancellations: int = strawberry.field(
        description="Orders placed in the bucket that are cancelled."
    )
    refunds: MoneyType = strawberry.field(description="Refunds completed in the bucket.")

    @classmethod
    def from_point(cls, point: SeriesPoint) -> OrderSeriesPointType:
        def money(minor: int) -> MoneyType:
            return MoneyType.from_domain(Money(minor, point.currency))

        average = point.average_order_value_minor
        return cls(
            bucket_start=point.bucket.start,
            bucket_end=point.bucket.end,
            group=point.group,
            orders=point.orders,
            units=point.units,
            revenue=money(point.revenue_minor),
            average_order_value=money(average) if average is not None else None,
            cancellations=point.cancellations,
            refunds=money(point.refunds_minor),
        )


def _bad(exc: InvalidInput) -> GraphQLError:
    # a query has no userErrors: bad input is BAD_USER_INPUT, the precise code beside it
    where = ".".join(exc.field or ())
    return GraphQLError(
        f"{where}: {exc.message}" if where else exc.message,
        extensions={"code": "BAD_USER_INPUT", "reason": exc.code},
    )


async def order_series(
    info: Info,
    start: datetime,
    end: datetime,
    bucket: Bucket,
    timezone: str,
    group_by: reads.GroupBy | None,
    given: AnalyticsFilter | None,
) -> list[OrderSeriesPointType]:
    require(info, Scope.ORDERS_READ)
    try:
        buckets = time_buckets(start, end, bucket, timezone)
        spec = (given or AnalyticsFilter()).to_spec()
    except InvalidInput as exc:
        raise _bad(exc) from exc
    rows = await reads.order_series(info.context.read_engine, buckets, group_by, spec)
    points = fill_series(buckets, rows, info.context.deps.policy.default_currency)
    return [OrderSeriesPointType.from_point(p) for p in points]
