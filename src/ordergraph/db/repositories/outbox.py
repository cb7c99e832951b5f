from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import outbox
from ordergraph.domain.events import DomainEvent


class SqlOutboxWriter:
    """Appends a transaction's events to the outbox, numbering each order's events in turn."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def write(self, events: Sequence[DomainEvent], now: datetime) -> int | None:
        """Insert the events; returns the highest new outbox id (None if there were none)."""
        next_sequence: dict[int, int] = {}
        rows = []
        for event in events:
            sequence = None
            if event.order_id is not None:
                if event.order_id not in next_sequence:
                    current = await self._conn.scalar(
                        sa.select(sa.func.coalesce(sa.func.max(outbox.c.sequence), 0)).where(
                            outbox.c.order_id == event.order_id
                        )
                    )
                    next_sequence[event.order_id] = int(current or 0) + 1
                sequence = next_sequence[event.order_id]
                next_sequence[event.order_id] += 1
            rows.append(
                {
                    "order_id": event.order_id,
                    "sequence": sequence,
                    "aggregate_type": event.aggregate_type,
                    "aggregate_id": event.aggregate_id,
                    "type": event.type,
                    "payload": event.payload,
                    "actor": event.actor,
                    "occurred_at": now,
                }
            )
        if not rows:
            return None
        ids = await self._conn.scalars(sa.insert(outbox).returning(outbox.c.id), rows)
        return int(max(ids))
