"""Who may call what: anonymous, bad tokens, read-only staff, scoped staff and storefront."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ordergraph.domain.principals import Role, Scope
from ordergraph.schema.ids import encode_id
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi, issue_token

CREATE_WAREHOUSE = """
mutation($input: CreateWarehouseInput!) {
  createWarehouse(input: $input) { warehouse { id code } userErrors { field code } }
}
"""
CREATE_PRODUCT = """
mutation($input: CreateProductInput!) {
  createProduct(input: $input) { product { id sku } userErrors { field code } }
}
"""
ADJUST = """
mutation($input: AdjustInventoryInput!) {
  adjustInventory(input: $input) { inventoryLevel { onHand } userErrors { field code } }
}
"""
CREATE_CUSTOMER = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { field code } }
}
"""
PRODUCT = "query($sku: String!) { product(sku: $sku) { sku available } }"
LEVELS = "query($sku: String) { inventoryLevels(sku: $sku, first: 10) { nodes { onHand } } }"
WAREHOUSE_CODES = "{ warehouses(first: 100) { nodes { code } } }"
CUSTOMERS = "query($s: String) { customers(first: 10, search: $s) { totalCount } }"

ANY_PRODUCT_ID = encode_id("Product", 1)
ANY_CUSTOMER_ID = encode_id("Customer", 1)

# (field, query, variables): every root field of the schema.
EVERY_OPERATION: list[tuple[str, str, dict[str, Any]]] = [
    ("node", "query($id: ID!) { node(id: $id) { id } }", {"id": ANY_PRODUCT_ID}),
    ("product", '{ product(sku: "ANY") { sku } }', {}),
    ("products", "{ products(first: 1) { totalCount } }", {}),
    ("warehouses", "{ warehouses(first: 1) { totalCount } }", {}),
    ("inventoryLevels", "{ inventoryLevels(first: 1) { totalCount } }", {}),
    ("customer", "query($id: ID!) { customer(id: $id) { id } }", {"id": ANY_CUSTOMER_ID}),
    ("customers", "{ customers(first: 1) { totalCount } }", {}),
    (
        "createWarehouse",
        CREATE_WAREHOUSE,
        {"input": {"code": "ANON-1", "name": "A", "region": "EU", "countryCode": "NL"}},
    ),
    (
        "createProduct",
        CREATE_PRODUCT,
        {"input": {"sku": "ANON-1", "name": "A", "price": {"amount": "1", "currency": "EUR"}}},
    ),
    (
        "adjustInventory",
        ADJUST,
        {"input": {"sku": "ANON-1", "warehouseId": encode_id("Warehouse", 1), "delta": 1}},
    ),
    (
        "createCustomer",
        CREATE_CUSTOMER,
        {"input": {"email": "anon@example.com", "name": "Anon"}},
    ),
]


def warehouse_input(code: str) -> dict[str, Any]:
    return {"input": {"code": code, "name": code, "region": "EU-WEST", "countryCode": "NL"}}


def product_input(sku: str) -> dict[str, Any]:
    return {"input": {"sku": sku, "name": sku, "price": {"amount": "9.99", "currency": "EUR"}}}


async def make_product_and_warehouse(admin: GraphQLClient, unique: str) -> tuple[str, str]:
    """A product SKU and a warehouse ID, created by the admin."""
    product = await admin.mutate(CREATE_PRODUCT, product_input(f"P-{unique}"))
    assert product["userErrors"] == []
    warehouse = await admin.mutate(CREATE_WAREHOUSE, warehouse_input(f"W-{unique}"))
    assert warehouse["userErrors"] == []
    return product["product"]["sku"], warehouse["warehouse"]["id"]


def assert_forbidden_payload(payload: dict[str, Any], result_field: str) -> None:
    assert payload[result_field] is None
    assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"]


async def assert_top_level_error(
    client: GraphQLClient, field: str, query: str, variables: dict[str, Any], code: str
) -> None:
    result = await client.execute(query, variables)
    assert result.status == 200, result.body
    assert result.error_codes == [code]
    assert result.errors[0]["path"] == [field]
    data = result.body.get("data")
    assert data is None or data[field] is None


@pytest.fixture
def catalog_writer(http: httpx.AsyncClient, live: LiveApi) -> GraphQLClient:
    """A STAFF token whose own scopes are exactly {catalog:write}."""
    token = issue_token(live.database_url, Role.STAFF, frozenset({Scope.CATALOG_WRITE}))
    return GraphQLClient(http, token)


@pytest.mark.parametrize(
    ("field", "query", "variables"), EVERY_OPERATION, ids=[op[0] for op in EVERY_OPERATION]
)
async def test_without_a_token_every_operation_is_refused_as_unauthenticated(
    anonymous: GraphQLClient, field: str, query: str, variables: dict[str, Any]
) -> None:
    await assert_top_level_error(anonymous, field, query, variables, "UNAUTHENTICATED")


async def test_anonymous_mutations_write_nothing(
    anonymous: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    await anonymous.execute(CREATE_PRODUCT, product_input(f"ANON-{unique}"))
    await anonymous.execute(CREATE_WAREHOUSE, warehouse_input(f"ANON-{unique}"))
    assert (await admin.data(PRODUCT, {"sku": f"ANON-{unique}"}))["product"] is None
    codes = [n["code"] for n in (await admin.data(WAREHOUSE_CODES))["warehouses"]["nodes"]]
    assert f"ANON-{unique}" not in codes


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer not-a-real-token",
        "Bearer " + "x" * 300,
        "Basic x",
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Token abc",
    ],
)
async def test_a_wrong_or_malformed_authorization_header_is_answered_with_401(
    http: httpx.AsyncClient, authorization: str
) -> None:
    response = await http.post(
        "/graphql",
        json={"query": "{ products(first: 1) { totalCount } }"},
        headers={"Authorization": authorization},
    )
    assert response.status_code == 401
    assert "totalCount" not in response.text


async def test_an_admin_token_with_one_character_changed_is_answered_with_401(
    http: httpx.AsyncClient, live: LiveApi
) -> None:
    token = live.admin_token
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = await http.post(
        "/graphql",
        json={"query": "{ products(first: 1) { totalCount } }"},
        headers={"Authorization": f"Bearer {tampered}"},
    )
    assert response.status_code == 401


async def test_default_staff_can_read_products_warehouses_levels_and_customers(
    staff: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    sku, warehouse_id = await make_product_and_warehouse(admin, unique)
    adjusted = await admin.mutate(
        ADJUST, {"input": {"sku": sku, "warehouseId": warehouse_id, "delta": 4}}
    )
    assert adjusted["userErrors"] == []
    customer = await admin.mutate(
        CREATE_CUSTOMER, {"input": {"email": f"s-{unique}@example.com", "name": f"S {unique}"}}
    )
    assert customer["userErrors"] == []

    assert (await staff.data(PRODUCT, {"sku": sku}))["product"] == {"sku": sku, "available": 4}
    codes = [n["code"] for n in (await staff.data(WAREHOUSE_CODES))["warehouses"]["nodes"]]
    assert f"W-{unique}" in codes
    levels = (await staff.data(LEVELS, {"sku": sku}))["inventoryLevels"]["nodes"]
    assert levels == [{"onHand": 4}]
    assert (await staff.data(CUSTOMERS, {"s": unique}))["customers"]["totalCount"] == 1


async def test_default_staff_is_forbidden_to_write_and_nothing_is_written(
    staff: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    sku, warehouse_id = await make_product_and_warehouse(admin, unique)

    product = await staff.mutate(CREATE_PRODUCT, product_input(f"STAFF-{unique}"))
    assert_forbidden_payload(product, "product")
    warehouse = await staff.mutate(CREATE_WAREHOUSE, warehouse_input(f"STAFF-{unique}"))
    assert_forbidden_payload(warehouse, "warehouse")
    adjusted = await staff.mutate(
        ADJUST, {"input": {"sku": sku, "warehouseId": warehouse_id, "delta": 5}}
    )
    assert_forbidden_payload(adjusted, "inventoryLevel")
    customer = await staff.mutate(
        CREATE_CUSTOMER, {"input": {"email": f"staff-{unique}@example.com", "name": "Staff"}}
    )
    assert_forbidden_payload(customer, "customer")

    assert (await admin.data(PRODUCT, {"sku": f"STAFF-{unique}"}))["product"] is None
    codes = [n["code"] for n in (await admin.data(WAREHOUSE_CODES))["warehouses"]["nodes"]]
    assert f"STAFF-{unique}" not in codes
    assert (await admin.data(LEVELS, {"sku": sku}))["inventoryLevels"]["nodes"] == []
    assert (await admin.data(PRODUCT, {"sku": sku}))["product"]["available"] == 0
    found = await admin.data(CUSTOMERS, {"s": f"staff-{unique}"})
    assert found["customers"]["totalCount"] == 0


async def test_staff_with_catalog_write_may_create_a_product_but_not_adjust_inventory(
    catalog_writer: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    created = await catalog_writer.mutate(CREATE_PRODUCT, product_input(f"CW-{unique}"))
    assert created["userErrors"] == []
    assert created["product"]["sku"] == f"CW-{unique}"
    assert (await admin.data(PRODUCT, {"sku": f"CW-{unique}"}))["product"]["sku"] == f"CW-{unique}"

    warehouse = await admin.mutate(CREATE_WAREHOUSE, warehouse_input(f"CW-{unique}"))
    adjusted = await catalog_writer.mutate(
        ADJUST,
        {"input": {"sku": f"CW-{unique}", "warehouseId": warehouse["warehouse"]["id"], "delta": 3}},
    )
    assert_forbidden_payload(adjusted, "inventoryLevel")
    assert (await admin.data(LEVELS, {"sku": f"CW-{unique}"}))["inventoryLevels"]["nodes"] == []


async def test_staff_with_catalog_write_still_reads_like_any_staff_member(
    catalog_writer: GraphQLClient,
) -> None:
    # Scopes named on a token add to the role's defaults.
    data = await catalog_writer.data("{ products(first: 1) { totalCount } }")
    assert data["products"]["totalCount"] >= 0
    await assert_top_level_error(
        catalog_writer, "node", 'query { node(id: "bm9wZQ") { id } }', {}, "INVALID_ID"
    )


async def test_storefront_can_read_products_and_what_is_available(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    sku, warehouse_id = await make_product_and_warehouse(admin, unique)
    adjusted = await admin.mutate(
        ADJUST, {"input": {"sku": sku, "warehouseId": warehouse_id, "delta": 7}}
    )
    assert adjusted["userErrors"] == []

    assert (await storefront.data(PRODUCT, {"sku": sku}))["product"] == {
        "sku": sku,
        "available": 7,
    }
    listed = await storefront.data("{ products(first: 100) { totalCount nodes { sku } } }")
    assert sku in [n["sku"] for n in listed["products"]["nodes"]]


@pytest.mark.parametrize(
    ("field", "query"),
    [
        ("inventoryLevels", "{ inventoryLevels(first: 1) { totalCount } }"),
        ("warehouses", "{ warehouses(first: 1) { totalCount } }"),
        ("customers", "{ customers(first: 1) { totalCount } }"),
        ("customer", f'{{ customer(id: "{ANY_CUSTOMER_ID}") {{ id }} }}'),
    ],
)
async def test_storefront_is_forbidden_to_read_stock_locations_and_customers(
    storefront: GraphQLClient, field: str, query: str
) -> None:
    await assert_top_level_error(storefront, field, query, {}, "FORBIDDEN")


async def test_storefront_is_forbidden_to_see_stock_per_warehouse_of_a_product(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    sku, _ = await make_product_and_warehouse(admin, unique)
    result = await storefront.execute(
        "query($sku: String!) { product(sku: $sku) { sku inventoryLevels { onHand } } }",
        {"sku": sku},
    )
    assert result.status == 200
    assert result.error_codes == ["FORBIDDEN"]
    assert result.errors[0]["path"] == ["product", "inventoryLevels"]


async def test_storefront_mutations_are_forbidden(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    created = await storefront.mutate(CREATE_PRODUCT, product_input(f"SF-{unique}"))
    assert_forbidden_payload(created, "product")
    assert (await admin.data(PRODUCT, {"sku": f"SF-{unique}"}))["product"] is None


@pytest.mark.parametrize("global_id", ["not-an-id", encode_id("Nonsense", 1)])
async def test_without_a_token_node_is_unauthenticated_even_for_a_malformed_id(
    anonymous: GraphQLClient, global_id: str
) -> None:
    await assert_top_level_error(
        anonymous,
        "node",
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": global_id},
        "UNAUTHENTICATED",
    )
