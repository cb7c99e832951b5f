"""startPicking, markPacked, shipFulfillment and pickList over real HTTP, on both backends.

Every refusal is checked twice: the payload carries a coded userError, and re-reading the order
(fulfillments, shipments, timeline) and the stock level shows nothing changed.
The helpers here are shared by the shipment and tracking API modules.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ordergraph.domain.principals import Role, Scope
from tests.api.test_cancel_and_holds_api import cancel, hold, release
from tests.api.test_place_order_api import (
    Stocked,
    address,
    create_product,
    create_warehouse,
    level,
    order_input,
    place_ok,
    read_order,
    receive,
    short,
    stock,
)
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi, issue_token

FULFILLMENT = """
  id status warehouse { id code }
  lines { id orderLineId sku quantity shippedQuantity remainingQuantity }
  shipments { id trackingCode }
"""

SHIPMENT = """
  id carrier carrierName service trackingNumber trackingUrl trackingCode shortLink status
  shippedAt promisedDeliveryAt deliveredAt orderNumber
  lines { orderLineId sku quantity }
  events { status occurredAt location description applied }
"""

ORDER_STATE = f"""
  id number status paymentStatus shipByAt deliveredAt atRisk atRiskReasons
  lines {{ id sku quantity }}
  fulfillments {{ {FULFILLMENT} }}
  shipments {{ {SHIPMENT} }}
  events {{ sequence type }}
"""

AUTHORIZE = f"""
mutation($input: PaymentInput!) {{
  authorizePayment(input: $input) {{
    order {{ {ORDER_STATE} }}
    userErrors {{ field message code }}
  }}
}}"""


def fulfillment_mutation(name: str) -> str:
    return f"""
mutation($input: FulfillmentInput!) {{
  {name}(input: $input) {{
    fulfillment {{ {FULFILLMENT} }}
    order {{ {ORDER_STATE} }}
    userErrors {{ field message code }}
  }}
}}"""


START_PICKING = fulfillment_mutation("startPicking")
MARK_PACKED = fulfillment_mutation("markPacked")

SHIP = f"""
mutation($input: ShipFulfillmentInput!) {{
  shipFulfillment(input: $input) {{
    shipment {{ {SHIPMENT} }}
    fulfillment {{ {FULFILLMENT} }}
    order {{ {ORDER_STATE} }}
    userErrors {{ field message code }}
  }}
}}"""

PICK_LIST = """
query($warehouseId: ID!, $statuses: [FulfillmentStatus!]) {
  pickList(warehouseId: $warehouseId, statuses: $statuses) {
    sku name quantity orderNumbers fulfillmentIds
  }
}"""


@dataclass(frozen=True)
class Confirmed:
    """A paid order whose stock waits in fulfillments."""

    order: dict[str, Any]
    item: Stocked

    @property
    def id(self) -> str:
        order_id = self.order["id"]
        assert isinstance(order_id, str)
        return order_id

    @property
    def fulfillment_id(self) -> str:
        (fulfillment,) = self.order["fulfillments"]
        fulfillment_id = fulfillment["id"]
        assert isinstance(fulfillment_id, str)
        return fulfillment_id


def tracking_number() -> str:
    return f"TN{short()}{short()}"


def parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    assert moment.tzinfo is not None, value
    return moment


async def authorize_ok(admin: GraphQLClient, order_id: str) -> dict[str, Any]:
    payload = await admin.mutate(AUTHORIZE, {"input": {"orderId": order_id, "token": "tok_ok"}})
    assert payload["userErrors"] == [], payload["userErrors"]
    order = payload["order"]
    assert order["status"] == "CONFIRMED", order
    assert isinstance(order, dict)
    return order


async def confirm(admin: GraphQLClient, values: dict[str, Any]) -> dict[str, Any]:
    placed = await place_ok(admin, values)
    return await authorize_ok(admin, placed["id"])


async def confirmed(
    admin: GraphQLClient,
    unique: str,
    quantity: int = 3,
    *,
    on_hand: int = 10,
    email: str | None = None,
) -> Confirmed:
    """A fresh product in a fresh warehouse and a CONFIRMED order for ``quantity`` of it."""
    item = await stock(admin, unique, on_hand=on_hand)
    order = await confirm(
        admin, order_input([(item.sku, quantity)], email=email or f"{unique.lower()}@example.com")
    )
    return Confirmed(order, item)


async def start_picking(client: GraphQLClient, fulfillment_id: str, **extra: Any) -> Any:
    return await client.mutate(START_PICKING, {"input": {"fulfillmentId": fulfillment_id, **extra}})


async def mark_packed(client: GraphQLClient, fulfillment_id: str, **extra: Any) -> Any:
    return await client.mutate(MARK_PACKED, {"input": {"fulfillmentId": fulfillment_id, **extra}})


async def ship(
    client: GraphQLClient,
    fulfillment_id: str,
    carrier: str = "DHL",
    number: str | None = None,
    **extra: Any,
) -> Any:
    values = {
        "fulfillmentId": fulfillment_id,
        "carrier": carrier,
        "trackingNumber": number or tracking_number(),
        **extra,
    }
    return await client.mutate(SHIP, {"input": values})


def succeeded(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


def refused(payload: dict[str, Any], code: str) -> dict[str, Any]:
    assert payload["fulfillment"] is None, payload
    assert payload["order"] is None, payload
    assert payload.get("shipment") is None, payload
    (error,) = payload["userErrors"]
    assert error["code"] == code, error
    assert isinstance(error, dict)
    return error


async def pack(admin: GraphQLClient, fulfillment_id: str) -> dict[str, Any]:
    """PENDING → PICKING → PACKED; the packed payload."""
    succeeded(await start_picking(admin, fulfillment_id))
    return succeeded(await mark_packed(admin, fulfillment_id))


async def ship_ok(
    client: GraphQLClient, fulfillment_id: str, carrier: str = "DHL", **extra: Any
) -> dict[str, Any]:
    return succeeded(await ship(client, fulfillment_id, carrier, **extra))


async def shipped(
    admin: GraphQLClient, unique: str, quantity: int = 2, carrier: str = "DHL", **extra: Any
) -> tuple[Confirmed, dict[str, Any]]:
    """A confirmed order, picked, packed and shipped in full; (the order, the ship payload)."""
    order = await confirmed(admin, unique, quantity)
    await pack(admin, order.fulfillment_id)
    return order, await ship_ok(admin, order.fulfillment_id, carrier, **extra)


async def state(admin: GraphQLClient, order_id: str) -> Any:
    return await read_order(admin, order_id, ORDER_STATE)


async def snapshot(admin: GraphQLClient, order: Confirmed) -> tuple[Any, tuple[int, int, int]]:
    """What a refused step must leave alone: the order as read back, and the stock level."""
    item = order.item
    return await state(admin, order.id), await level(admin, item.sku, item.warehouse_id)


# --- the happy path --------------------------------------------------------------------------


async def test_picking_packing_and_shipping_move_the_fulfillment_and_the_order_along(
    admin: GraphQLClient, unique: str
) -> None:
    order = await confirmed(admin, unique, 3)
    assert order.order["fulfillments"][0]["status"] == "PENDING"
    assert order.order["shipByAt"] is not None

    picking = succeeded(await start_picking(admin, order.fulfillment_id))
    assert picking["fulfillment"]["status"] == "PICKING"
    assert picking["order"]["status"] == "PROCESSING"

    packed = succeeded(await mark_packed(admin, order.fulfillment_id))
    assert packed["fulfillment"]["status"] == "PACKED"
    assert packed["order"]["status"] == "PROCESSING"

    done = succeeded(await ship(admin, order.fulfillment_id, "DHL", service="Express"))
    assert done["fulfillment"]["status"] == "SHIPPED"
    assert [
        (line["sku"], line["quantity"], line["shippedQuantity"], line["remainingQuantity"])
        for line in done["fulfillment"]["lines"]
    ] == [(order.item.sku, 3, 3, 0)]
    after = done["order"]
    assert after["status"] == "SHIPPED"
    shipment = done["shipment"]
    assert shipment["status"] == "LABEL_CREATED"
    assert shipment["service"] == "Express"
    assert shipment["orderNumber"] == after["number"]
    assert [(line["sku"], line["quantity"]) for line in shipment["lines"]] == [(order.item.sku, 3)]
    assert [e["status"] for e in shipment["events"]] == ["LABEL_CREATED"]
    assert [s["id"] for s in after["shipments"]] == [shipment["id"]]
    assert after["fulfillments"][0]["shipments"] == [
        {"id": shipment["id"], "trackingCode": shipment["trackingCode"]}
    ]
    types = [e["type"] for e in after["events"]]
    assert types[:3] == ["order.placed", "order.confirmed", "fulfillment.created"]
    assert types[3:] == [
        "order.processing",
        "fulfillment.picking",
        "fulfillment.packed",
        "order.shipped",
        "shipment.created",
    ]
    assert [e["sequence"] for e in after["events"]] == list(range(1, len(types) + 1))
    assert await state(admin, order.id) == after


async def test_shipping_takes_the_units_out_of_on_hand_and_reserved_and_keeps_available(
    admin: GraphQLClient, unique: str
) -> None:
    order = await confirmed(admin, unique, 3, on_hand=10)
    item = order.item
    assert await level(admin, item.sku, item.warehouse_id) == (10, 3, 7)
    await pack(admin, order.fulfillment_id)
    assert await level(admin, item.sku, item.warehouse_id) == (10, 3, 7)

    await ship_ok(admin, order.fulfillment_id)

    assert await level(admin, item.sku, item.warehouse_id) == (7, 0, 7)


async def test_an_order_split_over_two_warehouses_ships_in_two_parcels(
    admin: GraphQLClient, unique: str
) -> None:
    region = f"RG-{unique}"
    sku = f"SKU-{unique}-{short()}"
    await create_product(admin, sku)
    first = await create_warehouse(admin, f"ONE-{unique}", region=region, priority=1)
    second = await create_warehouse(admin, f"TWO-{unique}", region=region, priority=2)
    await receive(admin, sku, first, 1)
    await receive(admin, sku, second, 1)
    order = await confirm(admin, order_input([(sku, 2)], ship_to=address(region=region)))

    by_warehouse = {f["warehouse"]["id"]: f for f in order["fulfillments"]}
    assert set(by_warehouse) == {first, second}
    for fulfillment in by_warehouse.values():
        assert [(line["sku"], line["quantity"]) for line in fulfillment["lines"]] == [(sku, 1)]
    one, two = by_warehouse[first]["id"], by_warehouse[second]["id"]

    await pack(admin, one)
    parcel_one = await ship_ok(admin, one)
    assert parcel_one["order"]["status"] == "PARTIALLY_SHIPPED"
    assert {f["id"]: f["status"] for f in parcel_one["order"]["fulfillments"]} == {
        one: "SHIPPED",
        two: "PENDING",
    }
    assert await level(admin, sku, first) == (0, 0, 0)
    assert await level(admin, sku, second) == (1, 1, 0)

    picking = succeeded(await start_picking(admin, two))
    assert picking["order"]["status"] == "PARTIALLY_SHIPPED"
    succeeded(await mark_packed(admin, two))
    parcel_two = await ship_ok(admin, two, "UPS")

    after = parcel_two["order"]
    assert after["status"] == "SHIPPED"
    assert {f["status"] for f in after["fulfillments"]} == {"SHIPPED"}
    codes = {s["trackingCode"] for s in after["shipments"]}
    assert codes == {parcel_one["shipment"]["trackingCode"], parcel_two["shipment"]["trackingCode"]}
    assert len(codes) == 2
    assert [e["type"] for e in after["events"]].count("shipment.created") == 2
    assert await level(admin, sku, second) == (0, 0, 0)


async def test_part_of_a_line_ships_first_and_the_rest_follows(
    admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)
    other_sku = f"OTHER-{unique}-{short()}"
    await create_product(admin, other_sku)
    await receive(admin, other_sku, item.warehouse_id, 4)
    order = await confirm(admin, order_input([(item.sku, 5), (other_sku, 2)]))
    (fulfillment,) = order["fulfillments"]
    line_of = {line["sku"]: line["id"] for line in fulfillment["lines"]}
    await pack(admin, fulfillment["id"])

    first = await ship_ok(
        admin, fulfillment["id"], lines=[{"fulfillmentLineId": line_of[item.sku], "quantity": 2}]
    )

    assert first["fulfillment"]["status"] == "PACKED"
    assert {
        line["sku"]: (line["shippedQuantity"], line["remainingQuantity"])
        for line in first["fulfillment"]["lines"]
    } == {item.sku: (2, 3), other_sku: (0, 2)}
    assert first["order"]["status"] == "PARTIALLY_SHIPPED"
    assert [(line["sku"], line["quantity"]) for line in first["shipment"]["lines"]] == [
        (item.sku, 2)
    ]
    assert await level(admin, item.sku, item.warehouse_id) == (8, 3, 5)
    assert await level(admin, other_sku, item.warehouse_id) == (4, 2, 2)

    rest = await ship_ok(admin, fulfillment["id"])

    assert rest["fulfillment"]["status"] == "SHIPPED"
    assert {line["remainingQuantity"] for line in rest["fulfillment"]["lines"]} == {0}
    assert sorted((line["sku"], line["quantity"]) for line in rest["shipment"]["lines"]) == sorted(
        [(item.sku, 3), (other_sku, 2)]
    )
    assert rest["order"]["status"] == "SHIPPED"
    assert len(rest["order"]["shipments"]) == 2
    assert await level(admin, item.sku, item.warehouse_id) == (5, 0, 5)
    assert await level(admin, other_sku, item.warehouse_id) == (2, 0, 2)


async def test_shipping_more_than_is_left_on_a_line_is_an_invalid_quantity(
    admin: GraphQLClient, unique: str
) -> None:
    order = await confirmed(admin, unique, 2)
    packed = await pack(admin, order.fulfillment_id)
    (line,) = packed["fulfillment"]["lines"]
    before = await snapshot(admin, order)

    for quantity in (3, 0, -1):
        error = refused(
            await ship(
                admin,
                order.fulfillment_id,
                lines=[{"fulfillmentLineId": line["id"], "quantity": quantity}],
            ),
            "INVALID_QUANTITY",
        )
        assert error["field"] == ["input", "lines", "0", "quantity"]

    assert await snapshot(admin, order) == before


async def test_a_line_of_another_fulfillment_cannot_be_shipped_here(
    admin: GraphQLClient, unique: str
) -> None:
    order = await confirmed(admin, unique, 2)
    other = await confirmed(admin, f"{unique}B", 2)
    await pack(admin, order.fulfillment_id)
    foreign = other.order["fulfillments"][0]["lines"][0]["id"]
    before = await snapshot(admin, order)

    error = refused(
        await ship(
            admin, order.fulfillment_id, lines=[{"fulfillmentLineId": foreign, "quantity": 1}]
        ),
        "NOT_FOUND",
    )

    assert error["field"] == ["input", "lines", "0", "fulfillmentLineId"]
    assert await snapshot(admin, order) == before


async def test_two_shipments_of_one_fulfillment_at_once_ship_it_once(
    admin: GraphQLClient, unique: str
) -> None:
    order = await confirmed(admin, unique, 3)
    await pack(admin, order.fulfillment_id)

    payloads = await asyncio.gather(*(ship(admin, order.fulfillment_id) for _ in range(4)))

    winners = [p for p in payloads if not p["userErrors"]]
    assert len(winners) == 1, payloads
    for payload in payloads:
        if payload is not winners[0]:
            refused(payload, "ILLEGAL_TRANSITION")
    after = await state(admin, order.id)
    assert [s["id"] for s in after["shipments"]] == [winners[0]["shipment"]["id"]]
    assert after["status"] == "SHIPPED"
    assert await level(admin, order.item.sku, order.item.warehouse_id) == (7, 0, 7)


async def test_backordered_units_ship_only_once_they_are_on_hand(
    admin: GraphQLClient, unique: str
) -> None:
    region = f"RG-{unique}"  # every warehouse may backorder: route to this one by region
    item = await stock(admin, unique, on_hand=0, region=region)
    sku = f"BACK-{unique}-{short()}"
    created = await admin.mutate(
        """mutation($input: CreateProductInput!) {
             createProduct(input: $input) { product { allowBackorder } userErrors { code } }
           }""",
        {
            "input": {
                "sku": sku,
                "name": sku,
                "price": {"amount": "5.00", "currency": "EUR"},
                "allowBackorder": True,
            }
        },
    )
    assert created == {"product": {"allowBackorder": True}, "userErrors": []}
    await receive(admin, sku, item.warehouse_id, 1)
    order = Confirmed(
        await confirm(admin, order_input([(sku, 3)], ship_to=address(region=region))), item
    )
    assert await level(admin, sku, item.warehouse_id) == (1, 3, -2)
    await pack(admin, order.fulfillment_id)
    before = await state(admin, order.id)

    refused(await ship(admin, order.fulfillment_id), "INSUFFICIENT_STOCK")

    assert await state(admin, order.id) == before
    assert await level(admin, sku, item.warehouse_id) == (1, 3, -2)
    await receive(admin, sku, item.warehouse_id, 2)
    await ship_ok(admin, order.fulfillment_id)
    assert await level(admin, sku, item.warehouse_id) == (0, 0, 0)


# --- illegal transitions ---------------------------------------------------------------------


async def test_packing_a_pending_fulfillment_is_an_illegal_transition(
    admin: GraphQLClient, unique: str
) -> None:
    order = await confirmed(admin, unique)
    before = await snapshot(admin, order)

    refused(await mark_packed(admin, order.fulfillment_id), "ILLEGAL_TRANSITION")
    refused(await ship(admin, order.fulfillment_id), "ILLEGAL_TRANSITION")

    after = await snapshot(admin, order)
    assert after == before
    assert after[0]["status"] == "CONFIRMED"
    assert after[0]["fulfillments"][0]["status"] == "PENDING"


async def test_shipping_a_fulfillment_still_being_picked_is_an_illegal_transition(
    admin: GraphQLClient, unique: str
) -> None:
    order = await confirmed(admin, unique)
    succeeded(await start_picking(admin, order.fulfillment_id))
    before = await snapshot(admin, order)

    refused(await ship(admin, order.fulfillment_id), "ILLEGAL_TRANSITION")

    after = await snapshot(admin, order)
    assert after == before
    assert after[0]["fulfillments"][0]["status"] == "PICKING"
    assert after[0]["shipments"] == []


async def test_starting_to_pick_twice_is_an_illegal_transition(
    admin: GraphQLClient, unique: str
) -> None:
    order = await confirmed(admin, unique)
    succeeded(await start_picking(admin, order.fulfillment_id))
    before = await snapshot(admin, order)

    error = refused(await start_picking(admin, order.fulfillment_id), "ILLEGAL_TRANSITION")

    assert error["field"] == ["input", "fulfillmentId"]
    assert await snapshot(admin, order) == before


async def test_nothing_moves_a_shipped_fulfillment(admin: GraphQLClient, unique: str) -> None:
    order, _ = await shipped(admin, unique)
    before = await snapshot(admin, order)

    refused(await start_picking(admin, order.fulfillment_id), "ILLEGAL_TRANSITION")
    refused(await mark_packed(admin, order.fulfillment_id), "ILLEGAL_TRANSITION")
    refused(await ship(admin, order.fulfillment_id), "ILLEGAL_TRANSITION")

    after = await snapshot(admin, order)
    assert after == before
    assert after[0]["status"] == "SHIPPED"
    assert len(after[0]["shipments"]) == 1


async def test_nothing_moves_the_fulfillment_of_a_cancelled_order(
    admin: GraphQLClient, unique: str
) -> None:
    order = await confirmed(admin, unique, 2)
    cancelled = await cancel(admin, order.id)
    assert cancelled["userErrors"] == []
    before = await snapshot(admin, order)
    assert before[0]["fulfillments"][0]["status"] == "CANCELLED"
    assert before[1] == (10, 0, 10)

    refused(await start_picking(admin, order.fulfillment_id), "ILLEGAL_TRANSITION")
    refused(await mark_packed(admin, order.fulfillment_id), "ILLEGAL_TRANSITION")
    refused(await ship(admin, order.fulfillment_id), "ILLEGAL_TRANSITION")

    assert await snapshot(admin, order) == before


async def test_a_fulfillment_cancelled_mid_pick_cannot_be_packed(
    admin: GraphQLClient, unique: str
) -> None:
    order = await confirmed(admin, unique, 2)
    succeeded(await start_picking(admin, order.fulfillment_id))
    assert (await cancel(admin, order.id))["userErrors"] == []
    before = await snapshot(admin, order)
    assert before[0]["status"] == "CANCELLED"

    refused(await mark_packed(admin, order.fulfillment_id), "ILLEGAL_TRANSITION")

    assert await snapshot(admin, order) == before


# --- holds -----------------------------------------------------------------------------------


async def test_a_hold_blocks_picking_packing_and_shipping_until_released(
    admin: GraphQLClient, unique: str
) -> None:
    order = await confirmed(admin, unique)
    fulfillment_id = order.fulfillment_id
    steps: list[Callable[[], Awaitable[Any]]] = [
        lambda: start_picking(admin, fulfillment_id),
        lambda: mark_packed(admin, fulfillment_id),
        lambda: ship(admin, fulfillment_id),
    ]
    statuses = ["PICKING", "PACKED", "SHIPPED"]

    for step, status in zip(steps, statuses, strict=True):
        assert (await hold(admin, order.id, "ADDRESS_VERIFICATION"))["userErrors"] == []
        before = await snapshot(admin, order)

        refused(await step(), "ORDER_ON_HOLD")
        assert await snapshot(admin, order) == before

        assert (await release(admin, order.id, "ADDRESS_VERIFICATION"))["userErrors"] == []
        payload = succeeded(await step())
        assert payload["fulfillment"]["status"] == status

    after = await state(admin, order.id)
    assert after["status"] == "SHIPPED"
    assert await level(admin, order.item.sku, order.item.warehouse_id) == (7, 0, 7)


# --- permissions -----------------------------------------------------------------------------


async def test_read_only_staff_can_neither_pick_pack_nor_ship(
    admin: GraphQLClient, staff: GraphQLClient, unique: str
) -> None:
    order = await confirmed(admin, unique)
    before = await snapshot(admin, order)

    refused(await start_picking(staff, order.fulfillment_id), "FORBIDDEN")
    refused(await mark_packed(staff, order.fulfillment_id), "FORBIDDEN")
    refused(await ship(staff, order.fulfillment_id), "FORBIDDEN")

    assert await snapshot(admin, order) == before
    await pack(admin, order.fulfillment_id)
    packed = await snapshot(admin, order)

    refused(await ship(staff, order.fulfillment_id), "FORBIDDEN")

    assert await snapshot(admin, order) == packed


async def test_a_storefront_cannot_ship_even_its_own_order(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    placed = await place_ok(storefront, order_input([(item.sku, 2)]))
    order = Confirmed(await authorize_ok(admin, placed["id"]), item)
    refused(await start_picking(storefront, order.fulfillment_id), "FORBIDDEN")
    await pack(admin, order.fulfillment_id)
    before = await snapshot(admin, order)

    refused(await ship(storefront, order.fulfillment_id), "FORBIDDEN")

    assert await snapshot(admin, order) == before


async def test_a_staff_token_with_fulfillment_write_may_ship(
    admin: GraphQLClient, live: LiveApi, unique: str
) -> None:
    floor = admin.as_token(
        issue_token(live.database_url, Role.STAFF, frozenset({Scope.FULFILLMENT_WRITE}))
    )
    order = await confirmed(admin, unique)

    await pack(floor, order.fulfillment_id)
    payload = await ship_ok(floor, order.fulfillment_id)

    assert payload["order"]["status"] == "SHIPPED"


# --- idempotency -----------------------------------------------------------------------------


async def test_replaying_a_shipment_returns_the_same_shipment_and_ships_once(
    admin: GraphQLClient, unique: str
) -> None:
    order = await confirmed(admin, unique, 3)
    await pack(admin, order.fulfillment_id)
    key = f"ship-{unique}"
    number = tracking_number()

    first = await ship_ok(admin, order.fulfillment_id, number=number, idempotencyKey=key)
    second = await ship_ok(admin, order.fulfillment_id, number=number, idempotencyKey=key)

    assert second["shipment"]["id"] == first["shipment"]["id"]
    assert second["shipment"]["trackingCode"] == first["shipment"]["trackingCode"]
    after = await state(admin, order.id)
    assert [s["id"] for s in after["shipments"]] == [first["shipment"]["id"]]
    assert [e["type"] for e in after["events"]].count("shipment.created") == 1
    assert await level(admin, order.item.sku, order.item.warehouse_id) == (7, 0, 7)


async def test_replaying_start_picking_with_its_key_picks_once(
    admin: GraphQLClient, unique: str
) -> None:
    order = await confirmed(admin, unique)
    key = f"pick-{unique}"

    first = succeeded(await start_picking(admin, order.fulfillment_id, idempotencyKey=key))
    second = succeeded(await start_picking(admin, order.fulfillment_id, idempotencyKey=key))

    assert second["fulfillment"]["id"] == first["fulfillment"]["id"]
    assert second["fulfillment"]["status"] == "PICKING"
    types = [e["type"] for e in (await state(admin, order.id))["events"]]
    assert types.count("fulfillment.picking") == 1
    assert types.count("order.processing") == 1


async def test_reusing_a_shipment_key_with_another_tracking_number_is_refused(
    admin: GraphQLClient, unique: str
) -> None:
    order = await confirmed(admin, unique, 3)
    await pack(admin, order.fulfillment_id)
    key = f"ship-{unique}"
    await ship_ok(admin, order.fulfillment_id, idempotencyKey=key)
    before = await snapshot(admin, order)

    refused(await ship(admin, order.fulfillment_id, idempotencyKey=key), "IDEMPOTENCY_KEY_REUSED")

    assert await snapshot(admin, order) == before


# --- carriers, links and promises ------------------------------------------------------------


async def test_a_registry_carrier_gets_its_name_and_tracking_url(
    admin: GraphQLClient, unique: str
) -> None:
    number = f"JD{short()}{short()}"

    _, payload = await shipped(admin, unique, carrier="dhl", number=number)

    shipment = payload["shipment"]
    assert (shipment["carrier"], shipment["carrierName"]) == ("DHL", "DHL")
    assert shipment["trackingNumber"] == number
    assert shipment["trackingUrl"].startswith("https://www.dhl.com")
    assert number in shipment["trackingUrl"]


async def test_a_custom_carrier_keeps_its_name_and_the_given_tracking_url(
    admin: GraphQLClient, unique: str
) -> None:
    url = f"https://track.example.com/parcels/{unique}"

    _, payload = await shipped(admin, unique, carrier="Acme Couriers", trackingUrl=url)

    shipment = payload["shipment"]
    assert shipment["carrier"] == "ACME_COURIERS"
    assert shipment["carrierName"] == "Acme Couriers"
    assert shipment["trackingUrl"] == url


async def test_a_custom_carrier_without_a_url_has_no_tracking_url(
    admin: GraphQLClient, unique: str
) -> None:
    _, payload = await shipped(admin, unique, carrier="Local Van")

    assert payload["shipment"]["carrierName"] == "Local Van"
    assert payload["shipment"]["trackingUrl"] is None


async def test_a_tracking_url_that_is_not_http_is_refused(
    admin: GraphQLClient, unique: str
) -> None:
    order = await confirmed(admin, unique)
    await pack(admin, order.fulfillment_id)
    before = await snapshot(admin, order)

    error = refused(
        await ship(admin, order.fulfillment_id, "Acme", trackingUrl="javascript:alert(1)"),
        "INVALID",
    )

    assert error["field"] == ["input", "trackingUrl"]
    assert await snapshot(admin, order) == before


async def test_a_shipment_has_a_short_link_and_a_promise_after_it_shipped(
    admin: GraphQLClient, unique: str
) -> None:
    _, payload = await shipped(admin, unique)

    shipment = payload["shipment"]
    code = shipment["trackingCode"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{8,32}", code), code
    assert shipment["shortLink"].endswith(f"/t/{code}")
    assert shipment["shortLink"].startswith("http")
    assert parse_time(shipment["promisedDeliveryAt"]) > parse_time(shipment["shippedAt"])
    assert shipment["deliveredAt"] is None


# --- pick list -------------------------------------------------------------------------------


async def test_the_pick_list_groups_skus_across_orders_and_drops_shipped_units(
    admin: GraphQLClient, staff: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=20)
    warehouse = item.warehouse_id
    other_sku = f"OTHER-{unique}-{short()}"
    await create_product(admin, other_sku)
    await receive(admin, other_sku, warehouse, 10)
    first = await confirm(admin, order_input([(item.sku, 2), (other_sku, 1)]))
    second = await confirm(admin, order_input([(item.sku, 3)]))
    waiting = await confirm(admin, order_input([(item.sku, 4)]))  # PENDING: not in the list
    (f1,) = first["fulfillments"]
    (f2,) = second["fulfillments"]
    (f3,) = waiting["fulfillments"]
    succeeded(await start_picking(admin, f1["id"]))
    succeeded(await start_picking(admin, f2["id"]))

    picking = (await staff.data(PICK_LIST, {"warehouseId": warehouse}))["pickList"]

    assert {line["sku"]: line["quantity"] for line in picking} == {item.sku: 5, other_sku: 1}
    lines = {line["sku"]: line for line in picking}
    assert sorted(lines[item.sku]["orderNumbers"]) == sorted([first["number"], second["number"]])
    assert sorted(lines[item.sku]["fulfillmentIds"]) == sorted([f1["id"], f2["id"]])
    assert lines[other_sku]["orderNumbers"] == [first["number"]]
    assert lines[item.sku]["name"] == f"Product {item.sku}"

    everything = (
        await staff.data(
            PICK_LIST, {"warehouseId": warehouse, "statuses": ["PENDING", "PICKING", "PACKED"]}
        )
    )["pickList"]
    assert {line["sku"]: line["quantity"] for line in everything} == {item.sku: 9, other_sku: 1}
    assert f3["id"] in {i for line in everything for i in line["fulfillmentIds"]}

    succeeded(await mark_packed(admin, f1["id"]))
    succeeded(await mark_packed(admin, f2["id"]))
    item_line = next(line["id"] for line in f1["lines"] if line["sku"] == item.sku)
    await ship_ok(admin, f1["id"], lines=[{"fulfillmentLineId": item_line, "quantity": 1}])
    await ship_ok(admin, f2["id"])

    packed = (await staff.data(PICK_LIST, {"warehouseId": warehouse, "statuses": ["PACKED"]}))[
        "pickList"
    ]
    assert {line["sku"]: line["quantity"] for line in packed} == {item.sku: 1, other_sku: 1}
    assert {n for line in packed for n in line["orderNumbers"]} == {first["number"]}
    assert (await staff.data(PICK_LIST, {"warehouseId": warehouse}))["pickList"] == []


async def test_a_storefront_cannot_read_a_pick_list(
    admin: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)

    result = await storefront.execute(PICK_LIST, {"warehouseId": item.warehouse_id})

    assert result.body.get("data") is None
    assert result.error_codes == ["FORBIDDEN"]


# --- statements per request ------------------------------------------------------------------

ORDERS_WITH_PARCELS = """
query($first: Int!, $search: String!) {
  orders(first: $first, filter: {search: $search}) {
    nodes {
      number status
      fulfillments {
        status warehouse { code } lines { sku shippedQuantity }
        shipments { trackingCode }
      }
      shipments { carrier trackingCode shortLink orderNumber events { status } lines { sku } }
    }
  }
}"""

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
BACKGROUND_JOB = re.compile(r"expires_at\s*<|ship_by_at\s*<|promised_delivery_at\s*<")


def request_statements(live: LiveApi) -> list[str]:
    """What the server ran since ``clear()``, without transaction control and the statements
    of its background jobs (expiry and at-risk scans, which run on their own timers)."""
    return [
        statement
        for statement in list(live.sql.statements)
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL)
        and not BACKGROUND_JOB.search(statement)
    ]


async def test_orders_with_fulfillments_and_shipments_take_constant_statements(
    admin: GraphQLClient, live: LiveApi, unique: str
) -> None:
    tag = f"qc{unique.lower()}"
    item = await stock(admin, unique, on_hand=40)
    gate = asyncio.Semaphore(4)

    async def one(index: int) -> None:
        async with gate:
            order = await confirm(
                admin, order_input([(item.sku, 1)], email=f"{tag}-{index}@example.com")
            )
            (fulfillment,) = order["fulfillments"]
            await pack(admin, fulfillment["id"])
            await ship_ok(admin, fulfillment["id"], "DHL" if index % 2 else "Acme Post")

    await asyncio.gather(*(one(i) for i in range(20)))

    async def run(first: int) -> tuple[list[Any], list[str]]:
        live.sql.clear()
        data = await admin.data(ORDERS_WITH_PARCELS, {"first": first, "search": tag})
        return data["orders"]["nodes"], request_statements(live)

    small, small_sql = await run(2)
    large, large_sql = await run(20)

    assert len(small) == 2
    assert len(large) == 20
    for order in large:
        assert order["status"] == "SHIPPED"
        (fulfillment,) = order["fulfillments"]
        (parcel,) = order["shipments"]
        assert fulfillment["shipments"] == [{"trackingCode": parcel["trackingCode"]}]
        assert parcel["orderNumber"] == order["number"]
        assert [e["status"] for e in parcel["events"]] == ["LABEL_CREATED"]
    assert len(small_sql) == len(large_sql), (small_sql, large_sql)
    # token, the page, then one batch per relation (fulfillments and their lines, warehouses,
    # shipments with lines and events, and the orders behind Shipment.orderNumber)
    assert len(large_sql) <= 12, large_sql
