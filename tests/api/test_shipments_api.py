"""recordShipmentEvent over real HTTP on both backends: carrier events, delivery, orders at risk.

Carrier events are timed from the shipment's own ``shippedAt`` (its LABEL_CREATED event), a few
seconds apart, so they are never "in the future" for the server and their order is explicit.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from ordergraph.domain.principals import Role, Scope
from tests.api.test_fulfillment_api import (
    ORDER_STATE,
    SHIPMENT,
    Confirmed,
    confirm,
    confirmed,
    mark_packed,
    pack,
    parse_time,
    ship,
    ship_ok,
    shipped,
    start_picking,
    state,
)
from tests.api.test_fulfillment_api import refused as step_refused
from tests.api.test_place_order_api import (
    address,
    create_product,
    create_warehouse,
    global_id,
    order_input,
    receive,
    short,
)
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi, issue_token

RECORD = f"""
mutation($input: ShipmentEventInput!) {{
  recordShipmentEvent(input: $input) {{
    shipment {{ {SHIPMENT} }}
    order {{ {ORDER_STATE} }}
    userErrors {{ field message code }}
  }}
}}"""

AT_RISK = """
query($search: String!, $atRisk: Boolean) {
  orders(first: 10, filter: {search: $search, atRisk: $atRisk}) {
    totalCount nodes { id number atRisk atRiskReasons }
  }
}"""


def after(shipment: dict[str, Any], seconds: float) -> str:
    """An ISO time ``seconds`` after the shipment's shippedAt, with its UTC offset."""
    return (parse_time(shipment["shippedAt"]) + timedelta(seconds=seconds)).isoformat()


async def record(
    client: GraphQLClient, shipment_id: str, status: str, occurred_at: str, **extra: Any
) -> Any:
    values = {"shipmentId": shipment_id, "status": status, "occurredAt": occurred_at, **extra}
    return await client.mutate(RECORD, {"input": values})


async def record_ok(
    client: GraphQLClient, shipment_id: str, status: str, occurred_at: str, **extra: Any
) -> dict[str, Any]:
    payload = await record(client, shipment_id, status, occurred_at, **extra)
    assert payload["userErrors"] == [], payload["userErrors"]
    assert isinstance(payload, dict)
    return payload


def refused(payload: dict[str, Any], code: str) -> dict[str, Any]:
    assert payload["shipment"] is None, payload
    assert payload["order"] is None, payload
    (error,) = payload["userErrors"]
    assert error["code"] == code, error
    assert isinstance(error, dict)
    return error


async def parcel(admin: GraphQLClient, unique: str) -> tuple[Confirmed, dict[str, Any]]:
    """A shipped order and its one shipment."""
    order, payload = await shipped(admin, unique)
    shipment = payload["shipment"]
    assert isinstance(shipment, dict)
    return order, shipment


async def test_carrier_events_move_the_parcel_and_delivery_completes_the_order(
    admin: GraphQLClient, unique: str
) -> None:
    order, shipment = await parcel(admin, unique)
    sid = shipment["id"]

    moving = await record_ok(admin, sid, "IN_TRANSIT", after(shipment, 1), location="Hub A")
    assert moving["shipment"]["status"] == "IN_TRANSIT"
    assert moving["order"]["status"] == "SHIPPED"
    near = await record_ok(admin, sid, "OUT_FOR_DELIVERY", after(shipment, 2))
    assert near["shipment"]["status"] == "OUT_FOR_DELIVERY"
    delivered_at = after(shipment, 3)
    done = await record_ok(
        admin, sid, "DELIVERED", delivered_at, location="Front door", description="Signed: A."
    )

    parcel_after = done["shipment"]
    assert parcel_after["status"] == "DELIVERED"
    assert parse_time(parcel_after["deliveredAt"]) == parse_time(delivered_at)
    assert [(e["status"], e["applied"]) for e in parcel_after["events"]] == [
        ("LABEL_CREATED", True),
        ("IN_TRANSIT", True),
        ("OUT_FOR_DELIVERY", True),
        ("DELIVERED", True),
    ]
    last = parcel_after["events"][-1]
    assert (last["location"], last["description"]) == ("Front door", "Signed: A.")
    final = done["order"]
    assert final["status"] == "DELIVERED"
    assert parse_time(final["deliveredAt"]) == parse_time(delivered_at)
    assert final["atRisk"] is False
    assert [e["type"] for e in final["events"]][-4:] == [
        "shipment.event",
        "shipment.event",
        "shipment.event",
        "order.delivered",
    ]
    assert await state(admin, order.id) == final


async def test_an_older_event_is_stored_but_does_not_move_the_parcel_back(
    admin: GraphQLClient, unique: str
) -> None:
    _, shipment = await parcel(admin, unique)
    sid = shipment["id"]
    await record_ok(admin, sid, "OUT_FOR_DELIVERY", after(shipment, 20))

    late = await record_ok(admin, sid, "IN_TRANSIT", after(shipment, 10), location="Hub A")

    assert late["shipment"]["status"] == "OUT_FOR_DELIVERY"
    assert [(e["status"], e["applied"]) for e in late["shipment"]["events"]] == [
        ("LABEL_CREATED", True),
        ("OUT_FOR_DELIVERY", True),
        ("IN_TRANSIT", False),
    ]
    assert late["order"]["status"] == "SHIPPED"


async def test_an_event_older_than_the_label_is_not_applied(
    admin: GraphQLClient, unique: str
) -> None:
    _, shipment = await parcel(admin, unique)

    payload = await record_ok(admin, shipment["id"], "IN_TRANSIT", after(shipment, -3600))

    assert payload["shipment"]["status"] == "LABEL_CREATED"
    assert payload["shipment"]["events"][-1]["applied"] is False


async def test_a_delivered_parcel_never_moves_again(admin: GraphQLClient, unique: str) -> None:
    order, shipment = await parcel(admin, unique)
    sid = shipment["id"]
    await record_ok(admin, sid, "DELIVERED", after(shipment, 5))

    later = await record_ok(admin, sid, "EXCEPTION", after(shipment, 10))

    assert later["shipment"]["status"] == "DELIVERED"
    assert later["shipment"]["events"][-1] | {"occurredAt": None} == {
        "status": "EXCEPTION",
        "occurredAt": None,
        "location": None,
        "description": None,
        "applied": False,
    }
    final = await state(admin, order.id)
    assert final["status"] == "DELIVERED"
    assert final["atRisk"] is False


async def test_an_exception_puts_the_order_at_risk_and_the_filter_finds_it(
    admin: GraphQLClient, unique: str
) -> None:
    order, shipment = await parcel(admin, unique)
    number = order.order["number"]
    calm = await admin.data(AT_RISK, {"search": number, "atRisk": False})
    assert [n["number"] for n in calm["orders"]["nodes"]] == [number]

    payload = await record_ok(
        admin, shipment["id"], "EXCEPTION", after(shipment, 5), description="Address not found"
    )

    assert payload["shipment"]["status"] == "EXCEPTION"
    flagged = payload["order"]
    assert flagged["atRisk"] is True
    assert flagged["atRiskReasons"] == ["SHIPMENT_EXCEPTION"]
    assert flagged["status"] == "SHIPPED"
    assert [e["type"] for e in flagged["events"]][-2:] == ["shipment.event", "order.at_risk"]
    risky = await admin.data(AT_RISK, {"search": number, "atRisk": True})
    assert risky["orders"]["totalCount"] == 1
    assert risky["orders"]["nodes"] == [
        {
            "id": order.id,
            "number": number,
            "atRisk": True,
            "atRiskReasons": ["SHIPMENT_EXCEPTION"],
        }
    ]
    calm = await admin.data(AT_RISK, {"search": number, "atRisk": False})
    assert calm["orders"]["totalCount"] == 0


async def test_a_second_exception_does_not_record_another_at_risk_event(
    admin: GraphQLClient, unique: str
) -> None:
    order, shipment = await parcel(admin, unique)
    await record_ok(admin, shipment["id"], "EXCEPTION", after(shipment, 5))

    await record_ok(admin, shipment["id"], "EXCEPTION", after(shipment, 6))

    final = await state(admin, order.id)
    assert [e["type"] for e in final["events"]].count("order.at_risk") == 1
    assert final["atRiskReasons"] == ["SHIPMENT_EXCEPTION"]


async def test_the_order_is_delivered_only_when_every_parcel_is(
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
    one, two = (f["id"] for f in order["fulfillments"])
    await pack(admin, one)
    parcel_one = (await ship_ok(admin, one))["shipment"]

    early = await record_ok(admin, parcel_one["id"], "DELIVERED", after(parcel_one, 2))
    assert early["shipment"]["status"] == "DELIVERED"
    assert early["order"]["status"] == "PARTIALLY_SHIPPED"
    assert early["order"]["deliveredAt"] is None

    await pack(admin, two)
    parcel_two = (await ship_ok(admin, two))["shipment"]
    assert (await state(admin, order["id"]))["status"] == "SHIPPED"
    moving = await record_ok(admin, parcel_two["id"], "IN_TRANSIT", after(parcel_two, 1))
    assert moving["order"]["status"] == "SHIPPED"
    delivered_at = after(parcel_two, 2)
    done = await record_ok(admin, parcel_two["id"], "DELIVERED", delivered_at)

    assert done["order"]["status"] == "DELIVERED"
    assert parse_time(done["order"]["deliveredAt"]) == parse_time(delivered_at)
    assert {s["status"] for s in done["order"]["shipments"]} == {"DELIVERED"}


async def test_two_parcels_delivered_at_the_same_moment_deliver_the_order(
    admin: GraphQLClient, unique: str
) -> None:
    region = f"RG-{unique}"
    sku = f"SKU-{unique}-{short()}"
    await create_product(admin, sku)
    for priority in (1, 2):
        warehouse = await create_warehouse(
            admin, f"W{priority}-{unique}", region=region, priority=priority
        )
        await receive(admin, sku, warehouse, 1)
    order = await confirm(admin, order_input([(sku, 2)], ship_to=address(region=region)))
    parcels = []
    for fulfillment in order["fulfillments"]:
        await pack(admin, fulfillment["id"])
        parcels.append((await ship_ok(admin, fulfillment["id"]))["shipment"])

    results = await asyncio.gather(
        *(record_ok(admin, p["id"], "DELIVERED", after(p, 2)) for p in parcels)
    )

    assert {r["shipment"]["status"] for r in results} == {"DELIVERED"}
    final = await state(admin, order["id"])
    assert final["status"] == "DELIVERED"
    assert [e["type"] for e in final["events"]].count("order.delivered") == 1


async def test_replaying_an_event_with_its_key_stores_it_once(
    admin: GraphQLClient, unique: str
) -> None:
    order, shipment = await parcel(admin, unique)
    key = f"event-{unique}"
    at = after(shipment, 1)

    first = await record_ok(admin, shipment["id"], "IN_TRANSIT", at, idempotencyKey=key)
    second = await record_ok(admin, shipment["id"], "IN_TRANSIT", at, idempotencyKey=key)

    assert second["shipment"]["id"] == first["shipment"]["id"]
    assert [e["status"] for e in second["shipment"]["events"]] == ["LABEL_CREATED", "IN_TRANSIT"]
    types = [e["type"] for e in (await state(admin, order.id))["events"]]
    assert types.count("shipment.event") == 1


# --- bad input -------------------------------------------------------------------------------


async def test_an_event_time_without_an_offset_is_a_coded_error_not_a_server_error(
    admin: GraphQLClient, unique: str
) -> None:
    order, shipment = await parcel(admin, unique)
    naive = parse_time(shipment["shippedAt"]).replace(tzinfo=None) + timedelta(seconds=5)
    before = await state(admin, order.id)

    result = await admin.execute(
        RECORD,
        {
            "input": {
                "shipmentId": shipment["id"],
                "status": "IN_TRANSIT",
                "occurredAt": naive.isoformat(),
            }
        },
    )

    # the DateTime scalar itself refuses a value without an offset, before any resolver runs
    assert result.status == 200, result.body
    assert result.error_codes == ["BAD_USER_INPUT"]
    assert "UTC offset" in result.errors[0]["message"]
    assert await state(admin, order.id) == before


async def test_an_event_far_in_the_future_is_refused(admin: GraphQLClient, unique: str) -> None:
    order, shipment = await parcel(admin, unique)
    before = await state(admin, order.id)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()

    error = refused(await record(admin, shipment["id"], "DELIVERED", tomorrow), "INVALID")

    assert error["field"] == ["input", "occurredAt"]
    assert await state(admin, order.id) == before


async def test_an_event_for_an_unknown_shipment_is_not_found(admin: GraphQLClient) -> None:
    now = datetime.now(UTC).isoformat()

    error = refused(
        await record(admin, global_id("Shipment", 987654321), "IN_TRANSIT", now), "NOT_FOUND"
    )

    assert error["field"] == ["input", "shipmentId"]


# --- who may record events -------------------------------------------------------------------


async def test_a_carrier_token_records_events_but_cannot_pick_pack_or_ship(
    admin: GraphQLClient, live: LiveApi, unique: str
) -> None:
    carrier = admin.as_token(
        issue_token(live.database_url, Role.STAFF, frozenset({Scope.SHIPMENTS_WRITE}))
    )
    _, shipment = await parcel(admin, unique)

    payload = await record_ok(carrier, shipment["id"], "IN_TRANSIT", after(shipment, 1))

    assert payload["shipment"]["status"] == "IN_TRANSIT"
    assert payload["shipment"]["events"][-1]["applied"] is True
    order = await confirmed(admin, f"{unique}B")
    pending = await state(admin, order.id)
    step_refused(await start_picking(carrier, order.fulfillment_id), "FORBIDDEN")
    step_refused(await mark_packed(carrier, order.fulfillment_id), "FORBIDDEN")
    assert await state(admin, order.id) == pending
    await pack(admin, order.fulfillment_id)
    packed = await state(admin, order.id)

    step_refused(await ship(carrier, order.fulfillment_id), "FORBIDDEN")

    assert await state(admin, order.id) == packed
    assert packed["shipments"] == []


async def test_read_only_staff_and_storefronts_cannot_record_events(
    admin: GraphQLClient, staff: GraphQLClient, storefront: GraphQLClient, unique: str
) -> None:
    order, shipment = await parcel(admin, unique)
    before = await state(admin, order.id)

    for client in (staff, storefront):
        refused(await record(client, shipment["id"], "DELIVERED", after(shipment, 1)), "FORBIDDEN")

    assert await state(admin, order.id) == before


async def test_recording_an_event_without_a_token_needs_authentication(
    admin: GraphQLClient, anonymous: GraphQLClient, unique: str
) -> None:
    order, shipment = await parcel(admin, unique)
    before = await state(admin, order.id)

    result = await anonymous.execute(
        RECORD,
        {
            "input": {
                "shipmentId": shipment["id"],
                "status": "DELIVERED",
                "occurredAt": after(shipment, 1),
            }
        },
    )

    assert result.body.get("data") is None
    assert result.error_codes == ["UNAUTHENTICATED"]
    assert await state(admin, order.id) == before
