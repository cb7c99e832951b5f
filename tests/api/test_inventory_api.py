"""adjustInventory and the inventory read side over real HTTP, on both backends."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from typing import Any

from tests.support.graphql import GraphQLClient

ADJUST = """
mutation($input: AdjustInventoryInput!) {
  adjustInventory(input: $input) {
    inventoryLevel { id sku onHand reserved available warehouse { id code } }
    userErrors { field message code }
  }
}"""

LEVEL = """
query($sku: String!, $warehouseId: ID!) {
  inventoryLevels(sku: $sku, warehouseId: $warehouseId) {
    totalCount
    nodes { onHand reserved available }
  }
}"""


def global_id(type_name: str, key: object) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode().rstrip("=")


@dataclass(frozen=True)
class Stocked:
    sku: str
    product_id: str
    warehouse_ids: list[str]
    warehouse_codes: list[str]


async def make_catalog(client: GraphQLClient, unique: str, warehouses: int = 1) -> Stocked:
    product = await client.mutate(
        """mutation($input: CreateProductInput!) {
             createProduct(input: $input) { product { id sku } userErrors { code } }
           }""",
        {
            "input": {
                "sku": f"INV-{unique}",
                "name": f"Stocked {unique}",
                "price": {"amount": "9.50", "currency": "EUR"},
            }
        },
    )
    assert product["userErrors"] == []
    ids: list[str] = []
    codes: list[str] = []
    for index in range(warehouses):
        code = f"IW{index}-{unique}"
        created = await client.mutate(
            """mutation($input: CreateWarehouseInput!) {
                 createWarehouse(input: $input) { warehouse { id code } userErrors { code } }
               }""",
            {"input": {"code": code, "name": code, "region": "EU-WEST", "countryCode": "DE"}},
        )
        assert created["userErrors"] == []
        ids.append(created["warehouse"]["id"])
        codes.append(created["warehouse"]["code"])
    return Stocked(f"INV-{unique}", product["product"]["id"], ids, codes)


async def adjust(
    client: GraphQLClient,
    sku: str,
    warehouse_id: str,
    delta: int,
    reason: str = "CORRECTION",
    **extra: Any,
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "sku": sku,
        "warehouseId": warehouse_id,
        "delta": delta,
        "reason": reason,
        **extra,
    }
    return await client.mutate(ADJUST, {"input": values})


async def level_of(client: GraphQLClient, sku: str, warehouse_id: str) -> dict[str, Any] | None:
    data = await client.data(LEVEL, {"sku": sku, "warehouseId": warehouse_id})
    nodes = data["inventoryLevels"]["nodes"]
    assert len(nodes) == data["inventoryLevels"]["totalCount"] <= 1
    return nodes[0] if nodes else None


def only_error(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["inventoryLevel"] is None
    assert len(payload["userErrors"]) == 1, payload["userErrors"]
    error = payload["userErrors"][0]
    assert isinstance(error, dict)
    return error


async def test_receiving_stock_creates_a_level(admin: GraphQLClient, unique: str) -> None:
    catalog = await make_catalog(admin, unique)
    warehouse = catalog.warehouse_ids[0]

    payload = await adjust(admin, catalog.sku, warehouse, 10, "RECEIVED")

    assert payload["userErrors"] == []
    level = payload["inventoryLevel"]
    assert level["sku"] == catalog.sku
    assert (level["onHand"], level["reserved"], level["available"]) == (10, 0, 10)
    assert level["warehouse"] == {"id": warehouse, "code": catalog.warehouse_codes[0]}
    assert await level_of(admin, catalog.sku, warehouse) == {
        "onHand": 10,
        "reserved": 0,
        "available": 10,
    }


async def test_a_second_adjustment_adds_to_the_first(admin: GraphQLClient, unique: str) -> None:
    catalog = await make_catalog(admin, unique)
    warehouse = catalog.warehouse_ids[0]
    await adjust(admin, catalog.sku, warehouse, 10, "RECEIVED")

    plus = await adjust(admin, catalog.sku, warehouse, 5, "CYCLE_COUNT")
    minus = await adjust(admin, catalog.sku, warehouse, -3, "DAMAGED")

    assert plus["userErrors"] == []
    assert plus["inventoryLevel"]["onHand"] == 15
    assert minus["userErrors"] == []
    assert minus["inventoryLevel"]["onHand"] == 12
    assert minus["inventoryLevel"]["available"] == 12
    assert await level_of(admin, catalog.sku, warehouse) == {
        "onHand": 12,
        "reserved": 0,
        "available": 12,
    }


async def test_removing_more_than_is_on_hand_is_refused_and_changes_nothing(
    admin: GraphQLClient, unique: str
) -> None:
    catalog = await make_catalog(admin, unique)
    warehouse = catalog.warehouse_ids[0]
    await adjust(admin, catalog.sku, warehouse, 4, "RECEIVED")

    payload = await adjust(admin, catalog.sku, warehouse, -5, "SHRINKAGE")

    error = only_error(payload)
    assert error["code"] == "INSUFFICIENT_STOCK"
    assert error["field"] == ["input", "delta"]
    assert await level_of(admin, catalog.sku, warehouse) == {
        "onHand": 4,
        "reserved": 0,
        "available": 4,
    }


async def test_removing_stock_where_there_is_none_is_refused_and_creates_no_level(
    admin: GraphQLClient, unique: str
) -> None:
    catalog = await make_catalog(admin, unique)
    warehouse = catalog.warehouse_ids[0]

    payload = await adjust(admin, catalog.sku, warehouse, -1)

    assert only_error(payload)["code"] == "INSUFFICIENT_STOCK"
    assert await level_of(admin, catalog.sku, warehouse) is None


async def test_adjusting_an_unknown_sku_is_not_found(admin: GraphQLClient, unique: str) -> None:
    catalog = await make_catalog(admin, unique)

    payload = await adjust(admin, f"GHOST-{unique}", catalog.warehouse_ids[0], 1)

    error = only_error(payload)
    assert error["code"] == "NOT_FOUND"
    assert error["field"] == ["input", "sku"]


async def test_adjusting_in_a_warehouse_that_does_not_exist_is_not_found(
    admin: GraphQLClient, unique: str
) -> None:
    catalog = await make_catalog(admin, unique)

    payload = await adjust(admin, catalog.sku, global_id("Warehouse", 987654321), 1)

    error = only_error(payload)
    assert error["code"] == "NOT_FOUND"
    assert error["field"] == ["input", "warehouseId"]
    data = await admin.data(
        "query($sku: String!) { inventoryLevels(sku: $sku) { totalCount } }",
        {"sku": catalog.sku},
    )
    assert data["inventoryLevels"]["totalCount"] == 0


async def test_a_malformed_warehouse_id_is_an_invalid_id(admin: GraphQLClient, unique: str) -> None:
    catalog = await make_catalog(admin, unique)

    for bad in ["not an id", "%%%", global_id("Warehouse", "abc"), ""]:
        payload = await adjust(admin, catalog.sku, bad, 1)

        error = only_error(payload)
        assert error["code"] == "INVALID_ID", bad
        assert error["field"] == ["input", "warehouseId"]


async def test_a_warehouse_id_with_a_non_ascii_digit_is_an_invalid_id(
    admin: GraphQLClient, unique: str
) -> None:
    catalog = await make_catalog(admin, unique)

    payload = await adjust(admin, catalog.sku, global_id("Warehouse", "\u00b2"), 1)

    error = only_error(payload)
    assert error["code"] == "INVALID_ID"
    assert error["field"] == ["input", "warehouseId"]


async def test_a_product_id_passed_as_a_warehouse_id_is_an_invalid_id(
    admin: GraphQLClient, unique: str
) -> None:
    catalog = await make_catalog(admin, unique)

    payload = await adjust(admin, catalog.sku, catalog.product_id, 1)

    error = only_error(payload)
    assert error["code"] == "INVALID_ID"
    assert error["field"] == ["input", "warehouseId"]


async def test_a_zero_delta_is_invalid(admin: GraphQLClient, unique: str) -> None:
    catalog = await make_catalog(admin, unique)

    payload = await adjust(admin, catalog.sku, catalog.warehouse_ids[0], 0)

    error = only_error(payload)
    assert error["code"] == "INVALID"
    assert error["field"] == ["input", "delta"]


async def test_receiving_a_negative_quantity_is_invalid(admin: GraphQLClient, unique: str) -> None:
    catalog = await make_catalog(admin, unique)
    warehouse = catalog.warehouse_ids[0]
    await adjust(admin, catalog.sku, warehouse, 5, "RECEIVED")

    payload = await adjust(admin, catalog.sku, warehouse, -2, "RECEIVED")

    error = only_error(payload)
    assert error["code"] == "INVALID"
    assert error["field"] == ["input", "delta"]
    level = await level_of(admin, catalog.sku, warehouse)
    assert level is not None
    assert level["onHand"] == 5


async def test_product_available_sums_every_warehouse(admin: GraphQLClient, unique: str) -> None:
    catalog = await make_catalog(admin, unique, warehouses=3)
    for warehouse, quantity in zip(catalog.warehouse_ids, [3, 4, 0], strict=True):
        if quantity:
            await adjust(admin, catalog.sku, warehouse, quantity, "RECEIVED")

    data = await admin.data(
        """query($sku: String!) {
             product(sku: $sku) { available inventoryLevels { onHand warehouse { code } } }
           }""",
        {"sku": catalog.sku},
    )

    product = data["product"]
    assert product["available"] == 7
    by_code = {lv["warehouse"]["code"]: lv["onHand"] for lv in product["inventoryLevels"]}
    assert by_code == {catalog.warehouse_codes[0]: 3, catalog.warehouse_codes[1]: 4}


async def test_inventory_levels_filter_by_sku(admin: GraphQLClient, unique: str) -> None:
    first = await make_catalog(admin, f"{unique}-A", warehouses=2)
    second = await make_catalog(admin, f"{unique}-B")
    for warehouse in first.warehouse_ids:
        await adjust(admin, first.sku, warehouse, 2, "RECEIVED")
    await adjust(admin, second.sku, second.warehouse_ids[0], 9, "RECEIVED")

    data = await admin.data(
        """query($sku: String!) {
             inventoryLevels(sku: $sku, first: 100) { totalCount nodes { sku onHand } }
           }""",
        {"sku": first.sku},
    )

    levels = data["inventoryLevels"]
    assert levels["totalCount"] == 2
    assert levels["nodes"] == [{"sku": first.sku, "onHand": 2}] * 2


async def test_inventory_levels_filter_by_warehouse(admin: GraphQLClient, unique: str) -> None:
    first = await make_catalog(admin, f"{unique}-A", warehouses=2)
    second = await make_catalog(admin, f"{unique}-B")
    target, other = first.warehouse_ids
    await adjust(admin, first.sku, target, 1, "RECEIVED")
    await adjust(admin, second.sku, target, 6, "RECEIVED")
    await adjust(admin, first.sku, other, 8, "RECEIVED")

    data = await admin.data(
        """query($warehouseId: ID!) {
             inventoryLevels(warehouseId: $warehouseId, first: 100) {
               totalCount nodes { sku onHand warehouse { id } }
             }
           }""",
        {"warehouseId": target},
    )

    levels = data["inventoryLevels"]
    assert levels["totalCount"] == 2
    assert sorted((n["sku"], n["onHand"]) for n in levels["nodes"]) == sorted(
        [(first.sku, 1), (second.sku, 6)]
    )
    assert {n["warehouse"]["id"] for n in levels["nodes"]} == {target}


async def test_inventory_levels_with_a_malformed_warehouse_id_is_a_top_level_invalid_id(
    admin: GraphQLClient,
) -> None:
    result = await admin.execute('{ inventoryLevels(warehouseId: "garbage") { totalCount } }')

    assert result.status == 200
    assert result.error_codes == ["INVALID_ID"]


async def test_an_inventory_level_resolves_its_warehouse_and_product(
    admin: GraphQLClient, unique: str
) -> None:
    catalog = await make_catalog(admin, unique)
    warehouse = catalog.warehouse_ids[0]
    await adjust(admin, catalog.sku, warehouse, 3, "RECEIVED")

    data = await admin.data(
        """query($sku: String!) {
             inventoryLevels(sku: $sku) {
               nodes {
                 warehouse { id code region countryCode }
                 product { id sku name available }
               }
             }
           }""",
        {"sku": catalog.sku},
    )

    (level,) = data["inventoryLevels"]["nodes"]
    assert level["warehouse"] == {
        "id": warehouse,
        "code": catalog.warehouse_codes[0],
        "region": "EU-WEST",
        "countryCode": "DE",
    }
    assert level["product"] == {
        "id": catalog.product_id,
        "sku": catalog.sku,
        "name": f"Stocked {unique}",
        "available": 3,
    }


async def test_replaying_an_adjustment_with_its_idempotency_key_adds_stock_once(
    admin: GraphQLClient, unique: str
) -> None:
    catalog = await make_catalog(admin, unique)
    warehouse = catalog.warehouse_ids[0]
    key = f"adj-{unique}"

    first = await adjust(admin, catalog.sku, warehouse, 10, "RECEIVED", idempotencyKey=key)
    second = await adjust(admin, catalog.sku, warehouse, 10, "RECEIVED", idempotencyKey=key)

    assert first["userErrors"] == []
    assert second["userErrors"] == []
    assert second["inventoryLevel"]["onHand"] == first["inventoryLevel"]["onHand"] == 10
    assert second["inventoryLevel"]["id"] == first["inventoryLevel"]["id"]
    level = await level_of(admin, catalog.sku, warehouse)
    assert level is not None
    assert level["onHand"] == 10


async def test_reusing_an_adjustment_key_with_another_delta_is_refused(
    admin: GraphQLClient, unique: str
) -> None:
    catalog = await make_catalog(admin, unique)
    warehouse = catalog.warehouse_ids[0]
    key = f"adj-{unique}"
    await adjust(admin, catalog.sku, warehouse, 10, "RECEIVED", idempotencyKey=key)

    payload = await adjust(admin, catalog.sku, warehouse, 11, "RECEIVED", idempotencyKey=key)

    error = only_error(payload)
    assert error["code"] == "IDEMPOTENCY_KEY_REUSED"
    level = await level_of(admin, catalog.sku, warehouse)
    assert level is not None
    assert level["onHand"] == 10


async def test_read_only_staff_cannot_adjust_stock(
    admin: GraphQLClient, staff: GraphQLClient, unique: str
) -> None:
    catalog = await make_catalog(admin, unique)
    warehouse = catalog.warehouse_ids[0]

    payload = await adjust(staff, catalog.sku, warehouse, 5, "RECEIVED")

    assert only_error(payload)["code"] == "FORBIDDEN"
    assert await level_of(staff, catalog.sku, warehouse) is None


async def test_concurrent_adjustments_all_count(admin: GraphQLClient, unique: str) -> None:
    catalog = await make_catalog(admin, unique)
    warehouse = catalog.warehouse_ids[0]

    payloads = await asyncio.gather(
        *(adjust(admin, catalog.sku, warehouse, 1, "RECEIVED") for _ in range(6))
    )

    assert [p["userErrors"] for p in payloads] == [[]] * 6
    assert sorted(p["inventoryLevel"]["onHand"] for p in payloads) == [1, 2, 3, 4, 5, 6]
    level = await level_of(admin, catalog.sku, warehouse)
    assert level is not None
    assert level["onHand"] == 6


async def test_concurrent_replays_of_one_idempotency_key_add_stock_once(
    admin: GraphQLClient, unique: str
) -> None:
    catalog = await make_catalog(admin, unique)
    warehouse = catalog.warehouse_ids[0]
    key = f"race-{unique}"

    payloads = await asyncio.gather(
        *(
            adjust(admin, catalog.sku, warehouse, 4, "RECEIVED", idempotencyKey=key)
            for _ in range(5)
        )
    )

    assert [p["userErrors"] for p in payloads] == [[]] * 5
    assert {p["inventoryLevel"]["onHand"] for p in payloads} == {4}
    level = await level_of(admin, catalog.sku, warehouse)
    assert level is not None
    assert level["onHand"] == 4
