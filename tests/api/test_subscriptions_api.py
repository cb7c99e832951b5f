"""GraphQL subscriptions over real websockets, on both backends.

Events are caused over HTTP and must reach a websocket subscriber through the outbox relay.
Live-only subscriptions (no ``after``) are synchronised with a ping/pong round trip after the
subscribe message: the server reads a socket's messages in order and subscribes to its broker
before it can answer, so nothing the test does afterwards can be missed. ``orderEvents`` is mostly
opened with ``after`` (an event id read over HTTP), which needs no synchronisation at all.
Every receive has a timeout.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from ordergraph.db.engine import create_engine
from ordergraph.db.tables import outbox
from tests.api.test_cancel_and_holds_api import hold
from tests.api.test_fulfillment_api import authorize_ok, confirmed, pack, ship_ok
from tests.api.test_place_order_api import Stocked, order_input, place_ok, read_order, stock
from tests.api.test_shipments_api import after, record_ok
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi

TRANSPORT_WS = Subprotocol("graphql-transport-ws")
LEGACY_WS = Subprotocol("graphql-ws")
TIMEOUT = 5.0

EVENT_FIELDS = "id sequence type actor payload order { id number }"
ORDER_EVENTS = f"""
subscription($after: String) {{ orderEvents(after: $after) {{ {EVENT_FIELDS} }} }}"""
ORDER_UPDATED = f"""
subscription($orderId: ID) {{ orderUpdated(orderId: $orderId) {{ {EVENT_FIELDS} }} }}"""
SHIPMENT_UPDATED = """
subscription($orderId: ID!) {
  shipmentUpdated(orderId: $orderId) {
    id status trackingNumber orderNumber events { status applied }
  }
}"""
INVENTORY_CHANGED = """
subscription($sku: String) {
  inventoryChanged(sku: $sku) { sku onHand reserved available warehouse { id } }
}"""
AVAILABLE_ONLY = """
subscription($sku: String) { inventoryChanged(sku: $sku) { sku available } }"""
ON_HAND = """
subscription($sku: String) { inventoryChanged(sku: $sku) { sku onHand } }"""
ADJUST = """
mutation($input: AdjustInventoryInput!) {
  adjustInventory(input: $input) { inventoryLevel { onHand reserved } userErrors { code } }
}"""
TIMELINE = "id number events { id sequence type }"


def ws_url(live: LiveApi) -> str:
    return live.base_url.replace("http://", "ws://", 1) + "/graphql"


def database_id(global_id: str) -> int:
    padded = global_id + "=" * (-len(global_id) % 4)
    type_name, key = base64.urlsafe_b64decode(padded).decode().split(":", 1)
    assert type_name == "Order", global_id
    return int(key)


class Socket:
    """One graphql-transport-ws (or legacy graphql-ws) connection, every read bounded."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.pending: deque[dict[str, Any]] = deque()

    async def _read(self, seconds: float) -> dict[str, Any]:
        while True:
            async with asyncio.timeout(seconds):
                frame = await self.ws.recv()
                # the protocols carry JSON in text frames; standard clients refuse binary ones
                assert isinstance(frame, str), f"binary websocket frame: {frame!r}"
                message = json.loads(frame)
            assert isinstance(message, dict)
            if message["type"] == "ping":
                await self.send({"type": "pong"})
            elif message["type"] != "ka":  # legacy keep-alive
                return message

    async def receive(self, seconds: float = TIMEOUT) -> dict[str, Any]:
        if self.pending:
            return self.pending.popleft()
        while True:
            message = await self._read(seconds)
            if message["type"] != "pong":
                return message

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def subscribe(
        self, op_id: str, query: str, variables: dict[str, Any] | None = None
    ) -> None:
        payload = {"query": query, "variables": variables or {}}
        await self.send({"id": op_id, "type": "subscribe", "payload": payload})

    async def synced(self) -> None:
        """Ping and wait for the pong: the server has taken in everything sent before."""
        await self.send({"type": "ping"})
        while True:
            message = await self._read(TIMEOUT)
            if message["type"] == "pong":
                return
            self.pending.append(message)

    async def next_data(self, op_id: str) -> dict[str, Any]:
        """The next result of ``op_id``; fails on errors or on anything else arriving first."""
        message = await self.receive()
        assert message.get("id") == op_id, message
        assert message["type"] in ("next", "data"), message
        payload = message["payload"]
        assert "errors" not in payload, payload["errors"]
        data = payload["data"]
        assert isinstance(data, dict)
        return data

    async def errors(self, op_id: str) -> list[dict[str, Any]]:
        """The errors ending ``op_id``: an ``error`` message, or a result carrying errors."""
        message = await self.receive()
        assert message.get("id") == op_id, message
        if message["type"] == "error":
            found = message["payload"]
        else:
            assert message["type"] == "next", message
            found = message["payload"].get("errors")
        assert isinstance(found, list), message
        assert found, message
        return found


@asynccontextmanager
async def socket(
    live: LiveApi, token: str | None, protocol: Subprotocol = TRANSPORT_WS
) -> AsyncIterator[Socket]:
    async with connect(ws_url(live), subprotocols=[protocol], open_timeout=TIMEOUT) as ws:
        assert ws.subprotocol == protocol
        opened = Socket(ws)
        init = {"Authorization": f"Bearer {token}"} if token else {}
        await opened.send({"type": "connection_init", "payload": init})
        assert (await opened.receive())["type"] == "connection_ack"
        yield opened


def codes(errors: list[dict[str, Any]]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in errors]


def brief(event: dict[str, Any]) -> tuple[str, int, str]:
    return (event["id"], event["sequence"], event["type"])


async def timeline(admin: GraphQLClient, order_id: str) -> list[tuple[str, int, str]]:
    order = await read_order(admin, order_id, TIMELINE)
    return [(e["id"], e["sequence"], e["type"]) for e in order["events"]]


async def place(admin: GraphQLClient, item: Stocked, quantity: int = 1) -> str:
    order = await place_ok(admin, order_input([(item.sku, quantity)]))
    order_id = order["id"]
    assert isinstance(order_id, str)
    return order_id


async def place_and_pay(admin: GraphQLClient, item: Stocked) -> str:
    order_id = await place(admin, item)
    await authorize_ok(admin, order_id)
    return order_id


async def last_event_id(admin: GraphQLClient, order_id: str) -> str:
    return (await timeline(admin, order_id))[-1][0]


async def collect_events(sock: Socket, op_id: str, field: str, count: int) -> list[dict[str, Any]]:
    return [(await sock.next_data(op_id))[field] for _ in range(count)]


# --- orderEvents ------------------------------------------------------------------------------


async def test_order_events_stream_an_order_placed_and_paid_over_http_in_sequence(
    live: LiveApi, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    async with socket(live, live.admin_token) as sock:
        await sock.subscribe("s", ORDER_EVENTS)
        await sock.synced()

        order_id = await place_and_pay(admin, item)
        expected = await timeline(admin, order_id)
        received = await collect_events(sock, "s", "orderEvents", len(expected))

    assert [t for _, _, t in expected] == ["order.placed", "order.confirmed", "fulfillment.created"]
    assert [brief(e) for e in received] == expected
    assert [e["sequence"] for e in received] == [1, 2, 3]
    assert {e["order"]["id"] for e in received} == {order_id}
    assert [int(e["id"]) for e in received] == sorted(int(e["id"]) for e in received)
    assert received[0]["payload"] is not None
    assert received[0]["actor"]


async def test_order_events_resume_after_a_cursor_with_no_gap_and_no_duplicate(
    live: LiveApi, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    first = await place_and_pay(admin, item)
    cursor = await last_event_id(admin, first)
    missed = await place_and_pay(admin, item)  # while nobody listens
    missed_events = await timeline(admin, missed)

    async with socket(live, live.admin_token) as sock:
        await sock.subscribe("s", ORDER_EVENTS, {"after": cursor})
        # the next order commits while the replay may still be running: the seam
        live_order = await place_and_pay(admin, item)
        live_events = await timeline(admin, live_order)
        received = await collect_events(
            sock, "s", "orderEvents", len(missed_events) + len(live_events)
        )
        # one more event proves nothing of the two orders comes again after them
        await hold(admin, live_order)
        (after_hold,) = await collect_events(sock, "s", "orderEvents", 1)

    assert [brief(e) for e in received] == missed_events + live_events
    assert int(received[0]["id"]) > int(cursor)
    assert (after_hold["order"]["id"], after_hold["type"]) == (live_order, "order.hold_placed")
    assert after_hold["sequence"] == live_events[-1][1] + 1


async def test_order_events_after_the_newest_event_deliver_only_what_comes_next(
    live: LiveApi, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    order_id = await place(admin, item)
    cursor = await last_event_id(admin, order_id)

    async with socket(live, live.admin_token) as sock:
        await sock.subscribe("s", ORDER_EVENTS, {"after": cursor})
        await authorize_ok(admin, order_id)
        expected = (await timeline(admin, order_id))[1:]
        received = await collect_events(sock, "s", "orderEvents", len(expected))

    assert [brief(e) for e in received] == expected
    assert [t for _, _, t in expected] == ["order.confirmed", "fulfillment.created"]


async def test_a_cursor_ahead_of_the_newest_event_is_an_error_not_a_silent_feed(
    live: LiveApi, admin: GraphQLClient, unique: str
) -> None:
    """A cursor from another database (a README copied onto fresh demo data) would skip every
    event until the ids caught up: refuse it, naming the newest id."""
    item = await stock(admin, unique)
    newest = int(await last_event_id(admin, await place(admin, item)))
    async with socket(live, live.admin_token) as sock:
        await sock.subscribe("s", ORDER_EVENTS, {"after": str(newest + 10_000)})
        errors = await sock.errors("s")
    assert codes(errors) == ["BAD_USER_INPUT"], errors
    assert "ahead of the newest event" in errors[0]["message"]


@pytest.mark.parametrize("cursor", ["abc", "-1", "1.5", "", " 1", "9" * 19, "\uff11\uff12"])
async def test_a_malformed_after_cursor_is_an_error(live: LiveApi, cursor: str) -> None:
    async with socket(live, live.admin_token) as sock:
        await sock.subscribe("s", ORDER_EVENTS, {"after": cursor})
        errors = await sock.errors("s")
    assert codes(errors) == ["BAD_USER_INPUT"], errors


async def test_order_events_need_a_token(live: LiveApi) -> None:
    async with socket(live, None) as sock:
        await sock.subscribe("s", ORDER_EVENTS)
        errors = await sock.errors("s")
    assert codes(errors) == ["UNAUTHENTICATED"], errors
    assert "authentication required" in errors[0]["message"]


async def test_a_storefront_may_not_follow_every_order(live: LiveApi) -> None:
    async with socket(live, live.storefront_token) as sock:
        await sock.subscribe("s", ORDER_EVENTS)
        errors = await sock.errors("s")
    assert codes(errors) == ["FORBIDDEN"], errors


async def test_the_legacy_graphql_ws_protocol_also_delivers_order_events(
    live: LiveApi, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    order_id = await place(admin, item)
    cursor = await last_event_id(admin, order_id)

    async with socket(live, live.admin_token, LEGACY_WS) as sock:
        await sock.send(
            {
                "id": "1",
                "type": "start",
                "payload": {"query": ORDER_EVENTS, "variables": {"after": cursor}},
            }
        )
        await authorize_ok(admin, order_id)
        expected = (await timeline(admin, order_id))[1:]
        messages = [await sock.receive() for _ in expected]
        await sock.send({"id": "1", "type": "stop"})

    assert {m["type"] for m in messages} == {"data"}, messages
    assert {m["id"] for m in messages} == {"1"}
    assert [brief(m["payload"]["data"]["orderEvents"]) for m in messages] == expected


async def test_a_transaction_that_commits_after_a_later_one_still_reaches_order_events(
    live: LiveApi, admin: GraphQLClient, unique: str
) -> None:
    """Outbox ids are taken at insert and become visible at commit: the relay fills the gap."""
    if live.backend != "postgresql":
        pytest.skip("needs two concurrent writers")
    item = await stock(admin, unique)
    order_id = await place(admin, item)
    cursor = await last_event_id(admin, order_id)
    pk = database_id(order_id)

    def fake(sequence: int, name: str) -> dict[str, Any]:
        return {
            "order_id": pk,
            "sequence": sequence,
            "aggregate_type": "Order",
            "aggregate_id": pk,
            "type": name,
            "payload": {},
            "actor": "test",
            "occurred_at": sa.func.now(),
        }

    notify = sa.text("SELECT pg_notify('ordergraph_outbox', 'test')")
    seen: dict[str, list[str]] = {"all": [], "one": []}

    async def until(op_id: str, wanted: str) -> None:
        """Read (both subscriptions) until ``op_id`` has received an event of type ``wanted``."""
        while wanted not in seen[op_id]:
            message = await sock.receive()
            assert message["type"] == "next", message
            assert "errors" not in message["payload"], message
            (event,) = message["payload"]["data"].values()
            seen[message["id"]].append(event["type"])

    engine = create_engine(live.database_url, pool_size=2)
    try:
        async with socket(live, live.admin_token) as sock:
            await sock.subscribe("all", ORDER_EVENTS, {"after": cursor})
            await sock.subscribe("one", ORDER_UPDATED, {"orderId": order_id})
            await sock.synced()
            slow = await engine.connect()
            try:
                await slow.begin()
                await slow.execute(sa.insert(outbox).values(fake(1001, "test.slow")))
                async with engine.begin() as fast:  # a higher id, committed first
                    await fast.execute(sa.insert(outbox).values(fake(1002, "test.fast")))
                    await fast.execute(notify)
                await until("all", "test.fast")
                await until("one", "test.fast")
                await slow.execute(notify)
                await slow.commit()
            finally:
                await slow.close()
            await hold(admin, order_id)  # a marker that comes after both
            await until("one", "order.hold_placed")
            await until("all", "order.hold_placed")
    finally:
        await engine.dispose()

    expected = ["test.fast", "test.slow", "order.hold_placed"]
    assert seen["one"] == expected  # the relay did publish the late event once
    assert seen["all"] == expected


# --- orderUpdated -----------------------------------------------------------------------------


async def test_order_updated_delivers_only_the_events_of_that_order(
    live: LiveApi, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    watched = await place(admin, item)
    other = await place(admin, item)

    async with socket(live, live.admin_token) as sock:
        await sock.subscribe("s", ORDER_UPDATED, {"orderId": watched})
        await sock.synced()
        await authorize_ok(admin, other)  # not ours: must not arrive
        await authorize_ok(admin, watched)
        await hold(admin, other)
        await hold(admin, watched)
        received = await collect_events(sock, "s", "orderUpdated", 3)

    expected = await timeline(admin, watched)
    assert [brief(e) for e in received] == expected[1:]
    assert [e["type"] for e in received] == [
        "order.confirmed",
        "fulfillment.created",
        "order.hold_placed",
    ]
    assert {e["order"]["id"] for e in received} == {watched}


async def test_order_updated_refuses_a_storefront_and_an_anonymous_caller(
    live: LiveApi, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique)
    order_id = await place(admin, item)
    async with socket(live, live.storefront_token) as sock:
        await sock.subscribe("s", ORDER_UPDATED, {"orderId": order_id})
        assert codes(await sock.errors("s")) == ["FORBIDDEN"]
    async with socket(live, None) as sock:
        await sock.subscribe("s", ORDER_UPDATED, {"orderId": order_id})
        assert codes(await sock.errors("s")) == ["UNAUTHENTICATED"]


# --- shipmentUpdated --------------------------------------------------------------------------


async def test_shipment_updated_fires_when_shipped_and_on_each_carrier_event(
    live: LiveApi, admin: GraphQLClient, unique: str
) -> None:
    watched = await confirmed(admin, unique, 2)
    other = await confirmed(admin, unique, 1)
    await pack(admin, watched.fulfillment_id)
    await pack(admin, other.fulfillment_id)

    async with socket(live, live.admin_token) as sock:
        await sock.subscribe("s", SHIPMENT_UPDATED, {"orderId": watched.id})
        await sock.synced()
        await ship_ok(admin, other.fulfillment_id)  # another order's parcel: not ours
        shipped = (await ship_ok(admin, watched.fulfillment_id))["shipment"]
        created = (await sock.next_data("s"))["shipmentUpdated"]
        await record_ok(admin, shipped["id"], "IN_TRANSIT", after(shipped, 1))
        moving = (await sock.next_data("s"))["shipmentUpdated"]
        await record_ok(admin, shipped["id"], "DELIVERED", after(shipped, 2))
        delivered = (await sock.next_data("s"))["shipmentUpdated"]

    assert created["id"] == shipped["id"]
    assert created["orderNumber"] == watched.order["number"]
    assert created["trackingNumber"] == shipped["trackingNumber"]
    assert created["status"] == "LABEL_CREATED"
    assert (moving["id"], moving["status"]) == (shipped["id"], "IN_TRANSIT")
    assert (delivered["id"], delivered["status"]) == (shipped["id"], "DELIVERED")
    assert [e["status"] for e in delivered["events"]] == [
        "LABEL_CREATED",
        "IN_TRANSIT",
        "DELIVERED",
    ]


# --- inventoryChanged -------------------------------------------------------------------------


async def adjust(admin: GraphQLClient, item: Stocked, delta: int) -> None:
    payload = await admin.mutate(
        ADJUST, {"input": {"sku": item.sku, "warehouseId": item.warehouse_id, "delta": delta}}
    )
    assert payload["userErrors"] == [], payload


async def test_inventory_changed_fires_on_adjustments_and_reservations_of_that_sku(
    live: LiveApi, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)
    other = await stock(admin, unique, on_hand=10)

    async with socket(live, live.admin_token) as sock:
        await sock.subscribe("s", INVENTORY_CHANGED, {"sku": item.sku})
        await sock.synced()
        await adjust(admin, other, 4)  # another SKU: must not arrive
        await adjust(admin, item, 5)
        adjusted = (await sock.next_data("s"))["inventoryChanged"]
        await place(admin, other, 2)
        await place(admin, item, 3)
        reserved = (await sock.next_data("s"))["inventoryChanged"]

    assert adjusted == {
        "sku": item.sku,
        "onHand": 15,
        "reserved": 0,
        "available": 15,
        "warehouse": {"id": item.warehouse_id},
    }
    assert reserved == {
        "sku": item.sku,
        "onHand": 15,
        "reserved": 3,
        "available": 12,
        "warehouse": {"id": item.warehouse_id},
    }


async def test_a_storefront_sees_available_stock_change_but_not_on_hand(
    live: LiveApi, admin: GraphQLClient, unique: str
) -> None:
    item = await stock(admin, unique, on_hand=10)
    stocked = {"data": {"inventoryChanged": {"sku": item.sku, "available": 10}}}
    changed = {"data": {"inventoryChanged": {"sku": item.sku, "available": 6}}}

    async with socket(live, live.storefront_token) as sock:
        await sock.subscribe("ok", AVAILABLE_ONLY, {"sku": item.sku})
        await sock.subscribe("no", ON_HAND, {"sku": item.sku})
        await sock.synced()
        await adjust(admin, item, -4)
        by_id: dict[str, dict[str, Any]] = {}
        while "no" not in by_id or by_id.get("ok", {}).get("payload") != changed:
            message = await sock.receive()
            if message["id"] == "ok" and message["payload"] == stocked:
                continue  # the stocking itself, committed before we subscribed, relayed after
            by_id[message["id"]] = message

    allowed = by_id["ok"]
    assert allowed["type"] == "next", allowed
    assert allowed["payload"] == changed
    refused = by_id["no"]
    errors = refused["payload"]["errors"] if refused["type"] == "next" else refused["payload"]
    assert codes(errors) == ["FORBIDDEN"], refused
    assert "inventory:read" in errors[0]["message"]
    assert not (refused["payload"].get("data") or {}).get("inventoryChanged")


async def test_inventory_changed_needs_a_token(live: LiveApi) -> None:
    async with socket(live, None) as sock:
        await sock.subscribe("s", AVAILABLE_ONLY, {"sku": "ANY"})
        errors = await sock.errors("s")
    assert codes(errors) == ["UNAUTHENTICATED"], errors
