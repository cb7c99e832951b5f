"""Public tracking over real HTTP on both backends: trackShipment(code) and the /t/{code} page.

Nobody signs in to track a parcel, so these requests carry no token, and nothing personal (name,
email, address) may show: the shipped orders here have distinctive contact details to look for.
"""

from __future__ import annotations

import html
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.engine import create_engine
from ordergraph.db.tables import shipments
from tests.api.test_fulfillment_api import Confirmed, pack, parse_time, ship_ok, tracking_number
from tests.api.test_fulfillment_api import confirm as confirm_order
from tests.api.test_place_order_api import address, order_input, stock
from tests.api.test_shipments_api import record_ok
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi

TRACK = """
query($code: String!) {
  trackShipment(code: $code) {
    status carrier carrierName trackingNumber trackingUrl trackingCode shortLink orderNumber
    shippedAt promisedDeliveryAt deliveredAt
    events { status occurredAt location description applied }
  }
}"""

SHIPMENT_TYPES = """
{
  shipment: __type(name: "Shipment") { fields { name } }
  event: __type(name: "ShipmentEvent") { fields { name } }
  line: __type(name: "ShipmentLine") { fields { name } }
}"""

PERSONAL = ("email", "address", "customer", "name", "phone", "contact")


@pytest.fixture
async def db(live: LiveApi) -> AsyncIterator[AsyncEngine]:
    """The live server's database, read directly."""
    engine = create_engine(live.database_url, pool_size=1)
    try:
        yield engine
    finally:
        await engine.dispose()


async def clicks(db: AsyncEngine, code: str) -> int:
    async with db.connect() as conn:
        count = (
            await conn.execute(sa.select(shipments.c.clicks).where(shipments.c.code == code))
        ).scalar_one()
    assert isinstance(count, int)
    return count


async def shipped_privately(
    admin: GraphQLClient, unique: str, carrier: str = "DHL", **extra: Any
) -> tuple[Confirmed, dict[str, Any]]:
    """A shipped order with distinctive personal details; (the order, its shipment)."""
    item = await stock(admin, unique)
    order = await confirm_order(
        admin,
        order_input(
            [(item.sku, 2)],
            email=f"private-{unique.lower()}@example.com",
            name=f"Secret Person {unique}",
            phone="+49 30 1234567",
            ship_to=address(name=f"Secret Person {unique}", line1=f"{unique} Hidden Street"),
        ),
    )
    confirmed = Confirmed(order, item)
    await pack(admin, confirmed.fulfillment_id)
    payload = await ship_ok(admin, confirmed.fulfillment_id, carrier, **extra)
    shipment = payload["shipment"]
    assert isinstance(shipment, dict)
    return confirmed, shipment


def assert_nothing_personal(text: str, unique: str) -> None:
    lowered = text.lower()
    for secret in (f"private-{unique}", f"secret person {unique}", "hidden street", "1234567"):
        assert secret.lower() not in lowered, secret


async def page(http: httpx.AsyncClient, code: str, *, as_json: bool = False) -> httpx.Response:
    headers = {"Accept": "application/json"} if as_json else {"Accept": "text/html"}
    return await http.get(f"/t/{code}", headers=headers)


# --- trackShipment ---------------------------------------------------------------------------


async def test_anyone_can_track_a_parcel_by_its_code_without_a_token(
    admin: GraphQLClient, anonymous: GraphQLClient, unique: str
) -> None:
    order, shipment = await shipped_privately(admin, unique)
    moved_at = (parse_time(shipment["shippedAt"]) + timedelta(seconds=1)).isoformat()
    await record_ok(admin, shipment["id"], "IN_TRANSIT", moved_at, location="Hub Leipzig")

    result = await anonymous.execute(TRACK, {"code": shipment["trackingCode"]})

    assert result.status == 200
    tracked = result.data["trackShipment"]
    assert tracked["status"] == "IN_TRANSIT"
    assert tracked["carrierName"] == "DHL"
    assert tracked["trackingNumber"] == shipment["trackingNumber"]
    assert tracked["trackingUrl"] == shipment["trackingUrl"]
    assert tracked["orderNumber"] == order.order["number"]
    assert tracked["shortLink"] == shipment["shortLink"]
    assert [(e["status"], e["location"]) for e in tracked["events"]] == [
        ("LABEL_CREATED", order.item.warehouse_code),
        ("IN_TRANSIT", "Hub Leipzig"),
    ]
    assert_nothing_personal(json.dumps(result.body), unique)


async def test_the_shipment_type_has_nothing_personal_on_it(anonymous: GraphQLClient) -> None:
    data = await anonymous.data(SHIPMENT_TYPES)

    fields = {kind: {f["name"] for f in data[kind]["fields"]} for kind in data}
    assert {"carrierName", "trackingNumber", "orderNumber", "events"} <= fields["shipment"]
    for kind, names in fields.items():
        for name in names - {"carrierName"}:
            assert not any(word in name.lower() for word in PERSONAL), (kind, name)


async def test_an_unknown_tracking_code_tracks_nothing(anonymous: GraphQLClient) -> None:
    for code in ("no-such-code", "", "x" * 200, "ünïcode"):
        data = await anonymous.data(TRACK, {"code": code})
        assert data == {"trackShipment": None}, code


# --- the tracking page -----------------------------------------------------------------------


async def test_the_tracking_page_shows_the_parcel_in_accessible_html(
    admin: GraphQLClient, http: httpx.AsyncClient, unique: str
) -> None:
    order, shipment = await shipped_privately(admin, unique, "dhl")
    moved_at = (parse_time(shipment["shippedAt"]) + timedelta(seconds=1)).isoformat()
    await record_ok(admin, shipment["id"], "OUT_FOR_DELIVERY", moved_at)

    response = await page(http, shipment["trackingCode"])

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    body = response.text
    assert '<html lang="en">' in body
    assert '<meta name="viewport" content="width=device-width,initial-scale=1">' in body
    assert order.order["number"] in body
    assert "Out for delivery" in body
    assert shipment["trackingNumber"] in body
    url = shipment["trackingUrl"]
    assert url.startswith("https://www.dhl.com")
    assert f'href="{html.escape(url)}"' in body
    assert_nothing_personal(body, unique)


async def test_the_tracking_page_answers_json_with_the_same_facts(
    admin: GraphQLClient, anonymous: GraphQLClient, http: httpx.AsyncClient, unique: str
) -> None:
    order, shipment = await shipped_privately(admin, unique)
    start = parse_time(shipment["shippedAt"])
    for seconds, status in ((1, "IN_TRANSIT"), (2, "OUT_FOR_DELIVERY")):
        moved_at = (start + timedelta(seconds=seconds)).isoformat()
        await record_ok(admin, shipment["id"], status, moved_at, location=f"Stop {seconds}")
    code = shipment["trackingCode"]
    tracked = (await anonymous.data(TRACK, {"code": code}))["trackShipment"]

    response = await page(http, code, as_json=True)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    facts = response.json()
    assert facts["status"] == tracked["status"] == "OUT_FOR_DELIVERY"
    assert facts["orderNumber"] == tracked["orderNumber"] == order.order["number"]
    assert facts["trackingNumber"] == tracked["trackingNumber"]
    assert facts["trackingUrl"] == tracked["trackingUrl"]
    assert parse_time(facts["promisedDeliveryAt"]) == parse_time(tracked["promisedDeliveryAt"])

    def timeline(events: list[dict[str, Any]]) -> list[tuple[str, Any, Any, Any]]:
        return sorted(
            (e["status"], parse_time(e["occurredAt"]), e["location"], e["description"])
            for e in events
        )

    assert timeline(facts["events"]) == timeline(tracked["events"])
    times = [parse_time(e["occurredAt"]) for e in facts["events"]]
    assert times == sorted(times, reverse=True), "newest first"
    assert_nothing_personal(response.text, unique)


async def test_an_unknown_code_gets_a_not_found_page(http: httpx.AsyncClient) -> None:
    for code in ("no-such-code", "x" * 40):
        response = await page(http, code)

        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert '<html lang="en">' in response.text
        assert "not found" in response.text.lower()

    as_json = await page(http, "no-such-code", as_json=True)
    assert as_json.status_code == 404
    assert as_json.headers["content-type"].startswith("application/json")


async def test_every_visit_to_the_tracking_page_is_counted(
    admin: GraphQLClient, http: httpx.AsyncClient, db: AsyncEngine, unique: str
) -> None:
    _, shipment = await shipped_privately(admin, unique)
    code = shipment["trackingCode"]
    assert await clicks(db, code) == 0

    for as_json in (False, False, True):
        assert (await page(http, code, as_json=as_json)).status_code == 200

    assert await clicks(db, code) == 3
    assert (await page(http, f"{code}x")).status_code == 404
    assert await clicks(db, code) == 3


async def test_markup_in_carrier_names_and_event_places_is_escaped_on_the_page(
    admin: GraphQLClient, http: httpx.AsyncClient, unique: str
) -> None:
    carrier = "<script>alert(1)</script>"
    url = 'https://track.example.com/?q="><script>alert(2)</script>'
    _, shipment = await shipped_privately(admin, unique, carrier, trackingUrl=url)
    assert shipment["carrierName"] == carrier
    moved_at = (parse_time(shipment["shippedAt"]) + timedelta(seconds=1)).isoformat()
    await record_ok(
        admin,
        shipment["id"],
        "IN_TRANSIT",
        moved_at,
        location="<script>alert(3)</script>",
        description="<img src=x onerror=alert(4)>",
    )

    response = await page(http, shipment["trackingCode"])

    assert response.status_code == 200
    body = response.text
    assert "<script" not in body.lower()
    assert "<img" not in body.lower()
    assert html.escape(carrier) in body
    assert html.escape("<script>alert(3)</script>") in body
    assert html.escape("<img src=x onerror=alert(4)>") in body
    assert f'href="{html.escape(url)}"' in body


async def test_tracking_numbers_are_not_tracking_codes(
    anonymous: GraphQLClient, admin: GraphQLClient, http: httpx.AsyncClient, unique: str
) -> None:
    number = tracking_number()
    _, shipment = await shipped_privately(admin, unique, number=number)
    assert shipment["trackingCode"] != number

    assert (await anonymous.data(TRACK, {"code": number}))["trackShipment"] is None
    assert (await page(http, number)).status_code == 404


async def test_the_short_link_points_at_the_address_the_server_is_served_on(
    admin: GraphQLClient, http: httpx.AsyncClient, live: LiveApi, unique: str
) -> None:
    """Without PUBLIC_BASE_URL the link uses the host and port the client called (a random port
    here, not 8000), so following it opens the tracking page."""
    _order, shipment = await shipped_privately(admin, unique)

    assert shipment["shortLink"] == f"{live.base_url}/t/{shipment['trackingCode']}"
    followed = await http.get(shipment["shortLink"], headers={"Accept": "text/html"})
    assert followed.status_code == 200
    assert shipment["trackingNumber"] in followed.text
