"""The notification consumer against a real SMTP server (aiosmtpd) and a real database.

A temporary refusal (4xx) is retried after the back-off, a permanent one (5xx) fails the
message at once, and a hung server never holds up a use case.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.tables import notifications
from ordergraph.db.uow import SqlUnitOfWork
from ordergraph.domain.clock import FixedClock
from ordergraph.domain.inventory import AdjustmentReason
from ordergraph.domain.orders import Channel, RequestedLine
from ordergraph.domain.principals import SYSTEM
from ordergraph.domain.webhooks import RetrySchedule
from ordergraph.events.notifications import Mailer, NotificationSettings, send_due
from ordergraph.mail.render import TemplateRenderer
from ordergraph.mail.transport import SmtpTransport
from ordergraph.services import catalog
from ordergraph.services.deps import Deps
from ordergraph.services.inventory import adjust_inventory
from ordergraph.services.orders import place_order
from ordergraph.services.payments import capture_payment
from tests.support.pg import free_port
from tests.support.smtp import smtp_server

START = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
SCHEDULE = RetrySchedule(max_attempts=2, base=timedelta(seconds=30))
ADDRESS = {
    "name": "Noor Bakker",
    "line1": "Damrak 1",
    "line2": None,
    "city": "Amsterdam",
    "region": "EU-WEST",
    "postal_code": "1012 LG",
    "country_code": "NL",
    "phone": None,
}


class Answering:
    """An SMTP handler that answers DATA with the replies given, then accepts."""

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.seen = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.seen += 1
        return self.replies.pop(0) if self.replies else "250 2.0.0 Ok: queued"


@contextmanager
def answering(handler: Any) -> Iterator[str]:
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


def mailer(url: str, timeout: float = 5.0) -> Mailer:
    return Mailer(
        transport=SmtpTransport(url, timeout=timeout),
        renderer=TemplateRenderer(),
        settings=NotificationSettings(
            sender="Shop <orders@shop.example>",
            base_url="https://shop.example",
            secret_key="k" * 32,
            schedule=SCHEDULE,
        ),
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


async def confirmed_order(engine: AsyncEngine, clock: FixedClock, unique: str) -> Deps:
    deps = Deps(uow=lambda: SqlUnitOfWork(engine, clock), clock=clock)
    warehouse = await catalog.create_warehouse(
        deps, SYSTEM, code=f"W{unique}", name="W", region="EU-WEST", country_code="NL"
    )
    assert warehouse.id is not None
    await catalog.create_product(
        deps, SYSTEM, sku=f"S{unique}", name="Bell", price_amount="9.99", price_currency="EUR"
    )
    await adjust_inventory(
        deps,
        SYSTEM,
        sku=f"S{unique}",
        warehouse_id=warehouse.id,
        delta=5,
        reason=AdjustmentReason.RECEIVED,
    )
    order = await place_order(
        deps,
        SYSTEM,
        channel=Channel.WEB,
        lines=[RequestedLine(f"S{unique}", 1)],
        shipping_address=ADDRESS,  # type: ignore[arg-type]
        email=f"noor{unique.lower()}@example.com",
    )
    assert order.id is not None
    await capture_payment(deps, SYSTEM, order_id=order.id, token="tok_ok")
    return deps


async def rows(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        result = await conn.execute(sa.select(notifications).order_by(notifications.c.id))
        return [dict(m) for m in result.mappings()]


def fixed() -> float:
    return 0.5  # no jitter: the nominal delay


async def test_a_sent_mail_records_the_servers_answer_and_what_was_sent(
    engine: AsyncEngine, clock: FixedClock, unique: str
) -> None:
    await confirmed_order(engine, clock, unique)
    with smtp_server() as (url, inbox):
        assert await send_due(engine, clock, mailer(url), rand=fixed) == 1
        assert await send_due(engine, clock, mailer(url), rand=fixed) == 0
    (row,) = await rows(engine)
    assert (row["type"], row["status"], row["attempts"]) == ("ORDER_CONFIRMED", "SENT", 1)
    assert row["sent_at"] == START
    assert row["last_response"].startswith("250")
    (message,) = inbox.snapshot()
    assert message["Subject"] == row["subject"]
    assert message["Message-ID"] == f"<{row['message_id']}@shop.example>"


async def test_a_temporary_refusal_is_retried_after_the_back_off(
    engine: AsyncEngine, clock: FixedClock, unique: str
) -> None:
    await confirmed_order(engine, clock, unique)
    handler = Answering("451 4.3.0 try again later")
    with answering(handler) as url:
        await send_due(engine, clock, mailer(url), rand=fixed)
        (row,) = await rows(engine)
        assert (row["status"], row["attempts"]) == ("RETRYING", 1)
        assert row["last_response"].startswith("451")
        assert row["next_attempt_at"] == START + timedelta(seconds=30)
        assert await send_due(engine, clock, mailer(url), rand=fixed) == 0  # not due yet
        clock.advance(timedelta(seconds=30))
        assert await send_due(engine, clock, mailer(url), rand=fixed) == 1
    (row,) = await rows(engine)
    assert (row["status"], row["attempts"], handler.seen) == ("SENT", 2, 2)


async def test_a_permanent_refusal_fails_at_once_and_is_never_retried(
    engine: AsyncEngine, clock: FixedClock, unique: str
) -> None:
    await confirmed_order(engine, clock, unique)
    handler = Answering("550 5.1.1 no such user")
    with answering(handler) as url:
        await send_due(engine, clock, mailer(url), rand=fixed)
        clock.advance(timedelta(days=1))
        assert await send_due(engine, clock, mailer(url), rand=fixed) == 0
    (row,) = await rows(engine)
    assert (row["status"], row["attempts"], handler.seen) == ("FAILED", 1, 1)
    assert row["last_response"].startswith("550")


async def test_retries_run_out_into_failed(
    engine: AsyncEngine, clock: FixedClock, unique: str
) -> None:
    await confirmed_order(engine, clock, unique)
    handler = Answering(*["421 4.7.0 busy"] * 5)
    with answering(handler) as url:
        for _ in range(5):
            await send_due(engine, clock, mailer(url), rand=fixed)
            clock.advance(timedelta(hours=1))
    (row,) = await rows(engine)
    # the first try and max_attempts (2) retries
    assert (row["status"], row["attempts"], handler.seen) == ("FAILED", 3, 3)


async def test_no_server_at_all_is_a_temporary_failure(
    engine: AsyncEngine, clock: FixedClock, unique: str
) -> None:
    await confirmed_order(engine, clock, unique)
    await send_due(engine, clock, mailer(f"smtp://127.0.0.1:{free_port()}"), rand=fixed)
    (row,) = await rows(engine)
    assert (row["status"], row["attempts"]) == ("RETRYING", 1)


async def test_a_hung_mail_server_never_holds_up_a_use_case(
    pg_engine: AsyncEngine, clock: FixedClock, unique: str
) -> None:
    """While the consumer waits on a server that accepts the connection and never answers,
    another order is placed and paid: it commits, with its own mail row written."""
    await confirmed_order(pg_engine, clock, unique)
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # the connection stays open and never hears a greeting

    silent = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    try:
        sending = asyncio.create_task(
            send_due(pg_engine, clock, mailer(f"smtp://127.0.0.1:{port}", timeout=3), rand=fixed)
        )
        await asyncio.sleep(0.2)
        await confirmed_order(pg_engine, clock, unique + "B")
        assert not sending.done(), "the use case waited for the mail server"
        await sending
    finally:
        silent.close()
        for writer in held:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
        await silent.wait_closed()
    statuses = [(r["status"], r["attempts"]) for r in await rows(pg_engine)]
    assert statuses == [("RETRYING", 1), ("PENDING", 0)]
