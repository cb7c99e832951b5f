"""quoteOrder over real HTTP on both backends: a quote equals the order placed right after it
with the same input, refuses what placeOrder refuses, and writes nothing.

Every test works in a region of its own (as in test_carrier_services_api), so one test's
carrier services never price another test's quotes.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from ordergraph.db.engine import create_engine
from ordergraph.db.tables import (
    idempotency_keys,
    inventory_levels,
    inventory_movements,
    order_allocations,
    orders,
    outbox,
)
from tests.api.test_carrier_services_api import (
    WINDOW,
    create_ok,
    region_of,
    regional_stock,
    service_input,
    ship_to,
)
from tests.api.test_catalog_updates_api import ARCHIVE_PRODUCT, changed, read_product
from tests.api.test_fulfillment_api import parse_time
from tests.api.test_place_order_api import (
    create_product,
    create_warehouse,
    order_input,
    place,
    read_order,
    receive,
    short,
)
from tests.api.test_query_counts import queries
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi

MONEY = "{ amount currency }"
ROUTING = """
  routing {
    candidates { rank reason chosen warehouse { id code } }
    allocations { sku quantity warehouse { id code } }
  }
"""
COMPARED = f"""
  lines {{ sku name quantity unitPrice {MONEY} total {MONEY} }}
  subtotal {MONEY} shippingTotal {MONEY} total {MONEY} promisedDeliveryAt
  shippingOption {{ carrier service chosenBy price {MONEY} {WINDOW} }}
  {ROUTING}
"""

QUOTE = f"""
mutation($input: PlaceOrderInput!) {{
  quoteOrder(input: $input) {{
    quote {{
      {COMPARED}
      discountTotal {MONEY} taxTotal {MONEY}
      shippingOptions {{ id carrier service price {MONEY} deliveryWindow {{ earliest latest }} }}
    }}
    userErrors {{ field message code }}
  }}
}}"""

PLACE = f"""
mutation($input: PlaceOrderInput!) {{
  placeOrder(input: $input) {{
    order {{ id {COMPARED} }}
    userErrors {{ field message code }}
  }}
}}"""

ZERO_EUR = {"amount": "0.00", "currency": "EUR"}
COMPARED_KEYS = (
    "lines",
    "subtotal",
    "shippingTotal",
    "total",
    "promisedDeliveryAt",
    "shippingOption",
    "routing",
)


async def quote(client: GraphQLClient, values: dict[str, Any]) -> dict[str, Any]:
    return await client.mutate(QUOTE, {"input": values})


async def quote_ok(client: GraphQLClient, values: dict[str, Any]) -> dict[str, Any]:
    payload = await quote(client, values)
    assert payload["userErrors"] == [], payload["userErrors"]
    found = payload["quote"]
    assert isinstance(found, dict)
    return found


async def place_ok(client: GraphQLClient, values: dict[str, Any]) -> dict[str, Any]:
    payload = await client.mutate(PLACE, {"input": values})
    assert payload["userErrors"] == [], payload["userErrors"]
    order = payload["order"]
    assert isinstance(order, dict)
    return order


def compared(found: dict[str, Any]) -> dict[str, Any]:
    return {key: found[key] for key in COMPARED_KEYS}


async def quote_then_place(
    client: GraphQLClient, values: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    quoted = await quote_ok(client, values)
    placed = await place_ok(client, values)
    assert quoted["discountTotal"] == quoted["taxTotal"] == ZERO_EUR
    return quoted, placed


async def table_counts(live: LiveApi) -> dict[str, int]:
    """Rows in every table a placed order writes, and the total reserved stock."""
    engine = create_engine(live.database_url)
    try:
        async with engine.connect() as conn:
            counts = {
                table.name: (
                    await conn.execute(sa.select(sa.func.count()).select_from(table))
                ).scalar_one()
                for table in (
                    orders,
                    order_allocations,
                    inventory_movements,
                    outbox,
                    idempotency_keys,
                )
            }
            reserved = (
                await conn.execute(
                    sa.select(sa.func.coalesce(sa.func.sum(inventory_levels.c.reserved), 0))
                )
            ).scalar_one()
            return {**counts, "reserved": int(reserved)}
    finally:
        await engine.dispose()


# --- a quote is the order placed right after it ---------------------------------------------


async def test_without_an_option_the_quote_is_the_order_with_the_cheapest_service(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await regional_stock(admin, unique)
    await create_ok(admin, service_input(unique, "POSTNL", "STANDARD", "4.95", (2, 3)))
    await create_ok(admin, service_input(unique, "DHL", "EXPRESS", "14.95", (1, 1)))
    values = order_input([(item.sku, 2), (item.sku, 1)], ship_to=ship_to(unique))

    quoted, placed = await quote_then_place(storefront, values)

    assert compared(quoted) == compared(placed)
    assert quoted["lines"] == [
        {
            "sku": item.sku,
            "name": f"Product {item.sku}",
            "quantity": 3,
            "unitPrice": {"amount": "12.50", "currency": "EUR"},
            "total": {"amount": "37.50", "currency": "EUR"},
        }
    ]
    assert quoted["shippingTotal"] == {"amount": "4.95", "currency": "EUR"}
    assert quoted["total"] == {"amount": "42.45", "currency": "EUR"}
    assert quoted["shippingOption"]["chosenBy"] == "CHEAPEST"
    assert [(o["carrier"], o["price"]["amount"]) for o in quoted["shippingOptions"]] == [
        ("POSTNL", "4.95"),
        ("DHL", "14.95"),
    ]
    assert quoted["promisedDeliveryAt"] == quoted["shippingOption"]["deliveryWindow"]["latest"]


async def test_with_a_chosen_option_the_quote_is_the_order_with_that_option(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await regional_stock(admin, unique)
    await create_ok(admin, service_input(unique, "POSTNL", "STANDARD", "4.95", (2, 3)))
    await create_ok(admin, service_input(unique, "DHL", "EXPRESS", "14.95", (1, 1)))
    first = await quote_ok(storefront, order_input([(item.sku, 1)], ship_to=ship_to(unique)))
    express = next(o for o in first["shippingOptions"] if o["carrier"] == "DHL")
    values = order_input([(item.sku, 1)], ship_to=ship_to(unique), shippingOptionId=express["id"])

    quoted, placed = await quote_then_place(storefront, values)

    assert compared(quoted) == compared(placed)
    chosen = quoted["shippingOption"]
    assert (chosen["carrier"], chosen["chosenBy"]) == ("DHL", "CUSTOMER")
    assert quoted["shippingTotal"] == {"amount": "14.95", "currency": "EUR"}
    assert parse_time(quoted["promisedDeliveryAt"]) == parse_time(
        express["deliveryWindow"]["latest"]
    )


async def test_a_split_order_is_quoted_as_it_is_placed_from_two_warehouses(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    near_region, far_region = region_of(unique), f"RF-{unique}"
    sku = f"SKU-{unique}-{short()}"
    await create_product(admin, sku)
    near = await create_warehouse(admin, f"NEAR-{unique}", region=near_region)
    far = await create_warehouse(admin, f"FAR-{unique}", region=far_region)
    await receive(admin, sku, near, 3)
    await receive(admin, sku, far, 4)
    service = service_input(unique, "DPD", "SPLIT", "6.95", (1, 2))
    service["lanes"].append(
        {
            "originRegion": far_region,
            "destinationRegion": near_region,
            "transitDaysMin": 3,
            "transitDaysMax": 4,
        }
    )
    await create_ok(admin, service)
    values = order_input([(sku, 6)], ship_to=ship_to(unique))

    quoted, placed = await quote_then_place(storefront, values)

    assert compared(quoted) == compared(placed)
    allocations = {a["warehouse"]["id"]: a["quantity"] for a in quoted["routing"]["allocations"]}
    assert allocations == {near: 3, far: 3}
    assert quoted["shippingTotal"] == {"amount": "6.95", "currency": "EUR"}
    assert quoted["total"] == {"amount": "81.95", "currency": "EUR"}
    # the slower lane (from the far warehouse) sets the promise
    window = quoted["shippingOption"]["deliveryWindow"]
    assert parse_time(window["latest"]) - parse_time(window["earliest"]) >= timedelta(days=1)
    assert quoted["promisedDeliveryAt"] == window["latest"]


async def test_without_a_serving_service_the_quote_is_the_fixed_rate_order(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await regional_stock(admin, unique)
    values = order_input([(item.sku, 2)], ship_to=ship_to(unique))

    started = time.monotonic()
    quoted, placed = await quote_then_place(storefront, values)
    elapsed = timedelta(seconds=time.monotonic() - started)

    same = [k for k in COMPARED_KEYS if k != "promisedDeliveryAt"]
    assert {k: quoted[k] for k in same} == {k: placed[k] for k in same}
    assert quoted["shippingOption"] is None
    assert quoted["shippingOptions"] == []
    assert quoted["shippingTotal"] == {"amount": "9.95", "currency": "EUR"}
    # handling plus transit from "now": the order's promise is later by the time in between
    later = parse_time(placed["promisedDeliveryAt"]) - parse_time(quoted["promisedDeliveryAt"])
    assert timedelta(0) <= later <= elapsed


# --- a quote writes nothing -------------------------------------------------------------------


async def test_a_quote_writes_no_order_reservation_movement_event_or_idempotency_record(
    admin: GraphQLClient, storefront: GraphQLClient, live: LiveApi, unique: str
) -> None:
    item = await regional_stock(admin, unique)
    await create_ok(admin, service_input(unique, "POSTNL", "STANDARD", "4.95", (2, 3)))
    values = order_input([(item.sku, 2)], ship_to=ship_to(unique), idempotencyKey=f"quote-{unique}")
    before = await table_counts(live)

    for _ in range(3):
        await quote_ok(storefront, values)
    await quote_ok(admin, {**values, "customerId": None, "channel": "PHONE"})
    await quote(storefront, order_input([(item.sku, 999)], ship_to=ship_to(unique)))

    assert await table_counts(live) == before
    # the key was never taken: placing with it creates the order, once
    placed = await place_ok(storefront, values)
    again = await place_ok(storefront, values)
    assert placed["id"] == again["id"]
    after = await table_counts(live)
    assert after["orders"] == before["orders"] + 1
    assert after["idempotency_keys"] == before["idempotency_keys"] + 1
    assert after["reserved"] == before["reserved"] + 2


# --- the same refusals as placeOrder ----------------------------------------------------------


async def refused_alike(client: GraphQLClient, values: dict[str, Any]) -> dict[str, Any]:
    """quoteOrder and placeOrder answer the same userErrors for ``values``."""
    quoted = await quote(client, values)
    placed = await place(client, values)
    assert quoted["quote"] is None
    assert placed["order"] is None
    errors = [(e["code"], e["field"]) for e in quoted["userErrors"]]
    assert errors == [(e["code"], e["field"]) for e in placed["userErrors"]]
    assert len(errors) == 1, errors
    (error,) = quoted["userErrors"]
    assert isinstance(error, dict)
    return error


async def test_a_quote_refuses_what_place_order_refuses_with_the_same_errors(
    admin: GraphQLClient, storefront: GraphQLClient, live: LiveApi, unique: str
) -> None:
    item = await regional_stock(admin, unique, on_hand=5)
    await create_ok(admin, service_input(unique, "POSTNL", "STANDARD", "4.95", (2, 3)))
    to = ship_to(unique)
    before = await table_counts(live)

    cases: list[tuple[dict[str, Any], str, list[str]]] = [
        (order_input([(item.sku, 6)], ship_to=to), "OUT_OF_STOCK", ["input", "lines"]),
        (
            order_input([(item.sku, 1), (f"NOPE-{unique}", 1)], ship_to=to),
            "NOT_FOUND",
            ["input", "lines", "1", "sku"],
        ),
        (
            order_input([(item.sku, 1)], ship_to=to, shippingOptionId="not-an-option"),
            "SHIPPING_OPTION_INVALID",
            ["input", "shippingOptionId"],
        ),
        (order_input([(item.sku, 1)], ship_to=to, email=None), "REQUIRED", ["input", "email"]),
        (
            order_input([(item.sku, 0)], ship_to=to),
            "INVALID_QUANTITY",
            ["input", "lines", "0", "quantity"],
        ),
        (order_input([], ship_to=to), "REQUIRED", ["input", "lines"]),
    ]
    for values, code, field in cases:
        error = await refused_alike(storefront, values)
        assert error["code"] == code, (values, error)
        if code != "OUT_OF_STOCK":
            assert error["field"] == field, (values, error)

    assert await table_counts(live) == before

    product = await read_product(admin, item.sku)
    await changed(admin, ARCHIVE_PRODUCT, {"productId": product["id"]})
    before = await table_counts(live)  # archiving itself records an event
    error = await refused_alike(storefront, order_input([(item.sku, 1)], ship_to=to))
    assert (error["code"], error["field"]) == ("PRODUCT_ARCHIVED", ["input", "lines", "0", "sku"])
    assert await table_counts(live) == before


async def test_who_may_quote_is_who_may_place(
    admin: GraphQLClient,
    staff: GraphQLClient,
    anonymous: GraphQLClient,
    storefront: GraphQLClient,
    unique: str,
) -> None:
    item = await regional_stock(admin, unique)
    values = order_input([(item.sku, 1)], ship_to=ship_to(unique))

    assert (await quote_ok(storefront, values))["lines"][0]["quantity"] == 1
    error = await refused_alike(staff, values)
    assert error["code"] == "FORBIDDEN"
    result = await anonymous.execute(QUOTE, {"input": values})
    assert result.body.get("data") is None
    assert result.error_codes == ["UNAUTHENTICATED"]


# --- statements ---------------------------------------------------------------------------------


async def test_a_quote_takes_the_same_statements_for_one_line_or_many(
    admin: GraphQLClient, storefront: GraphQLClient, live: LiveApi, unique: str
) -> None:
    item = await regional_stock(admin, unique)
    lines = [(item.sku, 1)]
    for n in range(6):
        sku = f"{item.sku}-{n}"
        await create_product(admin, sku)
        await receive(admin, sku, item.warehouse_id, 5)
        lines.append((sku, 1))
    for name, price in (("STANDARD", "4.95"), ("EXPRESS", "14.95"), ("ECONOMY", "3.95")):
        await create_ok(admin, service_input(unique, "POSTNL", name, price, (1, 3)))

    live.sql.clear()
    one = await quote_ok(storefront, order_input(lines[:1], ship_to=ship_to(unique)))
    few = queries(live)
    live.sql.clear()
    many = await quote_ok(storefront, order_input(lines, ship_to=ship_to(unique)))
    assert len(queries(live)) == len(few), (few, queries(live))
    assert len(one["lines"]) == 1
    assert len(many["lines"]) == 7
    assert len(one["shippingOptions"]) == len(many["shippingOptions"]) == 3
    # token, products, warehouses, availability, services, lanes and rates, history, the
    # markets, the discounts (codes and automatic), the destination's tax rates, and the
    # routing's warehouses for the answer: nothing per line
    assert len(few) <= 12, few


async def test_the_quote_lines_read_back_as_the_placed_order(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await regional_stock(admin, unique)
    values = order_input([(item.sku, 4)], ship_to=ship_to(unique))
    quoted, placed = await quote_then_place(storefront, values)
    stored = await read_order(admin, placed["id"], COMPARED)
    assert compared(stored)["lines"] == quoted["lines"]
    assert stored["total"] == quoted["total"]
