"""POST /carrier-events/{source} over real HTTP on both backends: signed EasyPost and generic
events move a shipped parcel to DELIVERED (and the order, and the customer's mail, with it); a
duplicate, an out-of-order and a badly signed event change nothing; an unknown tracking number is
kept and listed for staff; a returned parcel holds the order and tells staff.

The EasyPost bodies are the fixtures in tests/fixtures/easypost (written from EasyPost's public
documentation: https://docs.easypost.com/docs/events, https://docs.easypost.com/docs/trackers),
with the tracking code, event id and times of the shipment each test drives.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import unicodedata
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from ordergraph.domain.carrier_events import generic_signature
from tests.api.test_fulfillment_api import parse_time, shipped
from tests.api.test_notifications_api import sent
from tests.support.databases import Databases
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi, live_api

EASYPOST_SECRET = "easypost-webhook-secret-\u00e9"  # EasyPost NFKD-normalizes secrets
ACME_SECRET = "acme-post-secret"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "easypost"

PARCEL = """
query($id: ID!) {
  order(id: $id) {
    id status deliveredAt
    holds { type active reason createdBy }
    events { type actor payload }
    shipments { id trackingNumber status deliveredAt events { status occurredAt location applied } }
  }
}"""
UNMATCHED = """
query($first: Int, $after: String) {
  unmatchedCarrierEvents(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id source eventId trackingNumber carrier carrierStatus status occurredAt location
      description receivedAt
    }
  }
}"""
CREATE_WEBHOOK = """
mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) { webhook { events } userErrors { code } }
}"""


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def live(request: pytest.FixtureRequest, databases: Databases) -> Iterator[LiveApi]:
    backend: str = request.param
    url = databases.new(backend)
    secrets = {"easypost": EASYPOST_SECRET, "acme-post": ACME_SECRET}
    with live_api(backend, url, ORDERGRAPH_CARRIER_WEBHOOK_SECRETS=secrets) as api:
        yield api


def tracker_event(
    name: str, tracking: str, shipment: dict[str, Any], seconds: float, event_id: str | None = None
) -> bytes:
    """An EasyPost fixture for our parcel: its tracking code, a fresh event id, and its newest
    tracking detail ``seconds`` after the parcel shipped (the rest before it)."""
    document = json.loads((FIXTURES / f"{name}.json").read_text())
    document["id"] = event_id or f"evt_{uuid.uuid4().hex}"
    tracker = document["result"]
    tracker["tracking_code"] = tracking
    shipped_at = parse_time(shipment["shippedAt"])
    details = tracker["tracking_details"]
    for back, detail in enumerate(reversed(details)):
        moment = shipped_at + timedelta(seconds=seconds) - timedelta(milliseconds=back)
        detail["datetime"] = moment.isoformat().replace("+00:00", "Z")
    tracker["updated_at"] = details[-1]["datetime"]
    return json.dumps(document).encode()


def easypost_signature(body: bytes, secret: str = EASYPOST_SECRET) -> str:
    key = unicodedata.normalize("NFKD", secret).encode()
    return "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()


async def post_easypost(
    http: httpx.AsyncClient, body: bytes, signature: str | bytes | None = None
) -> httpx.Response:
    value = signature if signature is not None else easypost_signature(body)
    headers = [
        (b"Content-Type", b"application/json"),
        (b"X-Hmac-Signature", value if isinstance(value, bytes) else value.encode()),
    ]
    return await http.post("/carrier-events/easypost", content=body, headers=headers)


async def post_generic(
    http: httpx.AsyncClient,
    event: dict[str, Any],
    *,
    at: int | None = None,
    secret: str = ACME_SECRET,
) -> httpx.Response:
    body = json.dumps(event).encode()
    signature = generic_signature(secret, at if at is not None else int(time.time()), body)
    headers = {"Content-Type": "application/json", "X-Ordergraph-Signature": signature}
    return await http.post("/carrier-events/acme-post", content=body, headers=headers)


def outcome(response: httpx.Response, status: int, expected: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["outcome"] == expected, response.text


async def parcel(admin: GraphQLClient, order_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await admin.data(PARCEL, {"id": order_id}))["order"]
    return found


async def shipped_parcel(admin: GraphQLClient, unique: str) -> tuple[str, dict[str, Any]]:
    order, payload = await shipped(admin, unique)
    shipment = payload["shipment"]
    assert isinstance(shipment, dict)
    return order.id, shipment


async def test_signed_easypost_events_deliver_the_parcel_the_order_and_the_mails(
    admin: GraphQLClient, http: httpx.AsyncClient, unique: str
) -> None:
    order_id, shipment = await shipped_parcel(admin, unique)
    tracking = shipment["trackingNumber"]
    steps = [
        ("tracker_updated_in_transit", "IN_TRANSIT"),
        ("tracker_updated_out_for_delivery", "OUT_FOR_DELIVERY"),
        ("tracker_updated_delivered", "DELIVERED"),
    ]
    for seconds, (name, status) in enumerate(steps, start=1):
        response = await post_easypost(http, tracker_event(name, tracking, shipment, seconds))
        outcome(response, 200, "APPLIED")
        assert (await parcel(admin, order_id))["shipments"][0]["status"] == status

    state = await parcel(admin, order_id)
    assert state["status"] == "DELIVERED"
    [stored] = state["shipments"]
    assert [(e["status"], e["applied"]) for e in stored["events"]] == [
        ("LABEL_CREATED", True),
        ("IN_TRANSIT", True),
        ("OUT_FOR_DELIVERY", True),
        ("DELIVERED", True),
    ]
    assert stored["events"][-1]["location"] == "CHARLESTON, SC, US"
    assert parse_time(stored["deliveredAt"]) == parse_time(shipment["shippedAt"]) + timedelta(
        seconds=3
    )
    carrier_steps = [e for e in state["events"] if e["type"] == "shipment.event"]
    assert {e["actor"] for e in carrier_steps} == {"staff:carrier-easypost"}
    mails = await sent(admin, order_id, 4)
    types = [m["type"] for m in mails]
    for expected in ("ORDER_SHIPPED", "OUT_FOR_DELIVERY", "ORDER_DELIVERED"):
        assert types.count(expected) == 1, types


async def test_a_duplicate_is_dropped_and_an_older_event_never_moves_the_parcel_back(
    admin: GraphQLClient, http: httpx.AsyncClient, unique: str
) -> None:
    order_id, shipment = await shipped_parcel(admin, unique)
    tracking = shipment["trackingNumber"]
    near = tracker_event("tracker_updated_out_for_delivery", tracking, shipment, 20)
    outcome(await post_easypost(http, near), 200, "APPLIED")
    before = await parcel(admin, order_id)

    outcome(await post_easypost(http, near), 200, "DUPLICATE")
    assert await parcel(admin, order_id) == before

    older = tracker_event("tracker_updated_in_transit", tracking, shipment, 10)
    outcome(await post_easypost(http, older), 200, "STALE")
    state = await parcel(admin, order_id)
    [stored] = state["shipments"]
    assert stored["status"] == "OUT_FOR_DELIVERY"
    assert [(e["status"], e["applied"]) for e in stored["events"]] == [
        ("LABEL_CREATED", True),
        ("IN_TRANSIT", False),
        ("OUT_FOR_DELIVERY", True),
    ]


async def test_a_badly_signed_event_is_401_and_stores_nothing(
    admin: GraphQLClient, http: httpx.AsyncClient, unique: str
) -> None:
    order_id, shipment = await shipped_parcel(admin, unique)
    event_id = f"evt_{uuid.uuid4().hex}"
    body = tracker_event(
        "tracker_updated_delivered", shipment["trackingNumber"], shipment, 5, event_id
    )
    before = await parcel(admin, order_id)
    for signature in (
        "",
        easypost_signature(body, "not the secret"),
        easypost_signature(body + b" "),
        "hmac-sha256-hex=caf\u00e9".encode(),  # not ASCII
    ):
        response = await post_easypost(http, body, signature)
        assert response.status_code == 401, response.text
    tampered = body.replace(b'"delivered"', b'"return_to_sender"', 1)
    assert (await post_easypost(http, tampered, easypost_signature(body))).status_code == 401
    assert await parcel(admin, order_id) == before
    # nothing was stored: the same event, signed, is new
    outcome(await post_easypost(http, body), 200, "APPLIED")
    assert (await parcel(admin, order_id))["status"] == "DELIVERED"


async def test_an_unknown_tracking_number_is_202_and_listed_for_staff(
    admin: GraphQLClient,
    staff: GraphQLClient,
    storefront: GraphQLClient,
    http: httpx.AsyncClient,
    unique: str,
) -> None:
    _, shipment = await shipped_parcel(admin, unique)
    event_id = f"evt_{uuid.uuid4().hex}"
    body = tracker_event("tracker_updated_in_transit", f"NOPE{unique}", shipment, 2, event_id)
    outcome(await post_easypost(http, body), 202, "UNMATCHED")
    outcome(await post_easypost(http, body), 200, "DUPLICATE")

    listing = (await staff.data(UNMATCHED, {"first": 5}))["unmatchedCarrierEvents"]
    [mine] = [n for n in listing["nodes"] if n["eventId"] == event_id]
    assert mine["source"] == "easypost"
    assert (mine["trackingNumber"], mine["carrier"]) == (f"NOPE{unique}", "USPS")
    assert (mine["carrierStatus"], mine["status"]) == ("in_transit", "IN_TRANSIT")
    assert mine["location"] == "NORTH HOUSTON, TX, US"
    assert listing["nodes"][0]["eventId"] == event_id  # newest first
    assert listing["totalCount"] >= 1
    refused = await storefront.execute(UNMATCHED, {"first": 5})
    assert refused.error_codes == ["FORBIDDEN"]


async def test_a_returned_parcel_holds_the_order_and_tells_staff(
    admin: GraphQLClient, http: httpx.AsyncClient, unique: str
) -> None:
    hook = await admin.mutate(
        CREATE_WEBHOOK,
        {"input": {"url": "https://hooks.example.com/ops", "events": ["shipment.exception"]}},
    )
    assert hook["userErrors"] == [], hook
    order_id, shipment = await shipped_parcel(admin, unique)
    body = tracker_event(
        "tracker_updated_return_to_sender", shipment["trackingNumber"], shipment, 4
    )
    outcome(await post_easypost(http, body), 200, "APPLIED")
    state = await parcel(admin, order_id)
    assert state["status"] == "SHIPPED"
    assert state["shipments"][0]["status"] == "RETURNED_TO_SENDER"
    [hold] = state["holds"]
    assert (hold["type"], hold["active"], hold["createdBy"]) == (
        "DELIVERY_EXCEPTION",
        True,
        "staff:carrier-easypost",
    )
    assert "return_to_sender" in hold["reason"]
    [told] = [e for e in state["events"] if e["type"] == "shipment.exception"]
    assert told["payload"]["carrierStatus"] == "return_to_sender"
    assert told["payload"]["trackingNumber"] == shipment["trackingNumber"]
    types = [e["type"] for e in state["events"]]
    assert types.index("order.hold_placed") < types.index("shipment.exception")


async def test_the_generic_format_is_signed_like_our_webhooks_with_a_tolerance(
    admin: GraphQLClient, http: httpx.AsyncClient, unique: str
) -> None:
    order_id, shipment = await shipped_parcel(admin, unique)
    at = (parse_time(shipment["shippedAt"]) + timedelta(seconds=3)).isoformat()
    event = {
        "id": f"acme-{unique}",
        "trackingNumber": shipment["trackingNumber"],
        "carrier": "DHL",
        "status": "IN_TRANSIT",
        "occurredAt": at,
        "location": "Leipzig hub",
    }
    stale = await post_generic(http, event, at=int(time.time()) - 3600)
    assert stale.status_code == 401, stale.text
    wrong = await post_generic(http, event, secret="another secret")
    assert wrong.status_code == 401, wrong.text
    assert (await parcel(admin, order_id))["shipments"][0]["status"] == "LABEL_CREATED"
    outcome(await post_generic(http, event), 200, "APPLIED")
    outcome(await post_generic(http, event), 200, "DUPLICATE")
    state = await parcel(admin, order_id)
    assert state["shipments"][0]["status"] == "IN_TRANSIT"
    assert state["shipments"][0]["events"][-1]["location"] == "Leipzig hub"


async def test_what_a_sender_gets_wrong_is_a_4xx_never_a_500(
    http: httpx.AsyncClient, unique: str
) -> None:
    nobody = await http.post("/carrier-events/fedex", content=b"{}")
    assert nobody.status_code == 404
    huge = b'{"x": "' + b"a" * (300 * 1024) + b'"}'
    assert (await post_easypost(http, huge)).status_code == 413
    for body in (b"not json", b"\xff\xfe", b"[" * 50_000, b"[]", b'{"description": 1}'):
        response = await post_easypost(http, body)
        assert response.status_code in (200, 400), (body[:20], response.text)
    not_a_tracker = json.dumps({"id": "evt_batch", "description": "batch.updated"}).encode()
    outcome(await post_easypost(http, not_a_tracker), 200, "IGNORED")
    broken = json.dumps(
        {"id": "evt_x", "description": "tracker.updated", "result": {"status": "in_transit"}}
    ).encode()
    assert (await post_easypost(http, broken)).status_code == 400
    generic_broken = await post_generic(http, {"id": f"a-{unique}", "status": "LOST"})
    assert generic_broken.status_code == 400
    future = await post_generic(
        http,
        {
            "id": f"f-{unique}",
            "trackingNumber": "X",
            "status": "IN_TRANSIT",
            "occurredAt": "2999-01-01T00:00:00Z",
        },
    )
    assert future.status_code in (202, 400), future.text
    assert (await http.get("/carrier-events/easypost")).status_code == 405


async def test_copies_of_one_event_racing_each_other_apply_it_once(
    admin: GraphQLClient, http: httpx.AsyncClient, unique: str
) -> None:
    order_id, shipment = await shipped_parcel(admin, unique)
    body = tracker_event("tracker_updated_in_transit", shipment["trackingNumber"], shipment, 2)
    answers = await asyncio.gather(*(post_easypost(http, body) for _ in range(6)))
    outcomes = sorted(r.json()["outcome"] for r in answers)
    assert outcomes == ["APPLIED"] + ["DUPLICATE"] * 5, [r.text for r in answers]
    [stored] = (await parcel(admin, order_id))["shipments"]
    assert [e["status"] for e in stored["events"]] == ["LABEL_CREATED", "IN_TRANSIT"]


async def test_an_event_that_came_before_its_shipment_applies_when_it_ships(
    admin: GraphQLClient, staff: GraphQLClient, http: httpx.AsyncClient, unique: str
) -> None:
    tracking = f"EARLY{unique}"
    minute_ago = {"shippedAt": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()}
    body = tracker_event("tracker_updated_in_transit", tracking, minute_ago, 0)
    event_id = json.loads(body)["id"]
    outcome(await post_easypost(http, body), 202, "UNMATCHED")

    order, payload = await shipped(admin, unique, trackingNumber=tracking)
    assert payload["shipment"]["status"] == "IN_TRANSIT"
    assert payload["order"]["shipments"][0]["status"] == "IN_TRANSIT"
    listing = (await staff.data(UNMATCHED, {"first": 50}))["unmatchedCarrierEvents"]
    assert event_id not in [n["eventId"] for n in listing["nodes"]]
    state = await parcel(admin, order.id)
    assert [(e["status"], e["applied"]) for e in state["shipments"][0]["events"]] == [
        ("IN_TRANSIT", True),
        ("LABEL_CREATED", True),
    ]
