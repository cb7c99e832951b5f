"""Headers every response carries, the request id, and log lines without personal data.

- ``X-Request-Id``: the caller's own (if it looks like an id) or a fresh one; the same id is in
  masked GraphQL errors and in the server's log line for them.
- ``X-Content-Type-Options``, ``Referrer-Policy``, ``X-Frame-Options``, a restrictive
  ``Content-Security-Policy`` for anything that does not set its own (the HTML pages set theirs),
  ``Cache-Control: no-store`` on the API (answers can hold tokens and addresses), and
  ``Strict-Transport-Security`` in production.
- Access-log lines lose query strings (``GET /graphql?query=…&variables=…`` can carry emails)
  and tracking codes.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def new_request_id() -> str:
    return uuid.uuid4().hex


class SecurityHeaders:
    def __init__(
        self,
        app: ASGIApp,
        *,
        production: bool = False,
        new_id: Callable[[], str] = new_request_id,
    ) -> None:
        self.app = app
        self.production = production
        self.new_id = new_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if REQUEST_ID.match(given) else self.new_id()
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["x-request-id"] = request_id
                for name, value in COMMON.items():
                    headers.setdefault(name, value)
                headers.setdefault("content-security-policy", API_CSP)
                if scope["path"].startswith("/graphql"):
                    headers.setdefault("cache-control", "no-store")
                if self.production:
                    headers.setdefault(
                        "strict-transport-security", "max-age=63072000; includeSubDomains"
                    )
                retry_after = state.get("retry_after")
                if message["status"] == 429 and retry_after is not None:
                    headers["retry-after"] = str(retry_after)
            await send(message)

        await self.app(scope, receive, send_with_headers)


_TRACKING = re.compile(r"/(t|feedback)/[^ /?\"]+")  # both carry a secret in the path
_ACCOUNT_LINK = re.compile(r"/account/(verify|reset)/[^ /?\"]+")  # the token is the secret


class RedactAccessLog(logging.Filter):
    """Drop query strings, tracking codes and feedback tokens from uvicorn's access lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _ACCOUNT_LINK.sub(r"/account/\1/…", _TRACKING.sub(r"/\1/…", a.split("?", 1)[0]))
                if isinstance(a, str)
                else a
                for a in record.args
            )
        return True


def install_log_redaction() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactAccessLog) for f in access.filters):
        access.addFilter(RedactAccessLog())
