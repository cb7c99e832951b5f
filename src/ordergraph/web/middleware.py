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
    """Answer 413 to bodies over ``limit`` bytes, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._reject(scope, receive, send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except BodyTooLarge:
            await self._reject(scope, receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            {"errors": [{"message": f"request body over {self.limit} bytes"}]},
            status_code=413,
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
        label = path if path in KNOWN_PATHS else ("/t" if path.startswith("/t/") else "other")
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
