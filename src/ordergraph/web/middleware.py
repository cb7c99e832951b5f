"""Small ASGI middlewares: request-size cap and Prometheus metrics."""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter("ordergraph_http_requests_total", "HTTP requests", ["method", "path", "status"])
LATENCY = Histogram(
    "ordergraph_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "path"],
)
KNOWN_PATHS = ("/graphql", "/healthz", "/readyz", "/metrics")


class BodyTooLarge(Exception):
    pass


class MaxBodySize:
    """Answer 413 to bodies over ``limit`` bytes, declared or streamed.

    The rejected body is read and thrown away (up to ``drain`` bytes) before answering, and the
    answer says ``Connection: close``: closing a socket with unread data makes the kernel send a
    reset, which would destroy the 413 before the client reads it, and a kept-alive connection
    would read the rest of the body as the next request.
    """

    def __init__(self, app: ASGIApp, limit: int, drain: int = 16_000_000) -> None:
        self.app = app
        self.limit = limit
        self.drain = drain

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            if int(declared) <= self.drain:
                await self._discard(receive, 0)
            await self._reject(scope, receive, send)
            return
        seen = 0
        finished = False

        async def counting_receive() -> Message:
            nonlocal seen, finished
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                finished = not message.get("more_body", False)
                if seen > self.limit:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except BodyTooLarge:
            if not finished:
                await self._discard(receive, seen)
            await self._reject(scope, receive, send)

    async def _discard(self, receive: Receive, seen: int) -> None:
        while seen <= self.drain:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            seen += len(message.get("body", b""))
            if not message.get("more_body", False):
                return

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            {
                "errors": [
                    {
                        "message": f"request body over {self.limit} bytes",
                        "extensions": {"code": "PAYLOAD_TOO_LARGE"},
                    }
                ]
            },
            status_code=413,
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


class Metrics:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        label = (
            path
            if path in KNOWN_PATHS
            else "/t"
            if path.startswith("/t/")
            else "/feedback"
            if path.startswith("/feedback/")
            else "other"
        )
        method = scope["method"]
        status = 500
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            LATENCY.labels(method, label).observe(time.perf_counter() - started)
            REQUESTS.labels(method, label, str(status)).inc()
