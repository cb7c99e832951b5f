"""GraphQL types of the operations figures on ``Analytics`` (db/queries/operations.py)."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry
from graphql import GraphQLError

from ordergraph.db.queries import operations as reads
from ordergraph.domain.money import Money
from ordergraph.domain.operations_figures import Stage, StageLeadTime, cover_days
from ordergraph.schema.types.money import MoneyType

LeadTimeStage = strawberry.enum(Stage, name="LeadTimeStage")
MAX_COVER_DAYS = 366


@strawberry.enum(name="LeadTimeGroupBy")
class LeadTimeGroupBy(enum.Enum):
    WAREHOUSE = "WAREHOUSE"
    CARRIER = "CARRIER"


@strawberry.enum(name="OnTimeGroupBy")
class OnTimeGroupBy(enum.Enum):
    CARRIER = "CARRIER"
    REGION = "REGION"


@strawberry.type(
    name="StageLeadTime", description="Hours one stage took, per warehouse or carrier."
)
class StageLeadTimeType:
    group: str = strawberry.field(description="Warehouse code or carrier.")
    stage: LeadTimeStage  # type: ignore[valid-type]
    count: int
    p50_hours: float = strawberry.field(description="Median (interpolated, as percentile_cont).")
    p90_hours: float

    @classmethod
    def from_read(cls, value: StageLeadTime) -> StageLeadTimeType:
        return cls(
            group=value.group,
            stage=value.stage,
            count=value.count,
            p50_hours=value.p50_hours,
            p90_hours=value.p90_hours,
        )


@strawberry.type(name="OnTimeRate", description="Delivered parcels that arrived by their promise.")
class OnTimeRateType:
    group: str = strawberry.field(description="Carrier or destination region (else country).")
    delivered: int
    on_time: int
    rate: float | None = strawberry.field(description="onTime / delivered; null without any.")

    @classmethod
    def from_read(cls, value: reads.GroupRate) -> OnTimeRateType:
        return cls(group=value.group, delivered=value.total, on_time=value.hits, rate=value.rate)


@strawberry.type(name="ReturnFigure", description="Returns of one SKU or for one reason.")
class ReturnFigureType:
    key: str = strawberry.field(description="SKU or ReturnReason.")
    units_returned: int = strawberry.field(description="Units in returns not rejected.")
    units_delivered: int = strawberry.field(
        description="Units delivered: of this SKU, or all of them for a reason."
    )
    return_rate: float | None = strawberry.field(description="unitsReturned / unitsDelivered.")
    refunded: list[MoneyType] = strawberry.field(
        description="Refunded line amounts per currency (succeeded refunds only)."
    )

    @classmethod
    def from_read(cls, value: reads.ReturnFigure) -> ReturnFigureType:
        return cls(
            key=value.key,
            units_returned=value.units_returned,
            units_delivered=value.units_delivered,
            return_rate=value.rate,
            refunded=[
                MoneyType.from_domain(Money(minor, currency))
                for currency, minor in value.refunded.items()
            ],
        )


@strawberry.type(name="FeedbackScore")
class FeedbackScoreType:
    responses: int
    average_rating: float | None = strawberry.field(description="1 to 5; null without responses.")


@strawberry.type(
    name="FillRate",
    description="Ordered units against units that left complete in the order's first parcel "
    "(orders with at least one parcel).",
)
class FillRateType:
    ordered_units: int
    filled_units: int
    rate: float | None = strawberry.field(description="filledUnits / orderedUnits.")


@strawberry.type(name="StockCover", description="How long the stock of a SKU in a warehouse lasts.")
class StockCoverType:
    sku: str
    warehouse_code: str
    available: int = strawberry.field(description="On hand minus reserved.")
    units_demanded: int = strawberry.field(description="Units allocated here in the last days.")
    average_daily_demand: float
    cover_days: float | None = strawberry.field(
        description="available / averageDailyDemand; null without demand."
    )
    low_stock: bool = strawberry.field(
        description="Available to sell is below the level's lowStockThreshold."
    )

    @classmethod
    def from_read(cls, value: reads.StockCoverRow, days: int) -> StockCoverType:
        level = value.level
        return cls(
            sku=level.sku,
            warehouse_code=value.warehouse_code,
            available=level.available,
            units_demanded=value.units_demanded,
            average_daily_demand=value.units_demanded / days,
            cover_days=cover_days(level.available, value.units_demanded, days),
            low_stock=level.is_low,
        )


def window(start: datetime | None, end: datetime | None) -> reads.Window:
    if start is not None and end is not None and start >= end:
        raise GraphQLError("from must be before to", extensions={"code": "BAD_USER_INPUT"})
    return reads.Window(start, end)


def cover_window(days: int, end: datetime | None, now: datetime) -> tuple[int, datetime]:
    if not 1 <= days <= MAX_COVER_DAYS:
        raise GraphQLError(
            f"days must be 1 to {MAX_COVER_DAYS}", extensions={"code": "BAD_USER_INPUT"}
        )
    return days, end if end is not None else now
