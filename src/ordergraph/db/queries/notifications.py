"""Reads of customer mail: an order's messages, and the data a preview needs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ordergraph.db.tables import notifications, orders, refunds, returns, shipments


@dataclass(frozen=True, slots=True)
class NotificationRow:
    id: int
    type: str
    recipient: str
    status: str
    attempts: int
    order_id: int | None
    locale: str | None
    subject: str | None
    last_response: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime


def _row(m: Any) -> NotificationRow:
    return NotificationRow(
        m["id"],
        m["type"],
        m["recipient"],
        m["status"],
        m["attempts"],
        m["order_id"],
        m["locale"],
        m["subject"],
        m["last_response"],
        m["created_at"],
        m["sent_at"],
        m["next_attempt_at"],
    )


async def notifications_by_order_id(
    engine: AsyncEngine, ids: Sequence[int]
) -> list[list[NotificationRow]]:
    t = notifications.c
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(notifications).where(t.order_id.in_(ids)).order_by(t.order_id, t.id)
        )
        grouped: dict[int, list[NotificationRow]] = defaultdict(list)
        for m in rows.mappings():
            grouped[m["order_id"]].append(_row(m))
    return [grouped.get(i, []) for i in ids]


async def preview_row(
    conn: AsyncConnection, order_id: int, type: str, locale: str | None
) -> dict[str, Any] | None:
    """A notification row as the consumer would send it for ``type``, pointing at the order's
    newest shipment, return or refund (a preview shows the order as it really is)."""
    order = (
        (await conn.execute(sa.select(orders).where(orders.c.id == order_id))).mappings().first()
    )
    if order is None:
        return None
    data: dict[str, Any] = {}
    newest = {
        "shipment_id": shipments,
        "return_id": returns,
        "refund_id": refunds,
    }
    for key, table in newest.items():
        found = await conn.scalar(
            sa.select(table.c.id)
            .where(table.c.order_id == order_id)
            .order_by(table.c.id.desc())
            .limit(1)
        )
        if found is not None:
            data[key] = found
    reasons = order["at_risk_reasons"] or ["NOT_SHIPPED_IN_TIME"]
    data["reasons"] = reasons
    return {
        "id": 0,
        "type": type,
        "order_id": order_id,
        "recipient": order["email"],
        "locale": locale or order["locale"],
        "data": data,
        "message_id": "preview",
        "attempts": 0,
    }
