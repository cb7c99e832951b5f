"""Read queries for payment links: what an order still owes through them (the DataLoader
batch behind ``Order.balanceDue``)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.tables import payment_links
from ordergraph.domain.payment_links import PaymentLinkPurpose, PaymentLinkStatus


async def balance_due_by_order_id(engine: AsyncEngine, ids: Sequence[int]) -> list[int]:
    """Minor units owed through OPEN balance-due links per order (0 for none). An expired
    link still counts: the money is owed until paid or written off."""
    t = payment_links.c
    query = (
        sa.select(t.order_id, sa.func.sum(t.amount_minor))
        .where(
            t.order_id.in_(ids),
            t.purpose == PaymentLinkPurpose.BALANCE_DUE.value,
            t.status == PaymentLinkStatus.OPEN.value,
        )
        .group_by(t.order_id)
    )
    async with engine.connect() as conn:
        rows = await conn.execute(query)
        owed: dict[int, int] = {order_id: int(total) for order_id, total in rows}
    return [owed.get(i, 0) for i in ids]
