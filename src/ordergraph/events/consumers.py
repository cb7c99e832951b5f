"""The outbox consumer framework: claimed work rows, sent outside any transaction.

Webhook deliveries and customer mail are both rows written from committed events, one per
(event, target). A worker **claims** a batch of due rows (one short transaction gives each a
lease), **sends** them outside any transaction (a slow receiver or mail server never holds a
lock or slows a request), then **records** each outcome in a transaction of its own — only if
its lease still holds. A worker that dies mid-send leaves its lease to expire and the row is
claimed again: at least once. Within one ``group`` (a webhook and an order; an order's mail)
a row is not claimed while an earlier one is outstanding, so each group stays in order.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


@contextlib.asynccontextmanager
async def writing(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A write transaction; on SQLite it takes the write lock first (BEGIN IMMEDIATE), since a
    read that later writes cannot wait for the lock and fails as "database is locked"."""
    async with engine.connect() as conn:
        # marked, so that whoever counts a request's statements can leave background work out
        options: dict[str, Any] = {"ordergraph_background": True}
        if conn.dialect.name == "sqlite":
            options["sqlite_begin"] = "IMMEDIATE"
        conn = await conn.execution_options(**options)
        async with conn.begin():
            yield conn


def skip_locked(stmt: sa.Select[Any], conn: AsyncConnection) -> sa.Select[Any]:
    return stmt.with_for_update(skip_locked=True) if conn.dialect.name == "postgresql" else stmt


@dataclass(frozen=True)
class ClaimedQueue:
    """A table of work rows with ``status``, ``next_attempt_at`` and ``leased_until`` columns."""

    table: sa.Table
    outstanding: tuple[str, ...]  # statuses still to be tried
    group: tuple[str, ...]  # columns whose equal values form one in-order group
    sequence: str  # the column that orders rows within a group

    async def claim(
        self, conn: AsyncConnection, now: datetime, lease: timedelta, limit: int
    ) -> list[dict[str, Any]]:
        """Lease up to ``limit`` due rows (oldest due first); each dict has its lease."""
        t = self.table.c
        earlier = sa.alias(self.table, "earlier")
        in_order = ~sa.exists().where(
            *(earlier.c[name] == t[name] for name in self.group),
            earlier.c[self.sequence] < t[self.sequence],
            earlier.c.status.in_(self.outstanding),
        )
        due = [
            dict(row)
            for row in (
                await conn.execute(
                    skip_locked(
                        sa.select(self.table)
                        .where(t.status.in_(self.outstanding), t.next_attempt_at <= now)
                        .where(sa.or_(t.leased_until.is_(None), t.leased_until < now))
                        .where(in_order)
                        .order_by(t.next_attempt_at, t.id)
                        .limit(limit),
                        conn,
                    )
                )
            ).mappings()
        ]
        if not due:
            return []
        until = now + lease
        await conn.execute(
            sa.update(self.table)
            .where(t.id.in_([row["id"] for row in due]))
            .values(leased_until=until)
        )
        for row in due:
            row["leased_until"] = until
        return due

    async def record(
        self, conn: AsyncConnection, row: Mapping[str, Any], values: Mapping[str, Any]
    ) -> bool:
        """Write one outcome (and drop the lease) if our lease still holds; False if another
        worker has the row now (its outcome wins)."""
        t = self.table.c
        updated = await conn.execute(
            sa.update(self.table)
            .where(t.id == row["id"], t.leased_until == row["leased_until"])
            .values(**values, leased_until=None)
        )
        return updated.rowcount == 1
