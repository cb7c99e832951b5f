"""updateProduct, archiveProduct, updateWarehouse, deactivateWarehouse and updateCustomer over
real HTTP, on both backends: versions, CONFLICT with the current version, what archiving and
deactivating do to new and existing orders, permissions, bad input and concurrent updates."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.test_fulfillment_api import PICK_LIST, START_PICKING, authorize_ok
from tests.api.test_place_order_api import (
    create_warehouse,
    global_id,
    order_input,
    place,
    place_ok,
    read_order,
    receive,
    stock,
)
from tests.api.test_webhooks_api import create_ok, wait_for_deliveries
from tests.support.graphql import GraphQLClient
from tests.support.receiver import Receiver, receiving

PRODUCT = "id sku name price { amount currency } weightGrams returnable version status archivedAt"
PRODUCT_FIELDS = f"{PRODUCT} attributes {{ key value }} group"
WAREHOUSE = "id code name region countryCode priority version active deactivatedAt"
CUSTOMER = "id email name phone locale timezone version emailVerified"
ERRORS = "userErrors { field message code currentVersion }"

UPDATE_PRODUCT = f"""
mutation($input: UpdateProductInput!) {{
  updateProduct(input: $input) {{ product {{ {PRODUCT_FIELDS} }} {ERRORS} }}
}}"""
ARCHIVE_PRODUCT = f"""
mutation($input: ArchiveProductInput!) {{
  archiveProduct(input: $input) {{ product {{ {PRODUCT_FIELDS} }} {ERRORS} }}
}}"""
UPDATE_WAREHOUSE = f"""
mutation($input: UpdateWarehouseInput!) {{
  updateWarehouse(input: $input) {{ warehouse {{ {WAREHOUSE} }} {ERRORS} }}
}}"""
DEACTIVATE_WAREHOUSE = f"""
mutation($input: DeactivateWarehouseInput!) {{
  deactivateWarehouse(input: $input) {{ warehouse {{ {WAREHOUSE} }} {ERRORS} }}
}}"""
UPDATE_CUSTOMER = f"""
mutation($input: UpdateCustomerInput!) {{
  updateCustomer(input: $input) {{ customer {{ {CUSTOMER} }} {ERRORS} }}
}}"""
CREATE_CUSTOMER = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id version } userErrors { field code } }
}"""
PRODUCT_BY_SKU = f"query($sku: String!) {{ product(sku: $sku) {{ {PRODUCT_FIELDS} }} }}"
PRODUCT_SKUS = """
query($includeArchived: Boolean!, $status: ProductStatus, $group: String) {
  products(first: 100, includeArchived: $includeArchived, status: $status, group: $group) {
    nodes { sku }
  }
}"""
WAREHOUSES = f"{{ warehouses(first: 100) {{ nodes {{ {WAREHOUSE} }} }} }}"


async def mutate(client: GraphQLClient, query: str, values: dict[str, Any]) -> dict[str, Any]:
    return await client.mutate(query, {"input": values})


async def changed(client: GraphQLClient, query: str, values: dict[str, Any]) -> dict[str, Any]:
    payload = await mutate(client, query, values)
    assert payload["userErrors"] == [], payload["userErrors"]
    (obj,) = (v for k, v in payload.items() if k != "userErrors")
    assert isinstance(obj, dict)
    return obj


def only_error(payload: dict[str, Any]) -> dict[str, Any]:
    (obj,) = (v for k, v in payload.items() if k != "userErrors")
    assert obj is None, payload
    (error,) = payload["userErrors"]
    assert isinstance(error, dict)
    return error


async def read_product(client: GraphQLClient, sku: str) -> dict[str, Any]:
    found = (await client.data(PRODUCT_BY_SKU, {"sku": sku}))["product"]
    assert isinstance(found, dict)
    return found


async def new_customer(admin: GraphQLClient, unique: str, tag: str = "ann") -> str:
    payload = await mutate(
        admin, CREATE_CUSTOMER, {"email": f"{tag}-{unique.lower()}@example.com", "name": "Ann"}
    )
    assert payload["userErrors"] == []
    assert payload["customer"]["version"] == 1
    customer_id = payload["customer"]["id"]
    assert isinstance(customer_id, str)
    return customer_id


# --- products ----------------------------------------------------------------------------------


async def test_updating_a_product_changes_only_the_given_fields_and_bumps_the_version(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    before = await read_product(admin, item.sku)
    assert (before["version"], before["status"], before["attributes"], before["group"]) == (
        1,
        "ACTIVE",
        [],
        None,
    )
    after = await changed(
        admin,
        UPDATE_PRODUCT,
        {
            "productId": before["id"],
            "expectedVersion": 1,
            "name": "Classic tee, medium",
            "price": {"amount": "24.99", "currency": "EUR"},
            "attributes": [{"key": "Size", "value": "M"}, {"key": "colour", "value": "red"}],
            "group": "Classic-Tee",
        },
    )
    assert after["version"] == 2
    assert after["name"] == "Classic tee, medium"
    assert after["price"] == {"amount": "24.99", "currency": "EUR"}
    assert after["weightGrams"] == before["weightGrams"]
    assert after["attributes"] == [
        {"key": "colour", "value": "red"},
        {"key": "size", "value": "M"},
    ]
    assert after["group"] == "classic-tee"
    assert await read_product(admin, item.sku) == after
    grouped = await admin.data(PRODUCT_SKUS, {"includeArchived": False, "group": "classic-tee"})
    assert item.sku in [n["sku"] for n in grouped["products"]["nodes"]]

    cleared = await changed(
        admin, UPDATE_PRODUCT, {"productId": before["id"], "group": None, "attributes": []}
    )
    assert (cleared["group"], cleared["attributes"], cleared["version"]) == (None, [], 3)


async def test_a_draft_is_listed_for_staff_but_not_for_the_storefront(
    admin: GraphQLClient, staff: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    product_id = (await read_product(admin, item.sku))["id"]
    draft = await changed(admin, UPDATE_PRODUCT, {"productId": product_id, "status": "DRAFT"})
    assert (draft["status"], draft["archivedAt"]) == ("DRAFT", None)
    for client, listed in ((admin, True), (staff, True), (storefront, False)):
        for variables in (
            {"includeArchived": False},
            {"includeArchived": False, "status": "DRAFT"},
        ):
            found = await client.data(PRODUCT_SKUS, variables)
            assert (item.sku in [n["sku"] for n in found["products"]["nodes"]]) is listed
    refused = await place(storefront, order_input([(item.sku, 1)]))
    assert [e["code"] for e in refused["userErrors"]] == ["PRODUCT_DRAFT"]


async def test_a_stale_expected_version_is_a_conflict_carrying_the_current_version(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    product_id = (await read_product(admin, item.sku))["id"]
    await changed(admin, UPDATE_PRODUCT, {"productId": product_id, "name": "Second name"})
    error = only_error(
        await mutate(
            admin,
            UPDATE_PRODUCT,
            {"productId": product_id, "expectedVersion": 1, "name": "Stale name"},
        )
    )
    assert error["code"] == "CONFLICT"
    assert error["currentVersion"] == 2
    assert error["field"] == ["input", "expectedVersion"]
    assert "version 2" in error["message"]
    assert (await read_product(admin, item.sku))["name"] == "Second name"

    warehouse_error = only_error(
        await mutate(
            admin, DEACTIVATE_WAREHOUSE, {"warehouseId": item.warehouse_id, "expectedVersion": 7}
        )
    )
    assert (warehouse_error["code"], warehouse_error["currentVersion"]) == ("CONFLICT", 1)


async def test_a_price_change_leaves_placed_orders_as_they_were(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, price="10.00")
    order = await place_ok(storefront, order_input([(item.sku, 2)]))
    product_id = (await read_product(admin, item.sku))["id"]
    await changed(
        admin,
        UPDATE_PRODUCT,
        {
            "productId": product_id,
            "name": "Renamed",
            "price": {"amount": "99.00", "currency": "EUR"},
        },
    )
    again = await read_order(admin, order["id"])
    assert again["lines"] == order["lines"]
    assert again["subtotal"] == order["subtotal"] == {"amount": "20.00", "currency": "EUR"}
    assert again["total"] == order["total"]
    newer = await place_ok(storefront, order_input([(item.sku, 1)]))
    assert newer["lines"][0]["unitPrice"] == {"amount": "99.00", "currency": "EUR"}
    assert newer["lines"][0]["name"] == "Renamed"


async def test_an_archived_product_is_refused_by_place_order_and_old_orders_keep_it(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    old = await place_ok(storefront, order_input([(item.sku, 1)]))
    product_id = (await read_product(admin, item.sku))["id"]
    archived = await changed(admin, ARCHIVE_PRODUCT, {"productId": product_id})
    assert (archived["status"], archived["version"]) == ("ARCHIVED", 2)
    assert archived["archivedAt"] is not None

    refused = await place(storefront, order_input([(item.sku, 1)]))
    assert refused["order"] is None
    (error,) = refused["userErrors"]
    assert (error["code"], error["field"]) == ("PRODUCT_ARCHIVED", ["input", "lines", "0", "sku"])

    kept = await read_order(admin, old["id"])
    assert kept["lines"] == old["lines"]
    assert kept["status"] == "PLACED"

    listed = await admin.data(PRODUCT_SKUS, {"includeArchived": False})
    assert item.sku not in [n["sku"] for n in listed["products"]["nodes"]]
    for variables in ({"includeArchived": True}, {"includeArchived": False, "status": "ARCHIVED"}):
        found = await admin.data(PRODUCT_SKUS, variables)
        assert item.sku in [n["sku"] for n in found["products"]["nodes"]]
    assert (await read_product(storefront, item.sku))["status"] == "ARCHIVED"
    for variables in ({"includeArchived": True}, {"includeArchived": False, "status": "ARCHIVED"}):
        shown = await storefront.data(PRODUCT_SKUS, variables)
        assert item.sku not in [n["sku"] for n in shown["products"]["nodes"]]

    again = await changed(admin, ARCHIVE_PRODUCT, {"productId": product_id})
    assert again["version"] == 2  # archiving twice changes nothing

    reactivated = await changed(
        admin, UPDATE_PRODUCT, {"productId": product_id, "status": "ACTIVE"}
    )
    assert (reactivated["status"], reactivated["archivedAt"]) == ("ACTIVE", None)
    await place_ok(storefront, order_input([(item.sku, 1)]))


# --- warehouses --------------------------------------------------------------------------------


async def test_updating_a_warehouse_changes_the_given_fields_and_keeps_its_code(
    admin: GraphQLClient, unique: str
) -> None:
    warehouse_id = await create_warehouse(admin, f"UPD-{unique}")
    updated = await changed(
        admin,
        UPDATE_WAREHOUSE,
        {
            "warehouseId": warehouse_id,
            "expectedVersion": 1,
            "name": "Rotterdam DC",
            "region": "eu-north",
            "countryCode": "nl",
            "priority": 5,
        },
    )
    assert updated == {
        "id": warehouse_id,
        "code": f"UPD-{unique}",
        "name": "Rotterdam DC",
        "region": "EU-NORTH",
        "countryCode": "NL",
        "priority": 5,
        "version": 2,
        "active": True,
        "deactivatedAt": None,
    }
    listed = {w["id"]: w for w in (await admin.data(WAREHOUSES))["warehouses"]["nodes"]}
    assert listed[warehouse_id] == updated


async def test_a_deactivated_warehouse_is_skipped_by_routing_while_its_open_work_stays(
    admin: GraphQLClient, staff: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    near = await stock(admin, unique, on_hand=5, region="EU-WEST", priority=1)
    far = await create_warehouse(admin, f"FAR-{unique}", region="US-EAST", country="US")
    await receive(admin, near.sku, far, 5)
    first = await place_ok(storefront, order_input([(near.sku, 2)]))
    assert [a["warehouse"]["id"] for a in first["routing"]["allocations"]] == [near.warehouse_id]
    confirmed = await authorize_ok(admin, first["id"])
    (fulfillment,) = confirmed["fulfillments"]

    deactivated = await changed(admin, DEACTIVATE_WAREHOUSE, {"warehouseId": near.warehouse_id})
    assert (deactivated["active"], deactivated["version"]) == (False, 2)
    assert deactivated["deactivatedAt"] is not None

    second = await place_ok(storefront, order_input([(near.sku, 2)]))
    assert [a["warehouse"]["id"] for a in second["routing"]["allocations"]] == [far]
    candidates = [c["warehouse"]["id"] for c in second["routing"]["candidates"]]
    assert near.warehouse_id not in candidates
    refused = await place(storefront, order_input([(near.sku, 4)]))
    assert [e["code"] for e in refused["userErrors"]] == ["OUT_OF_STOCK"]

    # the first order's work at the deactivated warehouse stays listed and can go on
    pending = await staff.data(
        PICK_LIST, {"warehouseId": near.warehouse_id, "statuses": ["PENDING"]}
    )
    assert [line["fulfillmentIds"] for line in pending["pickList"] if line["sku"] == near.sku] == [
        [fulfillment["id"]]
    ]
    picking = await admin.mutate(START_PICKING, {"input": {"fulfillmentId": fulfillment["id"]}})
    assert picking["userErrors"] == []
    kept = await read_order(admin, first["id"], "fulfillments { id status warehouse { id } }")
    assert kept["fulfillments"] == [
        {"id": fulfillment["id"], "status": "PICKING", "warehouse": {"id": near.warehouse_id}}
    ]
    levels = await admin.data(
        "query($id: ID!) { inventoryLevels(warehouseId: $id) { nodes { sku onHand reserved } } }",
        {"id": near.warehouse_id},
    )
    assert levels["inventoryLevels"]["nodes"] == [{"sku": near.sku, "onHand": 5, "reserved": 2}]
    listed = {w["id"]: w for w in (await admin.data(WAREHOUSES))["warehouses"]["nodes"]}
    assert listed[near.warehouse_id]["active"] is False


# --- customers ---------------------------------------------------------------------------------


async def test_updating_a_customer_changes_the_profile_and_refuses_a_taken_email(
    admin: GraphQLClient, unique: str
) -> None:
    ann = await new_customer(admin, unique)
    await new_customer(admin, unique, "bob")
    updated = await changed(
        admin,
        UPDATE_CUSTOMER,
        {
            "customerId": ann,
            "expectedVersion": 1,
            "name": "Ann Smith",
            "phone": "+31 20 123 4567",
            "locale": "nl_NL",
            "timezone": "Europe/Amsterdam",
            "email": f"Ann.Smith-{unique}@Example.com",
        },
    )
    assert updated == {
        "id": ann,
        "email": f"ann.smith-{unique.lower()}@example.com",
        "name": "Ann Smith",
        "phone": "+31201234567",
        "locale": "nl-NL",
        "timezone": "Europe/Amsterdam",
        "version": 2,
        "emailVerified": False,
    }
    taken = only_error(
        await mutate(
            admin, UPDATE_CUSTOMER, {"customerId": ann, "email": f"bob-{unique}@example.com"}
        )
    )
    assert (taken["code"], taken["field"]) == ("DUPLICATE", ["input", "email"])
    cleared = await changed(admin, UPDATE_CUSTOMER, {"customerId": ann, "phone": None})
    assert (cleared["phone"], cleared["locale"], cleared["version"]) == (None, "nl-NL", 3)
    stale = only_error(
        await mutate(admin, UPDATE_CUSTOMER, {"customerId": ann, "expectedVersion": 2, "name": "x"})
    )
    assert (stale["code"], stale["currentVersion"]) == ("CONFLICT", 3)


# --- permissions and bad input -----------------------------------------------------------------


async def test_storefront_and_read_only_staff_tokens_may_change_nothing(
    admin: GraphQLClient, staff: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    product_id = (await read_product(admin, item.sku))["id"]
    customer_id = await new_customer(admin, unique)
    attempts = [
        (UPDATE_PRODUCT, {"productId": product_id, "name": "Hacked"}),
        (ARCHIVE_PRODUCT, {"productId": product_id}),
        (UPDATE_WAREHOUSE, {"warehouseId": item.warehouse_id, "name": "Hacked"}),
        (DEACTIVATE_WAREHOUSE, {"warehouseId": item.warehouse_id}),
        (UPDATE_CUSTOMER, {"customerId": customer_id, "name": "Hacked"}),
    ]
    for client in (storefront, staff):
        for query, values in attempts:
            error = only_error(await mutate(client, query, values))
            assert error["code"] == "FORBIDDEN", (query, error)
    product = await read_product(admin, item.sku)
    assert (product["name"], product["status"], product["version"]) == (
        f"Product {item.sku}",
        "ACTIVE",
        1,
    )
    listed = {w["id"]: w for w in (await admin.data(WAREHOUSES))["warehouses"]["nodes"]}
    assert (listed[item.warehouse_id]["version"], listed[item.warehouse_id]["active"]) == (1, True)


@pytest.mark.parametrize(
    ("values", "code", "field"),
    [
        ({"weightGrams": -1}, "INVALID", ["weightGrams"]),
        ({"name": "  "}, "REQUIRED", ["name"]),
        ({"name": "bad\x07name"}, "INVALID_CHARACTERS", ["name"]),
        ({"price": {"amount": "-1.00", "currency": "EUR"}}, "INVALID", ["price", "amount"]),
        ({"price": {"amount": "1.001", "currency": "EUR"}}, "INVALID_AMOUNT", ["price", "amount"]),
        (
            {"price": {"amount": "1.00", "currency": "EURO"}},
            "INVALID_CURRENCY",
            ["price", "currency"],
        ),
        ({"attributes": [{"key": "9lives", "value": "x"}]}, "INVALID", ["attributes", "0", "key"]),
        (
            {"attributes": [{"key": "size", "value": "M"}, {"key": "SIZE", "value": "L"}]},
            "INVALID",
            ["attributes", "1", "key"],
        ),
        ({"group": "two words"}, "INVALID", ["group"]),
        ({"productId": "not-an-id"}, "INVALID_ID", ["productId"]),
        ({"productId": global_id("Product", 999_999_999)}, "NOT_FOUND", ["productId"]),
    ],
)
async def test_bad_product_input_is_a_user_error_and_writes_nothing(
    admin: GraphQLClient,
    unique: str,
    values: dict[str, Any],
    code: str,
    field: list[str] | None,
) -> None:
    item = await stock(admin, unique)
    before = await read_product(admin, item.sku)
    payload = await mutate(
        admin, UPDATE_PRODUCT, {"productId": before["id"], "name": "Changed", **values}
    )
    error = only_error(payload)
    assert error["code"] == code, error
    if field is not None:
        assert error["field"] == ["input", *field]
    assert await read_product(admin, item.sku) == before


async def test_bad_warehouse_and_customer_input_are_user_errors(
    admin: GraphQLClient, unique: str
) -> None:
    warehouse_id = await create_warehouse(admin, f"BAD-{unique}")
    for values, code, field in (
        ({"priority": -5}, "INVALID", ["priority"]),
        ({"countryCode": "XX"}, "INVALID_COUNTRY", ["countryCode"]),
        ({"region": "eu west!"}, "INVALID", ["region"]),
    ):
        error = only_error(
            await mutate(admin, UPDATE_WAREHOUSE, {"warehouseId": warehouse_id, **values})
        )
        assert (error["code"], error["field"]) == (code, ["input", *field])
    customer_id = await new_customer(admin, unique)
    for values, code, field in (
        ({"email": "not an email"}, "INVALID_EMAIL", ["email"]),
        ({"phone": "12"}, "INVALID_PHONE", ["phone"]),
        ({"timezone": "Mars/Olympus"}, "INVALID", ["timezone"]),
        ({"customerId": global_id("Customer", 999_999_999)}, "NOT_FOUND", ["customerId"]),
    ):
        error = only_error(
            await mutate(admin, UPDATE_CUSTOMER, {"customerId": customer_id, **values})
        )
        assert (error["code"], error["field"]) == (code, ["input", *field])


# --- concurrency -------------------------------------------------------------------------------


async def test_concurrent_updates_with_the_same_expected_version_let_exactly_one_through(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    product_id = (await read_product(admin, item.sku))["id"]
    payloads = await asyncio.gather(
        *(
            mutate(
                admin,
                UPDATE_PRODUCT,
                {"productId": product_id, "expectedVersion": 1, "name": f"Writer {n}"},
            )
            for n in range(6)
        )
    )
    winners = [p["product"] for p in payloads if p["product"] is not None]
    losers = [e for p in payloads for e in p["userErrors"]]
    assert len(winners) == 1, payloads
    assert [(e["code"], e["currentVersion"]) for e in losers] == [("CONFLICT", 2)] * 5
    final = await read_product(admin, item.sku)
    assert (final["name"], final["version"]) == (winners[0]["name"], 2)


# --- events ------------------------------------------------------------------------------------


@pytest.fixture
def rx() -> Iterator[Receiver]:
    with receiving() as receiver:
        yield receiver


async def test_catalog_changes_reach_webhooks_subscribed_to_them(
    admin: GraphQLClient, unique: str, rx: Receiver
) -> None:
    item = await stock(admin, unique)
    product_id = (await read_product(admin, item.sku))["id"]
    customer_id = await new_customer(admin, unique, "hook")
    kinds = [
        "product.updated",
        "product.archived",
        "warehouse.updated",
        "warehouse.deactivated",
        "customer.updated",
    ]
    webhook_id, _ = await create_ok(admin, rx.url, kinds)
    await changed(admin, UPDATE_PRODUCT, {"productId": product_id, "weightGrams": 250})
    await changed(admin, ARCHIVE_PRODUCT, {"productId": product_id})
    await changed(admin, UPDATE_WAREHOUSE, {"warehouseId": item.warehouse_id, "priority": 3})
    await changed(admin, DEACTIVATE_WAREHOUSE, {"warehouseId": item.warehouse_id})
    await changed(admin, UPDATE_CUSTOMER, {"customerId": customer_id, "name": "Hook"})
    delivered = await wait_for_deliveries(admin, webhook_id, len(kinds))
    assert sorted(d["eventType"] for d in delivered) == sorted(kinds)


# --- backorders ---------------------------------------------------------------------------------

LEVELS_OF = """
query($sku: String!) {
  product(sku: $sku) {
    allowBackorder backorderLimit inventoryLevels { onHand reserved backorderLimit }
  }
}"""


async def test_turning_backorders_on_and_off_changes_every_level_through_the_ledger(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=2)
    product = await read_product(admin, item.sku)
    refused = await place(admin, order_input([(item.sku, 5)]))
    assert refused["userErrors"][0]["code"] == "OUT_OF_STOCK"

    on = await changed(
        admin,
        UPDATE_PRODUCT,
        {"productId": product["id"], "allowBackorder": True, "backorderLimit": 4},
    )
    assert on["version"] == product["version"] + 1
    levels = (await admin.data(LEVELS_OF, {"sku": item.sku}))["product"]
    assert (levels["allowBackorder"], levels["backorderLimit"]) == (True, 4)
    assert levels["inventoryLevels"] == [{"onHand": 2, "reserved": 0, "backorderLimit": 4}]
    await place_ok(admin, order_input([(item.sku, 5)]))  # 3 of them backordered

    error = only_error(
        await mutate(admin, UPDATE_PRODUCT, {"productId": product["id"], "allowBackorder": False})
    )
    assert (error["code"], error["field"]) == ("INSUFFICIENT_STOCK", ["input", "backorderLimit"])
    after = (await admin.data(LEVELS_OF, {"sku": item.sku}))["product"]
    assert after == {
        "allowBackorder": True,
        "backorderLimit": 4,
        "inventoryLevels": [{"onHand": 2, "reserved": 5, "backorderLimit": 4}],
    }
    lowered = await changed(
        admin, UPDATE_PRODUCT, {"productId": product["id"], "backorderLimit": 3}
    )
    assert lowered["version"] == product["version"] + 2
    invalid = only_error(
        await mutate(admin, UPDATE_PRODUCT, {"productId": product["id"], "backorderLimit": -1})
    )
    assert invalid["code"] == "INVALID"
