"""The SMTP transport against a real aiosmtpd server on 127.0.0.1: plain delivery, AUTH,
STARTTLS and implicit TLS with a self-signed certificate, and how failures are classified."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from ordergraph.mail.transport import (
    DEV_RESPONSE,
    DevMailboxTransport,
    OutgoingMail,
    SmtpTransport,
    build_email,
    transport_from_url,
)

HOST = "127.0.0.1"
USER, PASSWORD = "shop@example.com", "p@ss:wörd/1"
USER_IN_URL, PASSWORD_IN_URL = "shop%40example.com", "p%40ss%3Aw%C3%B6rd%2F1"


def outgoing(**changes: Any) -> OutgoingMail:
    values: dict[str, Any] = {
        "message_id": "<n42.a1b2c3@ordergraph>",
        "sender": "Fietsenwinkel <shop@example.com>",
        "recipient": "anna@example.com",
        "subject": "Je bestelling OG-1042 is onderweg — € 19,99",
        "text": "Volg je pakket: https://og.example/t/ABC123\n",
        "html": '<p>Volg je pakket: <a href="https://og.example/t/ABC123">link</a></p>',
        "headers": {"X-Ordergraph-Notification": "42"},
    }
    values.update(changes)
    return OutgoingMail(**values)


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps what it received; ``rcpt_reply`` refuses recipients."""

    rcpt_reply: str | None = None
    messages: list[EmailMessage] = field(default_factory=list)
    tls_used: list[bool] = field(default_factory=list)
    logins: list[bytes] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook names
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply is not None:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or b""
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        tls = server.transport is not None and server.transport.get_extra_info("ssl_object")
        self.tls_used.append(bool(tls))
        return "250 2.0.0 Ok: queued as TEST1"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append(data.login)
        ok = data.login == USER.encode() and data.password == PASSWORD.encode()
        return AuthResult(success=ok, handled=False)  # aiosmtpd then answers 535


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def smtp_server(handler: Recorder, **options: Any) -> Iterator[int]:
    port = free_port()
    controller = Controller(handler, hostname=HOST, port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture
def certificate(tmp_path: Path) -> Certificate:
    """A self-signed certificate for 127.0.0.1 (openssl; cryptography is not a dependency)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return Certificate(cert, key)


def test_build_email_is_multipart_alternative_with_the_callers_message_id() -> None:
    message = build_email(outgoing(headers={"Message-ID": "<other@x>", "X-Extra": "1"}))
    assert message.get_content_type() == "multipart/alternative"
    assert message["Message-ID"] == "<n42.a1b2c3@ordergraph>"
    assert message["X-Extra"] == "1"
    assert message["Date"]
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert message.as_bytes().isascii()  # the UTF-8 subject is encoded


async def test_a_mail_is_delivered_and_parsed_back_with_both_parts() -> None:
    handler = Recorder()
    with smtp_server(handler) as port:
        outcome = await SmtpTransport(f"smtp://{HOST}:{port}").send(outgoing())
    assert outcome.delivered
    assert outcome.response.startswith("250 2.0.0 Ok: queued")
    (received,) = handler.messages
    assert received.get_content_type() == "multipart/alternative"
    assert received["Message-ID"] == "<n42.a1b2c3@ordergraph>"
    assert received["Subject"] == "Je bestelling OG-1042 is onderweg — € 19,99"
    assert received["To"] == "anna@example.com"
    assert received["X-Ordergraph-Notification"] == "42"
    text = received.get_body(("plain",))
    html = received.get_body(("html",))
    assert text is not None
    assert html is not None
    assert isinstance(text, EmailMessage)
    assert isinstance(html, EmailMessage)
    assert "https://og.example/t/ABC123" in text.get_content()
    assert 'href="https://og.example/t/ABC123"' in html.get_content()
    assert handler.tls_used == [False]


# the plain-text AUTH test is deliberate; aiosmtpd warns about it
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
async def test_the_user_and_password_in_the_url_are_decoded_and_used_for_auth() -> None:
    handler = Recorder()
    options = {"authenticator": handler.authenticate, "auth_required": True}
    with smtp_server(handler, auth_require_tls=False, **options) as port:
        good = SmtpTransport(f"smtp://{USER_IN_URL}:{PASSWORD_IN_URL}@{HOST}:{port}")
        bad = SmtpTransport(f"smtp://{USER_IN_URL}:wrong@{HOST}:{port}")
        anonymous = SmtpTransport(f"smtp://{HOST}:{port}")
        delivered = await good.send(outgoing())
        refused = await bad.send(outgoing())
        unauthenticated = await anonymous.send(outgoing())
    assert delivered.delivered
    assert len(handler.messages) == 1
    assert handler.logins[0] == USER.encode()
    assert not refused.delivered
    assert refused.response.startswith("535")
    assert not refused.permanent  # our credentials are wrong, not the mail
    assert not unauthenticated.delivered
    assert unauthenticated.response.startswith("530")


async def test_starttls_is_used_when_the_server_offers_it(certificate: Certificate) -> None:
    handler = Recorder()
    tls = {"tls_context": certificate.server_context(), "authenticator": handler.authenticate}
    with smtp_server(handler, require_starttls=True, auth_required=True, **tls) as port:
        url = f"smtp://{USER_IN_URL}:{PASSWORD_IN_URL}@{HOST}:{port}"
        trusting = SmtpTransport(url, tls_context=certificate.client_context())
        required = SmtpTransport(
            url + "?starttls=require", tls_context=certificate.client_context()
        )
        untrusting = SmtpTransport(url)
        plain = SmtpTransport(url + "?starttls=off")
        offered = await trusting.send(outgoing())
        demanded = await required.send(outgoing())
        unverified = await untrusting.send(outgoing())
        refused = await plain.send(outgoing())
    assert offered.delivered, offered.response
    assert demanded.delivered, demanded.response
    assert handler.tls_used == [True, True]
    assert not unverified.delivered
    assert not unverified.permanent
    assert "CERTIFICATE_VERIFY_FAILED" in unverified.response
    assert not refused.delivered  # without STARTTLS the server offers no AUTH
    assert not refused.permanent
    assert "AUTH" in refused.response


async def test_starttls_required_fails_temporarily_when_the_server_does_not_offer_it() -> None:
    with smtp_server(Recorder()) as port:
        outcome = await SmtpTransport(f"smtp://{HOST}:{port}?starttls=require").send(outgoing())
    assert not outcome.delivered
    assert not outcome.permanent
    assert "STARTTLS" in outcome.response


async def test_smtps_speaks_tls_from_the_first_byte(certificate: Certificate) -> None:
    handler = Recorder()
    server = {"ssl_context": certificate.server_context(), "server_hostname": "127.0.0.1"}
    with smtp_server(handler, **server) as port:
        transport = SmtpTransport(
            f"smtps://{HOST}:{port}", tls_context=certificate.client_context()
        )
        outcome = await transport.send(outgoing())
    assert outcome.delivered, outcome.response
    assert handler.tls_used == [True]
    assert handler.messages[0]["Message-ID"] == "<n42.a1b2c3@ordergraph>"


async def test_a_4xx_answer_is_temporary() -> None:
    with smtp_server(Recorder(rcpt_reply="451 4.3.0 try later")) as port:
        outcome = await SmtpTransport(f"smtp://{HOST}:{port}").send(outgoing())
    assert not outcome.delivered
    assert not outcome.permanent
    assert outcome.response == "451 4.3.0 try later"


async def test_a_5xx_answer_is_permanent() -> None:
    with smtp_server(Recorder(rcpt_reply="550 5.1.1 no such user")) as port:
        outcome = await SmtpTransport(f"smtp://{HOST}:{port}").send(outgoing())
    assert not outcome.delivered
    assert outcome.permanent
    assert outcome.response == "550 5.1.1 no such user"


async def test_a_refused_connection_is_temporary() -> None:
    outcome = await SmtpTransport(f"smtp://{HOST}:{free_port()}", timeout=2).send(outgoing())
    assert not outcome.delivered
    assert not outcome.permanent
    assert outcome.response.startswith("SMTPConnectError")


async def test_a_server_that_never_answers_times_out_temporarily() -> None:
    with socket.socket() as silent:
        silent.bind((HOST, 0))
        silent.listen(8)  # the kernel completes the handshake; nobody ever says 220
        port = silent.getsockname()[1]
        outcome = await SmtpTransport(f"smtp://{HOST}:{port}", timeout=0.5).send(outgoing())
    assert not outcome.delivered
    assert not outcome.permanent
    assert "Timeout" in outcome.response


async def test_a_header_that_cannot_be_built_is_permanent_and_nothing_is_sent() -> None:
    outcome = await SmtpTransport(f"smtp://{HOST}:{free_port()}").send(
        outgoing(recipient="anna@example.com\r\nBcc: everyone@example.com")
    )
    assert not outcome.delivered
    assert outcome.permanent


async def test_the_dev_mailbox_accepts_everything() -> None:
    transport = DevMailboxTransport()
    outcome = await transport.send(outgoing())
    assert outcome.delivered
    assert outcome.response == DEV_RESPONSE
    assert list(transport.sent) == [outgoing()]


def test_a_transport_is_chosen_from_the_url() -> None:
    assert isinstance(transport_from_url(None, dev=True), DevMailboxTransport)
    assert isinstance(transport_from_url("smtps://mail.example", dev=False), SmtpTransport)
    with pytest.raises(ValueError, match="required"):
        transport_from_url(None, dev=False)
    with pytest.raises(ValueError, match="smtp"):
        transport_from_url("http://mail.example", dev=False)
    with pytest.raises(ValueError, match="starttls"):
        transport_from_url("smtp://mail.example?starttls=maybe", dev=False)
