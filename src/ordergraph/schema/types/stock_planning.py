"""``stockRecommendations``: transfers that put stock where the coming demand is."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import strawberry

from ordergraph.db.queries.stock_planning import planning_input
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.forecasting import week_start
from ordergraph.domain.stock_planning import (
    Proposal,
    Stock,
    horizon_units,
    lanes_from,
    plan_transfers,
)
from ordergraph.domain.validation import clean_sku
from ordergraph.schema.context import Info
from ordergraph.schema.types.forecast import MAX_WEEKS, bad_input
from ordergraph.schema.types.money import MoneyType
from ordergraph.schema.types.warehouse import WarehouseType

HISTORY_WEEKS = 8  # demand: the average week of the last eight whole weeks
MAX_SKUS = 500  # without `sku`: the SKUs with the most units in those weeks


@strawberry.type(
    name="StockRecommendation",
    description="Move `units` of `sku` from `fromWarehouse` to `toWarehouse`. To do it, call "
    "`transferInventory(input: {sku, fromWarehouseId: fromWarehouse.id, toWarehouseId: "
    "toWarehouse.id, quantity: units})`.",
)
class StockRecommendationType:
    sku: str
    from_warehouse: WarehouseType
    to_warehouse: WarehouseType
    units: int
    demand_units: int = strawberry.field(
        description="The region's expected demand over the horizon (recent weekly average "
        "times `weeks`, rounded up)."
    )
    region: str = strawberry.field(description="The destination region the units are for.")
    expected_days_saved: float | None = strawberry.field(
        description="Per parcel to the region: the source's lane minus the destination's, in "
        "expected transit days (middle of the range); null when a lane is unknown."
    )
    expected_shipping_saving: MoneyType | None = strawberry.field(
        description="The lightest-bracket parcel price difference between those lanes, times "
        "`units` (one unit per parcel); null when a lane, its rate or a common currency is "
        "missing."
    )
    reason: str


async def resolve_stock_recommendations(
    info: Info, weeks: int, sku: str | None
) -> list[StockRecommendationType]:
    if not 1 <= weeks <= MAX_WEEKS:
        raise bad_input(f"weeks must be between 1 and {MAX_WEEKS}", "weeks")
    try:
        cleaned = clean_sku(sku, ["sku"]) if sku is not None else None
    except InvalidInput as error:
        raise bad_input(f"sku {error.message}", "sku", error.code) from error
    this_week = week_start(info.context.deps.clock.now().astimezone(UTC))
    end = datetime.combine(this_week, time(), UTC)
    start = end - timedelta(weeks=HISTORY_WEEKS)
    data = await planning_input(info.context.read_engine, start, end, cleaned, MAX_SKUS)
    demand = {key: horizon_units(units / HISTORY_WEEKS, weeks) for key, units in data.units.items()}
    proposals = plan_transfers(
        demand, Stock(data.free, data.in_transit), data.sites, lanes_from(data.services), weeks
    )
    views = {pk: WarehouseType.from_domain(w) for pk, w in data.warehouses.items()}
    return [_view(p, views) for p in proposals]


def _view(p: Proposal, views: dict[int, WarehouseType]) -> StockRecommendationType:
    return StockRecommendationType(
        sku=p.sku,
        from_warehouse=views[p.from_warehouse_id],
        to_warehouse=views[p.to_warehouse_id],
        units=p.units,
        demand_units=p.demand_units,
        region=p.region,
        expected_days_saved=p.days_saved,
        expected_shipping_saving=MoneyType.from_domain(p.shipping_saving)
        if p.shipping_saving
        else None,
        reason=p.reason,
    )
