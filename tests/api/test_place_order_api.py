"""placeOrder over real HTTP on both backends: pricing, reservation, routing, bad input.

Every refusal is checked twice: the response carries a coded userError, and re-reading through the
API shows nothing was written (orders ``totalCount``) and nothing reserved (``reserved``).
The helpers here are shared by the other order API modules.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ordergraph.domain.principals import Role
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi, issue_token

MAX_BODY = 1_000_000

ORDER_FIELDS = """
  id number status paymentStatus channel email contactName placedBy expiresAt createdAt
  subtotal { amount currency } shippingTotal { amount currency } total { amount currency }
  lines { sku name quantity unitPrice { amount currency } total { amount currency } }
  customer { id email }
  events { sequence type actor }
  routing {
    candidates { rank chosen warehouse { id code } }
    allocations { sku quantity warehouse { id code } }
  }
"""

PLACE_ORDER = f"""
mutation($input: PlaceOrderInput!) {{
  placeOrder(input: $input) {{
    order {{ {ORDER_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

ORDER = f"query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"

ORDER_COUNT = "{ orders { totalCount } }"

LEVEL = """
query($sku: String!, $warehouseId: ID!) {
  inventoryLevels(sku: $sku, warehouseId: $warehouseId) { nodes { onHand reserved available } }
}"""


def global_id(type_name: str, key: object) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode().rstrip("=")


def short() -> str:
    return uuid.uuid4().hex[:6].upper()


@dataclass(frozen=True)
class Stocked:
    """One product with stock in one warehouse."""

    sku: str
    price: Decimal
    warehouse_id: str
    warehouse_code: str
    region: str


async def ok(client: GraphQLClient, query: str, values: dict[str, Any]) -> dict[str, Any]:
    payload = await client.mutate(query, {"input": values})
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def create_warehouse(
    admin: GraphQLClient,
    code: str,
    *,
    region: str = "EU-WEST",
    country: str = "DE",
    priority: int = 100,
) -> str:
    payload = await ok(
        admin,
        """mutation($input: CreateWarehouseInput!) {
             createWarehouse(input: $input) { warehouse { id } userErrors { field code } }
           }""",
        {
            "code": code,
            "name": code,
            "region": region,
            "countryCode": country,
            "priority": priority,
        },
    )
    warehouse_id = payload["warehouse"]["id"]
    assert isinstance(warehouse_id, str)
    return warehouse_id


async def create_product(
    admin: GraphQLClient, sku: str, *, price: str = "12.50", weight_grams: int = 0
) -> str:
    payload = await ok(
        admin,
        """mutation($input: CreateProductInput!) {
             createProduct(input: $input) { product { id } userErrors { field code } }
           }""",
        {
            "sku": sku,
            "name": f"Product {sku}",
            "price": {"amount": price, "currency": "EUR"},
            "weightGrams": weight_grams,
        },
    )
    product_id = payload["product"]["id"]
    assert isinstance(product_id, str)
    return product_id


async def receive(admin: GraphQLClient, sku: str, warehouse_id: str, quantity: int) -> None:
    await ok(
        admin,
        """mutation($input: AdjustInventoryInput!) {
             adjustInventory(input: $input) { inventoryLevel { onHand } userErrors { code } }
           }""",
        {"sku": sku, "warehouseId": warehouse_id, "delta": quantity, "reason": "RECEIVED"},
    )


async def stock(
    admin: GraphQLClient,
    unique: str,
    *,
    on_hand: int = 10,
    price: str = "12.50",
    region: str = "EU-WEST",
    country: str = "DE",
    priority: int = 100,
) -> Stocked:
    """A fresh product and a fresh warehouse holding ``on_hand`` units of it."""
    tag = f"{unique}-{short()}"
    code = f"W-{tag}"
    warehouse_id = await create_warehouse(
        admin, code, region=region, country=country, priority=priority
    )
    sku = f"SKU-{tag}"
    await create_product(admin, sku, price=price)
    if on_hand:
        await receive(admin, sku, warehouse_id, on_hand)
    return Stocked(sku, Decimal(price), warehouse_id, code, region)


async def level(admin: GraphQLClient, sku: str, warehouse_id: str) -> tuple[int, int, int]:
    """(onHand, reserved, available); (0, 0, 0) where no level exists yet."""
    data = await admin.data(LEVEL, {"sku": sku, "warehouseId": warehouse_id})
    nodes = data["inventoryLevels"]["nodes"]
    if not nodes:
        return (0, 0, 0)
    (node,) = nodes
    return (node["onHand"], node["reserved"], node["available"])


async def reserved(admin: GraphQLClient, sku: str, warehouse_id: str) -> int:
    return (await level(admin, sku, warehouse_id))[1]


async def order_count(admin: GraphQLClient) -> int:
    count = (await admin.data(ORDER_COUNT))["orders"]["totalCount"]
    assert isinstance(count, int)
    return count


async def read_order(admin: GraphQLClient, order_id: str, fields: str = ORDER_FIELDS) -> Any:
    data = await admin.data(
        f"query($id: ID!) {{ order(id: $id) {{ {fields} }} }}", {"id": order_id}
    )
    return data["order"]


def address(region: str | None = "EU-WEST", country: str = "DE", **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "Ada Lovelace",
        "line1": "1 Analytical Way",
        "city": "Berlin",
        "postalCode": "10115",
        "countryCode": country,
        "region": region,
    }
    values.update(changes)
    return values


def order_input(
    lines: list[tuple[str, int]],
    *,
    email: str | None = "ada@example.com",
    channel: str = "WEB",
    ship_to: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "channel": channel,
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
        "shippingAddress": ship_to or address(),
        "email": email,
        **extra,
    }
    return values


async def place(client: GraphQLClient, values: dict[str, Any]) -> dict[str, Any]:
    return await client.mutate(PLACE_ORDER, {"input": values})


async def place_ok(client: GraphQLClient, values: dict[str, Any]) -> dict[str, Any]:
    payload = await place(client, values)
    assert payload["userErrors"] == [], payload["userErrors"]
    order = payload["order"]
    assert isinstance(order, dict)
    return order


def only_error(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["order"] is None, payload
    assert len(payload["userErrors"]) == 1, payload["userErrors"]
    error = payload["userErrors"][0]
    assert isinstance(error, dict)
    return error


async def assert_refused_without_writes(
    client: GraphQLClient,
    admin: GraphQLClient,
    item: Stocked,
    values: dict[str, Any],
    code: str,
    field: list[str] | None = None,
) -> None:
    """placeOrder answers one ``code`` userError, and no order or reservation appears."""
    before = (await order_count(admin), await level(admin, item.sku, item.warehouse_id))

    error = only_error(await place(client, values))

    assert error["code"] == code, error
    if field is not None:
        assert error["field"] == field, error
    after = (await order_count(admin), await level(admin, item.sku, item.warehouse_id))
    assert after == before


def amount(money: dict[str, Any]) -> Decimal:
    return Decimal(money["amount"])


# --- capture ---------------------------------------------------------------------------------


async def test_a_guest_order_from_the_storefront_is_placed_priced_and_reserved(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10, price="12.50")
    count_before = await order_count(admin)

    order = await place_ok(
        storefront, order_input([(item.sku, 3)], email="guest@example.com", name="Guest Buyer")
    )

    assert (order["status"], order["paymentStatus"]) == ("PLACED", "PENDING")
    assert order["number"].startswith("OG-")
    assert order["number"][3:].isdigit()
    assert order["email"] == "guest@example.com"
    assert order["contactName"] == "Guest Buyer"
    assert order["customer"] is None
    assert order["placedBy"].startswith("storefront:")
    assert order["expiresAt"] is not None
    (line,) = order["lines"]
    assert (line["sku"], line["quantity"]) == (item.sku, 3)
    assert amount(line["unitPrice"]) == Decimal("12.50")
    assert amount(line["total"]) == Decimal("37.50")
    assert amount(order["subtotal"]) == Decimal("37.50")
    # EU-WEST in EUR: 4.95 for the first kilogram, free from 75.00 (DEFAULT_RATES)
    assert amount(order["shippingTotal"]) == Decimal("4.95")
    assert amount(order["total"]) == amount(order["subtotal"]) + amount(order["shippingTotal"])
    assert {m["currency"] for m in (order["subtotal"], order["shippingTotal"], order["total"])} == {
        "EUR"
    }
    assert [(e["sequence"], e["type"]) for e in order["events"]] == [(1, "order.placed")]
    assert await level(admin, item.sku, item.warehouse_id) == (10, 3, 7)
    assert await order_count(admin) == count_before + 1
    assert await read_order(admin, order["id"]) == order


async def test_a_client_cannot_send_a_price(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    values = order_input([(item.sku, 1)])
    values["lines"][0]["unitPrice"] = {"amount": "0.01", "currency": "EUR"}

    result = await storefront.execute(PLACE_ORDER, {"input": values})

    assert result.status == 200
    assert result.body.get("data") is None
    assert "unitPrice" in result.errors[0]["message"]
    assert await reserved(admin, item.sku, item.warehouse_id) == 0


async def test_an_order_is_priced_from_the_catalog_at_the_time_of_placing(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, price="40.00")

    order = await place_ok(storefront, order_input([(item.sku, 2)]))

    assert amount(order["lines"][0]["unitPrice"]) == Decimal("40.00")
    assert amount(order["subtotal"]) == Decimal("80.00")
    # over the EU-WEST free-shipping threshold of 75.00
    assert amount(order["shippingTotal"]) == Decimal("0")
    assert amount(order["total"]) == Decimal("80.00")


async def test_duplicate_skus_in_one_order_are_merged_into_one_line(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)
    other = await stock(admin, unique, on_hand=10)

    order = await place_ok(storefront, order_input([(item.sku, 2), (other.sku, 1), (item.sku, 3)]))

    assert sorted((line["sku"], line["quantity"]) for line in order["lines"]) == sorted(
        [(item.sku, 5), (other.sku, 1)]
    )
    assert amount(order["subtotal"]) == 6 * Decimal("12.50")
    assert await reserved(admin, item.sku, item.warehouse_id) == 5
    assert await reserved(admin, other.sku, other.warehouse_id) == 1


async def test_an_order_of_250_lines_is_accepted_and_merged(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=250, price="1.00")

    order = await place_ok(storefront, order_input([(item.sku, 1)] * 250))

    assert [(line["sku"], line["quantity"]) for line in order["lines"]] == [(item.sku, 250)]
    assert await level(admin, item.sku, item.warehouse_id) == (250, 250, 0)


async def test_an_order_is_routed_to_the_warehouse_in_the_address_region(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    region = f"RG-{unique}"
    sku = f"SKU-{unique}-{short()}"
    await create_product(admin, sku)
    # the other warehouse has the better priority; the region must still win
    far = await create_warehouse(admin, f"FAR-{unique}", region=f"XX-{unique}", priority=1)
    near = await create_warehouse(admin, f"NEAR-{unique}", region=region, priority=500)
    await receive(admin, sku, far, 10)
    await receive(admin, sku, near, 10)

    order = await place_ok(storefront, order_input([(sku, 4)], ship_to=address(region=region)))

    assert [
        (a["sku"], a["quantity"], a["warehouse"]["id"]) for a in order["routing"]["allocations"]
    ] == [(sku, 4, near)]
    chosen = [c["warehouse"]["id"] for c in order["routing"]["candidates"] if c["chosen"]]
    assert chosen == [near]
    ranks = {c["warehouse"]["id"]: c["rank"] for c in order["routing"]["candidates"]}
    assert ranks[near] < ranks[far]
    assert await reserved(admin, sku, near) == 4
    assert await reserved(admin, sku, far) == 0


async def test_an_order_is_split_across_two_warehouses_when_neither_has_enough_alone(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    region = f"RG-{unique}"
    sku = f"SKU-{unique}-{short()}"
    await create_product(admin, sku)
    near = await create_warehouse(admin, f"NEAR-{unique}", region=region)
    far = await create_warehouse(admin, f"FAR-{unique}", region=f"XX-{unique}")
    await receive(admin, sku, near, 3)
    await receive(admin, sku, far, 4)

    order = await place_ok(storefront, order_input([(sku, 6)], ship_to=address(region=region)))

    allocations = {
        a["warehouse"]["id"]: a["quantity"]
        for a in order["routing"]["allocations"]
        if a["sku"] == sku
    }
    # the region's warehouse is drained first, the rest comes from the other one
    assert allocations == {near: 3, far: 3}
    assert {c["warehouse"]["id"] for c in order["routing"]["candidates"] if c["chosen"]} == {
        near,
        far,
    }
    assert [(line["sku"], line["quantity"]) for line in order["lines"]] == [(sku, 6)]
    assert await level(admin, sku, near) == (3, 3, 0)
    assert await level(admin, sku, far) == (4, 3, 1)


async def test_replaying_an_idempotency_key_returns_the_same_order_and_reserves_once(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)
    values = order_input([(item.sku, 2)], idempotencyKey=f"place-{unique}")
    count_before = await order_count(admin)

    first = await place_ok(storefront, values)
    second = await place_ok(storefront, values)

    assert second["id"] == first["id"]
    assert second["number"] == first["number"]
    assert await order_count(admin) == count_before + 1
    assert await reserved(admin, item.sku, item.warehouse_id) == 2


async def test_reusing_an_idempotency_key_with_a_different_input_is_refused(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)
    key = f"place-{unique}"
    await place_ok(storefront, order_input([(item.sku, 2)], idempotencyKey=key))

    await assert_refused_without_writes(
        storefront,
        admin,
        item,
        order_input([(item.sku, 3)], idempotencyKey=key),
        "IDEMPOTENCY_KEY_REUSED",
        ["input", "idempotencyKey"],
    )
    assert await reserved(admin, item.sku, item.warehouse_id) == 2


async def test_the_channel_and_the_acting_principal_are_recorded(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)

    phone = await place_ok(admin, order_input([(item.sku, 1)], channel="PHONE"))
    rep = await place_ok(admin, order_input([(item.sku, 1)], channel="SALES_REP"))

    assert phone["channel"] == "PHONE"
    assert rep["channel"] == "SALES_REP"
    assert phone["placedBy"].startswith("admin:")
    assert (await read_order(admin, phone["id"], "channel placedBy")) == {
        "channel": "PHONE",
        "placedBy": phone["placedBy"],
    }


async def create_customer(admin: GraphQLClient, email: str, name: str = "Known Customer") -> str:
    payload = await ok(
        admin,
        """mutation($input: CreateCustomerInput!) {
             createCustomer(input: $input) { customer { id } userErrors { field code } }
           }""",
        {"email": email, "name": name},
    )
    customer_id = payload["customer"]["id"]
    assert isinstance(customer_id, str)
    return customer_id


async def test_staff_placing_an_order_for_a_customer_links_the_customer(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    email = f"known-{unique.lower()}@example.com"
    customer_id = await create_customer(admin, email)

    order = await place_ok(
        admin, order_input([(item.sku, 1)], email=None, customerId=customer_id, channel="PHONE")
    )

    assert order["customer"] == {"id": customer_id, "email": email}
    assert order["email"] == email
    assert (await read_order(admin, order["id"], "customer { email }")) == {
        "customer": {"email": email}
    }


async def test_a_storefront_cannot_place_an_order_for_a_customer_account(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    customer_id = await create_customer(admin, f"victim-{unique.lower()}@example.com")

    await assert_refused_without_writes(
        storefront,
        admin,
        item,
        order_input([(item.sku, 1)], customerId=customer_id),
        "FORBIDDEN",
    )


async def test_read_only_staff_cannot_place_an_order(
    staff: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)

    await assert_refused_without_writes(
        staff, admin, item, order_input([(item.sku, 1)]), "FORBIDDEN"
    )


async def test_an_anonymous_caller_cannot_place_an_order(
    anonymous: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    count_before = await order_count(admin)

    result = await anonymous.execute(PLACE_ORDER, {"input": order_input([(item.sku, 1)])})

    assert result.body.get("data") is None
    assert result.error_codes == ["UNAUTHENTICATED"]
    assert await order_count(admin) == count_before
    assert await reserved(admin, item.sku, item.warehouse_id) == 0


# --- bad input: a coded userError, nothing written or reserved -------------------------------


async def test_ordering_more_than_is_in_stock_is_out_of_stock(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=3)

    await assert_refused_without_writes(
        storefront, admin, item, order_input([(item.sku, 4)]), "OUT_OF_STOCK"
    )


async def test_one_line_out_of_stock_reserves_nothing_for_the_other_lines(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=5)
    empty = await stock(admin, unique, on_hand=0)

    await assert_refused_without_writes(
        storefront,
        admin,
        item,
        order_input([(item.sku, 2), (empty.sku, 1)]),
        "OUT_OF_STOCK",
    )
    assert await level(admin, item.sku, item.warehouse_id) == (5, 0, 5)


async def test_an_unknown_sku_is_not_found_at_its_line(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)

    await assert_refused_without_writes(
        storefront,
        admin,
        item,
        order_input([(item.sku, 1), (f"GHOST-{unique}", 1)]),
        "NOT_FOUND",
        ["input", "lines", "1", "sku"],
    )


async def test_zero_negative_and_huge_quantities_are_invalid(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)

    for quantity in (0, -1, 10_001):
        await assert_refused_without_writes(
            storefront,
            admin,
            item,
            order_input([(item.sku, 1), (item.sku, quantity)]),
            "INVALID_QUANTITY",
            ["input", "lines", "1", "quantity"],
        )


async def test_an_order_without_lines_is_refused(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)

    await assert_refused_without_writes(
        storefront, admin, item, order_input([]), "REQUIRED", ["input", "lines"]
    )


async def test_251_lines_are_too_many(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=300)

    await assert_refused_without_writes(
        storefront,
        admin,
        item,
        order_input([(item.sku, 1)] * 251),
        "TOO_MANY_LINES",
        ["input", "lines"],
    )


async def test_10000_lines_are_too_many_and_not_a_server_error(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)
    values = order_input([(item.sku, 1)] * 10_000)
    size = len(json.dumps({"query": PLACE_ORDER, "variables": {"input": values}}))
    assert size < MAX_BODY, "the request must fit the body limit to reach the resolver"

    await assert_refused_without_writes(
        storefront, admin, item, values, "TOO_MANY_LINES", ["input", "lines"]
    )


async def test_an_unknown_country_is_invalid(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)

    for country in ("XX", "D", ""):
        await assert_refused_without_writes(
            storefront,
            admin,
            item,
            order_input([(item.sku, 1)], ship_to=address(country=country)),
            "REQUIRED" if country == "" else "INVALID_COUNTRY",
            ["input", "shippingAddress", "countryCode"],
        )


async def test_an_address_without_a_city_is_refused(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)

    for city in ("", "   "):
        await assert_refused_without_writes(
            storefront,
            admin,
            item,
            order_input([(item.sku, 1)], ship_to=address(city=city)),
            "REQUIRED",
            ["input", "shippingAddress", "city"],
        )


async def test_a_guest_order_needs_an_email(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)

    await assert_refused_without_writes(
        storefront,
        admin,
        item,
        order_input([(item.sku, 1)], email=None),
        "REQUIRED",
        ["input", "email"],
    )


async def test_a_malformed_email_is_invalid(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)

    await assert_refused_without_writes(
        storefront,
        admin,
        item,
        order_input([(item.sku, 1)], email="not-an-email"),
        "INVALID_EMAIL",
        ["input", "email"],
    )


async def test_wrong_type_and_garbage_customer_ids_are_invalid_ids(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    product_id = await create_product(admin, f"OTHER-{unique}-{short()}")

    for customer_id in (product_id, "garbage!!", global_id("Customer", "abc"), ""):
        await assert_refused_without_writes(
            admin,
            admin,
            item,
            order_input([(item.sku, 1)], customerId=customer_id),
            "INVALID_ID",
            ["input", "customerId"],
        )


async def test_a_customer_id_that_does_not_exist_is_not_found(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)

    await assert_refused_without_writes(
        admin,
        admin,
        item,
        order_input([(item.sku, 1)], customerId=global_id("Customer", 987654321)),
        "NOT_FOUND",
        ["input", "customerId"],
    )


async def test_a_nul_byte_in_the_name_is_a_top_level_bad_user_input(
    storefront: GraphQLClient, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    count_before = await order_count(admin)

    result = await storefront.execute(
        PLACE_ORDER, {"input": order_input([(item.sku, 1)], name="Ada\x00Lovelace")}
    )

    assert result.status == 200
    assert result.body.get("data") is None
    assert result.error_codes == ["BAD_USER_INPUT"]
    assert await order_count(admin) == count_before
    assert await reserved(admin, item.sku, item.warehouse_id) == 0


async def test_two_storefront_tokens_keep_separate_idempotency_keys(
    storefront: GraphQLClient, live: LiveApi, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    other = storefront.as_token(issue_token(live.database_url, Role.STOREFRONT))
    key = f"shared-{unique}"

    mine = await place_ok(storefront, order_input([(item.sku, 1)], idempotencyKey=key))
    theirs = await place_ok(other, order_input([(item.sku, 1)], idempotencyKey=key))

    assert mine["id"] != theirs["id"]
    assert await reserved(admin, item.sku, item.warehouse_id) == 2
