"""Broker: in-process fan-out of committed outbox events, with a bounded buffer per subscriber."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from ordergraph.events.broker import Broker, OutboxEvent, SubscriberTooSlow, Subscription

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TIMEOUT = 2.0


def event(event_id: int, order_id: int | None = 1) -> OutboxEvent:
    return OutboxEvent(
        id=event_id,
        order_id=order_id,
        sequence=event_id if order_id is not None else None,
        aggregate_type="Order",
        aggregate_id=order_id or 0,
        type=f"test.{event_id}",
        payload={"n": event_id},
        actor="test",
        occurred_at=WHEN,
    )


async def take(subscription: Subscription, count: int) -> list[int]:
    """The ids of the next ``count`` events (bounded wait)."""
    ids: list[int] = []
    async with asyncio.timeout(TIMEOUT):
        async for received in subscription:
            ids.append(received.id)
            if len(ids) == count:
                break
    return ids


async def drain(subscription: Subscription) -> list[int]:
    """Every id until the iterator ends on its own (bounded wait)."""
    async with asyncio.timeout(TIMEOUT):
        return [received.id async for received in subscription]


async def drain_into(subscription: Subscription, received: list[int]) -> None:
    """Append every id to ``received`` until the iterator ends or raises (bounded wait)."""
    async with asyncio.timeout(TIMEOUT):
        async for got in subscription:
            received.append(got.id)


async def test_every_subscriber_receives_every_event_in_publish_order() -> None:
    broker = Broker(buffer_size=10)
    subscribers = [broker.subscribe() for _ in range(3)]
    assert broker.subscriber_count == 3

    broker.publish([event(1), event(2)])
    broker.publish([event(3)])

    for subscription in subscribers:
        assert await take(subscription, 3) == [1, 2, 3]
    assert broker.last_id == 3


async def test_a_waiting_subscriber_wakes_up_for_each_publish() -> None:
    broker = Broker(buffer_size=10)
    subscription = broker.subscribe()
    listener = asyncio.create_task(take(subscription, 4))
    await asyncio.sleep(0)  # let it start waiting on an empty buffer

    for next_id in range(1, 5):
        broker.publish([event(next_id)])
        await asyncio.sleep(0)

    assert await listener == [1, 2, 3, 4]


async def test_last_id_is_the_highest_id_published_even_when_a_late_lower_id_follows() -> None:
    broker = Broker()
    broker.publish([event(5), event(7)])
    broker.publish([event(6)])  # a gap filled in later
    assert broker.last_id == 7


async def test_a_subscriber_that_overflows_is_dropped_and_told_it_is_too_slow() -> None:
    broker = Broker(buffer_size=2)
    slow = broker.subscribe()
    fast = broker.subscribe()

    broker.publish([event(1), event(2)])
    assert await take(fast, 2) == [1, 2]
    broker.publish([event(3)])  # slow's buffer already holds two: it overflows

    assert slow.overflowed
    assert broker.subscriber_count == 1  # only fast is left
    assert await take(fast, 1) == [3]
    broker.publish([event(4), event(5)])
    assert await take(fast, 2) == [4, 5]
    assert not fast.overflowed

    received: list[int] = []
    with pytest.raises(SubscriberTooSlow):
        await drain_into(slow, received)
    # what was buffered before the overflow is still handed out, then the error; nothing later
    assert received == [1, 2]


async def test_a_subscriber_waiting_on_an_empty_buffer_is_not_dropped() -> None:
    broker = Broker(buffer_size=2)
    subscription = broker.subscribe()
    listener = asyncio.create_task(take(subscription, 6))
    await asyncio.sleep(0)

    for start in (1, 3, 5):
        broker.publish([event(start), event(start + 1)])
        for _ in range(3):  # let the listener empty its buffer
            await asyncio.sleep(0)

    assert await listener == [1, 2, 3, 4, 5, 6]
    assert not subscription.overflowed


async def test_close_ends_every_iterator_after_what_was_already_buffered() -> None:
    broker = Broker(buffer_size=10)
    idle = broker.subscribe()
    behind = broker.subscribe()
    waiting = asyncio.create_task(drain(idle))
    await asyncio.sleep(0)
    broker.publish([event(1)])
    await asyncio.sleep(0)
    broker.publish([event(2)])

    broker.close()

    assert await waiting == [1, 2]
    assert await drain(behind) == [1, 2]
    assert broker.subscriber_count == 0
    broker.publish([event(3)])  # nobody is listening any more: nothing to deliver, no error
    assert broker.last_id == 3


async def test_closing_one_subscription_stops_its_deliveries_only() -> None:
    broker = Broker(buffer_size=10)
    leaving = broker.subscribe()
    staying = broker.subscribe()

    leaving.close()
    broker.publish([event(1)])

    assert broker.subscriber_count == 1
    assert await take(staying, 1) == [1]
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            await anext(aiter(leaving))


async def test_close_ends_a_subscriber_whose_buffer_is_exactly_full_cleanly() -> None:
    broker = Broker(buffer_size=2)
    full = broker.subscribe()
    broker.publish([event(1), event(2)])  # full, but nothing was lost: not too slow

    broker.close()

    assert await drain(full) == [1, 2]
