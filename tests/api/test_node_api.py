"""node(id:) over real HTTP: every Node type resolves, and bad IDs fail cleanly."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.graphql import GraphQLClient, GraphQLResponse

NODE = """
query($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on Product { sku name price { amount currency } }
    ... on Warehouse { code region countryCode }
    ... on InventoryLevel { sku onHand reserved available warehouse { code } product { sku } }
    ... on Customer { email name addresses { city countryCode } }
  }
}"""


def global_id(type_name: str, key: object) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode().rstrip("=")


def raw_id(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def decoded(node_id: str) -> str:
    return base64.urlsafe_b64decode(node_id + "=" * (-len(node_id) % 4)).decode()


@dataclass(frozen=True)
class Objects:
    product: dict[str, Any]
    warehouse: dict[str, Any]
    level: dict[str, Any]
    customer: dict[str, Any]


async def make_objects(client: GraphQLClient, unique: str) -> Objects:
    product = await client.mutate(
        """mutation($input: CreateProductInput!) {
             createProduct(input: $input) { product { id sku } userErrors { code } }
           }""",
        {
            "input": {
                "sku": f"ND-{unique}",
                "name": f"Node {unique}",
                "price": {"amount": "3.10", "currency": "GBP"},
            }
        },
    )
    warehouse = await client.mutate(
        """mutation($input: CreateWarehouseInput!) {
             createWarehouse(input: $input) { warehouse { id code } userErrors { code } }
           }""",
        {"input": {"code": f"ND-{unique}", "name": "N", "region": "UK", "countryCode": "GB"}},
    )
    level = await client.mutate(
        """mutation($input: AdjustInventoryInput!) {
             adjustInventory(input: $input) { inventoryLevel { id } userErrors { code } }
           }""",
        {
            "input": {
                "sku": f"ND-{unique}",
                "warehouseId": warehouse["warehouse"]["id"],
                "delta": 6,
                "reason": "RECEIVED",
            }
        },
    )
    customer = await client.mutate(
        """mutation($input: CreateCustomerInput!) {
             createCustomer(input: $input) { customer { id email } userErrors { code } }
           }""",
        {
            "input": {
                "email": f"node-{unique.lower()}@example.com",
                "name": f"Node {unique}",
                "address": {
                    "name": "Home",
                    "line1": "1 Main St",
                    "city": "Leeds",
                    "countryCode": "GB",
                },
            }
        },
    )
    for payload in (product, warehouse, level, customer):
        assert payload["userErrors"] == [], payload
    return Objects(
        product=product["product"],
        warehouse=warehouse["warehouse"],
        level=level["inventoryLevel"],
        customer=customer["customer"],
    )


async def node(client: GraphQLClient, node_id: str) -> dict[str, Any] | None:
    data = await client.data(NODE, {"id": node_id})
    found = data["node"]
    assert found is None or isinstance(found, dict)
    return found


async def node_error(client: GraphQLClient, node_id: str) -> GraphQLResponse:
    result = await client.execute(NODE, {"id": node_id})
    assert result.status == 200, result.body
    assert (result.body.get("data") or {}).get("node") is None
    return result


async def test_a_product_id_resolves_to_the_product(admin: GraphQLClient, unique: str) -> None:
    objects = await make_objects(admin, unique)

    found = await node(admin, objects.product["id"])

    assert found == {
        "__typename": "Product",
        "id": objects.product["id"],
        "sku": f"ND-{unique}",
        "name": f"Node {unique}",
        "price": {"amount": "3.10", "currency": "GBP"},
    }


async def test_a_warehouse_id_resolves_to_the_warehouse(admin: GraphQLClient, unique: str) -> None:
    objects = await make_objects(admin, unique)

    found = await node(admin, objects.warehouse["id"])

    assert found == {
        "__typename": "Warehouse",
        "id": objects.warehouse["id"],
        "code": f"ND-{unique}",
        "region": "UK",
        "countryCode": "GB",
    }


async def test_an_inventory_level_id_resolves_to_the_level(
    admin: GraphQLClient, unique: str
) -> None:
    objects = await make_objects(admin, unique)

    found = await node(admin, objects.level["id"])

    assert found == {
        "__typename": "InventoryLevel",
        "id": objects.level["id"],
        "sku": f"ND-{unique}",
        "onHand": 6,
        "reserved": 0,
        "available": 6,
        "warehouse": {"code": f"ND-{unique}"},
        "product": {"sku": f"ND-{unique}"},
    }


async def test_a_customer_id_resolves_to_the_customer(admin: GraphQLClient, unique: str) -> None:
    objects = await make_objects(admin, unique)

    found = await node(admin, objects.customer["id"])

    assert found == {
        "__typename": "Customer",
        "id": objects.customer["id"],
        "email": f"node-{unique.lower()}@example.com",
        "name": f"Node {unique}",
        "addresses": [{"city": "Leeds", "countryCode": "GB"}],
    }


async def test_ids_are_opaque_and_distinct_per_type(admin: GraphQLClient, unique: str) -> None:
    objects = await make_objects(admin, unique)
    ids = [objects.product["id"], objects.warehouse["id"], objects.level["id"]]
    ids.append(objects.customer["id"])

    assert len(set(ids)) == 4
    prefixes = [decoded(i).partition(":")[0] for i in ids]
    assert prefixes == ["Product", "Warehouse", "InventoryLevel", "Customer"]


async def test_ids_of_rows_that_do_not_exist_resolve_to_null(
    admin: GraphQLClient, unique: str
) -> None:
    objects = await make_objects(admin, unique)
    level_key = decoded(objects.level["id"]).partition(":")[2]
    warehouse_key = level_key.partition(":")[0]

    for missing in [
        global_id("Product", 987654321),
        global_id("Warehouse", 987654321),
        global_id("Customer", 987654321),
        global_id("InventoryLevel", f"987654321:ND-{unique}"),
        global_id("InventoryLevel", f"{warehouse_key}:NOPE-{unique}"),
    ]:
        assert await node(admin, missing) is None, decoded(missing)


@pytest.mark.parametrize(
    "bad_id",
    [
        pytest.param(global_id("OrderLine", 1), id="unknown-type"),
        pytest.param(global_id("Nope", 1), id="made-up-type"),
        pytest.param("!!not-base64!!", id="garbage"),
        pytest.param("%%%", id="percent"),
        pytest.param("", id="empty"),
        pytest.param(raw_id("Product"), id="no-colon"),
        pytest.param(raw_id("Product:"), id="no-key"),
        pytest.param(raw_id(":1"), id="no-type"),
        pytest.param(global_id("Product", "abc"), id="non-numeric-key"),
        pytest.param(global_id("Product", "-1"), id="negative-key"),
        pytest.param(global_id("Product", "9" * 30), id="overflowing-key"),
        pytest.param(global_id("InventoryLevel", "x:SKU"), id="level-bad-warehouse"),
        pytest.param(global_id("InventoryLevel", "1"), id="level-no-sku"),
        pytest.param(raw_id("Product:1\x00"), id="nul-byte"),
        pytest.param(base64.b64encode(b"\xff\xfe:1").decode(), id="not-utf8"),
        pytest.param("A" * 5000, id="huge"),
    ],
)
async def test_a_malformed_id_is_an_invalid_id_error(admin: GraphQLClient, bad_id: str) -> None:
    result = await node_error(admin, bad_id)

    assert result.error_codes == ["INVALID_ID"]
    assert result.errors[0]["path"] == ["node"]


async def test_the_storefront_reads_products_but_not_warehouses_by_node(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    objects = await make_objects(admin, unique)

    product = await node(storefront, objects.product["id"])
    warehouse = await node_error(storefront, objects.warehouse["id"])
    customer = await node_error(storefront, objects.customer["id"])

    assert product is not None
    assert product["sku"] == f"ND-{unique}"
    assert warehouse.error_codes == ["FORBIDDEN"]
    assert customer.error_codes == ["FORBIDDEN"]


async def test_anonymous_callers_cannot_resolve_nodes(
    admin: GraphQLClient, anonymous: GraphQLClient, unique: str
) -> None:
    objects = await make_objects(admin, unique)

    result = await node_error(anonymous, objects.product["id"])

    assert result.error_codes == ["UNAUTHENTICATED"]


async def test_customer_by_id_refuses_an_id_of_another_type(
    admin: GraphQLClient, unique: str
) -> None:
    objects = await make_objects(admin, unique)

    result = await admin.execute(
        "query($id: ID!) { customer(id: $id) { id } }", {"id": objects.product["id"]}
    )
    found = await admin.data(
        "query($id: ID!) { customer(id: $id) { id email } }", {"id": objects.customer["id"]}
    )

    assert result.status == 200
    assert result.error_codes == ["INVALID_ID"]
    assert found["customer"] == objects.customer


async def test_several_nodes_in_one_request_each_resolve(admin: GraphQLClient, unique: str) -> None:
    objects = await make_objects(admin, unique)

    data = await admin.data(
        """query($p: ID!, $w: ID!, $l: ID!, $c: ID!, $x: ID!) {
             p: node(id: $p) { __typename id }
             w: node(id: $w) { __typename id }
             l: node(id: $l) { __typename id }
             c: node(id: $c) { __typename id }
             x: node(id: $x) { __typename id }
           }""",
        {
            "p": objects.product["id"],
            "w": objects.warehouse["id"],
            "l": objects.level["id"],
            "c": objects.customer["id"],
            "x": global_id("Product", 987654321),
        },
    )

    assert data == {
        "p": {"__typename": "Product", "id": objects.product["id"]},
        "w": {"__typename": "Warehouse", "id": objects.warehouse["id"]},
        "l": {"__typename": "InventoryLevel", "id": objects.level["id"]},
        "c": {"__typename": "Customer", "id": objects.customer["id"]},
        "x": None,
    }


@pytest.mark.parametrize(
    "bad_id",
    [
        pytest.param(global_id("Product", "\u00b2"), id="product-superscript-two"),
        pytest.param(global_id("InventoryLevel", "\u00b2:SKU"), id="level-superscript-two"),
    ],
)
async def test_an_id_with_a_non_ascii_digit_is_an_invalid_id_error(
    admin: GraphQLClient, bad_id: str
) -> None:
    result = await node_error(admin, bad_id)

    assert result.error_codes == ["INVALID_ID"]
