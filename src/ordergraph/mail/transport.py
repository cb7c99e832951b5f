"""Sending a rendered mail: over SMTP (aiosmtplib), or into the development mailbox.

``send`` never raises. It answers whether the server took the mail and, if not, whether trying
again can help: 4xx replies, timeouts and connection errors are temporary; 5xx replies (a refused
recipient, a rejected message) are permanent.
"""

from __future__ import annotations

import asyncio
import email.message
import email.utils
import ssl
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

DEV_RESPONSE = "250 dev mailbox"
_RESERVED_HEADERS = frozenset({"message-id", "date", "from", "to", "subject"})


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    message_id: str  # "<n42.abc@ordergraph>": stable per (event, recipient), set by the caller
    sender: str
    recipient: str
    subject: str
    text: str
    html: str
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SendOutcome:
    delivered: bool
    permanent: bool  # when not delivered: True = never retry, False = retry later
    response: str  # the server's last answer, or the error that stood in for one


class MailTransport(Protocol):
    async def send(self, mail: OutgoingMail) -> SendOutcome: ...


def build_email(mail: OutgoingMail) -> email.message.EmailMessage:
    """A multipart/alternative message (text first, HTML preferred) with the caller's Message-ID."""
    message = email.message.EmailMessage()
    message["Message-ID"] = mail.message_id
    message["Date"] = email.utils.format_datetime(datetime.now(UTC))
    message["From"] = mail.sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    for name, value in mail.headers.items():
        if name.lower() not in _RESERVED_HEADERS:
            message[name] = value
    message.set_content(mail.text, subtype="plain", charset="utf-8")
    message.add_alternative(mail.html, subtype="html", charset="utf-8")
    return message


@dataclass(frozen=True, slots=True)
class _SmtpSettings:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool | None  # None: when the server offers it


def _parse_url(url: str) -> _SmtpSettings:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"mail URL must start with smtp:// or smtps://, not {parts.scheme!r}")
    if not parts.hostname:
        raise ValueError("mail URL has no host")
    implicit = parts.scheme == "smtps"
    mode = parse_qs(parts.query).get("starttls", ["auto"])[-1].lower()
    modes: dict[str, bool | None] = {"auto": None, "require": True, "off": False}
    if mode not in modes:
        raise ValueError("starttls must be auto, require or off")
    return _SmtpSettings(
        hostname=parts.hostname,
        port=parts.port or (465 if implicit else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        use_tls=implicit,
        start_tls=False if implicit else modes[mode],
    )


def _classify(exc: BaseException) -> SendOutcome:
    """Map an aiosmtplib error to an outcome; only a 5xx reply about the mail is permanent."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        answer = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
        return SendOutcome(False, bool(codes) and all(c >= 500 for c in codes), answer)
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        # our credentials are wrong, not the mail: retry once the operator fixes them
        return SendOutcome(False, False, f"{exc.code} {exc.message}")
    if isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code >= 400:
        return SendOutcome(False, exc.code >= 500, f"{exc.code} {exc.message}")
    return SendOutcome(False, False, f"{type(exc).__name__}: {exc}")


class SmtpTransport:
    """``smtp://[user:pass@]host[:port][?starttls=require|off]`` or ``smtps://…`` (port 465)."""

    def __init__(
        self, url: str, *, timeout: float = 10.0, tls_context: ssl.SSLContext | None = None
    ) -> None:
        self._settings = _parse_url(url)
        self._timeout = timeout
        self._tls_context = tls_context

    async def send(self, mail: OutgoingMail) -> SendOutcome:
        s = self._settings
        try:
            message = build_email(mail)
        except (ValueError, TypeError) as exc:
            return SendOutcome(False, True, f"invalid message: {exc}")
        try:
            # aiosmtplib's timeout is per command; the outer one bounds a server that trickles
            async with asyncio.timeout(self._timeout * 4):
                _, response = await aiosmtplib.send(
                    message,
                    sender=mail.sender,
                    recipients=[mail.recipient],
                    hostname=s.hostname,
                    port=s.port,
                    username=s.username,
                    password=s.password,
                    use_tls=s.use_tls,
                    start_tls=s.start_tls,
                    timeout=self._timeout,
                    tls_context=self._tls_context,
                )
        except TimeoutError as exc:
            return SendOutcome(False, False, f"TimeoutError: no answer in time {exc}".strip())
        except Exception as exc:  # noqa: BLE001 - send() reports, it never raises
            return _classify(exc)
        # aiosmtplib raises unless DATA answered 250; it hands back only the text after the code
        return SendOutcome(True, False, f"{aiosmtplib.SMTPStatus.completed.value} {response}")


class DevMailboxTransport:
    """Development: every mail is accepted; the latest ones are kept in memory for a look."""

    def __init__(self, keep: int = 100) -> None:
        self.sent: deque[OutgoingMail] = deque(maxlen=keep)

    async def send(self, mail: OutgoingMail) -> SendOutcome:
        self.sent.append(mail)
        return SendOutcome(True, False, DEV_RESPONSE)


def transport_from_url(url: str | None, *, dev: bool) -> MailTransport:
    """The transport for a configured URL; without one, the dev mailbox (development only)."""
    if url is None or url == "":
        if dev:
            return DevMailboxTransport()
        raise ValueError("a mail URL (smtp:// or smtps://) is required outside development")
    if url.startswith("dev:"):
        return DevMailboxTransport()
    return SmtpTransport(url)
