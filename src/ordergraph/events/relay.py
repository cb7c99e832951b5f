"""The outbox relay: reads committed outbox rows and hands them to this process's broker.

PostgreSQL ``NOTIFY`` (sent by the unit of work inside the committing transaction) wakes it at
once; a poll every second covers any missed wake-up, so NOTIFY is an optimisation, never the only
path. Outbox ids are taken at insert but become visible at commit, so a lower id can appear after
a higher one: ids skipped over are remembered as gaps and looked for again for a while.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.tables import outbox
from ordergraph.db.uow import OUTBOX_CHANNEL as CHANNEL
from ordergraph.events.broker import Broker, OutboxEvent

log = logging.getLogger("ordergraph.relay")

GAP_PATIENCE_SECONDS = 30.0
BATCH = 500


def event_from_row(m: Any) -> OutboxEvent:
    return OutboxEvent(
        id=m["id"],
        order_id=m["order_id"],
        sequence=m["sequence"],
        aggregate_type=m["aggregate_type"],
        aggregate_id=m["aggregate_id"],
        type=m["type"],
        payload=m["payload"],
        actor=m["actor"],
        occurred_at=m["occurred_at"],
    )


async def read_after(
    engine: AsyncEngine, after: int, limit: int = BATCH, *, order_id: int | None = None
) -> list[OutboxEvent]:
    """Committed events with id > ``after``, oldest first (for replay and polling)."""
    stmt = sa.select(outbox).where(outbox.c.id > after)
    if order_id is not None:
        stmt = stmt.where(outbox.c.order_id == order_id)
    async with engine.connect() as conn:
        rows = await conn.execute(stmt.order_by(outbox.c.id).limit(limit))
        return [event_from_row(m) for m in rows.mappings()]


async def current_position(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.coalesce(sa.func.max(outbox.c.id), 0))) or 0)


class OutboxRelay:
    def __init__(self, engine: AsyncEngine, broker: Broker, *, poll_interval: float = 1.0) -> None:
        self.engine = engine
        self.broker = broker
        self.poll_interval = poll_interval
        self._wake = asyncio.Event()
        self._gaps: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None
        self._listener: Any = None

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self.broker.last_id = await current_position(self.engine)
        await self._listen()
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()
        self.broker.close()

    async def _listen(self) -> None:
        """LISTEN on a dedicated asyncpg connection (it must bypass pgbouncer)."""
        url = self.engine.url
        if url.get_backend_name() != "postgresql":
            return
        try:
            import asyncpg

            dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
            self._listener = await asyncpg.connect(dsn)
            await self._listener.add_listener(CHANNEL, lambda *_args: self._wake.set())
        except Exception:  # polling still works; NOTIFY is only an optimisation
            log.warning("LISTEN %s failed; relying on polling", CHANNEL, exc_info=True)
            self._listener = None

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
            self._wake.clear()
            try:
                await self.pump()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed to read; retrying")

    async def pump(self) -> int:
        """Read what is new (and any gaps that filled in) and publish it; returns how many."""
        published = 0
        while True:
            events = await read_after(self.engine, self.broker.last_id)
            late = await self._fill_gaps()
            batch = sorted(late + events, key=lambda e: e.id)
            if not batch:
                return published
            expected = self.broker.last_id + 1
            now = time.monotonic()
            for event in events:
                for missing in range(expected, event.id):
                    self._gaps.setdefault(missing, now)
                expected = event.id + 1
            self.broker.publish(batch)
            published += len(batch)
            if len(events) < BATCH:
                return published

    async def _fill_gaps(self) -> list[OutboxEvent]:
        if not self._gaps:
            return []
        now = time.monotonic()
        for gap, seen in list(self._gaps.items()):
            if now - seen > GAP_PATIENCE_SECONDS:
                del self._gaps[gap]  # rolled back: that id will never commit
        if not self._gaps:
            return []
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(outbox).where(outbox.c.id.in_(list(self._gaps))).order_by(outbox.c.id)
            )
            found = [event_from_row(m) for m in rows.mappings()]
        for event in found:
            self._gaps.pop(event.id, None)
        return found
