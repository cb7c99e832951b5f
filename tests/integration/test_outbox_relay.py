"""OutboxRelay on a real database: committed outbox rows reach the broker once each, in order.

Rows are written either through ``SqlUnitOfWork`` (which sends ``pg_notify`` inside the committing
transaction) or by a raw ``INSERT`` that sends nothing, so each test knows which wake-up path it
exercises. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ordergraph.db.engine import create_engine
from ordergraph.db.tables import outbox
from ordergraph.db.uow import SqlUnitOfWork
from ordergraph.domain.clock import SystemClock
from ordergraph.domain.events import DomainEvent
from ordergraph.events.broker import Broker, OutboxEvent, Subscription
from ordergraph.events.relay import BATCH, OutboxRelay, current_position, read_after
from tests.support.databases import Databases

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TIMEOUT = 5.0


def row(name: str) -> dict[str, Any]:
    return {
        "order_id": None,
        "sequence": None,
        "aggregate_type": "Test",
        "aggregate_id": 1,
        "type": name,
        "payload": {"name": name},
        "actor": "test",
        "occurred_at": WHEN,
    }


async def insert(conn: AsyncConnection, name: str) -> int:
    """A raw outbox INSERT (no NOTIFY) on an open transaction; the new id."""
    new_id = await conn.scalar(sa.insert(outbox).values(row(name)).returning(outbox.c.id))
    assert isinstance(new_id, int)
    return new_id


async def insert_committed(engine: AsyncEngine, *names: str) -> list[int]:
    async with engine.begin() as conn:
        return [await insert(conn, name) for name in names]


async def record_through_uow(engine: AsyncEngine, name: str, relay: OutboxRelay | None) -> None:
    """Commit one event the way services do (PostgreSQL: with pg_notify in the transaction)."""
    on_commit = relay.wake if relay is not None else None
    async with SqlUnitOfWork(engine, SystemClock(), on_commit) as uow:
        uow.record(DomainEvent(name, "Test", 1, {"name": name}, actor="test"))
        await uow.commit()


def buffered(subscription: Subscription) -> list[OutboxEvent]:
    """What the relay has already handed to this subscriber, without waiting."""
    events: list[OutboxEvent] = []
    queue = subscription._queue
    while not queue.empty():
        item = queue.get_nowait()
        assert item is not None
        events.append(item)
    return events


async def next_event(subscription: Subscription, within: float = TIMEOUT) -> OutboxEvent:
    async with asyncio.timeout(within):
        async for received in subscription:
            return received
    raise AssertionError("the subscription ended")


@pytest.fixture
def relay(pg_engine: AsyncEngine) -> OutboxRelay:
    """A relay that is not started: the test calls ``pump`` itself."""
    return OutboxRelay(pg_engine, Broker(buffer_size=5000), poll_interval=10)


async def started(relay: OutboxRelay) -> AsyncIterator[OutboxRelay]:
    await relay.start()
    try:
        yield relay
    finally:
        await relay.stop()


@pytest.fixture
async def notified_relay(pg_engine: AsyncEngine) -> AsyncIterator[OutboxRelay]:
    """Started, with a 10 s poll: anything faster was woken by NOTIFY."""
    async for running in started(OutboxRelay(pg_engine, Broker(), poll_interval=10)):
        yield running


@pytest.fixture
async def polling_relay(pg_engine: AsyncEngine) -> AsyncIterator[OutboxRelay]:
    async for running in started(OutboxRelay(pg_engine, Broker(), poll_interval=0.2)):
        yield running


# --- pump -------------------------------------------------------------------------------------


async def test_pump_publishes_committed_rows_in_id_order_and_only_once(
    pg_engine: AsyncEngine, relay: OutboxRelay
) -> None:
    subscription = relay.broker.subscribe()
    ids = await insert_committed(pg_engine, "first", "second", "third")

    assert await relay.pump() == 3

    got = buffered(subscription)
    assert [e.id for e in got] == sorted(ids) == ids
    assert [e.type for e in got] == ["first", "second", "third"]
    assert got[0].payload == {"name": "first"}
    assert got[0].aggregate_type == "Test"
    assert got[0].actor == "test"
    assert got[0].occurred_at == WHEN
    assert relay.broker.last_id == ids[-1]
    assert await relay.pump() == 0
    assert buffered(subscription) == []


async def test_pump_reads_past_one_batch(pg_engine: AsyncEngine, relay: OutboxRelay) -> None:
    subscription = relay.broker.subscribe()
    total = BATCH * 2 + 7
    async with pg_engine.begin() as conn:
        await conn.execute(sa.insert(outbox), [row(f"bulk.{n}") for n in range(total)])

    assert await relay.pump() == total

    got = [e.id for e in buffered(subscription)]
    assert len(got) == total
    assert got == sorted(got)
    assert len(set(got)) == total
    assert await relay.pump() == 0


async def test_a_lower_id_committed_after_a_higher_one_is_published_once_when_it_commits(
    pg_engine: AsyncEngine, relay: OutboxRelay
) -> None:
    subscription = relay.broker.subscribe()
    slow = await pg_engine.connect()
    try:
        await slow.begin()
        lower = await insert(slow, "slow")  # T1 takes its id first…
        async with pg_engine.begin() as fast:
            higher = await insert(fast, "fast")  # …T2 takes a higher one and commits first
        assert lower < higher

        assert await relay.pump() == 1
        assert [e.id for e in buffered(subscription)] == [higher]
        assert await relay.pump() == 0  # T1 still open: nothing new, nothing repeated

        await slow.commit()
    finally:
        await slow.close()

    assert await relay.pump() == 1
    late = buffered(subscription)
    assert [(e.id, e.type) for e in late] == [(lower, "slow")]
    assert await relay.pump() == 0
    after = await insert_committed(pg_engine, "later")
    assert await relay.pump() == 1
    assert [e.id for e in buffered(subscription)] == after


async def test_a_started_relay_publishes_only_what_commits_after_it_started(
    pg_engine: AsyncEngine,
) -> None:
    await insert_committed(pg_engine, "before")
    relay = OutboxRelay(pg_engine, Broker(), poll_interval=0.2)
    await relay.start()
    try:
        subscription = relay.broker.subscribe()
        (new_id,) = await insert_committed(pg_engine, "after")

        got = await next_event(subscription)

        assert (got.id, got.type) == (new_id, "after")
    finally:
        await relay.stop()


# --- wake-ups ---------------------------------------------------------------------------------


async def test_notify_wakes_the_relay_long_before_its_poll(
    pg_engine: AsyncEngine, notified_relay: OutboxRelay
) -> None:
    subscription = notified_relay.broker.subscribe()
    latencies = []
    for n in range(3):
        began = time.monotonic()
        await record_through_uow(pg_engine, f"notified.{n}", relay=None)  # no in-process wake
        got = await next_event(subscription, within=2)
        latencies.append(time.monotonic() - began)
        assert got.type == f"notified.{n}"

    assert max(latencies) < 0.5, latencies


async def test_without_notify_events_still_arrive_by_polling(
    pg_engine: AsyncEngine, polling_relay: OutboxRelay
) -> None:
    subscription = polling_relay.broker.subscribe()
    ids = await insert_committed(pg_engine, "quiet.1", "quiet.2")

    got = [await next_event(subscription, within=3), await next_event(subscription, within=3)]

    assert [e.id for e in got] == ids
    assert [e.type for e in got] == ["quiet.1", "quiet.2"]


async def test_stopping_the_relay_ends_its_subscriptions(
    pg_engine: AsyncEngine,
) -> None:
    relay = OutboxRelay(pg_engine, Broker(), poll_interval=0.2)
    await relay.start()
    subscription = relay.broker.subscribe()

    await relay.stop()

    async with asyncio.timeout(TIMEOUT):
        assert [e async for e in subscription] == []


async def test_on_sqlite_a_commit_wakes_the_relay_in_process(databases: Databases) -> None:
    engine = create_engine(databases.new_sqlite())
    relay = OutboxRelay(engine, Broker(), poll_interval=10)
    await relay.start()
    try:
        subscription = relay.broker.subscribe()
        began = time.monotonic()
        await record_through_uow(engine, "sqlite.woken", relay)

        got = await next_event(subscription, within=2)

        assert got.type == "sqlite.woken"
        assert time.monotonic() - began < 0.5
    finally:
        await relay.stop()
        await engine.dispose()


# --- reads ------------------------------------------------------------------------------------


async def test_read_after_and_current_position_see_committed_rows_only(
    pg_engine: AsyncEngine,
) -> None:
    assert await current_position(pg_engine) == 0
    first, second, third = await insert_committed(pg_engine, "a", "b", "c")
    pending = await pg_engine.connect()
    try:
        await pending.begin()
        await insert(pending, "uncommitted")

        assert await current_position(pg_engine) == third
        assert [e.id for e in await read_after(pg_engine, first)] == [second, third]
        assert [e.id for e in await read_after(pg_engine, 0, limit=2)] == [first, second]
        assert await read_after(pg_engine, third) == []
        assert await read_after(pg_engine, 0, order_id=123456) == []
    finally:
        await pending.rollback()
        await pending.close()
