from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import strawberry

from ordergraph.db.tables import webhook_attempts
from ordergraph.domain.webhooks import Delivery, DeliveryStatus, Webhook
from ordergraph.schema.context import Info
from ordergraph.schema.ids import encode_id
from ordergraph.schema.types.node import Node

strawberry.enum(DeliveryStatus, name="WebhookDeliveryStatus")

__all__ = ["DeliveryStatus", "WebhookAttemptType", "WebhookDeliveryType", "WebhookType"]


@strawberry.type(name="WebhookAttempt")
class WebhookAttemptType:
    attempted_at: datetime
    status_code: int | None
    latency_ms: int
    error: str | None


@strawberry.type(name="WebhookDelivery", description="One event for one webhook.")
class WebhookDeliveryType:
    id: strawberry.ID
    pk: strawberry.Private[int]
    event_id: strawberry.ID = strawberry.field(description="X-Ordergraph-Event-Id (outbox id).")
    event_type: str
    status: DeliveryStatus
    attempts: int = strawberry.field(description="Failed tries so far.")
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    last_latency_ms: int | None
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def from_domain(cls, d: Delivery) -> WebhookDeliveryType:
        return cls(
            id=strawberry.ID(encode_id("WebhookDelivery", d.id)),
            pk=d.id,
            event_id=strawberry.ID(str(d.outbox_id)),
            event_type=d.event_type,
            status=d.status,
            attempts=d.attempts,
            next_attempt_at=d.next_attempt_at,
            last_status_code=d.last_status_code,
            last_error=d.last_error,
            last_latency_ms=d.last_latency_ms,
            created_at=d.created_at,
            delivered_at=d.delivered_at,
        )

    @strawberry.field(description="Every try: when, the HTTP status, latency, error.")
    async def log(self, info: Info) -> list[WebhookAttemptType]:
        t = webhook_attempts.c
        async with info.context.read_engine.connect() as conn:
            rows = await conn.execute(
                sa.select(webhook_attempts).where(t.delivery_id == self.pk).order_by(t.id)
            )
            return [
                WebhookAttemptType(
                    attempted_at=m["attempted_at"],
                    status_code=m["status_code"],
                    latency_ms=m["latency_ms"],
                    error=m["error"],
                )
                for m in rows.mappings()
            ]


@strawberry.type(name="Webhook")
class WebhookType(Node):
    pk: strawberry.Private[int]
    url: str
    events: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, hook: Webhook) -> WebhookType:
        return cls(
            id=strawberry.ID(encode_id("Webhook", hook.id)),
            pk=hook.id,
            url=hook.url,
            events=sorted(hook.events),
            active=hook.active,
            created_at=hook.created_at,
            updated_at=hook.updated_at,
        )
