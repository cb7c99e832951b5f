"""``stockRecommendations`` over HTTP on PostgreSQL and SQLite, on a hand-built setup: two
warehouses in two regions of their own, demand placed as real orders in one region, the stock
in the other; then the proposal's arguments go to ``transferInventory`` as they are."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ordergraph.db.engine import create_engine
from ordergraph.domain.clock import FixedClock
from ordergraph.domain.forecasting import week_start
from ordergraph.domain.inventory import AdjustmentReason
from ordergraph.domain.principals import SYSTEM
from ordergraph.schema.ids import encode_id
from ordergraph.services import catalog
from ordergraph.services.carrier_services import LaneSpec, RateSpec, create_carrier_service
from ordergraph.services.inventory import adjust_inventory
from tests.support.forecast_data import History
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi

RECOMMEND = """
query($weeks: Int, $sku: String) {
  stockRecommendations(weeks: $weeks, sku: $sku) {
    sku units demandUnits region expectedDaysSaved reason
    fromWarehouse { id code } toWarehouse { id code }
    expectedShippingSaving { amount currency }
  }
}"""

TRANSFER = """
mutation($input: TransferInventoryInput!) {
  transferInventory(input: $input) {
    transfer { id status quantity sku fromWarehouse { code } toWarehouse { code } }
    userErrors { field message code }
  }
}"""


@pytest.fixture
async def history(live: LiveApi) -> AsyncIterator[History]:
    engine = create_engine(live.database_url)
    try:
        yield History(engine, FixedClock(datetime(2000, 1, 1, tzinfo=UTC)))
    finally:
        await engine.dispose()


async def recommend(client: GraphQLClient, **args: Any) -> list[dict[str, Any]]:
    rows = (await client.data(RECOMMEND, args))["stockRecommendations"]
    assert isinstance(rows, list)
    return rows


async def warehouse(history: History, code: str, region: str) -> int:
    created = await catalog.create_warehouse(
        history.deps, SYSTEM, code=code, name=code, region=region, country_code="NL"
    )
    assert created.id is not None
    return created.id


async def receive(history: History, sku: str, warehouse_id: int, units: int) -> None:
    await adjust_inventory(
        history.deps,
        SYSTEM,
        sku=sku,
        warehouse_id=warehouse_id,
        delta=units,
        reason=AdjustmentReason.RECEIVED,
    )


async def test_stock_moves_to_the_region_with_the_demand_in_one_call(
    admin: GraphQLClient, history: History, unique: str
) -> None:
    sku, near, far = f"SR-{unique}", f"RN-{unique}", f"RF-{unique}"
    near_id = await warehouse(history, f"WN-{unique}", near)
    far_id = await warehouse(history, f"WF-{unique}", far)
    await catalog.create_product(
        history.deps, SYSTEM, sku=sku, name=sku, price_amount="5.00", price_currency="EUR"
    )
    await receive(history, sku, far_id, 100)  # all stock far away
    monday = week_start(datetime.now(UTC))

    def weeks_ago(k: int) -> datetime:
        return datetime.combine(monday - timedelta(weeks=k), time(10), UTC)

    # 16 units to the near region in the last 8 whole weeks: 2 a week, 8 in 4 weeks
    for k, units in [(1, 5), (3, 4), (5, 4), (8, 3)]:
        await history.order(weeks_ago(k), {sku: units}, region=near, country="NL")
    await history.order(weeks_ago(2), {sku: 9}, region=near, country="NL", cancelled=True)
    await history.order(weeks_ago(9), {sku: 7}, region=near, country="NL")  # before the window
    await history.order(weeks_ago(0), {sku: 6}, region=near, country="NL")  # this week
    await receive(history, sku, near_id, 3)  # the near warehouse holds 3 of the 8
    # the far lane: ECO 4-6 days at 9.00, EXP 2-4 days at 12.00 (the faster one counts);
    # locally 1 day at 9.00
    for name, low, high, price in [("ECO", 4, 6, "9.00"), ("EXP", 2, 4, "12.00")]:
        lanes = [LaneSpec(far, low, high, destination_region=near)]
        if name == "ECO":
            lanes.append(LaneSpec(near, 1, 1, destination_region=near))
        await create_carrier_service(
            history.deps,
            SYSTEM,
            carrier="DHL",
            service=f"{name}-{unique}",
            lanes=lanes,
            rates=[RateSpec(2000, Decimal(price), "EUR"), RateSpec(9000, Decimal("30"), "EUR")],
        )

    (row,) = await recommend(admin, sku=sku)  # weeks: 4 by default

    near_gid, far_gid = encode_id("Warehouse", near_id), encode_id("Warehouse", far_id)
    assert row["sku"] == sku
    assert row["fromWarehouse"] == {"id": far_gid, "code": f"WF-{unique}"}
    assert row["toWarehouse"] == {"id": near_gid, "code": f"WN-{unique}"}
    assert (row["units"], row["demandUnits"], row["region"]) == (5, 8, near)
    assert row["expectedDaysSaved"] == 2  # 3 expected days from far, 1 locally
    assert row["expectedShippingSaving"] == {"amount": "15.00", "currency": "EUR"}
    assert f"{near} needs 8 units of {sku} in 4 weeks" in row["reason"]
    # a longer horizon needs more: 2 a week for 8 weeks is 16, 13 short
    (longer,) = await recommend(admin, sku=sku, weeks=8)
    assert (longer["units"], longer["demandUnits"]) == (13, 16)

    payload = await admin.mutate(
        TRANSFER,
        {
            "input": {
                "sku": row["sku"],
                "fromWarehouseId": row["fromWarehouse"]["id"],
                "toWarehouseId": row["toWarehouse"]["id"],
                "quantity": row["units"],
            }
        },
    )
    assert payload["userErrors"] == []
    transfer = payload["transfer"]
    assert (transfer["status"], transfer["quantity"], transfer["sku"]) == ("IN_TRANSIT", 5, sku)
    assert transfer["fromWarehouse"]["code"] == f"WF-{unique}"
    # the units on their way count: nothing more to move for four weeks
    assert await recommend(admin, sku=sku) == []


async def test_without_demand_or_a_shortfall_nothing_is_proposed(
    admin: GraphQLClient, unique: str
) -> None:
    assert await recommend(admin, sku=f"NONE-{unique}") == []


@pytest.mark.parametrize(
    ("args", "field", "reason"),
    [
        ({"weeks": 0}, "weeks", "INVALID"),
        ({"weeks": 53}, "weeks", "INVALID"),
        ({"sku": "  "}, "sku", "REQUIRED"),
        ({"sku": "X" * 65}, "sku", "TOO_LONG"),
    ],
)
async def test_bad_arguments_are_bad_user_input(
    admin: GraphQLClient, args: dict[str, Any], field: str, reason: str
) -> None:
    refused = await admin.execute(RECOMMEND, args)
    assert refused.status == 200
    assert refused.error_codes == ["BAD_USER_INPUT"]
    (error,) = refused.errors
    assert (error["extensions"]["field"], error["extensions"]["reason"]) == (field, reason)


async def test_recommendations_need_inventory_read(
    staff: GraphQLClient, storefront: GraphQLClient, anonymous: GraphQLClient
) -> None:
    assert await recommend(staff, sku="NO-SUCH-SKU") == []
    for client in (storefront, anonymous):
        refused = await client.execute(RECOMMEND, {"sku": "X"})
        assert refused.error_codes[0] in {"FORBIDDEN", "UNAUTHENTICATED"}
