"""Relay pagination over real HTTP: forwards, backwards, limits and bad arguments.

Only this module's fixture writes products to the module's database, so the catalog it builds is
the whole catalog; tests still compare against what they walked rather than fixed numbers.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support.graphql import GraphQLClient, GraphQLResponse
from tests.support.live import LiveApi

PRODUCT_COUNT = 25

PAGE = """
query($first: Int, $after: String, $last: Int, $before: String) {
  products(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor node { sku } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""

LEVELS_PAGE = """
query($first: Int, $after: String) {
  inventoryLevels(first: $first, after: $after) {
    totalCount
    nodes { sku warehouse { code } }
    pageInfo { hasNextPage endCursor }
  }
}"""


@dataclass(frozen=True)
class Catalog:
    skus: list[str]  # in creation order
    warehouse_codes: list[str]
    stocked_skus: list[str]


def _post(client: httpx.Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    (payload,) = body["data"].values()
    assert payload["userErrors"] == [], payload
    assert isinstance(payload, dict)
    return payload


@pytest.fixture(scope="module")
def catalog(live: LiveApi) -> Catalog:
    """25 products created one by one, and the first three stocked in two warehouses."""
    prefix = f"PG-{uuid.uuid4().hex[:6].upper()}"
    headers = {"Authorization": f"Bearer {live.admin_token}"}
    with httpx.Client(base_url=live.base_url, headers=headers, timeout=30) as client:
        skus = []
        for index in range(PRODUCT_COUNT):
            sku = f"{prefix}-{index:02d}"
            _post(
                client,
                """mutation($input: CreateProductInput!) {
                     createProduct(input: $input) { product { sku } userErrors { code } }
                   }""",
                {
                    "input": {
                        "sku": sku,
                        "name": sku,
                        "price": {"amount": "1.00", "currency": "EUR"},
                    }
                },
            )
            skus.append(sku)
        codes = []
        for index in range(2):
            code = f"{prefix}-W{index}"
            created = _post(
                client,
                """mutation($input: CreateWarehouseInput!) {
                     createWarehouse(input: $input) { warehouse { id } userErrors { code } }
                   }""",
                {"input": {"code": code, "name": code, "region": "EU", "countryCode": "FR"}},
            )
            codes.append(code)
            for sku in skus[:3]:
                _post(
                    client,
                    """mutation($input: AdjustInventoryInput!) {
                         adjustInventory(input: $input) { userErrors { code } }
                       }""",
                    {
                        "input": {
                            "sku": sku,
                            "warehouseId": created["warehouse"]["id"],
                            "delta": 1,
                            "reason": "RECEIVED",
                        }
                    },
                )
    return Catalog(skus=skus, warehouse_codes=codes, stocked_skus=skus[:3])


async def page(client: GraphQLClient, **arguments: Any) -> dict[str, Any]:
    data = await client.data(PAGE, arguments)
    connection = data["products"]
    assert isinstance(connection, dict)
    return connection


async def failing(client: GraphQLClient, query: str) -> GraphQLResponse:
    result = await client.execute(query)
    assert result.status == 200, result.body
    assert result.body.get("data") is None
    return result


def skus_of(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["sku"] for edge in connection["edges"]]


def mine(skus: list[str], catalog: Catalog) -> list[str]:
    wanted = set(catalog.skus)
    return [sku for sku in skus if sku in wanted]


async def test_walking_forwards_sees_every_product_once_in_creation_order(
    admin: GraphQLClient, catalog: Catalog
) -> None:
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        connection = await page(admin, first=10, after=after)
        pages += 1
        info = connection["pageInfo"]
        assert info["hasPreviousPage"] is (after is not None)
        assert len(connection["edges"]) <= 10
        if info["hasNextPage"]:
            assert len(connection["edges"]) == 10
        if connection["edges"]:
            assert info["startCursor"] == connection["edges"][0]["cursor"]
            assert info["endCursor"] == connection["edges"][-1]["cursor"]
        seen.extend(skus_of(connection))
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
        assert pages < 50, "pagination never ended"

    assert len(seen) == len(set(seen))
    assert mine(seen, catalog) == catalog.skus
    assert pages == -(-len(seen) // 10)
    assert connection["totalCount"] == len(seen)


async def test_total_count_is_the_number_of_products_on_every_page(
    admin: GraphQLClient, catalog: Catalog
) -> None:
    first = await page(admin, first=3)
    later = await page(admin, first=3, after=first["pageInfo"]["endCursor"])
    everything = await page(admin, first=100)

    assert len(everything["edges"]) == everything["totalCount"]
    assert everything["totalCount"] >= PRODUCT_COUNT
    assert first["totalCount"] == later["totalCount"] == everything["totalCount"]
    assert mine(skus_of(everything), catalog) == catalog.skus


async def test_no_page_size_returns_the_default_twenty(
    admin: GraphQLClient, catalog: Catalog
) -> None:
    connection = await page(admin)

    assert connection["totalCount"] > 20
    assert len(connection["edges"]) == 20
    assert connection["pageInfo"]["hasNextPage"] is True


async def test_last_five_are_the_five_newest_products(
    admin: GraphQLClient, catalog: Catalog
) -> None:
    connection = await page(admin, last=5)

    assert skus_of(connection) == catalog.skus[-5:]
    assert connection["pageInfo"]["hasPreviousPage"] is True
    assert connection["pageInfo"]["hasNextPage"] is False


async def test_walking_backwards_with_last_and_before_sees_the_same_order(
    admin: GraphQLClient, catalog: Catalog
) -> None:
    forwards = skus_of(await page(admin, first=100))
    pages: list[list[str]] = []
    before: str | None = None
    while True:
        connection = await page(admin, last=7, before=before)
        info = connection["pageInfo"]
        assert info["hasNextPage"] is (before is not None)
        pages.append(skus_of(connection))
        if not info["hasPreviousPage"]:
            break
        assert len(connection["edges"]) == 7
        before = info["startCursor"]
        assert len(pages) < 50, "pagination never ended"

    backwards = [sku for chunk in reversed(pages) for sku in chunk]
    assert backwards == forwards
    assert mine(backwards, catalog) == catalog.skus


async def test_after_a_cursor_starts_right_after_that_item(
    admin: GraphQLClient, catalog: Catalog
) -> None:
    everything = await page(admin, first=100)
    edges = everything["edges"]
    pivot = len(edges) // 2

    rest = await page(admin, first=3, after=edges[pivot]["cursor"])
    earlier = await page(admin, last=3, before=edges[pivot]["cursor"])

    assert skus_of(rest) == [e["node"]["sku"] for e in edges[pivot + 1 : pivot + 4]]
    assert skus_of(earlier) == [e["node"]["sku"] for e in edges[pivot - 3 : pivot]]


async def test_first_zero_returns_no_edges(admin: GraphQLClient, catalog: Catalog) -> None:
    connection = await page(admin, first=0)

    assert connection["edges"] == []
    assert connection["pageInfo"]["startCursor"] is None
    assert connection["pageInfo"]["endCursor"] is None
    assert connection["totalCount"] >= PRODUCT_COUNT


async def test_a_page_of_exactly_one_hundred_is_allowed(
    admin: GraphQLClient, catalog: Catalog
) -> None:
    connection = await page(admin, first=100)

    assert len(connection["edges"]) == min(100, connection["totalCount"])


async def test_first_above_one_hundred_is_a_top_level_error(admin: GraphQLClient) -> None:
    result = await failing(admin, "{ products(first: 101) { totalCount } }")

    assert result.error_codes == ["BAD_USER_INPUT"]
    assert "100" in result.errors[0]["message"]
    assert result.errors[0]["path"] == ["products"]


async def test_last_above_one_hundred_is_a_top_level_error(admin: GraphQLClient) -> None:
    result = await failing(admin, "{ products(last: 101) { totalCount } }")

    assert result.error_codes == ["BAD_USER_INPUT"]


async def test_a_negative_first_or_last_is_a_top_level_error(admin: GraphQLClient) -> None:
    for query in [
        "{ products(first: -1) { totalCount } }",
        "{ products(last: -1) { totalCount } }",
        "{ warehouses(first: -1) { totalCount } }",
    ]:
        result = await failing(admin, query)

        assert result.error_codes == ["BAD_USER_INPUT"], query


async def test_first_and_last_together_is_a_top_level_error(admin: GraphQLClient) -> None:
    result = await failing(admin, "{ products(first: 2, last: 2) { totalCount } }")

    assert result.error_codes == ["BAD_USER_INPUT"]


async def test_a_garbage_cursor_is_a_bad_user_input_error(admin: GraphQLClient) -> None:
    wrong_shape = base64.urlsafe_b64encode(json.dumps(["a", "b"]).encode()).decode()
    not_a_list = base64.urlsafe_b64encode(b'{"id": 1}').decode()
    boolean = base64.urlsafe_b64encode(b"[true]").decode()
    for cursor in ["garbage!!", "%%%%", "AAAA", wrong_shape, not_a_list, boolean, "x" * 5000]:
        for argument in ["after", "before"]:
            result = await admin.execute(
                f"query($c: String) {{ products({argument}: $c) {{ totalCount }} }}",
                {"c": cursor},
            )

            assert result.status == 200, (cursor, result.body)
            assert result.body.get("data") is None
            assert result.error_codes == ["BAD_USER_INPUT"], (cursor, argument)


async def test_inventory_levels_page_through_their_composite_key(
    admin: GraphQLClient, catalog: Catalog
) -> None:
    seen: list[tuple[str, str]] = []
    after: str | None = None
    while True:
        data = await admin.data(LEVELS_PAGE, {"first": 4, "after": after})
        connection = data["inventoryLevels"]
        seen.extend((n["sku"], n["warehouse"]["code"]) for n in connection["nodes"])
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
        assert len(seen) < 1000, "pagination never ended"

    assert len(seen) == len(set(seen)) == connection["totalCount"]
    expected = [(s, c) for s in catalog.stocked_skus for c in catalog.warehouse_codes]
    assert [pair for pair in seen if pair in expected] == expected
