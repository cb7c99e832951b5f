"""Signed webhooks, at least once and in order per order.

Three steps, each safe to run in every worker at once:

1. **Fan-out** claims outbox rows not fanned out yet (``FOR UPDATE SKIP LOCKED``), writes one
   delivery row per matching webhook, and marks the rows, in one transaction. Rows that commit
   late are simply picked up on a later pass.
2. **Delivery** claims due deliveries whose order has no earlier delivery still outstanding for
   the same webhook (so an order's events arrive in order) with a lease, commits, POSTs the
   signed JSON to the address it checked, and records the attempt in a new transaction: 2xx
   succeeds; anything else is retried with exponential backoff and jitter, then dead-lettered.
3. **Redelivery** puts any delivery back in the queue on request (``services/webhooks.py``, like
   creating, changing and deleting webhooks).

The rules (signatures, schedule, URL policy, event filters) live in ``ordergraph.domain.webhooks``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.repositories.webhooks import webhook_from_row
from ordergraph.db.tables import outbox, webhook_attempts, webhook_deliveries, webhooks
from ordergraph.domain.access import may_read_event
from ordergraph.domain.clock import Clock
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.webhooks import (
    DeliveryStatus,
    RetrySchedule,
    WebhookUrlPolicy,
    delivery_headers,
    matches,
    sign,
)
from ordergraph.events.consumers import ClaimedQueue, skip_locked, writing

OUTSTANDING = (DeliveryStatus.PENDING.value, DeliveryStatus.FAILED.value)


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    policy: WebhookUrlPolicy = field(default_factory=lambda: WebhookUrlPolicy(allow_private=True))
    schedule: RetrySchedule = field(default_factory=RetrySchedule)
    timeout_seconds: float = 10.0


# --- fan-out and delivery -----------------------------------------------------------------


async def fan_out(engine: AsyncEngine, clock: Clock, *, limit: int = 500) -> int:
    """One delivery row per (active webhook, matching event committed after it was created)."""
    async with writing(engine) as conn:
        rows = list(
            (
                await conn.execute(
                    skip_locked(
                        sa.select(
                            outbox.c.id, outbox.c.order_id, outbox.c.type, outbox.c.occurred_at
                        )
                        .where(outbox.c.fanned_out.is_(False))
                        .order_by(outbox.c.id)
                        .limit(limit),
                        conn,
                    )
                )
            ).all()
        )
        if not rows:
            return 0
        hooks = [
            webhook_from_row(m)
            for m in (
                await conn.execute(
                    sa.select(webhooks).where(
                        webhooks.c.active.is_(True), webhooks.c.deleted_at.is_(None)
                    )
                )
            ).mappings()
        ]
        now = clock.now()
        deliveries = [
            {
                "webhook_id": hook.id,
                "outbox_id": event_id,
                "order_id": order_id,
                "event_type": event_type,
                "status": DeliveryStatus.PENDING.value,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for event_id, order_id, event_type, occurred_at in rows
            for hook in hooks
            if occurred_at >= hook.created_at
            and matches(hook.events, event_type)
            and may_read_event(hook.owner, event_type)
        ]
        if deliveries:
            await conn.execute(sa.insert(webhook_deliveries), deliveries)
        await conn.execute(
            sa.update(outbox).where(outbox.c.id.in_([r[0] for r in rows])).values(fanned_out=True)
        )
    return len(deliveries)


def event_body(m: Any) -> bytes:
    """The JSON a receiver gets: the outbox event, as the timeline shows it."""
    return orjson.dumps(
        {
            "id": str(m["id"]),
            "type": m["type"],
            "occurredAt": m["occurred_at"].isoformat(),
            "orderId": m["order_id"],
            "sequence": m["sequence"],
            "actor": m["actor"],
            "data": m["payload"],
        }
    )


async def deliver_due(
    engine: AsyncEngine,
    clock: Clock,
    http: httpx.AsyncClient,
    settings: WebhookSettings,
    *,
    limit: int = 20,
    rand: Callable[[], float] = random.random,
    resolve: Callable[[str], Any] | None = None,
) -> int:
    """Try every due delivery (oldest first, in order per order); returns how many were tried.

    Three steps, so no row lock is held while a receiver is slow: **claim** the batch (one
    short transaction marks each delivery in flight with a lease), **post** them concurrently
    outside any transaction, **record** each result in a transaction of its own. A worker that
    dies mid-post leaves its lease to expire; the delivery is then claimed again (at least
    once). A later delivery of the same order is never claimed while an earlier one is
    outstanding, in flight or not, so each order's events still arrive in order.
    """
    claimed = await _claim(engine, clock, settings, limit)
    if not claimed:
        return 0

    async def one(delivery: Any, hook: Any, event: Any) -> None:
        status_code, error, latency = await _post(
            http, settings, hook["url"], hook["secret"], event, clock, resolve
        )
        await _record(engine, settings, delivery, status_code, error, latency, clock, rand)

    await asyncio.gather(*(one(*claim) for claim in claimed))
    return len(claimed)


def _lease(settings: WebhookSettings) -> timedelta:
    return timedelta(seconds=settings.timeout_seconds * 2 + 30)


QUEUE = ClaimedQueue(
    webhook_deliveries, OUTSTANDING, group=("webhook_id", "order_id"), sequence="outbox_id"
)


async def _claim(
    engine: AsyncEngine, clock: Clock, settings: WebhookSettings, limit: int
) -> list[tuple[Any, Any, Any]]:
    async with writing(engine) as conn:
        due = await QUEUE.claim(conn, clock.now(), _lease(settings), limit)
        if not due:
            return []
        # the batch's webhooks and events in two queries, not two per delivery
        hook_rows = await conn.execute(
            sa.select(webhooks).where(webhooks.c.id.in_({row["webhook_id"] for row in due}))
        )
        hooks = {m["id"]: m for m in hook_rows.mappings()}
        event_rows = await conn.execute(
            sa.select(outbox).where(outbox.c.id.in_([row["outbox_id"] for row in due]))
        )
        events = {m["id"]: m for m in event_rows.mappings()}
    return [(row, hooks[row["webhook_id"]], events[row["outbox_id"]]) for row in due]


async def _post(
    http: httpx.AsyncClient,
    settings: WebhookSettings,
    url: str,
    secret: str,
    event: Any,
    clock: Clock,
    resolve: Callable[[str], Any] | None,
) -> tuple[int | None, str | None, int]:
    """POST to the address the name resolved to when it was checked: the name is resolved
    once, every address it gave is checked, and the connection goes to that address with the
    name in the Host header and TLS SNI — a second lookup (DNS rebinding) cannot redirect it.
    Redirects are never followed (a 3xx is a failure, retried)."""
    started = time.perf_counter()
    try:
        target = httpx.URL(url)
        host = target.host
        lookup = resolve or _resolve
        addresses = [host] if _is_ip(host) else list(await lookup(host))
        settings.policy.check_resolved(addresses)
        pinned = target.copy_with(host=addresses[0])
        body = event_body(event)
        timestamp = int(clock.now().timestamp())
        headers = delivery_headers(
            event["id"], event["type"], timestamp, sign(secret, timestamp, body)
        )
        headers["Host"] = target.netloc.decode("ascii")
        extensions = {"sni_hostname": host} if target.scheme == "https" else {}
        response = await http.post(
            pinned,
            content=body,
            headers=headers,
            timeout=settings.timeout_seconds,
            extensions=extensions,
            follow_redirects=False,
        )
    except InvalidInput as exc:
        return None, f"refused: {exc.message}", _ms(started)
    except (httpx.HTTPError, OSError, UnicodeError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500], _ms(started)
    error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return response.status_code, error, _ms(started)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def _resolve(host: str) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, None)
    return sorted({str(info[4][0]) for info in infos})


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


async def _record(
    engine: AsyncEngine,
    settings: WebhookSettings,
    delivery: Any,
    status_code: int | None,
    error: str | None,
    latency: int,
    clock: Clock,
    rand: Callable[[], float],
) -> None:
    """Record one attempt, if our lease still holds (else another worker has it now)."""
    now = clock.now()
    values: dict[str, Any] = {
        "last_status_code": status_code,
        "last_error": error,
        "last_latency_ms": latency,
    }
    if error is None:
        values.update(status=DeliveryStatus.SUCCEEDED.value, delivered_at=now)
    else:
        failures = delivery["attempts"] + 1
        status = settings.schedule.status_after_failure(failures)
        values.update(status=status.value, attempts=failures)
        if status is DeliveryStatus.FAILED:
            values["next_attempt_at"] = now + settings.schedule.delay(failures, rand())
    async with writing(engine) as conn:
        if not await QUEUE.record(conn, delivery, values):
            return
        await conn.execute(
            sa.insert(webhook_attempts).values(
                delivery_id=delivery["id"],
                attempted_at=now,
                status_code=status_code,
                latency_ms=latency,
                error=error,
            )
        )
