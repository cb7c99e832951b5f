"""In-process fan-out of committed outbox events to subscribers, with bounded buffers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    id: int
    order_id: int | None
    sequence: int | None
    aggregate_type: str
    aggregate_id: int
    type: str
    payload: dict[str, Any]
    actor: str
    occurred_at: datetime


class SubscriberTooSlow(Exception):
    """The subscriber's buffer filled up; it was dropped rather than grow without bound."""


class Subscription:
    def __init__(self, broker: Broker, size: int) -> None:
        self._broker = broker
        self._queue: asyncio.Queue[OutboxEvent | None] = asyncio.Queue(maxsize=size)
        self.overflowed = False
        self.closed = False

    def _offer(self, event: OutboxEvent) -> None:
        if self.overflowed:
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True
            self._broker.unsubscribe(self)

    def _end(self) -> None:
        self.closed = True
        # a full buffer needs no marker: the reader drains it, then sees ``closed``
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)

    async def __aiter__(self) -> AsyncIterator[OutboxEvent]:
        while True:
            if self._queue.empty():
                if self.overflowed:
                    raise SubscriberTooSlow
                if self.closed:
                    return
            event = await self._queue.get()
            if event is None:
                return
            yield event

    def close(self) -> None:
        self._broker.unsubscribe(self)


class Broker:
    """Every subscriber of this process sees every committed event, in outbox order."""

    def __init__(self, buffer_size: int = 1000) -> None:
        self.buffer_size = buffer_size
        self._subscribers: set[Subscription] = set()
        self.last_id = 0

    def subscribe(self) -> Subscription:
        subscription = Subscription(self, self.buffer_size)
        self._subscribers.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)

    def publish(self, events: list[OutboxEvent]) -> None:
        for event in events:
            self.last_id = max(self.last_id, event.id)
            for subscriber in list(self._subscribers):
                subscriber._offer(event)

    def close(self) -> None:
        """Shutdown: every subscription ends cleanly."""
        for subscriber in list(self._subscribers):
            subscriber._end()
        self._subscribers.clear()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)
