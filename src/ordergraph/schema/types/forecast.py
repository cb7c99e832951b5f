"""``analytics.forecast``: weekly demand for one SKU (and region), its backtest and its history."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import strawberry
from graphql import GraphQLError

from ordergraph.db.queries.forecast import weekly_demand
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.forecasting import dense_weeks, week_start
from ordergraph.domain.validation import clean_code, clean_sku
from ordergraph.schema.context import Info
from ordergraph.schema.enums import ForecastMethod
from ordergraph.services import forecasting

MAX_WEEKS = 52


@strawberry.type(name="ForecastWeek")
class ForecastWeekType:
    week_start: date = strawberry.field(description="Monday (UTC) of the ISO week.")
    units: float
    low: float = strawberry.field(description="10th percentile, from the backtest's errors.")
    high: float = strawberry.field(description="90th percentile, from the backtest's errors.")


@strawberry.type(name="DemandWeek")
class DemandWeekType:
    week_start: date
    units: int


@strawberry.type(
    name="ForecastBacktest",
    description="Rolling origin: fitted up to each origin, scored on the horizonWeeks after it, "
    "averaged over the origins. MASE is scaled by the in-sample (seasonal) naive MAE; null when "
    "that is 0. sMAPE is in percent.",
)
class ForecastBacktestType:
    method: ForecastMethod | None = strawberry.field(
        description="The model tried against the baseline; null when none could be fitted."
    )
    mase: float | None
    smape: float | None
    baseline_method: ForecastMethod
    baseline_mase: float | None
    baseline_smape: float
    horizon_weeks: int
    origins: int


@strawberry.type(name="Forecast")
class ForecastType:
    sku: str
    region: str | None
    method: ForecastMethod = strawberry.field(
        description="How `weeks` was made: the model only where it beat the baseline on MASE."
    )
    weeks: list[ForecastWeekType]
    backtest: ForecastBacktestType | None = strawberry.field(
        description="Null when the history is too short to hold any weeks out."
    )
    history: list[DemandWeekType] = strawberry.field(
        description="Units per week, from the first week with a sale to the last whole week."
    )
    note: str | None = strawberry.field(
        description="Why the baseline was used without a contest (no statsmodels, no sales)."
    )


def bad_input(message: str, field: str, reason: str = "INVALID") -> GraphQLError:
    return GraphQLError(
        message, extensions={"code": "BAD_USER_INPUT", "field": field, "reason": reason}
    )


def _arguments(sku: str, region: str | None, weeks: int) -> tuple[str, str | None]:
    """The SKU and region as stored (``clean_sku``, ``clean_code``), or BAD_USER_INPUT."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise bad_input(f"weeks must be between 1 and {MAX_WEEKS}", "weeks")
    try:
        cleaned_sku = clean_sku(sku, ["sku"])
        cleaned_region = clean_code(region, ["region"]) if region and region.strip() else None
    except InvalidInput as error:
        name = error.field[0] if error.field else "sku"
        raise bad_input(f"{name} {error.message}", name, error.code) from error
    return cleaned_sku, cleaned_region


async def resolve_forecast(info: Info, sku: str, region: str | None, weeks: int) -> ForecastType:
    sku, region = _arguments(sku, region, weeks)
    this_week = week_start(info.context.deps.clock.now().astimezone(UTC))
    before = datetime.combine(this_week, time(), UTC)
    sold = await weekly_demand(info.context.read_engine, sku, region, before)
    history = dense_weeks(sold, min(sold), this_week - timedelta(weeks=1)) if sold else []
    result = await asyncio.to_thread(
        forecasting.forecast_weeks, [units for _, units in history], weeks, this_week
    )
    bt = result.backtest
    return ForecastType(
        sku=sku,
        region=region,
        method=result.method,
        weeks=[
            ForecastWeekType(week_start=w.week_start, units=w.units, low=w.low, high=w.high)
            for w in result.weeks
        ],
        backtest=ForecastBacktestType(
            method=bt.method,
            mase=bt.mase,
            smape=bt.smape,
            baseline_method=bt.baseline_method,
            baseline_mase=bt.baseline_mase,
            baseline_smape=bt.baseline_smape,
            horizon_weeks=bt.horizon_weeks,
            origins=bt.origins,
        )
        if bt
        else None,
        history=[DemandWeekType(week_start=w, units=u) for w, u in history],
        note=result.note,
    )
