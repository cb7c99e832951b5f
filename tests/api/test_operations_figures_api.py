"""The operations figures over GraphQL, on the hand-built history of
``tests/support/operations_data.py`` (values worked out there and in
tests/integration/test_operations_figures.py), once on PostgreSQL and once on SQLite."""

from __future__ import annotations

from typing import Any

from ordergraph.db.engine import create_engine
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi
from tests.support.operations_data import OperationsData, build_operations_data

FIGURES = """
query($from: DateTime, $to: DateTime) {
  analytics {
    leadTimes(groupBy: CARRIER, from: $from, to: $to) { group stage count p50Hours p90Hours }
    byWarehouse: leadTimes(from: $from, to: $to) { group stage count }
    onTimeRates(groupBy: REGION, from: $from, to: $to) { group delivered onTime rate }
    byCarrier: onTimeRates(from: $from, to: $to) { group delivered onTime rate }
    lateOrders(from: $from, to: $to)
    atRiskOrders(from: $from, to: $to)
    returnsBySku(from: $from, to: $to) {
      key unitsReturned unitsDelivered returnRate refunded { amount currency }
    }
    returnsByReason(from: $from, to: $to) { key unitsReturned unitsDelivered returnRate }
    feedbackScore(from: $from, to: $to) { responses averageRating }
    fillRate(from: $from, to: $to) { orderedUnits filledUnits rate }
    stockCover(to: "2026-03-15T00:00:00Z") {
      sku warehouseCode available unitsDemanded averageDailyDemand coverDays lowStock
    }
    returnRate { total hits }
  }
}"""
MARCH = {"from": "2026-03-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"}


async def history(live: LiveApi, unique: str) -> OperationsData:
    engine = create_engine(live.database_url, pool_size=1)
    try:
        return await build_operations_data(engine, unique)
    finally:
        await engine.dispose()


async def test_every_figure_over_graphql(admin: GraphQLClient, live: LiveApi, unique: str) -> None:
    data = await history(live, unique)
    figures: dict[str, Any] = (await admin.data(FIGURES, MARCH))["analytics"]

    dhl = {r["stage"]: r for r in figures["leadTimes"] if r["group"] == "DHL"}
    assert dhl["SHIPPED_TO_DELIVERED"] == {
        "group": "DHL",
        "stage": "SHIPPED_TO_DELIVERED",
        "count": 2,
        "p50Hours": 42.0,
        "p90Hours": 56.4,
    }
    assert [(r["stage"], r["count"]) for r in figures["byWarehouse"] if r["group"] == data.lon] == [
        ("PLACED_TO_CONFIRMED", 1),
        ("CONFIRMED_TO_PICKED", 1),
        ("PICKED_TO_SHIPPED", 1),
    ]
    assert figures["onTimeRates"] == [
        {"group": "BE", "delivered": 1, "onTime": 1, "rate": 1.0},
        {"group": "NL-NH", "delivered": 2, "onTime": 1, "rate": 0.5},
    ]
    assert [r["group"] for r in figures["byCarrier"]] == ["DHL", "UPS"]
    assert (figures["lateOrders"], figures["atRiskOrders"]) == (1, 2)
    assert figures["returnsBySku"][0] == {
        "key": data.sku_a,
        "unitsReturned": 3,
        "unitsDelivered": 7,
        "returnRate": 3 / 7,
        "refunded": [
            {"amount": "30.00", "currency": "EUR"},
            {"amount": "12.00", "currency": "USD"},
        ],
    }
    assert figures["returnsByReason"] == [
        {"key": "DAMAGED", "unitsReturned": 3, "unitsDelivered": 8, "returnRate": 0.375},
        {"key": "WRONG_ITEM", "unitsReturned": 1, "unitsDelivered": 8, "returnRate": 0.125},
    ]
    assert figures["feedbackScore"] == {"responses": 2, "averageRating": 3.5}
    assert figures["fillRate"] == {"orderedUnits": 11, "filledUnits": 11, "rate": 1.0}
    mine = [r for r in figures["stockCover"] if r["sku"] in (data.sku_a, data.sku_b)]
    assert mine == [
        {
            "sku": data.sku_a,
            "warehouseCode": data.ams,
            "available": 14,
            "unitsDemanded": 7,
            "averageDailyDemand": 0.25,
            "coverDays": 56.0,  # 14 / (7 / 28)
            "lowStock": False,
        },
        {
            "sku": data.sku_a,
            "warehouseCode": data.lon,
            "available": 8,
            "unitsDemanded": 0,
            "averageDailyDemand": 0.0,
            "coverDays": None,
            "lowStock": False,
        },
        {
            "sku": data.sku_b,
            "warehouseCode": data.lon,
            "available": 2,
            "unitsDemanded": 4,
            "averageDailyDemand": 4 / 28,
            "coverDays": 14.0,  # 2 / (4 / 28)
            "lowStock": True,
        },
    ]
    # the old fields still answer next to the new ones (A 2 + 1 and B 1 returned of 8)
    assert figures["returnRate"] == {"total": 8, "hits": 4}


async def test_bad_windows_and_days_are_bad_user_input(admin: GraphQLClient) -> None:
    backwards = await admin.execute(
        FIGURES, {"from": "2026-04-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"}
    )
    assert set(backwards.error_codes) == {"BAD_USER_INPUT"}
    for days in (0, 367):
        refused = await admin.execute(
            "query($d: Int!) { analytics { stockCover(days: $d) { sku } } }", {"d": days}
        )
        assert refused.error_codes == ["BAD_USER_INPUT"]
    naive = await admin.execute(FIGURES, {"from": "2026-03-01T00:00:00", "to": None})
    assert naive.error_codes == ["BAD_USER_INPUT"]


async def test_operations_figures_need_orders_read(
    staff: GraphQLClient, storefront: GraphQLClient
) -> None:
    assert (await staff.data("{ analytics { lateOrders feedbackScore { responses } } }"))[
        "analytics"
    ]["feedbackScore"]["responses"] >= 0
    refused = await storefront.execute("{ analytics { lateOrders } }")
    assert refused.error_codes == ["FORBIDDEN"]
