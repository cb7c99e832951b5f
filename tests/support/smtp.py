"""A real SMTP server (aiosmtpd) on a free local port that keeps every message it accepts."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.pg import free_port


@dataclass
class Inbox:
    """Messages as the SMTP server accepted them, in order (a thread-safe list)."""

    messages: list[EmailMessage] = field(default_factory=list)
    # called with each message before the server answers 250 (e.g. to freeze the sender)
    before_accept: Callable[[EmailMessage], None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)
        if self.before_accept is not None:
            self.before_accept(message)
        return "250 2.0.0 Ok: queued"

    def snapshot(self) -> list[EmailMessage]:
        with self._lock:
            return list(self.messages)

    def for_recipient(self, address: str) -> list[EmailMessage]:
        return [m for m in self.snapshot() if m["To"] and address in str(m["To"])]

    def wait_for(self, address: str, count: int, timeout: float = 30.0) -> list[EmailMessage]:
        """Block until ``address`` has at least ``count`` messages; fails on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.for_recipient(address)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        got = [(m["Subject"], m["X-Ordergraph-Notification"]) for m in self.for_recipient(address)]
        raise AssertionError(f"{address}: {len(got)} of {count} messages within {timeout} s: {got}")


@contextmanager
def smtp_server(inbox: Inbox | None = None) -> Iterator[tuple[str, Inbox]]:
    """(smtp URL, inbox) of a running aiosmtpd on 127.0.0.1, until the block ends."""
    box = inbox or Inbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", box
    finally:
        controller.stop()


def parts(message: EmailMessage) -> tuple[str, str]:
    """(text, html) of a multipart/alternative mail."""
    assert message.get_content_type() == "multipart/alternative", message.get_content_type()
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    return str(text.get_content()), str(html.get_content())
