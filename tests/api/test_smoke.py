from __future__ import annotations

from tests.support.graphql import GraphQLClient


async def test_admin_creates_a_warehouse_and_lists_it(admin: GraphQLClient, unique: str) -> None:
    payload = await admin.mutate(
        """mutation($input: CreateWarehouseInput!) {
             createWarehouse(input: $input) { warehouse { id code region } userErrors { code } }
           }""",
        {"input": {"code": f"W-{unique}", "name": "W", "region": "eu-west", "countryCode": "nl"}},
    )
    assert payload["userErrors"] == []
    assert payload["warehouse"]["code"] == f"W-{unique}"
    assert payload["warehouse"]["region"] == "EU-WEST"
    data = await admin.data("{ warehouses(first: 100) { nodes { code } } }")
    assert f"W-{unique}" in [n["code"] for n in data["warehouses"]["nodes"]]
