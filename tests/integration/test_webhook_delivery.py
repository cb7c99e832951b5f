"""Webhook fan-out and delivery on real PostgreSQL, to a real local HTTP receiver.

Events come from real services (``place_order``, ``hold_order``); ``fan_out`` and ``deliver_due``
are called directly with a ``FixedClock`` so retries are tested without sleeping.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.engine import create_engine
from ordergraph.db.tables import outbox, webhook_attempts, webhook_deliveries
from ordergraph.db.uow import SqlUnitOfWork
from ordergraph.domain.clock import FixedClock
from ordergraph.domain.customers import AddressFields
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.inventory import AdjustmentReason
from ordergraph.domain.orders import Channel, HoldType, Order, RequestedLine
from ordergraph.domain.principals import SYSTEM
from ordergraph.domain.webhooks import HEADERS, RetrySchedule, WebhookUrlPolicy, verify
from ordergraph.events.webhooks import WebhookSettings, deliver_due, fan_out
from ordergraph.services.deps import Deps
from ordergraph.services.holds import hold_order
from ordergraph.services.inventory import adjust_inventory
from ordergraph.services.orders import place_order
from ordergraph.services.webhooks import create_webhook, redeliver
from tests.integration.conftest import make_product, make_warehouse
from tests.support.receiver import Receiver, receiving

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HALF = 0.5  # rand() giving exactly the nominal delay
ALLOWED = WebhookSettings(policy=WebhookUrlPolicy(allow_private=True))
STRICT = WebhookSettings(policy=WebhookUrlPolicy(allow_private=False))

ADDRESS: AddressFields = {
    "name": "Hook Tester",
    "line1": "Damrak 1",
    "line2": None,
    "city": "Amsterdam",
    "region": "EU-WEST",
    "postal_code": "1012 LG",
    "country_code": "NL",
    "phone": None,
}


def half() -> float:
    return HALF


@dataclass
class World:
    engine: AsyncEngine
    clock: FixedClock
    deps: Deps
    sku: str

    async def place(self, email: str = "guest@example.com") -> Order:
        return await place_order(
            self.deps,
            SYSTEM,
            channel=Channel.WEB,
            lines=[RequestedLine(self.sku, 1)],
            shipping_address=ADDRESS,
            email=email,
        )

    async def hold(self, order: Order) -> Order:
        assert order.id is not None
        return await hold_order(
            self.deps, SYSTEM, order_id=order.id, hold_type=HoldType.FRAUD_REVIEW
        )

    async def hook(
        self, receiver: Receiver, events: list[str], settings: WebhookSettings = ALLOWED
    ) -> tuple[int, str]:
        """A webhook to the receiver, created one second after everything so far."""
        self.clock.advance(timedelta(seconds=1))
        webhook, secret = await create_webhook(
            self.deps, SYSTEM, settings.policy, url=receiver.url, events=events
        )
        self.clock.advance(timedelta(seconds=1))
        return webhook.id, secret


@pytest.fixture
async def world(pg_engine: AsyncEngine, unique: str) -> World:
    clock = FixedClock(START)
    deps = Deps(uow=lambda: SqlUnitOfWork(pg_engine, clock), clock=clock)
    warehouse = await make_warehouse(deps, f"W-{unique}")
    assert warehouse.id is not None
    sku = f"SKU-{unique}"
    await make_product(deps, sku)
    await adjust_inventory(
        deps,
        SYSTEM,
        sku=sku,
        warehouse_id=warehouse.id,
        delta=1000,
        reason=AdjustmentReason.RECEIVED,
    )
    return World(pg_engine, clock, deps, sku)


@pytest.fixture
def rx() -> Iterator[Receiver]:
    with receiving() as receiver:
        yield receiver


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(follow_redirects=False) as client:
        yield client


async def deliveries(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(sa.select(webhook_deliveries).order_by(webhook_deliveries.c.id))
        return [dict(m) for m in rows.mappings()]


async def attempt_log(engine: AsyncEngine, delivery_id: int) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(webhook_attempts)
            .where(webhook_attempts.c.delivery_id == delivery_id)
            .order_by(webhook_attempts.c.id)
        )
        return [dict(m) for m in rows.mappings()]


async def events_of(engine: AsyncEngine, order_id: int | None) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(outbox).where(outbox.c.order_id == order_id).order_by(outbox.c.id)
        )
        return [dict(m) for m in rows.mappings()]


def body_of(request: Any) -> dict[str, Any]:
    parsed = json.loads(request.body)
    assert isinstance(parsed, dict)
    return parsed


# --- 1. what arrives ----------------------------------------------------------------------


async def test_a_delivery_arrives_signed_with_the_four_headers_and_the_outbox_event(
    world: World, rx: Receiver, http: httpx.AsyncClient
) -> None:
    _, secret = await world.hook(rx, ["order.placed"])
    order = await world.place()

    assert await fan_out(world.engine, world.clock) == 1
    assert await deliver_due(world.engine, world.clock, http, ALLOWED) == 1

    (request,) = rx.requests
    assert request.method == "POST"
    assert request.path == "/hooks"
    assert request.header("Content-Type") == "application/json"
    timestamp = int(request.header(HEADERS.timestamp))
    assert timestamp == int(world.clock.now().timestamp())
    signature = request.header(HEADERS.signature)
    assert signature.startswith("v1=")
    assert verify(secret, timestamp, request.body, signature, now=timestamp)
    assert not verify(secret, timestamp, request.body + b" ", signature, now=timestamp)
    assert not verify("x" * len(secret), timestamp, request.body, signature, now=timestamp)

    (placed,) = [e for e in await events_of(world.engine, order.id) if e["type"] == "order.placed"]
    body = body_of(request)
    assert body["id"] == str(placed["id"]) == request.header(HEADERS.event_id)
    assert body["type"] == "order.placed" == request.header(HEADERS.event_type)
    assert body["orderId"] == order.id
    assert body["sequence"] == placed["sequence"]
    assert body["actor"] == placed["actor"]
    assert body["data"] == placed["payload"]

    (delivery,) = await deliveries(world.engine)
    assert delivery["status"] == "SUCCEEDED"
    assert delivery["delivered_at"] == world.clock.now()
    assert delivery["last_status_code"] == 204
    assert delivery["outbox_id"] == placed["id"]


# --- 2. retries ---------------------------------------------------------------------------


async def test_a_failed_delivery_is_retried_on_schedule_until_it_succeeds(
    world: World, rx: Receiver, http: httpx.AsyncClient
) -> None:
    rx.answer([500, 500, 204])
    await world.hook(rx, ["order.placed"])
    await world.place()
    await fan_out(world.engine, world.clock)
    schedule = ALLOWED.schedule

    first_try = world.clock.now()
    assert await deliver_due(world.engine, world.clock, http, ALLOWED, rand=half) == 1
    (delivery,) = await deliveries(world.engine)
    assert delivery["status"] == "FAILED"
    assert delivery["attempts"] == 1
    assert delivery["last_status_code"] == 500
    assert delivery["next_attempt_at"] == first_try + schedule.delay(1, HALF)
    assert delivery["next_attempt_at"] == first_try + timedelta(seconds=60)

    world.clock.advance(timedelta(seconds=59))
    assert await deliver_due(world.engine, world.clock, http, ALLOWED, rand=half) == 0
    assert len(rx.requests) == 1

    world.clock.advance(timedelta(seconds=2))
    second_try = world.clock.now()
    assert await deliver_due(world.engine, world.clock, http, ALLOWED, rand=half) == 1
    (delivery,) = await deliveries(world.engine)
    assert delivery["status"] == "FAILED"
    assert delivery["attempts"] == 2
    assert delivery["next_attempt_at"] == second_try + timedelta(seconds=120)

    world.clock.advance(timedelta(seconds=121))
    assert await deliver_due(world.engine, world.clock, http, ALLOWED, rand=half) == 1
    (delivery,) = await deliveries(world.engine)
    assert delivery["status"] == "SUCCEEDED"
    assert delivery["delivered_at"] == world.clock.now()

    assert [r.status for r in rx.requests] == [500, 500, 204]
    assert len({r.header(HEADERS.event_id) for r in rx.requests}) == 1
    log = await attempt_log(world.engine, delivery["id"])
    assert [a["status_code"] for a in log] == [500, 500, 204]
    assert [a["attempted_at"] for a in log] == [first_try, second_try, world.clock.now()]
    assert [a["error"] for a in log] == ["HTTP 500", "HTTP 500", None]


# --- 3. dead letters ----------------------------------------------------------------------


async def test_a_delivery_is_dead_lettered_after_its_retries_and_can_be_redelivered(
    world: World, rx: Receiver, http: httpx.AsyncClient
) -> None:
    settings = WebhookSettings(
        policy=WebhookUrlPolicy(allow_private=True), schedule=RetrySchedule(max_attempts=2)
    )
    rx.answer([500])
    await world.hook(rx, ["order.placed"])
    await world.place()
    await fan_out(world.engine, world.clock)

    statuses = []
    for _ in range(3):
        assert await deliver_due(world.engine, world.clock, http, settings, rand=half) == 1
        (delivery,) = await deliveries(world.engine)
        statuses.append(delivery["status"])
        world.clock.advance(timedelta(hours=1))
    assert statuses == ["FAILED", "FAILED", "DEAD"]
    assert len(rx.requests) == 3

    world.clock.advance(timedelta(days=1))
    assert await deliver_due(world.engine, world.clock, http, settings, rand=half) == 0
    assert len(rx.requests) == 3

    rx.answer([204])
    queued = await redeliver(world.deps, SYSTEM, delivery_id=delivery["id"])
    assert queued.status == "PENDING"
    assert queued.attempts == 0
    assert await deliver_due(world.engine, world.clock, http, settings, rand=half) == 1
    (delivery,) = await deliveries(world.engine)
    assert delivery["status"] == "SUCCEEDED"
    assert [r.status for r in rx.requests] == [500, 500, 500, 204]
    assert len(await attempt_log(world.engine, delivery["id"])) == 4


# --- 4. order per order -------------------------------------------------------------------


async def test_a_later_event_of_an_order_waits_until_the_earlier_one_is_delivered(
    world: World, rx: Receiver, http: httpx.AsyncClient
) -> None:
    rx.answer([500, 204])
    await world.hook(rx, ["order.placed", "order.hold_placed"])
    order = await world.place()
    await world.hold(order)
    assert await fan_out(world.engine, world.clock) == 2

    assert await deliver_due(world.engine, world.clock, http, ALLOWED, rand=half) == 1
    placed, held = await deliveries(world.engine)
    assert (placed["event_type"], placed["status"]) == ("order.placed", "FAILED")
    assert (held["event_type"], held["status"]) == ("order.hold_placed", "PENDING")
    assert held["next_attempt_at"] <= world.clock.now()  # due, yet held back
    assert await deliver_due(world.engine, world.clock, http, ALLOWED, rand=half) == 0

    world.clock.advance(timedelta(minutes=5))
    for _ in range(5):
        if await deliver_due(world.engine, world.clock, http, ALLOWED, rand=half) == 0:
            break
    assert [d["status"] for d in await deliveries(world.engine)] == ["SUCCEEDED", "SUCCEEDED"]
    assert [r.header(HEADERS.event_type) for r in rx.requests] == [
        "order.placed",
        "order.placed",
        "order.hold_placed",
    ]
    assert [body_of(r)["sequence"] for r in rx.requests[1:]] == sorted(
        body_of(r)["sequence"] for r in rx.requests[1:]
    )


# --- 5. concurrency -----------------------------------------------------------------------


async def test_concurrent_fan_out_and_delivery_handle_each_event_exactly_once(
    world: World, pg_url: str, http: httpx.AsyncClient
) -> None:
    other = create_engine(pg_url)
    try:
        with receiving(delay=0.05) as receiver:
            await world.hook(receiver, ["order.placed", "order.hold_placed"])
            orders = [await world.place(f"guest{i}@example.com") for i in range(4)]
            for order in orders:
                await world.hold(order)

            made = await asyncio.gather(
                fan_out(world.engine, world.clock), fan_out(other, world.clock)
            )
            assert sum(made) == 8
            rows = await deliveries(world.engine)
            assert len(rows) == 8
            assert len({r["outbox_id"] for r in rows}) == 8

            async def worker(engine: AsyncEngine) -> int:
                total = 0
                for _ in range(20):
                    tried = await deliver_due(engine, world.clock, http, ALLOWED, limit=2)
                    if tried == 0:
                        break
                    total += tried
                return total

            tries = list(await asyncio.gather(worker(world.engine), worker(other)))
            # whatever one worker skipped while the other held it, a final pass picks up
            tries.append(await worker(world.engine))
            assert sum(tries) == 8

            received = [r.header(HEADERS.event_id) for r in receiver.requests]
            assert sorted(received) == sorted(str(r["outbox_id"]) for r in rows)
            assert all(r["status"] == "SUCCEEDED" for r in await deliveries(world.engine))
            for order in orders:
                types = [
                    body_of(r)["type"]
                    for r in receiver.requests
                    if body_of(r)["orderId"] == order.id
                ]
                assert types == ["order.placed", "order.hold_placed"]
    finally:
        await other.dispose()


# --- 6. SSRF ------------------------------------------------------------------------------


async def test_a_webhook_to_a_private_address_is_refused_in_production(
    world: World, rx: Receiver
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await create_webhook(world.deps, SYSTEM, STRICT.policy, url=rx.url, events=["order.placed"])
    assert refused.value.code == "INVALID_URL"
    assert await deliveries(world.engine) == []


async def test_a_delivery_resolving_to_a_private_address_is_refused_without_posting(
    world: World, rx: Receiver, http: httpx.AsyncClient
) -> None:
    await world.hook(rx, ["order.placed"], ALLOWED)
    await world.place()
    await fan_out(world.engine, world.clock)
    asked: list[str] = []

    async def resolve(host: str) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    assert await deliver_due(world.engine, world.clock, http, STRICT, resolve=resolve) == 1
    assert asked == []  # an address literal is checked as it is, never looked up
    assert rx.requests == []
    (delivery,) = await deliveries(world.engine)
    assert delivery["status"] == "FAILED"
    assert delivery["last_error"].startswith("refused: ")
    assert delivery["last_status_code"] is None
    (attempt,) = await attempt_log(world.engine, delivery["id"])
    assert attempt["error"].startswith("refused: ")


async def _named_hook(world: World, rx: Receiver, name: str) -> int:
    """A webhook whose URL names ``name`` instead of the receiver's address."""
    url = rx.url.replace("127.0.0.1", name)
    webhook, _ = await create_webhook(
        world.deps, SYSTEM, ALLOWED.policy, url=url, events=["order.placed"]
    )
    world.clock.advance(timedelta(seconds=1))
    return webhook.id


async def test_a_named_receiver_is_posted_to_the_address_it_resolved_to_once(
    world: World, rx: Receiver, http: httpx.AsyncClient
) -> None:
    await _named_hook(world, rx, "hooks.partner.test")
    await world.place()
    await fan_out(world.engine, world.clock)
    answers = [["127.0.0.1"], ["10.66.0.1"]]  # a rebinding DNS answers differently next time
    asked: list[str] = []

    async def resolve(host: str) -> list[str]:
        asked.append(host)
        return answers[len(asked) - 1]

    assert await deliver_due(world.engine, world.clock, http, ALLOWED, resolve=resolve) == 1
    assert asked == ["hooks.partner.test"]  # one lookup; the connection used its answer
    (request,) = rx.requests
    port = rx.url.split(":")[2].split("/")[0]
    assert request.header("host") == f"hooks.partner.test:{port}"
    (delivery,) = await deliveries(world.engine)
    assert delivery["status"] == "SUCCEEDED"
    assert delivery["leased_until"] is None


async def test_a_name_with_any_private_address_is_refused_in_production(
    world: World, rx: Receiver, http: httpx.AsyncClient
) -> None:
    await _named_hook(world, rx, "mixed.partner.test")
    await world.place()
    await fan_out(world.engine, world.clock)

    async def resolve(host: str) -> list[str]:
        return ["93.184.216.34", "127.0.0.1"]  # refused before any connection

    assert await deliver_due(world.engine, world.clock, http, STRICT, resolve=resolve) == 1
    assert rx.requests == []
    (delivery,) = await deliveries(world.engine)
    assert (
        delivery["last_error"] == "refused: resolves to a private or reserved address (127.0.0.1)"
    )


async def test_a_redirect_is_not_followed(world: World, http: httpx.AsyncClient) -> None:
    with receiving([302]) as redirecting:
        await world.hook(redirecting, ["order.placed"])
        await world.place()
        await fan_out(world.engine, world.clock)
        assert await deliver_due(world.engine, world.clock, http, ALLOWED) == 1
        assert len(redirecting.requests) == 1
    (delivery,) = await deliveries(world.engine)
    assert (delivery["status"], delivery["last_status_code"]) == ("FAILED", 302)


async def test_no_row_lock_is_held_while_a_slow_receiver_answers(
    world: World, http: httpx.AsyncClient
) -> None:
    with receiving([204], delay=1.0) as slow:
        await world.hook(slow, ["order.placed"])
        await world.place()
        await fan_out(world.engine, world.clock)
        posting = asyncio.create_task(deliver_due(world.engine, world.clock, http, ALLOWED))
        for _ in range(200):
            if slow.requests or (await deliveries(world.engine))[0]["leased_until"] is not None:
                break
            await asyncio.sleep(0.01)
        (claimed,) = await deliveries(world.engine)
        assert claimed["leased_until"] is not None
        # a second worker neither waits on a lock nor claims what is in flight
        started = time.perf_counter()
        assert await deliver_due(world.engine, world.clock, http, ALLOWED) == 0
        async with world.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(sa.text("SET LOCAL lock_timeout = '300ms'"))
            await conn.execute(
                sa.update(webhook_deliveries)
                .where(webhook_deliveries.c.id == claimed["id"])
                .values(last_latency_ms=1)
            )
        assert time.perf_counter() - started < 0.9
        assert await posting == 1
    (delivery,) = await deliveries(world.engine)
    assert delivery["status"] == "SUCCEEDED"
    assert len(slow.requests) == 1


async def test_an_expired_lease_is_claimed_again(
    world: World, rx: Receiver, http: httpx.AsyncClient
) -> None:
    await world.hook(rx, ["order.placed"])
    await world.place()
    await fan_out(world.engine, world.clock)
    async with world.engine.begin() as conn:  # a worker claimed it, then died
        await conn.execute(
            sa.update(webhook_deliveries).values(
                leased_until=world.clock.now() + timedelta(seconds=50)
            )
        )
    assert await deliver_due(world.engine, world.clock, http, ALLOWED) == 0
    world.clock.advance(timedelta(seconds=51))
    assert await deliver_due(world.engine, world.clock, http, ALLOWED) == 1
    assert len(rx.requests) == 1


# --- 7. what a webhook gets ---------------------------------------------------------------


async def test_a_webhook_gets_only_matching_events_committed_after_it_was_created(
    world: World, rx: Receiver, http: httpx.AsyncClient
) -> None:
    before = await world.place("early@example.com")
    await world.hook(rx, ["order.placed"])
    after = await world.place("late@example.com")
    await world.hold(after)
    await world.hold(before)

    assert await fan_out(world.engine, world.clock) == 1
    (delivery,) = await deliveries(world.engine)
    assert (delivery["order_id"], delivery["event_type"]) == (after.id, "order.placed")

    for _ in range(5):
        if await deliver_due(world.engine, world.clock, http, ALLOWED) == 0:
            break
    assert [(body_of(r)["orderId"], body_of(r)["type"]) for r in rx.requests] == [
        (after.id, "order.placed")
    ]
    assert await fan_out(world.engine, world.clock) == 0
