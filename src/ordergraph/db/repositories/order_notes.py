"""Staff notes on orders, and the DataLoader batch that reads them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ordergraph.db.tables import order_notes
from ordergraph.domain.annotations import OrderNote


def note_from_row(m: sa.RowMapping) -> OrderNote:
    return OrderNote(
        id=m["id"],
        order_id=m["order_id"],
        text=m["text"],
        author=m["author"],
        created_at=m["created_at"],
    )


class SqlOrderNoteRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, note: OrderNote) -> OrderNote:
        note.id = await self._conn.scalar(
            sa.insert(order_notes)
            .values(
                order_id=note.order_id,
                text=note.text,
                author=note.author,
                created_at=note.created_at,
            )
            .returning(order_notes.c.id)
        )
        return note


async def notes_by_order_id(engine: AsyncEngine, ids: Sequence[int]) -> list[list[OrderNote]]:
    """Each order's notes, oldest first (newest last): one statement for any number."""
    t = order_notes.c
    grouped: dict[int, list[OrderNote]] = defaultdict(list)
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(order_notes).where(t.order_id.in_(ids)).order_by(t.order_id, t.id)
        )
        for m in rows.mappings():
            grouped[m["order_id"]].append(note_from_row(m))
    return [grouped.get(i, []) for i in ids]
