"""Carrier services, shipping options, promises from history and carrier choice, over real
HTTP on both backends.

Every test works in a region of its own (``R-<unique>``): carrier services serve lanes by
region, so one test's services never price another test's orders.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ordergraph.db.engine import create_engine
from ordergraph.db.tables import shipments
from ordergraph.schema.ids import decode_id
from tests.api.test_fulfillment_api import (
    SHIPMENT,
    authorize_ok,
    pack,
    parse_time,
    ship,
    succeeded,
    tracking_number,
)
from tests.api.test_place_order_api import (
    Stocked,
    address,
    create_product,
    order_count,
    order_input,
    place,
    receive,
    stock,
)
from tests.api.test_query_counts import queries
from tests.api.test_shipments_api import after, record_ok
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi

SERVICE_FIELDS = """
  id carrier service active version workingDays holidays
  lanes { originRegion destinationCountry destinationRegion transitDaysMin transitDaysMax }
  rates { maxWeightGrams price { amount currency } freeOver { amount currency } }
  cutoffs { warehouseId time timezone }
"""

CREATE = f"""
mutation($input: CreateCarrierServiceInput!) {{
  createCarrierService(input: $input) {{
    carrierService {{ {SERVICE_FIELDS} }}
    userErrors {{ field message code currentVersion }}
  }}
}}"""

UPDATE = f"""
mutation($input: UpdateCarrierServiceInput!) {{
  updateCarrierService(input: $input) {{
    carrierService {{ {SERVICE_FIELDS} }}
    userErrors {{ field message code currentVersion }}
  }}
}}"""

LIST = f"""
query($active: Boolean) {{
  carrierServices(first: 20, active: $active) {{ totalCount nodes {{ {SERVICE_FIELDS} }} }}
}}"""

WINDOW = "deliveryWindow { earliest latest basis sampleSize confidence }"

OPTIONS = f"""
query($lines: [OrderLineInput!]!, $address: AddressInput!) {{
  shippingOptions(lines: $lines, shippingAddress: $address) {{
    id carrier service price {{ amount currency }} {WINDOW}
  }}
}}"""

PLACE = f"""
mutation($input: PlaceOrderInput!) {{
  placeOrder(input: $input) {{
    order {{
      id promisedDeliveryAt shippingTotal {{ amount currency }}
      fulfillments {{ id lines {{ id }} }}
      shippingOption {{ carrier service chosenBy price {{ amount currency }} {WINDOW} }}
    }}
    userErrors {{ field message code }}
  }}
}}"""

CHOICE = """
  carrierChoice {
    policy chosen
    candidates {
      carrier service price { amount currency } estimatedDeliveryAt meetsPromise chosen reason
    }
  }
"""

SHIP_WITH_CHOICE = f"""
mutation($input: ShipFulfillmentInput!) {{
  shipFulfillment(input: $input) {{
    shipment {{ {SHIPMENT} {CHOICE} }}
    userErrors {{ field message code }}
  }}
}}"""


def region_of(unique: str) -> str:
    return f"R-{unique}"


async def regional_stock(admin: GraphQLClient, unique: str, on_hand: int = 30) -> Stocked:
    return await stock(admin, unique, on_hand=on_hand, region=region_of(unique), country="DE")


def ship_to(unique: str) -> dict[str, Any]:
    return address(region=region_of(unique), country="DE")


def service_input(
    unique: str,
    carrier: str,
    service: str,
    price: str,
    days: tuple[int, int],
    **extra: Any,
) -> dict[str, Any]:
    region = region_of(unique)
    return {
        "carrier": carrier,
        "service": f"{service}-{unique}",
        "lanes": [
            {
                "originRegion": region,
                "destinationRegion": region,
                "transitDaysMin": days[0],
                "transitDaysMax": days[1],
            }
        ],
        "rates": [
            {"maxWeightGrams": 5000, "price": {"amount": price, "currency": "EUR"}},
            {"maxWeightGrams": 30000, "price": {"amount": "99.00", "currency": "EUR"}},
        ],
        **extra,
    }


async def create_ok(admin: GraphQLClient, values: dict[str, Any]) -> dict[str, Any]:
    payload = await admin.mutate(CREATE, {"input": values})
    assert payload["userErrors"] == [], payload["userErrors"]
    service = payload["carrierService"]
    assert isinstance(service, dict)
    return service


async def options(
    client: GraphQLClient, lines: list[tuple[str, int]], to: dict[str, Any]
) -> list[dict[str, Any]]:
    data = await client.data(
        OPTIONS,
        {"lines": [{"sku": s, "quantity": q} for s, q in lines], "address": to},
    )
    found = data["shippingOptions"]
    assert isinstance(found, list)
    return found


async def place_ok(client: GraphQLClient, values: dict[str, Any]) -> dict[str, Any]:
    payload = await client.mutate(PLACE, {"input": values})
    assert payload["userErrors"] == [], payload["userErrors"]
    order = payload["order"]
    assert isinstance(order, dict)
    return order


async def test_carrier_services_are_created_listed_and_updated_with_versions(
    admin: GraphQLClient, staff: GraphQLClient, unique: str
) -> None:
    item = await regional_stock(admin, unique)
    created = await create_ok(
        admin,
        service_input(
            unique,
            "dhl",
            "EXPRESS",
            "14.95",
            (1, 2),
            cutoffs=[
                {"warehouseId": item.warehouse_id, "time": "15:30", "timezone": "Europe/Berlin"}
            ],
            holidays=["2026-12-25"],
        ),
    )
    assert created["carrier"] == "DHL"
    assert created["version"] == 1
    assert created["workingDays"] == [1, 2, 3, 4, 5]
    assert created["holidays"] == ["2026-12-25"]
    assert created["cutoffs"] == [
        {"warehouseId": item.warehouse_id, "time": "15:30", "timezone": "Europe/Berlin"}
    ]
    assert created["rates"][0] == {
        "maxWeightGrams": 5000,
        "price": {"amount": "14.95", "currency": "EUR"},
        "freeOver": None,
    }
    listed = (await admin.data(LIST))["carrierServices"]["nodes"]
    assert created in listed

    updated = await admin.mutate(
        UPDATE, {"input": {"id": created["id"], "expectedVersion": 1, "active": False}}
    )
    assert updated["userErrors"] == []
    assert (updated["carrierService"]["active"], updated["carrierService"]["version"]) == (False, 2)
    assert created["id"] not in [
        s["id"] for s in (await admin.data(LIST, {"active": True}))["carrierServices"]["nodes"]
    ]

    stale = await admin.mutate(
        UPDATE, {"input": {"id": created["id"], "expectedVersion": 1, "active": True}}
    )
    assert stale["carrierService"] is None
    assert [(e["code"], e["currentVersion"]) for e in stale["userErrors"]] == [("CONFLICT", 2)]

    duplicate = await admin.mutate(
        CREATE, {"input": service_input(unique, "DHL", "EXPRESS", "1", (1, 1))}
    )
    assert [e["code"] for e in duplicate["userErrors"]] == ["DUPLICATE"]
    unknown = await admin.mutate(CREATE, {"input": service_input(unique, "ACME", "X", "1", (1, 1))})
    assert [(e["code"], e["field"]) for e in unknown["userErrors"]] == [
        ("UNKNOWN_CARRIER", ["input", "carrier"])
    ]
    backwards = await admin.mutate(
        CREATE, {"input": service_input(unique, "UPS", "X", "1", (3, 1))}
    )
    assert [e["code"] for e in backwards["userErrors"]] == ["INVALID_QUANTITY"]
    # staff read, but writing carrier services needs shipping:write
    refused = await staff.mutate(CREATE, {"input": service_input(unique, "UPS", "Y", "1", (1, 1))})
    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN"]
    assert created["id"] in [s["id"] for s in (await staff.data(LIST))["carrierServices"]["nodes"]]


async def test_the_option_chosen_at_checkout_is_what_the_order_records(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await regional_stock(admin, unique)
    await create_ok(admin, service_input(unique, "POSTNL", "STANDARD", "4.95", (2, 3)))
    await create_ok(admin, service_input(unique, "DHL", "EXPRESS", "14.95", (1, 1)))
    lines = [(item.sku, 2)]

    found = await options(storefront, lines, ship_to(unique))
    assert [(o["carrier"], o["price"]["amount"]) for o in found] == [
        ("POSTNL", "4.95"),
        ("DHL", "14.95"),
    ]
    standard, express = found
    for option in found:
        window = option["deliveryWindow"]
        assert window["basis"] == "STATIC"
        assert window["sampleSize"] == 0
        assert window["confidence"] is None
        assert parse_time(window["earliest"]) <= parse_time(window["latest"])
    assert parse_time(express["deliveryWindow"]["latest"]) < parse_time(
        standard["deliveryWindow"]["latest"]
    )

    chosen = await place_ok(
        storefront,
        order_input(lines, ship_to=ship_to(unique), shippingOptionId=express["id"]),
    )
    assert chosen["shippingTotal"] == {"amount": "14.95", "currency": "EUR"}
    assert parse_time(chosen["promisedDeliveryAt"]) == parse_time(
        express["deliveryWindow"]["latest"]
    )
    recorded = chosen["shippingOption"]
    assert (recorded["carrier"], recorded["service"], recorded["chosenBy"]) == (
        "DHL",
        f"EXPRESS-{unique}",
        "CUSTOMER",
    )
    assert recorded["deliveryWindow"]["latest"] == chosen["promisedDeliveryAt"]

    cheapest = await place_ok(storefront, order_input(lines, ship_to=ship_to(unique)))
    assert cheapest["shippingTotal"]["amount"] == "4.95"
    assert cheapest["shippingOption"]["chosenBy"] == "CHEAPEST"
    assert cheapest["shippingOption"]["carrier"] == "POSTNL"


async def test_an_option_that_no_longer_holds_is_refused_and_nothing_is_written(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await regional_stock(admin, unique)
    service = await create_ok(admin, service_input(unique, "DPD", "ECONOMY", "3.95", (2, 4)))
    lines = [(item.sku, 1)]
    (option,) = await options(storefront, lines, ship_to(unique))
    before = await order_count(admin)

    forged = option["id"][:-2] + ("aa" if not option["id"].endswith("aa") else "bb")
    for bad in (forged, "not-an-option"):
        payload = await place(
            storefront, order_input(lines, ship_to=ship_to(unique), shippingOptionId=bad)
        )
        assert payload["order"] is None
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
            ("SHIPPING_OPTION_INVALID", ["input", "shippingOptionId"])
        ]

    reprice = {
        "id": service["id"],
        "rates": [{"maxWeightGrams": 5000, "price": {"amount": "5.95", "currency": "EUR"}}],
    }
    assert (await admin.mutate(UPDATE, {"input": reprice}))["userErrors"] == []
    stale = await place(
        storefront, order_input(lines, ship_to=ship_to(unique), shippingOptionId=option["id"])
    )
    assert [e["code"] for e in stale["userErrors"]] == ["SHIPPING_OPTION_INVALID"]
    assert await order_count(admin) == before

    (fresh,) = await options(storefront, lines, ship_to(unique))
    placed = await place_ok(
        storefront, order_input(lines, ship_to=ship_to(unique), shippingOptionId=fresh["id"])
    )
    assert placed["shippingTotal"]["amount"] == "5.95"


async def test_without_a_serving_service_the_fixed_rate_table_still_prices_the_order(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await regional_stock(admin, unique)
    assert await options(storefront, [(item.sku, 1)], ship_to(unique)) == []
    placed = await place_ok(storefront, order_input([(item.sku, 1)], ship_to=ship_to(unique)))
    # the built-in table's "*" rate: 9.95 under 150.00
    assert placed["shippingTotal"] == {"amount": "9.95", "currency": "EUR"}
    assert placed["shippingOption"] is None
    assert placed["promisedDeliveryAt"] is not None


async def confirmed_order(
    admin: GraphQLClient, unique: str, item: Stocked, quantity: int, **extra: Any
) -> dict[str, Any]:
    placed = await place_ok(
        admin,
        order_input(
            [(item.sku, quantity)],
            email=f"{unique.lower()}@example.com",
            ship_to=ship_to(unique),
            **extra,
        ),
    )
    order = await authorize_ok(admin, placed["id"])
    (fulfillment,) = order["fulfillments"]
    await pack(admin, fulfillment["id"])
    return order


async def ship_choosing(admin: GraphQLClient, fulfillment_id: str) -> dict[str, Any]:
    payload = await admin.mutate(
        SHIP_WITH_CHOICE,
        {"input": {"fulfillmentId": fulfillment_id, "trackingNumber": tracking_number()}},
    )
    assert payload["userErrors"] == [], payload["userErrors"]
    shipment = payload["shipment"]
    assert isinstance(shipment, dict)
    return shipment


async def test_shipping_without_a_carrier_takes_the_cheapest_service_that_meets_the_promise(
    admin: GraphQLClient, unique: str
) -> None:
    item = await regional_stock(admin, unique)
    await create_ok(admin, service_input(unique, "POSTNL", "STANDARD", "4.95", (1, 2)))
    await create_ok(admin, service_input(unique, "DHL", "EXPRESS", "14.95", (1, 1)))
    order = await confirmed_order(admin, unique, item, 2)
    # a cheaper service arrives after checkout, too slow for the promise already made
    await create_ok(admin, service_input(unique, "DPD", "ECONOMY", "2.95", (20, 30)))

    shipment = await ship_choosing(admin, order["fulfillments"][0]["id"])
    assert (shipment["carrier"], shipment["service"]) == ("POSTNL", f"STANDARD-{unique}")
    assert shipment["trackingUrl"].startswith("https://jouw.postnl.nl/")
    choice = shipment["carrierChoice"]
    assert choice["policy"] == "cheapest"
    assert choice["chosen"] == f"POSTNL STANDARD-{unique}"
    reasons = {
        c["carrier"]: (c["meetsPromise"], c["chosen"], c["reason"]) for c in choice["candidates"]
    }
    assert reasons == {
        "DPD": (False, False, "misses the promised delivery"),
        "POSTNL": (True, True, "cheapest that meets the promise"),
        "DHL": (True, False, f"dearer than POSTNL STANDARD-{unique}"),
    }
    chosen = next(c for c in choice["candidates"] if c["chosen"])
    assert chosen["estimatedDeliveryAt"] == shipment["promisedDeliveryAt"]


async def test_the_service_the_customer_paid_for_is_the_one_that_ships(
    admin: GraphQLClient, unique: str
) -> None:
    item = await regional_stock(admin, unique)
    await create_ok(admin, service_input(unique, "POSTNL", "STANDARD", "4.95", (1, 2)))
    await create_ok(admin, service_input(unique, "DHL", "EXPRESS", "14.95", (1, 1)))
    express = (await options(admin, [(item.sku, 1)], ship_to(unique)))[1]
    order = await confirmed_order(admin, unique, item, 1, shippingOptionId=express["id"])

    shipment = await ship_choosing(admin, order["fulfillments"][0]["id"])
    assert shipment["carrier"] == "DHL"
    reasons = {c["carrier"]: c["reason"] for c in shipment["carrierChoice"]["candidates"]}
    assert reasons["DHL"] == "chosen by the customer at checkout"


async def test_shipping_without_a_carrier_where_no_service_serves_is_refused(
    admin: GraphQLClient, unique: str
) -> None:
    item = await regional_stock(admin, unique)
    order = await confirmed_order(admin, unique, item, 1)
    fid = order["fulfillments"][0]["id"]
    payload = await admin.mutate(
        SHIP_WITH_CHOICE, {"input": {"fulfillmentId": fid, "trackingNumber": tracking_number()}}
    )
    assert payload["shipment"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("CARRIER_REQUIRED", ["input", "carrier"])
    ]
    # naming a carrier still works as before, and records no choice
    named = succeeded(await ship(admin, fid, "GLS"))
    assert named["shipment"]["carrier"] == "GLS"


async def test_twenty_deliveries_turn_the_window_into_p50_to_p90_of_history(
    admin: GraphQLClient, storefront: GraphQLClient, live: LiveApi, unique: str
) -> None:
    item = await regional_stock(admin, unique, on_hand=40)
    service = f"STANDARD-{unique}"
    await create_ok(admin, service_input(unique, "POSTNL", "STANDARD", "4.95", (1, 2)))
    order = await confirmed_order(admin, unique, item, 20)
    fulfillment = order["fulfillments"][0]
    line_id = fulfillment["lines"][0]["id"]
    shipment_ids = []
    for _ in range(20):
        shipped = succeeded(
            await ship(
                admin,
                fulfillment["id"],
                "POSTNL",
                service=service,
                lines=[{"fulfillmentLineId": line_id, "quantity": 1}],
            )
        )["shipment"]
        await record_ok(admin, shipped["id"], "DELIVERED", after(shipped, 1))
        shipment_ids.append(shipped["id"])

    # transit times of 1, 2, …, 20 days: p50 = 10.5, p90 = 18.1 (percentile_cont)
    engine = create_engine(live.database_url)
    try:
        async with engine.begin() as conn:
            now = datetime.now(UTC)
            for days, sid in enumerate(shipment_ids, start=1):
                await conn.execute(
                    sa.update(shipments)
                    .where(shipments.c.id == int(decode_id(sid)[1]))
                    .values(
                        shipped_at=now - timedelta(days=days + 1),
                        delivered_at=now - timedelta(days=1),
                    )
                )
    finally:
        await engine.dispose()

    (option,) = await options(storefront, [(item.sku, 1)], ship_to(unique))
    window = option["deliveryWindow"]
    assert (window["basis"], window["sampleSize"], window["confidence"]) == ("HISTORY", 20, 0.9)
    spread = parse_time(window["latest"]) - parse_time(window["earliest"])
    assert abs(spread.total_seconds() - 7.6 * 86400) < 1
    placed = await place_ok(storefront, order_input([(item.sku, 1)], ship_to=ship_to(unique)))
    assert placed["shippingOption"]["deliveryWindow"]["basis"] == "HISTORY"
    assert placed["promisedDeliveryAt"] == placed["shippingOption"]["deliveryWindow"]["latest"]


async def test_shipping_options_take_the_same_statements_for_one_line_or_many(
    admin: GraphQLClient, storefront: GraphQLClient, live: LiveApi, unique: str
) -> None:
    item = await regional_stock(admin, unique)
    others = []
    for n in range(6):
        sku = f"{item.sku}-{n}"
        await create_product(admin, sku)
        await receive(admin, sku, item.warehouse_id, 5)
        others.append((sku, 1))
    for name, price in (("STANDARD", "4.95"), ("EXPRESS", "14.95"), ("ECONOMY", "3.95")):
        await create_ok(admin, service_input(unique, "POSTNL", name, price, (1, 3)))

    live.sql.clear()
    one = await options(storefront, [(item.sku, 1)], ship_to(unique))
    few = len(queries(live))
    live.sql.clear()
    many = await options(storefront, [(item.sku, 1), *others], ship_to(unique))
    assert len(queries(live)) == few
    assert len(one) == len(many) == 3
