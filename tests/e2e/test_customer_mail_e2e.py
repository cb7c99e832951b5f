"""Customer mail end to end: ``ordergraph serve`` sends to a real SMTP server (aiosmtpd).

The whole journey — place, pay, ship, out for delivery, deliver, return, refund — leaves the
customer's inbox with exactly the expected mails, in order, each a proper MIME message whose
links work. A server killed between the SMTP server's "250 OK" and the record loses nothing:
after a restart the mail goes again with the same Message-ID.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from ordergraph.db.engine import create_engine
from ordergraph.db.tables import notifications
from tests.api.test_fulfillment_api import pack, ship_ok
from tests.api.test_place_order_api import create_warehouse, order_input, place_ok, receive
from tests.api.test_returns_api import (
    approve,
    capture,
    create_product,
    read,
    receipt,
    receive_return,
    record_event,
    refund_ok,
    return_line,
    returned,
)
from tests.e2e.test_serve_e2e import Server, cli_env, ordergraph_executable, wait_until_healthy
from tests.support.aio import run_sync
from tests.support.databases import Databases
from tests.support.graphql import GraphQLClient
from tests.support.pg import free_port
from tests.support.smtp import Inbox, parts, smtp_server

pytestmark = pytest.mark.slow

JOURNEY = [
    "ORDER_CONFIRMED",
    "ORDER_SHIPPED",
    "OUT_FOR_DELIVERY",
    "ORDER_DELIVERED",
    "RETURN_APPROVED",
    "RETURN_RECEIVED",
    "REFUND_ISSUED",
]
NOTIFICATIONS = """
query($id: ID!) {
  order(id: $id) { notifications { id type recipient status attempts sentAt lastResponse } }
}"""


def start(database_url: str, workdir: Path, smtp_url: str, name: str, **extra: str) -> Server:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **cli_env(database_url),
        "ORDERGRAPH_SMTP_URL": smtp_url,
        "ORDERGRAPH_MAIL_FROM": "Shop <orders@shop.example>",
        "PUBLIC_BASE_URL": base_url,
        "ORDERGRAPH_NOTIFICATION_INTERVAL_SECONDS": "0.2",
        **extra,
    }
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [ordergraph_executable(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, base_url, log_path, database_url)
    wait_until_healthy_one(server)
    return server


def wait_until_healthy_one(server: Server) -> None:
    import tests.e2e.test_serve_e2e as serve

    workers, serve.WORKERS = serve.WORKERS, 1
    try:
        wait_until_healthy(server)
    finally:
        serve.WORKERS = workers


def stopped(server: Server) -> None:
    """SIGTERM; the server shuts down cleanly (one process: uvicorn exits by the signal)."""
    server.stop()
    assert "Application shutdown complete." in server.log(), server.tail()


def admin_token(database_url: str, workdir: Path) -> str:
    issued = subprocess.run(
        [ordergraph_executable(), "token", "create", "--role", "admin", "--name", "mail-e2e"],
        env=cli_env(database_url),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return issued.stdout.strip()


@pytest.fixture
def database(databases: Databases) -> Iterator[str]:
    url = databases.new_postgres()
    try:
        yield url
    finally:
        databases.drop_postgres(url)


def links(text: str) -> list[str]:
    return re.findall(r"https?://[^\s<>\"')]+", text)


def kind(message: EmailMessage) -> str:
    return str(message["X-Ordergraph-Notification"])


def ago(seconds: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat()


async def test_the_whole_journey_mails_each_stage_once_in_order_with_working_links(
    database: str, tmp_path: Path
) -> None:
    with smtp_server() as (smtp_url, inbox):
        server = start(database, tmp_path, smtp_url, "journey")
        try:
            token = admin_token(database, tmp_path)
            async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
                admin = GraphQLClient(http, token)
                await journey(admin, http, inbox, server.base_url)
        finally:
            stopped(server)


async def journey(
    admin: GraphQLClient, http: httpx.AsyncClient, inbox: Inbox, base_url: str
) -> None:
    email = "sam.mail@example.com"
    warehouse_id = await create_warehouse(admin, "MAIL-W")
    await create_product(admin, "MAIL-TEE", "19.99")
    await receive(admin, "MAIL-TEE", warehouse_id, 10)
    order = await place_ok(admin, order_input([("MAIL-TEE", 2)], email=email))
    await capture(admin, order["id"])
    (fulfillment,) = (await read(admin, order["id"]))["fulfillments"]
    await pack(admin, fulfillment["id"])
    shipped = await ship_ok(admin, fulfillment["id"], trackingNumber="JD0001234")
    shipment_id = shipped["shipment"]["id"]
    await asyncio.sleep(1.1)  # carrier events must not be in the server's future, nor out of order
    await record_event(admin, shipment_id, "OUT_FOR_DELIVERY", ago(0.5))
    await asyncio.sleep(0.2)
    await record_event(admin, shipment_id, "DELIVERED", ago(0.1))
    after = await read(admin, order["id"])
    assert after["status"] == "DELIVERED"
    line_id = after["lines"][0]["id"]
    rma = await returned(admin, order["id"], [return_line(line_id, 1, "SIZE_FIT")])
    assert rma["status"] == "REQUESTED"  # nothing mailed for a request staff still decide on
    approved = await approve(admin, rma["id"])
    assert approved["userErrors"] == [], approved
    received = await receive_return(admin, rma["id"], [receipt(rma["lines"][0]["id"], 1)])
    assert received["userErrors"] == [], received
    await refund_ok(admin, order["id"], returnId=rma["id"], reason="returned")

    mails = inbox.wait_for(email, len(JOURNEY))
    await asyncio.sleep(1.0)  # nothing more arrives: no duplicates
    mails = inbox.for_recipient(email)
    assert [kind(m) for m in mails] == JOURNEY
    ids = [m["Message-ID"] for m in mails]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("<n.") and i.endswith("@shop.example>") for i in ids)
    for message in mails:
        text, html = parts(message)
        assert after["number"] in message["Subject"] or after["number"] in text
        assert after["number"] in html
        assert message["From"] == "Shop <orders@shop.example>"

    by_kind = {kind(m): m for m in mails}
    # the shipped mail's short link opens the public tracking page
    text, html = parts(by_kind["ORDER_SHIPPED"])
    assert "JD0001234" in text
    short = [u for u in links(text) if u.startswith(f"{base_url}/t/")]
    assert short, text
    assert short[0] in html
    page = await http.get(short[0], headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "JD0001234" in page.text

    # the delivered mail's feedback link records a rating
    text, _html = parts(by_kind["ORDER_DELIVERED"])
    feedback = [u for u in links(text) if u.startswith(f"{base_url}/feedback/")]
    assert feedback, text
    form = await http.get(feedback[0])
    assert form.status_code == 200
    posted = await http.post(feedback[0], data={"rating": "4", "comment": "quick, thanks"})
    assert posted.status_code == 200, posted.text
    rated = await admin.data(
        "query($id: ID!) { order(id: $id) { feedback { rating comment } } }", {"id": order["id"]}
    )
    assert rated["order"]["feedback"] == {"rating": 4, "comment": "quick, thanks"}

    listed = (await admin.data(NOTIFICATIONS, {"id": order["id"]}))["order"]["notifications"]
    assert [(n["type"], n["recipient"], n["status"], n["attempts"]) for n in listed] == [
        (t, email, "SENT", 1) for t in JOURNEY
    ]
    assert all(n["lastResponse"].startswith("250") for n in listed)


async def test_a_mail_accepted_just_before_a_crash_is_sent_again_with_the_same_message_id(
    database: str, tmp_path: Path
) -> None:
    """The server is frozen (SIGSTOP) while the SMTP server accepts its first mail, then killed
    (SIGKILL) before it can record the answer; a new server sends it again after the lease."""
    frozen: list[int] = []
    inbox = Inbox()

    def freeze_sender(_message: EmailMessage) -> None:
        if not frozen and crashing.process.poll() is None:
            os.kill(crashing.process.pid, signal.SIGSTOP)
            frozen.append(crashing.process.pid)

    with smtp_server(inbox) as (smtp_url, _inbox):
        crashing = start(
            database, tmp_path, smtp_url, "crash", ORDERGRAPH_NOTIFICATION_LEASE_SECONDS="2"
        )
        token = admin_token(database, tmp_path)
        inbox.before_accept = freeze_sender
        async with httpx.AsyncClient(base_url=crashing.base_url, timeout=30) as http:
            admin = GraphQLClient(http, token)
            warehouse_id = await create_warehouse(admin, "CRASH-W")
            await create_product(admin, "CRASH-TEE", "9.99")
            await receive(admin, "CRASH-TEE", warehouse_id, 5)
            order = await place_ok(admin, order_input([("CRASH-TEE", 1)], email="kim@example.com"))
            await capture(admin, order["id"])
        inbox.wait_for("kim@example.com", 1)
        assert frozen, "the first mail did not freeze the server"
        os.killpg(crashing.process.pid, signal.SIGKILL)
        crashing.process.wait(timeout=10)

        row = run_sync(lambda: _notification(database))
        assert (row["status"], row["attempts"], row["sent_at"]) == ("PENDING", 0, None)

        inbox.before_accept = None
        restarted = start(
            database, tmp_path, smtp_url, "restart", ORDERGRAPH_NOTIFICATION_LEASE_SECONDS="2"
        )
        try:
            first, again = inbox.wait_for("kim@example.com", 2, timeout=30)
            assert kind(first) == kind(again) == "ORDER_CONFIRMED"
            assert first["Message-ID"] == again["Message-ID"]
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                row = run_sync(lambda: _notification(database))
                if row["status"] == "SENT":
                    break
                await asyncio.sleep(0.1)
            assert (row["status"], row["attempts"]) == ("SENT", 1)
            await asyncio.sleep(1.0)
            assert len(inbox.for_recipient("kim@example.com")) == 2
        finally:
            stopped(restarted)


async def _notification(database_url: str) -> dict[str, object]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            (row,) = (await conn.execute(sa.select(notifications))).mappings().all()
            return dict(row)
    finally:
        await engine.dispose()


SIGNUP = """
mutation($input: CustomerSignupInput!) {
  customerSignup(input: $input) { customer { email emailVerified } userErrors { code } }
}"""
REQUEST_RESET = """
mutation($input: RequestPasswordResetInput!) {
  requestPasswordReset(input: $input) { userErrors { code } }
}"""
LOGIN = """
mutation($input: CustomerLoginInput!) {
  customerLogin(input: $input) { token userErrors { code } }
}"""


async def test_a_password_reset_works_end_to_end_from_the_mails_link(
    database: str, tmp_path: Path
) -> None:
    email = "reset.me@example.com"
    with smtp_server() as (smtp_url, inbox):
        server = start(database, tmp_path, smtp_url, "reset")
        try:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
                anyone = GraphQLClient(http, None)
                signed_up = await anyone.mutate(
                    SIGNUP,
                    {"input": {"email": email, "password": "first passphrase", "name": "Rie"}},
                )
                assert signed_up["userErrors"] == [], signed_up
                asked = await anyone.mutate(REQUEST_RESET, {"input": {"email": email}})
                assert asked["userErrors"] == []
                mails = {kind(m): m for m in inbox.wait_for(email, 2)}
                assert sorted(mails) == ["EMAIL_VERIFICATION", "PASSWORD_RESET"]
                text, html = parts(mails["PASSWORD_RESET"])
                (link,) = [u for u in links(text) if "/account/reset/" in u]
                assert link.startswith(server.base_url)
                assert link in html
                form = await http.get(link)
                assert form.status_code == 200
                assert 'name="password"' in form.text
                posted = await http.post(
                    link, data={"password": "second passphrase", "confirm": "second passphrase"}
                )
                assert posted.status_code == 200, posted.text
                again = await http.post(
                    link, data={"password": "third passphrase", "confirm": "third passphrase"}
                )
                assert again.status_code != 200  # the link works once
                old = await anyone.mutate(
                    LOGIN, {"input": {"email": email, "password": "first passphrase"}}
                )
                assert [e["code"] for e in old["userErrors"]] == ["INVALID_CREDENTIALS"]
                new = await anyone.mutate(
                    LOGIN, {"input": {"email": email, "password": "second passphrase"}}
                )
                assert new["userErrors"] == []
                assert new["token"]
        finally:
            stopped(server)
