"""Stock operations over real HTTP, on both backends: counts, batches of counts, safety stock,
low-stock thresholds and INVENTORY_LOW (webhook and subscription), the movement ledger and the
audit.

Every refusal is checked twice: a coded userError, and re-reading shows nothing was written.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ordergraph.domain.principals import Role, Scope
from tests.api.test_place_order_api import Stocked, order_input, place_ok, stock
from tests.api.test_subscriptions_api import codes, socket
from tests.api.test_webhooks_api import create_ok, wait_for_deliveries
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi, issue_token
from tests.support.receiver import Receiver, receiving

LEVEL_FIELDS = """
  sku onHand reserved available availableToSell safetyStock inTransit incoming lowStockThreshold
  warehouse { id }
"""

SET_INVENTORY = f"""
mutation($input: SetInventoryInput!) {{
  setInventory(input: $input) {{
    inventoryLevel {{ {LEVEL_FIELDS} }} userErrors {{ field message code }}
  }}
}}"""

SET_LEVELS = f"""
mutation($input: SetInventoryLevelsInput!) {{
  setInventoryLevels(input: $input) {{
    inventoryLevels {{ {LEVEL_FIELDS} }} userErrors {{ field message code }}
  }}
}}"""

SET_SAFETY = f"""
mutation($input: SetSafetyStockInput!) {{
  setSafetyStock(input: $input) {{
    inventoryLevel {{ {LEVEL_FIELDS} }} userErrors {{ field message code }}
  }}
}}"""

SET_THRESHOLD = f"""
mutation($input: SetLowStockThresholdInput!) {{
  setLowStockThreshold(input: $input) {{
    inventoryLevel {{ {LEVEL_FIELDS} }} userErrors {{ field message code }}
  }}
}}"""

LEVEL = f"""
query($sku: String!, $warehouseId: ID!) {{
  inventoryLevels(sku: $sku, warehouseId: $warehouseId) {{ nodes {{ {LEVEL_FIELDS} }} }}
}}"""

MOVEMENTS = """
query($sku: String, $warehouseId: ID, $reason: InventoryMovementReason, $since: DateTime,
      $first: Int, $after: String) {
  inventoryMovements(sku: $sku, warehouseId: $warehouseId, reason: $reason, since: $since,
                     first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id sku delta field reason note reference occurredAt actor warehouse { id } }
  }
}"""

AUDIT = "{ inventoryAudit { levelsChecked drift { sku field expected actual warehouse { id } } } }"

INVENTORY_LOW = """
subscription($sku: String) {
  inventoryLow(sku: $sku) { sku availableToSell lowStockThreshold warehouse { id } }
}"""


@pytest.fixture
def rx() -> Iterator[Receiver]:
    with receiving() as receiver:
        yield receiver


async def set_inventory(
    client: GraphQLClient, item: Stocked, on_hand: int, **extra: Any
) -> dict[str, Any]:
    values = {"sku": item.sku, "warehouseId": item.warehouse_id, "onHand": on_hand, **extra}
    return await client.mutate(SET_INVENTORY, {"input": values})


async def set_safety(client: GraphQLClient, item: Stocked, quantity: int) -> dict[str, Any]:
    values = {"sku": item.sku, "warehouseId": item.warehouse_id, "quantity": quantity}
    return await client.mutate(SET_SAFETY, {"input": values})


async def set_threshold(
    client: GraphQLClient, item: Stocked, threshold: int | None
) -> dict[str, Any]:
    values = {"sku": item.sku, "warehouseId": item.warehouse_id, "threshold": threshold}
    return await client.mutate(SET_THRESHOLD, {"input": values})


async def read_level(client: GraphQLClient, item: Stocked) -> dict[str, Any]:
    data = await client.data(LEVEL, {"sku": item.sku, "warehouseId": item.warehouse_id})
    (node,) = data["inventoryLevels"]["nodes"]
    assert isinstance(node, dict)
    return node


async def movements(client: GraphQLClient, **filters: Any) -> dict[str, Any]:
    data = await client.data(MOVEMENTS, filters)
    connection = data["inventoryMovements"]
    assert isinstance(connection, dict)
    return connection


def ok(payload: dict[str, Any], key: str = "inventoryLevel") -> Any:
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload[key]


def only_error(payload: dict[str, Any], key: str = "inventoryLevel") -> dict[str, Any]:
    assert payload[key] is None, payload
    (error,) = payload["userErrors"]
    assert isinstance(error, dict)
    return error


# --- setInventory -------------------------------------------------------------------------


async def test_a_count_sets_on_hand_and_books_the_variance_as_one_cycle_count(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)

    level = ok(await set_inventory(admin, item, 7, note="aisle 4"))

    assert (level["onHand"], level["reserved"], level["available"]) == (7, 0, 7)
    counted = await movements(admin, sku=item.sku, warehouseId=item.warehouse_id)
    newest, received = counted["nodes"]
    assert (newest["reason"], newest["field"], newest["delta"]) == ("CYCLE_COUNT", "ON_HAND", -3)
    assert newest["note"] == "aisle 4"
    assert newest["actor"] == "admin:test-admin"
    assert newest["warehouse"] == {"id": item.warehouse_id}
    assert (received["reason"], received["delta"]) == ("RECEIVE", 10)


async def test_a_count_that_matches_books_a_zero_movement(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=5)

    level = ok(await set_inventory(admin, item, 5))

    assert level["onHand"] == 5
    counts = await movements(admin, sku=item.sku, reason="CYCLE_COUNT")
    assert [(n["field"], n["delta"]) for n in counts["nodes"]] == [("ON_HAND", 0)]


async def test_a_count_below_what_is_reserved_is_refused_and_writes_nothing(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)
    await place_ok(admin, order_input([(item.sku, 4)]))

    error = only_error(await set_inventory(admin, item, 3))

    assert error["code"] == "INSUFFICIENT_STOCK"
    assert error["field"] == ["input", "onHand"]
    level = await read_level(admin, item)
    assert (level["onHand"], level["reserved"]) == (10, 4)
    assert (await movements(admin, sku=item.sku, reason="CYCLE_COUNT"))["totalCount"] == 0


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"onHand": -1}, ["input", "onHand"], "INVALID_QUANTITY"),
        ({"sku": "NO-SUCH-SKU"}, ["input", "sku"], "NOT_FOUND"),
        ({"warehouseId": "V2FyZWhvdXNlOjk5OTk5"}, ["input", "warehouseId"], "NOT_FOUND"),
        ({"warehouseId": "bm9wZQ"}, ["input", "warehouseId"], "INVALID_ID"),
        ({"note": "x" * 600}, ["input", "note"], "TOO_LONG"),
    ],
)
async def test_a_bad_count_is_a_coded_user_error(
    admin: GraphQLClient, unique: str, values: dict[str, Any], field: list[str], code: str
) -> None:
    item = await stock(admin, unique, on_hand=2)
    payload = await admin.mutate(
        SET_INVENTORY,
        {"input": {"sku": item.sku, "warehouseId": item.warehouse_id, "onHand": 1, **values}},
    )

    error = only_error(payload)
    assert (error["field"], error["code"]) == (field, code)
    assert (await read_level(admin, item))["onHand"] == 2


async def test_a_count_sent_twice_with_one_key_is_applied_once(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)
    key = f"count-{unique}"

    first = ok(await set_inventory(admin, item, 6, idempotencyKey=key))
    ok(await set_inventory(admin, item, 6, reason="DAMAGED", idempotencyKey=f"{key}-other"))
    again = ok(await set_inventory(admin, item, 6, idempotencyKey=key))
    reused = only_error(await set_inventory(admin, item, 4, idempotencyKey=key))

    assert again == first
    assert reused["code"] == "IDEMPOTENCY_KEY_REUSED"
    counts = await movements(admin, sku=item.sku, reason="CYCLE_COUNT")
    assert [n["delta"] for n in counts["nodes"]] == [0, -4]  # the other key's count agreed


async def test_a_reason_other_than_cycle_count_is_kept_in_the_note(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)

    ok(await set_inventory(admin, item, 8, reason="DAMAGED", note="forklift"))

    (movement,) = (await movements(admin, sku=item.sku, reason="CYCLE_COUNT"))["nodes"]
    assert (movement["delta"], movement["note"]) == (-2, "DAMAGED: forklift")


# --- who may --------------------------------------------------------------------------------


async def test_read_only_staff_may_read_the_ledger_but_not_count(
    admin: GraphQLClient, staff: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=3)

    for payload in (
        await set_inventory(staff, item, 1),
        await set_safety(staff, item, 1),
        await set_threshold(staff, item, 1),
    ):
        assert only_error(payload)["code"] == "FORBIDDEN"
    levels = await staff.mutate(
        SET_LEVELS,
        {"input": {"rows": [{"sku": item.sku, "warehouseId": item.warehouse_id, "onHand": 1}]}},
    )
    assert only_error(levels, "inventoryLevels")["code"] == "FORBIDDEN"
    assert (await read_level(admin, item))["onHand"] == 3
    assert (await movements(staff, sku=item.sku))["totalCount"] == 1
    assert "inventoryAudit" in await staff.data(AUDIT)


async def test_inventory_only_staff_may_count(
    admin: GraphQLClient, live: LiveApi, http: httpx.AsyncClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=3)
    token = issue_token(live.database_url, Role.STAFF, frozenset({Scope.INVENTORY_WRITE}))
    counter = GraphQLClient(http, token)

    assert ok(await set_inventory(counter, item, 9))["onHand"] == 9


async def test_a_storefront_may_not_read_the_ledger_the_audit_or_stock_details(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=3)

    for query, variables in ((MOVEMENTS, {"sku": item.sku}), (AUDIT, None)):
        result = await storefront.execute(query, variables)
        assert result.error_codes == ["FORBIDDEN"], result.body
    result = await storefront.execute(
        "query($sku: String!) { product(sku: $sku) { inventoryLevels { safetyStock } } }",
        {"sku": item.sku},
    )
    assert "FORBIDDEN" in result.error_codes


# --- safety stock and thresholds ------------------------------------------------------------


async def test_safety_stock_is_held_back_from_available_to_sell_only(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)
    await place_ok(admin, order_input([(item.sku, 2)]))

    level = ok(await set_safety(admin, item, 3))

    assert level["safetyStock"] == 3
    assert (level["onHand"], level["reserved"]) == (10, 2)
    assert level["available"] == 8  # unchanged meaning: on hand - reserved
    assert level["availableToSell"] == 5  # on hand - reserved - safety stock
    assert (level["inTransit"], level["incoming"]) == (0, 0)
    assert (await read_level(admin, item))["availableToSell"] == 5
    # safety stock moves no units: the ledger has nothing new
    assert (await movements(admin, sku=item.sku))["totalCount"] == 2  # RECEIVE, RESERVE


async def test_a_negative_safety_stock_is_refused(admin: GraphQLClient, unique: str) -> None:
    item = await stock(admin, unique, on_hand=1)

    error = only_error(await set_safety(admin, item, -1))

    assert (error["field"], error["code"]) == (["input", "quantity"], "INVALID_QUANTITY")
    assert (await read_level(admin, item))["safetyStock"] == 0


async def test_a_low_stock_threshold_is_set_and_cleared(admin: GraphQLClient, unique: str) -> None:
    item = await stock(admin, unique, on_hand=10)

    assert ok(await set_threshold(admin, item, 4))["lowStockThreshold"] == 4
    assert (await read_level(admin, item))["lowStockThreshold"] == 4
    assert ok(await set_threshold(admin, item, None))["lowStockThreshold"] is None
    assert (await read_level(admin, item))["lowStockThreshold"] is None
    error = only_error(await set_threshold(admin, item, -2))
    assert (error["field"], error["code"]) == (["input", "threshold"], "INVALID_QUANTITY")


async def test_dropping_below_the_threshold_delivers_an_inventory_low_webhook(
    admin: GraphQLClient, rx: Receiver, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)
    webhook_id, _ = await create_ok(admin, rx.url, ["inventory.low"])
    ok(await set_threshold(admin, item, 5))
    ok(await set_inventory(admin, item, 6))  # 6 is not below 5: no event

    ok(await set_inventory(admin, item, 4))

    (delivery,) = await wait_for_deliveries(admin, webhook_id, 1)
    assert delivery["eventType"] == "inventory.low"
    (request,) = rx.requests
    body = json.loads(request.body)
    assert body["type"] == "inventory.low"
    assert body["data"]["sku"] == item.sku
    assert body["data"]["warehouseId"] == int(_database_id(item.warehouse_id))
    assert (body["data"]["availableToSell"], body["data"]["threshold"]) == (4, 5)


async def test_an_inventory_low_subscriber_hears_of_its_sku_only(
    live: LiveApi, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)
    other = await stock(admin, unique, on_hand=10)
    for level in (item, other):
        ok(await set_threshold(admin, level, 5))

    async with socket(live, live.admin_token) as sock:
        await sock.subscribe("low", INVENTORY_LOW, {"sku": item.sku})
        await sock.synced()
        ok(await set_inventory(admin, other, 1))  # another SKU: must not arrive
        ok(await set_inventory(admin, item, 7))  # not below: must not arrive
        ok(await set_inventory(admin, item, 3))
        low = (await sock.next_data("low"))["inventoryLow"]

    assert low == {
        "sku": item.sku,
        "availableToSell": 3,
        "lowStockThreshold": 5,
        "warehouse": {"id": item.warehouse_id},
    }


async def test_a_storefront_cannot_subscribe_to_inventory_low(live: LiveApi) -> None:
    async with socket(live, live.storefront_token) as sock:
        await sock.subscribe("low", INVENTORY_LOW, {})
        errors = await sock.errors("low")

    assert codes(errors) == ["FORBIDDEN"], errors


# --- setInventoryLevels ---------------------------------------------------------------------


def row(item: Stocked, on_hand: int) -> dict[str, Any]:
    return {"sku": item.sku, "warehouseId": item.warehouse_id, "onHand": on_hand}


async def test_a_batch_of_counts_is_applied_and_answered_in_row_order(
    admin: GraphQLClient, unique: str
) -> None:
    items = [await stock(admin, unique, on_hand=5) for _ in range(3)]

    payload = await admin.mutate(
        SET_LEVELS, {"input": {"rows": [row(items[2], 1), row(items[0], 9), row(items[1], 5)]}}
    )

    levels = ok(payload, "inventoryLevels")
    assert [(lv["sku"], lv["onHand"]) for lv in levels] == [
        (items[2].sku, 1),
        (items[0].sku, 9),
        (items[1].sku, 5),
    ]
    for item, delta in ((items[0], [4]), (items[1], [0]), (items[2], [-4])):
        counted = await movements(admin, sku=item.sku, reason="CYCLE_COUNT")
        assert [n["delta"] for n in counted["nodes"]] == delta


async def test_a_batch_with_bad_rows_names_each_and_writes_nothing(
    admin: GraphQLClient, unique: str
) -> None:
    items = [await stock(admin, unique, on_hand=5) for _ in range(3)]
    await place_ok(admin, order_input([(items[1].sku, 4)]))
    rows = [
        row(items[0], 2),  # fine on its own
        row(items[1], 3),  # below the 4 reserved
        {**row(items[2], 1), "sku": f"NOPE-{unique}"},
        {**row(items[2], 1), "onHand": -5},
    ]

    payload = await admin.mutate(SET_LEVELS, {"input": {"rows": rows}})

    assert payload["inventoryLevels"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "rows", "1", "onHand"], "INSUFFICIENT_STOCK"),
        (["input", "rows", "2", "sku"], "NOT_FOUND"),
        (["input", "rows", "3", "onHand"], "INVALID_QUANTITY"),
    ]
    for item in items:
        assert (await read_level(admin, item))["onHand"] == 5
        assert (await movements(admin, sku=item.sku, reason="CYCLE_COUNT"))["totalCount"] == 0


async def test_a_batch_over_250_rows_is_refused_whole(admin: GraphQLClient, unique: str) -> None:
    item = await stock(admin, unique, on_hand=5)
    rows = [row(item, 1)] * 251

    payload = await admin.mutate(SET_LEVELS, {"input": {"rows": rows}})

    error = only_error(payload, "inventoryLevels")
    assert (error["field"], error["code"]) == (["input", "rows"], "TOO_MANY_LINES")
    assert (await read_level(admin, item))["onHand"] == 5


async def test_a_batch_naming_one_level_twice_is_refused(admin: GraphQLClient, unique: str) -> None:
    item = await stock(admin, unique, on_hand=5)

    payload = await admin.mutate(SET_LEVELS, {"input": {"rows": [row(item, 1), row(item, 2)]}})

    error = only_error(payload, "inventoryLevels")
    assert (error["field"], error["code"]) == (["input", "rows", "1", "sku"], "DUPLICATE")


# --- the ledger and the audit ---------------------------------------------------------------


async def test_movements_page_newest_first_with_stable_cursors(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)
    for counted in (9, 8, 7, 6):
        ok(await set_inventory(admin, item, counted))

    first = await movements(admin, sku=item.sku, first=2)
    rest = await movements(admin, sku=item.sku, first=10, after=first["pageInfo"]["endCursor"])

    assert first["totalCount"] == 5
    assert first["pageInfo"]["hasNextPage"] is True
    assert rest["pageInfo"]["hasNextPage"] is False
    deltas = [n["delta"] for n in first["nodes"] + rest["nodes"]]
    assert deltas == [-1, -1, -1, -1, 10]
    reasons = [n["reason"] for n in first["nodes"] + rest["nodes"]]
    assert reasons == ["CYCLE_COUNT"] * 4 + ["RECEIVE"]
    occurred = [n["occurredAt"] for n in first["nodes"] + rest["nodes"]]
    assert occurred == sorted(occurred, reverse=True)
    newest = first["nodes"][0]["occurredAt"]
    assert [n["delta"] for n in (await movements(admin, sku=item.sku, since=newest))["nodes"]] == [
        -1
    ]


async def test_movements_filter_by_warehouse_and_reason(admin: GraphQLClient, unique: str) -> None:
    item = await stock(admin, unique, on_hand=4)
    await place_ok(admin, order_input([(item.sku, 1)]))

    reserved = await movements(admin, warehouseId=item.warehouse_id, reason="RESERVE")

    (movement,) = reserved["nodes"]
    assert (movement["sku"], movement["field"], movement["delta"]) == (item.sku, "RESERVED", 1)
    assert movement["reference"] is not None


async def test_bad_ledger_arguments_are_top_level_errors(admin: GraphQLClient) -> None:
    for variables, code in (
        ({"warehouseId": "bm9wZQ"}, "INVALID_ID"),
        ({"first": 101}, "BAD_USER_INPUT"),
        ({"after": "!!"}, "BAD_USER_INPUT"),
        ({"sku": "x" * 65}, "BAD_USER_INPUT"),
    ):
        result = await admin.execute(MOVEMENTS, variables)
        assert result.error_codes == [code], result.body


async def test_the_audit_finds_every_level_in_agreement_with_its_ledger(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)
    await place_ok(admin, order_input([(item.sku, 3)]))
    ok(await set_inventory(admin, item, 8))
    ok(await set_safety(admin, item, 2))

    audit = (await admin.data(AUDIT))["inventoryAudit"]

    assert audit["levelsChecked"] >= 1
    assert audit["drift"] == []


def _database_id(global_id: str) -> str:
    padded = global_id + "=" * (-len(global_id) % 4)
    return base64.urlsafe_b64decode(padded).decode().split(":", 1)[1]
