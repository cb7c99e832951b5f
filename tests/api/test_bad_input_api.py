"""Hostile or broken requests: each gets a clean 4xx or GraphQL error, never a 500 or a write."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.graphql import GraphQLClient, GraphQLResponse
from tests.support.live import LiveApi

CREATE_PRODUCT = """
mutation($input: CreateProductInput!) {
  createProduct(input: $input) { product { sku } userErrors { field code } }
}
"""
CREATE_WAREHOUSE = """
mutation($input: CreateWarehouseInput!) {
  createWarehouse(input: $input) { warehouse { id } userErrors { code } }
}
"""
ADJUST = """
mutation($sku: String!, $warehouseId: ID!, $delta: Int!) {
  adjustInventory(input: {sku: $sku, warehouseId: $warehouseId, delta: $delta}) {
    inventoryLevel { onHand } userErrors { code }
  }
}
"""
PRODUCT = "query($sku: String!) { product(sku: $sku) { sku available } }"
MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_BODY = 1_000_000


def product_input(sku: str, name: str = "Widget") -> dict[str, Any]:
    return {"input": {"sku": sku, "name": name, "price": {"amount": "1.00", "currency": "EUR"}}}


def auth(live: LiveApi) -> dict[str, str]:
    return {"Authorization": f"Bearer {live.admin_token}"}


async def product_exists(admin: GraphQLClient, sku: str) -> bool:
    return (await admin.data(PRODUCT, {"sku": sku}))["product"] is not None


def assert_graphql_error(result: GraphQLResponse, *fragments: str) -> str:
    """A GraphQL-level error (HTTP 200, no data); returns the joined messages."""
    assert result.status == 200, result.body
    assert result.body.get("data") is None
    messages = " | ".join(e["message"] for e in result.errors)
    for fragment in fragments:
        assert fragment.lower() in messages.lower(), messages
    return messages


def nested_query(depth: int) -> str:
    """A query whose deepest field is ``depth`` levels below the root field (depth 0).

    products → nodes → (inventoryLevels → product)* → sku, or → price → amount for odd depths.
    """
    pairs, odd = divmod(depth - 2, 2)
    inner = "price { amount }" if odd else "sku"
    for _ in range(pairs):
        inner = f"inventoryLevels {{ product {{ {inner} }} }}"
    return f"{{ products(first: 1) {{ nodes {{ {inner} }} }} }}"


async def test_a_nul_byte_in_a_string_variable_is_bad_user_input_and_creates_nothing(
    admin: GraphQLClient, unique: str
) -> None:
    result = await admin.execute(CREATE_PRODUCT, product_input(f"NUL-{unique}", "a\u0000b"))

    assert_graphql_error(result, "NUL")
    assert result.error_codes == ["BAD_USER_INPUT"]
    assert not await product_exists(admin, f"NUL-{unique}")


async def test_a_nul_byte_nested_in_an_input_object_variable_is_rejected(
    admin: GraphQLClient, unique: str
) -> None:
    variables = product_input(f"NULPRICE-{unique}")
    variables["input"]["price"]["currency"] = "EU\u0000"
    result = await admin.execute(CREATE_PRODUCT, variables)

    assert result.error_codes == ["BAD_USER_INPUT"]
    assert not await product_exists(admin, f"NULPRICE-{unique}")


@pytest.mark.parametrize("nul", ["\\u0000", "\x00"], ids=["escaped", "raw"])
async def test_a_nul_inside_a_string_literal_of_the_query_is_rejected(
    admin: GraphQLClient, unique: str, nul: str
) -> None:
    query = (
        f'mutation {{ createProduct(input: {{sku: "LIT-{unique}", name: "a{nul}b",'
        ' price: {amount: "1", currency: "EUR"}}) { product { sku } } }'
    )
    result = await admin.execute(query)

    assert_graphql_error(result, "NUL")
    assert result.error_codes == ["BAD_USER_INPUT"]
    assert not await product_exists(admin, f"LIT-{unique}")


async def test_a_ten_thousand_character_name_is_too_long(admin: GraphQLClient, unique: str) -> None:
    payload = await admin.mutate(CREATE_PRODUCT, product_input(f"LONG-{unique}", "n" * 10_000))

    assert payload["product"] is None
    assert payload["userErrors"] == [{"field": ["input", "name"], "code": "TOO_LONG"}]
    assert not await product_exists(admin, f"LONG-{unique}")


async def test_a_string_where_an_int_variable_is_expected_fails_validation(
    admin: GraphQLClient,
) -> None:
    result = await admin.execute(
        "query($n: Int) { products(first: $n) { totalCount } }", {"n": "ten"}
    )
    assert_graphql_error(result, "$n", "Int cannot represent")


async def test_an_int_over_32_bits_is_refused_before_the_stock_changes(
    admin: GraphQLClient, unique: str
) -> None:
    sku = f"BIG-{unique}"
    assert (await admin.mutate(CREATE_PRODUCT, product_input(sku)))["userErrors"] == []
    warehouse = await admin.mutate(
        CREATE_WAREHOUSE,
        {"input": {"code": f"BIG-{unique}", "name": "B", "region": "EU", "countryCode": "NL"}},
    )
    warehouse_id = warehouse["warehouse"]["id"]

    for delta in (2**40, -(2**40), 2**31):
        result = await admin.execute(
            ADJUST, {"sku": sku, "warehouseId": warehouse_id, "delta": delta}
        )
        assert_graphql_error(result, "$delta", "32-bit")

    literal = ADJUST.replace("$delta: Int!", "").replace("delta: $delta", f"delta: {2**40}")
    result = await admin.execute(literal, {"sku": sku, "warehouseId": warehouse_id})
    assert result.status == 200
    assert result.errors
    assert (await admin.data(PRODUCT, {"sku": sku}))["product"]["available"] == 0


async def test_a_query_nested_exactly_to_the_depth_limit_passes_the_depth_check(
    admin: GraphQLClient,
) -> None:
    # five nested inventoryLevels lists then meet the cost limit (5**5 levels > 2000 points)
    result = await admin.execute(nested_query(MAX_DEPTH))
    assert result.status == 200
    assert result.error_codes == ["QUERY_TOO_COSTLY"]
    assert "depth" not in result.errors[0]["message"]
    shallower = await admin.execute(nested_query(MAX_DEPTH - 4))
    assert isinstance(shallower.data["products"]["nodes"], list)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, MAX_DEPTH * 4])
async def test_a_query_nested_deeper_than_the_limit_is_refused(
    admin: GraphQLClient, depth: int
) -> None:
    result = await admin.execute(nested_query(depth))
    assert_graphql_error(result, f"exceeds maximum operation depth of {MAX_DEPTH}")


async def test_more_than_thirty_aliases_are_refused(admin: GraphQLClient) -> None:
    fields = " ".join(f"a{i}: __typename" for i in range(MAX_ALIASES + 1))
    result = await admin.execute(f"{{ {fields} }}")
    assert_graphql_error(result, "aliases")


async def test_thirty_aliases_are_allowed(admin: GraphQLClient) -> None:
    fields = " ".join(f"a{i}: __typename" for i in range(MAX_ALIASES))
    result = await admin.execute(f"{{ {fields} }}")
    assert result.data["a0"] == "Query"
    assert len(result.data) == MAX_ALIASES


async def test_an_unknown_field_is_a_validation_error(admin: GraphQLClient) -> None:
    result = await admin.execute("{ products(first: 1) { totalCount passwordHash } }")
    assert_graphql_error(result, "Cannot query field 'passwordHash'")


async def test_an_unknown_argument_is_a_validation_error(admin: GraphQLClient) -> None:
    result = await admin.execute("{ products(first: 1, where: 1) { totalCount } }")
    assert_graphql_error(result, "Unknown argument 'where'")


async def test_a_malformed_json_body_is_a_400(http: httpx.AsyncClient, live: LiveApi) -> None:
    response = await http.post(
        "/graphql",
        content=b'{"query": "{ products { totalCount } }"',
        headers={**auth(live), "Content-Type": "application/json"},
    )
    assert response.status_code == 400


async def test_a_json_body_that_is_not_an_object_is_a_400(
    http: httpx.AsyncClient, live: LiveApi
) -> None:
    response = await http.post("/graphql", json=["{ __typename }"], headers=auth(live))
    assert response.status_code == 400


@pytest.mark.parametrize("body", [{"query": ""}, {"query": None}, {}, {"variables": {}}])
async def test_a_request_without_a_query_is_a_400(
    http: httpx.AsyncClient, live: LiveApi, body: dict[str, Any]
) -> None:
    response = await http.post("/graphql", json=body, headers=auth(live))
    assert response.status_code == 400


async def test_a_body_over_the_size_limit_is_a_413_and_creates_nothing(
    http: httpx.AsyncClient, admin: GraphQLClient, live: LiveApi, unique: str
) -> None:
    body = {
        "query": CREATE_PRODUCT,
        "variables": product_input(f"HUGE-{unique}", "n" * 10),
        "padding": "x" * MAX_BODY,
    }
    content = json.dumps(body).encode()
    assert len(content) > MAX_BODY
    response = await http.post(
        "/graphql", content=content, headers={**auth(live), "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert not await product_exists(admin, f"HUGE-{unique}")


async def test_a_streamed_body_over_the_size_limit_is_a_413_and_creates_nothing(
    http: httpx.AsyncClient, admin: GraphQLClient, live: LiveApi, unique: str
) -> None:
    payload = json.dumps(
        {"query": CREATE_PRODUCT, "variables": product_input(f"STREAM-{unique}")}
    ).encode()
    padded = payload[:-1] + b', "padding": "' + b"x" * MAX_BODY + b'"}'

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(padded), 64 * 1024):
            yield padded[start : start + 64 * 1024]

    response = await http.post(
        "/graphql", content=chunks(), headers={**auth(live), "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert not await product_exists(admin, f"STREAM-{unique}")


async def test_a_body_just_under_the_size_limit_is_served(
    http: httpx.AsyncClient, live: LiveApi
) -> None:
    query = "{ __typename }" + " " * (MAX_BODY - 200)
    response = await http.post("/graphql", json={"query": query}, headers=auth(live))
    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}


async def test_a_mutation_sent_with_get_is_not_executed(
    http: httpx.AsyncClient, admin: GraphQLClient, live: LiveApi, unique: str
) -> None:
    query = (
        f'mutation {{ createProduct(input: {{sku: "GET-{unique}", name: "G",'
        ' price: {amount: "1", currency: "EUR"}}) { product { sku } } }'
    )
    response = await http.get("/graphql", params={"query": query}, headers=auth(live))

    assert 400 <= response.status_code < 500
    assert not await product_exists(admin, f"GET-{unique}")


async def test_a_query_sent_with_get_is_executed(http: httpx.AsyncClient, live: LiveApi) -> None:
    response = await http.get(
        "/graphql", params={"query": "{ products(first: 1) { totalCount } }"}, headers=auth(live)
    )
    assert response.status_code == 200
    assert isinstance(response.json()["data"]["products"]["totalCount"], int)
