"""The notification consumer: sends committed customer mail, at least once, never in a request.

Rows are claimed with a lease (events/consumers.py), rendered with the order as it is now,
sent by SMTP outside any transaction and recorded. A temporary failure (4xx, timeout, no
connection) is retried with back-off; a permanent one (5xx) fails the row at once. A crash
between the server's "250 OK" and the record leaves the lease to expire: the mail goes again
with the same Message-ID, so the receiving side can tell it is the same message.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.queries.notification_context import load_contexts
from ordergraph.db.tables import notifications
from ordergraph.domain.clock import Clock
from ordergraph.domain.feedback import feedback_token
from ordergraph.domain.notifications import NotificationStatus
from ordergraph.domain.webhooks import RetrySchedule
from ordergraph.events.consumers import ClaimedQueue, writing
from ordergraph.mail.render import RenderedMessage, TemplateRenderer
from ordergraph.mail.transport import MailTransport, OutgoingMail, SendOutcome

log = logging.getLogger("ordergraph.notifications")

OUTSTANDING = (NotificationStatus.PENDING.value, NotificationStatus.RETRYING.value)
# one order's mail goes out in the order it was written (confirmed before shipped)
QUEUE = ClaimedQueue(notifications, OUTSTANDING, group=("order_id",), sequence="id")


@dataclass(frozen=True)
class NotificationSettings:
    sender: str = "ordergraph <orders@ordergraph.localhost>"
    base_url: str = "http://127.0.0.1:8000"
    shop_name: str = "ordergraph"
    secret_key: str = ""
    default_locale: str = "en"
    handling: timedelta = timedelta(hours=24)
    lease: timedelta = timedelta(seconds=120)
    schedule: RetrySchedule = field(
        default_factory=lambda: RetrySchedule(max_attempts=8, base=timedelta(seconds=30))
    )

    @property
    def domain(self) -> str:
        address = parseaddr(self.sender)[1]
        return address.rpartition("@")[2] or "ordergraph.localhost"

    def message_id(self, local_part: str) -> str:
        return f"<{local_part}@{self.domain}>"

    def feedback_url(self, order_id: int) -> str:
        return f"{self.base_url}/feedback/{feedback_token(self.secret_key, order_id)}"


@dataclass(frozen=True)
class Mailer:
    """What the consumer needs to send: the transport, the templates and the settings."""

    transport: MailTransport
    renderer: TemplateRenderer
    settings: NotificationSettings


def render_row(mailer: Mailer, row: Mapping[str, Any], ctx: Mapping[str, Any]) -> RenderedMessage:
    return mailer.renderer.render(
        row["type"],
        ctx,
        locale=row["locale"] or mailer.settings.default_locale,
        timezone=ctx.get("timezone"),
    )


async def send_due(
    engine: AsyncEngine,
    clock: Clock,
    mailer: Mailer,
    *,
    limit: int = 5,  # small batches: requests on this event loop get a turn between them
    rand: Callable[[], float] = random.random,
) -> int:
    """Send every due message (oldest first, in order per order); returns how many were tried."""
    settings = mailer.settings
    async with writing(engine) as conn:
        now = clock.now()
        due = await QUEUE.claim(conn, now, settings.lease, limit)
        if not due:
            return 0
        contexts = await load_contexts(
            conn,
            due,
            base_url=settings.base_url,
            shop_name=settings.shop_name,
            feedback_url=settings.feedback_url,
            now=now,
            handling=settings.handling,
        )

    async def one(row: dict[str, Any]) -> None:
        try:
            # in a thread: rendering is CPU work, and requests share this event loop
            rendered = await asyncio.to_thread(render_row, mailer, row, contexts[row["id"]])
        except Exception as exc:  # a broken (overridden) template must not stop the others
            log.exception("notification %s: rendering failed", row["id"])
            outcome = SendOutcome(False, True, f"rendering failed: {type(exc).__name__}: {exc}")
            await _record(engine, clock, settings, row, None, outcome, rand)
            return
        mail = OutgoingMail(
            message_id=settings.message_id(row["message_id"]),
            sender=settings.sender,
            recipient=row["recipient"],
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            headers={"X-Ordergraph-Notification": row["type"]},
        )
        outcome = await mailer.transport.send(mail)
        await _record(engine, clock, settings, row, rendered, outcome, rand)

    await asyncio.gather(*(one(row) for row in due))
    return len(due)


async def send_until_drained(
    engine: AsyncEngine,
    clock: Clock,
    mailer: Mailer,
    *,
    batch: int = 5,
    most: int = 1000,
    pause: float = 0.05,
) -> int:
    """Send batch after batch while full ones keep coming (at most ``most`` per call), pausing
    between batches so that requests on this event loop keep their latency (measured in
    bench/notifications_bench.py); how many were tried."""
    total = 0
    while total < most:
        tried = await send_due(engine, clock, mailer, limit=batch)
        total += tried
        if tried < batch:
            break
        await asyncio.sleep(pause)
    return total


async def _record(
    engine: AsyncEngine,
    clock: Clock,
    settings: NotificationSettings,
    row: Mapping[str, Any],
    rendered: RenderedMessage | None,
    outcome: SendOutcome,
    rand: Callable[[], float],
) -> None:
    now = clock.now()
    attempts = row["attempts"] + 1
    values: dict[str, Any] = {"attempts": attempts, "last_response": outcome.response[:500]}
    if rendered is not None:
        values.update(
            subject=rendered.subject[:500], body_text=rendered.text, body_html=rendered.html
        )
    if outcome.delivered:
        values.update(status=NotificationStatus.SENT.value, sent_at=now)
    elif outcome.permanent or attempts > settings.schedule.max_attempts:
        values.update(status=NotificationStatus.FAILED.value)
    else:
        values.update(
            status=NotificationStatus.RETRYING.value,
            next_attempt_at=now + settings.schedule.delay(attempts, rand()),
        )
    async with writing(engine) as conn:
        await QUEUE.record(conn, row, values)
