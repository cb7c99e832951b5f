"""Webhook registrations and the redelivery of their deliveries (``webhooks``,
``webhook_deliveries``), inside the unit of work's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import webhook_deliveries, webhooks
from ordergraph.domain.principals import Principal
from ordergraph.domain.webhooks import (
    Delivery,
    DeliveryStatus,
    Webhook,
    owner_from_json,
    owner_json,
)

OUTSTANDING = (DeliveryStatus.PENDING.value, DeliveryStatus.FAILED.value)


def webhook_from_row(m: Any) -> Webhook:
    return Webhook(
        m["id"],
        m["url"],
        frozenset(m["events"]),
        m["active"],
        m["created_at"],
        m["updated_at"],
        owner_from_json(m.get("owner")),
    )


def delivery_from_row(m: Any) -> Delivery:
    return Delivery(
        id=m["id"],
        webhook_id=m["webhook_id"],
        outbox_id=m["outbox_id"],
        order_id=m["order_id"],
        event_type=m["event_type"],
        status=DeliveryStatus(m["status"]),
        attempts=m["attempts"],
        next_attempt_at=m["next_attempt_at"],
        last_status_code=m["last_status_code"],
        last_error=m["last_error"],
        last_latency_ms=m["last_latency_ms"],
        created_at=m["created_at"],
        delivered_at=m["delivered_at"],
    )


class SqlWebhookRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(
        self,
        *,
        url: str,
        events: frozenset[str],
        secret: str,
        created_by: str,
        owner: Principal,
        now: datetime,
    ) -> Webhook:
        row = (
            (
                await self._conn.execute(
                    sa.insert(webhooks)
                    .values(
                        url=url,
                        events=sorted(events),
                        secret=secret,
                        active=True,
                        created_by=created_by,
                        owner=owner_json(owner),
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(*webhooks.c)
                )
            )
            .mappings()
            .one()
        )
        return webhook_from_row(row)

    async def get(self, webhook_id: int) -> Webhook | None:
        row = (
            (
                await self._conn.execute(
                    sa.select(webhooks).where(
                        webhooks.c.id == webhook_id, webhooks.c.deleted_at.is_(None)
                    )
                )
            )
            .mappings()
            .first()
        )
        return webhook_from_row(row) if row is not None else None

    async def update(
        self,
        webhook_id: int,
        *,
        now: datetime,
        url: str | None = None,
        events: frozenset[str] | None = None,
        active: bool | None = None,
    ) -> Webhook:
        values: dict[str, Any] = {"updated_at": now}
        if url is not None:
            values["url"] = url
        if events is not None:
            values["events"] = sorted(events)
        if active is not None:
            values["active"] = active
        row = (
            (
                await self._conn.execute(
                    sa.update(webhooks)
                    .where(webhooks.c.id == webhook_id)
                    .values(**values)
                    .returning(*webhooks.c)
                )
            )
            .mappings()
            .one()
        )
        return webhook_from_row(row)

    async def delete(self, webhook_id: int, now: datetime) -> None:
        await self._conn.execute(
            sa.update(webhooks)
            .where(webhooks.c.id == webhook_id)
            .values(deleted_at=now, active=False, updated_at=now)
        )
        d = webhook_deliveries.c
        await self._conn.execute(
            sa.update(webhook_deliveries)
            .where(d.webhook_id == webhook_id, d.status.in_(OUTSTANDING))
            .values(status=DeliveryStatus.DEAD.value, last_error="webhook deleted")
        )

    async def redeliver(self, delivery_id: int, now: datetime) -> Delivery | None:
        d = webhook_deliveries.c
        row = (
            (
                await self._conn.execute(
                    sa.update(webhook_deliveries)
                    .where(d.id == delivery_id)
                    .where(
                        d.webhook_id.in_(
                            sa.select(webhooks.c.id).where(webhooks.c.deleted_at.is_(None))
                        )
                    )
                    .values(status=DeliveryStatus.PENDING.value, attempts=0, next_attempt_at=now)
                    .returning(*webhook_deliveries.c)
                )
            )
            .mappings()
            .first()
        )
        return delivery_from_row(row) if row is not None else None
