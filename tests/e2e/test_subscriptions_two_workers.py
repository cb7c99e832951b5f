"""Subscriptions across processes: two ``ordergraph serve`` servers on one PostgreSQL database.

Orders are placed and paid through server B; a websocket subscriber on server A must see their
events in order (through the outbox, NOTIFY and A's relay), resume after a disconnect with no gap
and no duplicate, and still get every committed order exactly once when B is killed with SIGKILL
in the middle of a stream of orders.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from websockets.asyncio.client import connect

from ordergraph.db.engine import create_engine
from ordergraph.db.tables import outbox
from tests.api.test_subscriptions_api import (
    ORDER_EVENTS,
    TIMEOUT,
    TRANSPORT_WS,
    Socket,
    database_id,
)
from tests.e2e.test_order_concurrency_http import order_input
from tests.e2e.test_serve_e2e import (
    FINISHED,
    STARTED,
    STARTUP_SECONDS,
    Server,
    admin_client,
    cli_env,
    graphql,
    ordergraph_executable,
    start_server,
    stock_a_product,
)
from tests.support.aio import run_sync
from tests.support.databases import Databases
from tests.support.receiver import Receiver

pytestmark = [pytest.mark.slow, pytest.mark.scale]

SKU = "SUB-E2E"
LATENCY_ORDERS = 10

PLACE_ORDER = """
mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) { order { id number } userErrors { code message } }
}"""
AUTHORIZE = """
mutation($input: PaymentInput!) {
  authorizePayment(input: $input) { order { status } userErrors { code message } }
}"""
TIMELINE = "query($id: ID!) { order(id: $id) { events { id sequence type } } }"

Brief = tuple[str, str, int, str]  # (event id, order id, sequence, type)


@dataclass
class Pair:
    a: Server  # the subscriber's server
    b: Server  # where orders are placed


def start(database_url: str, workdir: Any, name: str) -> Server:
    return start_server(database_url, workdir, workers=1, name=name)


def wait_until_up(server: Server) -> None:
    """Until /healthz answers and the single worker has finished its startup (bounded)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    with httpx.Client(base_url=server.base_url, timeout=2) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise AssertionError(
                    f"server exited with {server.process.returncode}\n{server.tail()}"
                )
            with contextlib.suppress(httpx.TransportError):
                if client.get("/healthz").status_code == 200 and STARTED in server.log():
                    return
            time.sleep(0.1)
    raise AssertionError(f"server not up within {STARTUP_SECONDS} s\n{server.tail()}")


def kill_hard(server: Server) -> None:
    """SIGKILL the server's own process group (no shutdown code runs)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)


@pytest.fixture(scope="module")
def pair(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    database_url = databases.new_postgres()
    workdir = tmp_path_factory.mktemp("serve-subscriptions")
    servers = Pair(start(database_url, workdir, "a"), start(database_url, workdir, "b"))
    try:
        wait_until_up(servers.a)
        wait_until_up(servers.b)
        issued = subprocess.run(
            [ordergraph_executable(), "token", "create", "--role", "admin", "--name", "subs"],
            env=cli_env(database_url),
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        servers.a.admin_token = servers.b.admin_token = issued.stdout.strip()
        yield servers
    finally:
        killed = servers.b.process.poll() is not None
        try:
            code_a = servers.a.stop()
            code_b = None if killed else servers.b.stop()
        finally:
            for server in (servers.a, servers.b):
                if server.process.poll() is None:
                    kill_hard(server)
            databases.drop_postgres(database_url)
    # A single uvicorn process re-raises the SIGTERM it handled once it has shut down cleanly.
    stopped_cleanly = (0, -signal.SIGTERM)
    assert code_a in stopped_cleanly, f"server A exited with {code_a}\n{servers.a.tail()}"
    assert servers.a.log().count(FINISHED) == 1, servers.a.tail()
    assert "Application shutdown complete." in servers.a.log(), servers.a.tail()
    if code_b is not None:
        assert code_b in stopped_cleanly, f"server B exited with {code_b}\n{servers.b.tail()}"


@pytest.fixture(scope="module")
def stocked(pair: Pair) -> str:
    async def make() -> str:
        async with admin_client(pair.b) as client:
            return await stock_a_product(client, "SUB-W", SKU, 10_000)

    return run_sync(make)


@asynccontextmanager
async def subscriber(server: Server, after: str) -> AsyncIterator[Socket]:
    url = server.base_url.replace("http://", "ws://", 1) + "/graphql"
    async with connect(url, subprotocols=[TRANSPORT_WS], open_timeout=TIMEOUT) as ws:
        sock = Socket(ws)
        await sock.send(
            {
                "type": "connection_init",
                "payload": {"Authorization": f"Bearer {server.admin_token}"},
            }
        )
        assert (await sock.receive())["type"] == "connection_ack"
        await sock.subscribe("s", ORDER_EVENTS, {"after": after})
        yield sock


async def next_event(sock: Socket) -> Brief:
    event = (await sock.next_data("s"))["orderEvents"]
    return (event["id"], event["order"]["id"], event["sequence"], event["type"])


async def place(client: httpx.AsyncClient, index: int) -> str:
    placed = (await graphql(client, PLACE_ORDER, {"input": order_input(index, SKU)}))["placeOrder"]
    assert placed["userErrors"] == [], placed
    order_id = placed["order"]["id"]
    assert isinstance(order_id, str)
    return order_id


async def pay(client: httpx.AsyncClient, order_id: str) -> None:
    paid = await graphql(client, AUTHORIZE, {"input": {"orderId": order_id, "token": "tok_ok"}})
    assert paid["authorizePayment"]["userErrors"] == [], paid
    assert paid["authorizePayment"]["order"]["status"] == "CONFIRMED"


async def timeline(client: httpx.AsyncClient, order_id: str) -> list[Brief]:
    events = (await graphql(client, TIMELINE, {"id": order_id}))["order"]["events"]
    return [(e["id"], order_id, e["sequence"], e["type"]) for e in events]


async def cursor(client: httpx.AsyncClient, index: int) -> str:
    """A fresh order's last event id: a resume point with nothing after it yet."""
    return (await timeline(client, await place(client, index)))[-1][0]


async def test_a_subscriber_on_one_server_sees_orders_paid_on_the_other_in_order_and_fast(
    pair: Pair, stocked: str
) -> None:
    latencies: list[float] = []
    expected: list[Brief] = []
    received: list[Brief] = []
    async with admin_client(pair.b) as on_b:
        after = await cursor(on_b, 1000)
        async with subscriber(pair.a, after) as sock:
            for index in range(LATENCY_ORDERS):
                sent = time.monotonic()
                order_id = await place(on_b, index)
                received.append(await next_event(sock))  # order.placed
                latencies.append(time.monotonic() - sent)
                await pay(on_b, order_id)
                received.append(await next_event(sock))  # order.confirmed
                received.append(await next_event(sock))  # fulfillment.created
                expected.extend(await timeline(on_b, order_id))

    median = statistics.median(latencies)
    print(
        f"\nplaceOrder on B → order.placed on A: median {median * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms over {len(latencies)} orders"
    )
    assert received == expected
    assert [t for _, _, _, t in expected[:3]] == [
        "order.placed",
        "order.confirmed",
        "fulfillment.created",
    ]
    assert [int(e[0]) for e in received] == sorted(int(e[0]) for e in received)
    assert median < 1.0, latencies


async def test_resuming_on_a_after_a_disconnect_loses_and_repeats_nothing(
    pair: Pair, stocked: str
) -> None:
    async with admin_client(pair.b) as on_b:
        after = await cursor(on_b, 2000)
        async with subscriber(pair.a, after) as sock:
            first = await place(on_b, 2001)
            await pay(on_b, first)
            seen = [await next_event(sock), await next_event(sock)]  # 2 of its 3 events
        missed = [await place(on_b, 2002), await place(on_b, 2003)]
        await pay(on_b, missed[0])

        async with subscriber(pair.a, seen[-1][0]) as sock:
            live = await place(on_b, 2004)
            expected = (await timeline(on_b, first))[2:]
            for order_id in [*missed, live]:
                expected.extend(await timeline(on_b, order_id))
            expected.sort(key=lambda e: int(e[0]))  # outbox order: the orders interleave
            resumed = [await next_event(sock) for _ in expected]
            await pay(on_b, live)  # one more: nothing of the above may come again first
            following = await next_event(sock)

    assert resumed == expected
    assert [e[3] for e in seen] == ["order.placed", "order.confirmed"]
    assert seen[0][1] == first
    assert (following[1], following[3]) == (live, "order.confirmed")


CREATE_WEBHOOK = """
mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) { webhook { id } userErrors { code message } }
}"""


async def test_every_order_committed_before_the_other_server_is_killed_arrives_once(
    pair: Pair, stocked: str
) -> None:
    """Last in the module on purpose: server B does not come back.

    Both feeds must survive the kill: the subscriber on A gets every committed order exactly
    once, and a webhook receiver gets every committed order.placed at least once (A's workers
    take over fan-out and delivery; a delivery B had claimed is released when its connection
    dies).
    """
    answered: list[str] = []
    receiver = Receiver()
    async with admin_client(pair.a) as on_a:
        created = await graphql(
            on_a,
            CREATE_WEBHOOK,
            {"input": {"url": receiver.url, "events": ["order.placed"]}},
        )
        assert created["createWebhook"]["userErrors"] == []
    async with admin_client(pair.b) as on_b:
        after = await cursor(on_b, 3000)
    async with subscriber(pair.a, after) as sock:
        enough = asyncio.Event()

        async def keep_ordering() -> None:
            async with admin_client(pair.b) as client:
                for index in range(3001, 3500):
                    try:
                        answered.append(await place(client, index))
                    except httpx.TransportError:
                        return
                    if len(answered) == 5:
                        enough.set()  # the next request is already on its way when B dies

        loop = asyncio.create_task(keep_ordering())
        async with asyncio.timeout(20):
            await enough.wait()
        kill_hard(pair.b)
        async with asyncio.timeout(20):
            await loop

        engine = create_engine(pair.a.database_url, pool_size=1)
        try:
            async with engine.connect() as conn:
                committed = list(
                    await conn.scalars(
                        sa.select(outbox.c.order_id)
                        .where(outbox.c.id > int(after), outbox.c.type == "order.placed")
                        .order_by(outbox.c.id)
                    )
                )
        finally:
            await engine.dispose()

        async with admin_client(pair.a) as on_a:
            marker = await place(on_a, 3999)  # after B's orders: once it arrives, all did
        placed: list[str] = []
        while marker not in placed:
            _, order_id, _, kind = await next_event(sock)
            if kind == "order.placed":
                placed.append(order_id)

    # every committed order.placed (and the marker's) reaches the webhook receiver at least once
    expected_events = set(await _placed_event_ids(pair.a.database_url, int(after)))
    deadline = time.monotonic() + 30
    received: set[str] = set()
    while time.monotonic() < deadline and not expected_events <= received:
        received = {r.header("X-Ordergraph-Event-Id") for r in receiver.requests}
        await asyncio.sleep(0.2)
    receiver.close()
    assert expected_events <= received, sorted(expected_events - received)

    print(f"\n{len(answered)} orders answered by B, {len(committed)} committed before SIGKILL")
    assert len(answered) >= 5
    assert len(committed) >= len(answered)
    assert set(answered) <= set(placed)
    assert Counter(placed).most_common(1)[0][1] == 1  # nothing twice
    assert placed[-1] == marker
    assert [database_id(order_id) for order_id in placed[:-1]] == committed  # none missing


async def _placed_event_ids(database_url: str, after: int) -> list[str]:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            ids = await conn.scalars(
                sa.select(outbox.c.id).where(outbox.c.id > after, outbox.c.type == "order.placed")
            )
            return [str(i) for i in ids]
    finally:
        await engine.dispose()
