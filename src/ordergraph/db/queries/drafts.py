"""Read queries for draft orders: which draft an order came from (the DataLoader batch)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.tables import draft_orders


async def draft_ids_by_order_id(engine: AsyncEngine, ids: Sequence[int]) -> list[int | None]:
    """The draft each order was completed from (``ux_draft_orders_order_id``), else None."""
    t = draft_orders.c
    async with engine.connect() as conn:
        found = await conn.execute(sa.select(t.order_id, t.id).where(t.order_id.in_(ids)))
        by_order: dict[int, int] = {order_id: draft_id for order_id, draft_id in found}
    return [by_order.get(i) for i in ids]
