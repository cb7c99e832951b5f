"""Notification rows, written in the transaction of the change (idempotent per key)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import customers, notifications, orders
from ordergraph.domain.notifications import (
    NotificationPolicy,
    NotificationRequest,
    NotificationStatus,
    NotificationType,
    PlannedNotification,
)


def message_id_local_part(key: str) -> str:
    """The left side of the Message-ID: the same key always gives the same id, so a mail
    repeated after a crash is recognisable as the same message."""
    return "n." + hashlib.sha256(key.encode()).hexdigest()[:32]


class SqlNotificationOutbox:
    def __init__(self, conn: AsyncConnection, policy: NotificationPolicy) -> None:
        self._conn = conn
        self._policy = policy

    async def enqueue(self, request: NotificationRequest, now: datetime) -> None:
        if not self._policy.allows(request.type):
            return
        await self._insert([_row(request, now)])

    async def resend(self, notification_id: int, now: datetime) -> int | None:
        t = notifications.c
        original = (
            (await self._conn.execute(sa.select(notifications).where(t.id == notification_id)))
            .mappings()
            .first()
        )
        if original is None:
            return None
        copies = await self._conn.scalar(
            sa.select(sa.func.count()).where(t.key.like(f"resend:{notification_id}:%"))
        )
        request = NotificationRequest(
            type=NotificationType(original["type"]),
            recipient=original["recipient"],
            key=f"resend:{notification_id}:{(copies or 0) + 1}",
            locale=original["locale"],
            order_id=original["order_id"],
            customer_id=original["customer_id"],
            data=original["data"] or {},
        )
        new_id = await self._conn.scalar(
            sa.insert(notifications).values(**_row(request, now)).returning(t.id)
        )
        return int(new_id) if new_id is not None else None

    async def add_planned(self, planned: Sequence[PlannedNotification], now: datetime) -> None:
        """Address each planned message to its order's email; orders without one get none."""
        wanted = [p for p in planned if self._policy.allows(p.type)]
        if not wanted:
            return
        found = await self._conn.execute(
            sa.select(
                orders.c.id,
                orders.c.email,
                orders.c.customer_id,
                sa.func.coalesce(orders.c.locale, customers.c.locale).label("locale"),
            )
            .select_from(orders.outerjoin(customers, customers.c.id == orders.c.customer_id))
            .where(orders.c.id.in_({p.order_id for p in wanted}))
        )
        contacts = {row.id: row for row in found}
        rows = []
        for p in wanted:
            contact = contacts.get(p.order_id)
            if contact is None or not contact.email:
                continue
            request = NotificationRequest(
                type=p.type,
                recipient=contact.email,
                key=p.key(contact.email),
                locale=contact.locale,
                order_id=p.order_id,
                customer_id=contact.customer_id,
                data=p.data,
            )
            rows.append(_row(request, now))
        await self._insert(rows)

    async def _insert(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(notifications).on_conflict_do_nothing(index_elements=["key"])
        await self._conn.execute(stmt, rows)


def _row(request: NotificationRequest, now: datetime) -> dict[str, Any]:
    return {
        "key": request.key[:200],
        "type": request.type.value,
        "recipient": request.recipient,
        "locale": request.locale,
        "order_id": request.order_id,
        "customer_id": request.customer_id,
        "data": dict(request.data),
        "status": NotificationStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "message_id": message_id_local_part(request.key),
        "created_at": now,
    }
