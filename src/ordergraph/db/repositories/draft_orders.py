"""Draft orders (domain/drafts.py): saved placeOrder inputs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import draft_orders
from ordergraph.domain.drafts import DraftOrder, DraftStatus, HeldStock


def draft_from_row(m: sa.RowMapping) -> DraftOrder:
    return DraftOrder(
        id=m["id"],
        status=DraftStatus(m["status"]),
        version=m["version"],
        request=dict(m["request"]),
        created_by=m["created_by"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        order_id=m["order_id"],
        reservation=tuple(HeldStock(s, w, q) for s, w, q in m["reservation"] or ()),
        reservation_expires_at=m["reservation_expires_at"],
    )


class SqlDraftOrderRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, draft: DraftOrder) -> DraftOrder:
        draft.id = await self._conn.scalar(
            sa.insert(draft_orders).values(**_values(draft)).returning(draft_orders.c.id)
        )
        return draft

    async def get(self, draft_id: int, *, for_update: bool = False) -> DraftOrder | None:
        query = sa.select(draft_orders).where(draft_orders.c.id == draft_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).mappings().first()
        return draft_from_row(row) if row is not None else None

    async def save(self, draft: DraftOrder) -> None:
        await self._conn.execute(
            sa.update(draft_orders).where(draft_orders.c.id == draft.id).values(**_values(draft))
        )

    async def list(self, *, first: int, after: int | None = None) -> list[DraftOrder]:
        """Drafts that are not deleted, newest first (keyset on id)."""
        t = draft_orders.c
        query = sa.select(draft_orders).where(t.status != DraftStatus.DELETED.value)
        if after is not None:
            query = query.where(t.id < after)
        rows = await self._conn.execute(query.order_by(t.id.desc()).limit(first))
        return [draft_from_row(m) for m in rows.mappings()]

    async def expired_reservations(self, now: datetime, limit: int) -> Sequence[int]:
        t = draft_orders.c
        stmt = (
            sa.select(t.id)
            .where(t.status == DraftStatus.OPEN.value, t.reservation_expires_at <= now)
            .order_by(t.reservation_expires_at)
            .limit(limit)
        )
        if self._conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        return [int(i) for i in await self._conn.scalars(stmt)]


def _values(draft: DraftOrder) -> dict[str, object]:
    return {
        "status": draft.status.value,
        "version": draft.version,
        "request": draft.request,
        "created_by": draft.created_by,
        "order_id": draft.order_id,
        "created_at": draft.created_at,
        "updated_at": draft.updated_at,
        "reservation": (
            [[h.sku, h.warehouse_id, h.quantity] for h in draft.reservation]
            if draft.reservation
            else None
        ),
        "reservation_expires_at": draft.reservation_expires_at,
    }
