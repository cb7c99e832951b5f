"""The analytics query: demand by region and product, lead time, on-time and return rates.

Each test reads the figures before and after its own orders and asserts the difference, so it
does not depend on what other tests in the module created.
"""

from __future__ import annotations

from typing import Any

from tests.api.test_place_order_api import order_input, place_ok, stock
from tests.api.test_returns_api import request_return, return_line, sold
from tests.support.graphql import GraphQLClient

ANALYTICS = """
{
  analytics {
    demandByRegion { key orders units }
    demandByProduct(first: 100) { key name orders units }
    leadTime { orders averageHours maxHours }
    onTimeRate { total hits rate }
    returnRate { total hits rate }
  }
}"""

CANCEL = """
mutation($input: CancelOrderInput!) {
  cancelOrder(input: $input) { order { status } userErrors { code } }
}"""


async def figures(client: GraphQLClient) -> dict[str, Any]:
    data = await client.data(ANALYTICS)
    analytics = data["analytics"]
    assert isinstance(analytics, dict)
    return analytics


def by_key(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
    return next((r for r in rows if r["key"] == key), {"orders": 0, "units": 0})


async def test_demand_rates_and_lead_time_follow_the_orders(
    admin: GraphQLClient, unique: str
) -> None:
    before = await figures(admin)

    delivered = await sold(admin, unique, lines=(("10.00", 3),))
    (sku,) = delivered.skus
    elsewhere = await stock(admin, f"{unique}UK", region="UK", country="GB")
    await place_ok(
        admin,
        order_input(
            [(elsewhere.sku, 2)],
            ship_to={
                "name": "B",
                "line1": "1 Road",
                "city": "Leeds",
                "countryCode": "GB",
                "region": "UK",
            },
        ),
    )
    cancelled = await place_ok(admin, order_input([(elsewhere.sku, 5)]))
    payload = await admin.mutate(
        CANCEL, {"input": {"orderId": cancelled["id"], "reason": "changed mind"}}
    )
    assert payload["userErrors"] == []
    (line,) = delivered.order["lines"]
    requested = await request_return(admin, delivered.order["id"], [return_line(line["id"], 1)])
    assert requested["userErrors"] == []

    after = await figures(admin)

    uk_before, uk_after = (by_key(f["demandByRegion"], "UK") for f in (before, after))
    assert (uk_after["orders"] - uk_before["orders"], uk_after["units"] - uk_before["units"]) == (
        1,
        2,
    )
    product = by_key(after["demandByProduct"], sku)
    assert (product["orders"], product["units"]) == (1, 3)
    # the cancelled order for 5 more units of the same SKU is not demand
    assert by_key(after["demandByProduct"], elsewhere.sku)["units"] == 2
    assert after["onTimeRate"]["total"] == before["onTimeRate"]["total"] + 1
    assert after["onTimeRate"]["hits"] == before["onTimeRate"]["hits"] + 1
    assert after["returnRate"]["total"] == before["returnRate"]["total"] + 3
    assert after["returnRate"]["hits"] == before["returnRate"]["hits"] + 1
    assert 0 < after["returnRate"]["rate"] <= 1
    assert after["leadTime"]["orders"] == before["leadTime"]["orders"] + 1
    assert after["leadTime"]["averageHours"] >= 0


async def test_rates_are_null_rather_than_a_division_by_zero_without_data(
    admin: GraphQLClient,
) -> None:
    data = await admin.data(
        """{ analytics { onTimeRate(since: "2999-01-01T00:00:00Z") { total hits rate }
             leadTime(since: "2999-01-01T00:00:00Z") { orders averageHours } } }"""
    )
    assert data["analytics"]["onTimeRate"] == {"total": 0, "hits": 0, "rate": None}
    assert data["analytics"]["leadTime"] == {"orders": 0, "averageHours": None}


async def test_analytics_needs_orders_read(
    staff: GraphQLClient, storefront: GraphQLClient, anonymous: GraphQLClient
) -> None:
    assert "analytics" in await staff.data("{ analytics { returnRate { total } } }")
    refused = await storefront.execute("{ analytics { returnRate { total } } }")
    assert refused.status == 200
    assert refused.error_codes == ["FORBIDDEN"]
    unauthenticated = await anonymous.execute("{ analytics { returnRate { total } } }")
    assert unauthenticated.error_codes == ["UNAUTHENTICATED"]
