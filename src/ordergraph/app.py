"""The Starlette application: GraphQL over HTTP and websockets, health, metrics, GraphiQL."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
from cross_web import HTTPException
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.types.execution import ExecutionResult
from strawberry.types.unset import UnsetType

from ordergraph.api import build_schema
from ordergraph.auth.tokens import hash_token
from ordergraph.config import Settings, get_settings
from ordergraph.db.engine import create_engine
from ordergraph.db.queries.tokens import principal_for_token
from ordergraph.db.uow import SqlUnitOfWork
from ordergraph.domain.clock import Clock, SystemClock
from ordergraph.domain.payments import PaymentGateway
from ordergraph.domain.principals import ANONYMOUS, Principal
from ordergraph.events.background import every
from ordergraph.events.broker import Broker
from ordergraph.events.relay import OutboxRelay
from ordergraph.events.webhooks import WebhookSettings, deliver_due, fan_out
from ordergraph.gateways import TestGateway
from ordergraph.schema.context import Context
from ordergraph.schema.loaders import Loaders
from ordergraph.services.cancellation import expire_unpaid_orders
from ordergraph.services.deps import Deps, OrderPolicy
from ordergraph.services.shipments import flag_orders_at_risk
from ordergraph.web.graphiql import (
    GRAPHIQL_ASSETS_PREFIX,
    GRAPHIQL_STATIC_DIR,
    graphiql_html,
)
from ordergraph.web.middleware import MaxBodySize, Metrics
from ordergraph.web.payment_webhooks import stripe_webhook_endpoint
from ordergraph.web.tracking import tracking_endpoint

GRAPHQL_RESPONSE = "application/graphql-response+json"


@dataclass
class Runtime:
    """What the app holds between requests; filled in by the lifespan."""

    settings: Settings
    clock: Clock
    engine: AsyncEngine | None = None
    read_engine: AsyncEngine | None = None
    policy: OrderPolicy = field(default_factory=OrderPolicy)
    broker: Broker = field(default_factory=Broker)
    relay: OutboxRelay | None = None
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    gateway: PaymentGateway = field(default_factory=TestGateway)

    @property
    def deps(self) -> Deps:
        engine = self.engine
        assert engine is not None, "the app's lifespan has not started"
        relay = self.relay
        on_commit = relay.wake if relay is not None else None
        return Deps(
            uow=lambda: SqlUnitOfWork(engine, self.clock, on_commit),
            clock=self.clock,
            policy=self.policy,
            gateway=self.gateway,
        )


class UnknownToken(Exception):
    pass


async def authenticate(runtime: Runtime, authorization: str | None) -> Principal:
    """The principal behind an ``Authorization: Bearer`` value; anonymous if none was sent."""
    if not authorization:
        return ANONYMOUS
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or len(token) > 200:
        raise UnknownToken
    assert runtime.read_engine is not None
    principal = await principal_for_token(
        runtime.engine or runtime.read_engine,
        hash_token(token.strip()),
        runtime.clock.now(),
    )
    if principal is None:
        raise UnknownToken
    return principal


class TextFrameWebSocketAdapter(ASGIWebSocketAdapter):
    """Both GraphQL websocket protocols are JSON in *text* frames: standard clients (gql,
    graphql-ws, GraphiQL) reject binary ones, which strawberry sends when ``encode_json``
    returns bytes (as our orjson encoder does for HTTP)."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class GraphQLView(GraphQL[Context, None]):
    websocket_adapter_class = TextFrameWebSocketAdapter

    def __init__(self, runtime: Runtime, **kwargs: Any) -> None:
        settings = runtime.settings
        super().__init__(
            build_schema(
                production=settings.is_production,
                max_depth=settings.max_query_depth,
                max_aliases=settings.max_aliases,
                max_tokens=settings.max_tokens,
            ),
            graphql_ide=None if settings.is_production else "graphiql",
            keep_alive=True,
            keep_alive_interval=15,
            **kwargs,
        )
        self.runtime = runtime
        self._ide_page: str | None = None

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None
    ) -> Context:
        runtime = self.runtime
        principal = ANONYMOUS
        if isinstance(request, Request):
            try:
                principal = await authenticate(runtime, request.headers.get("authorization"))
            except UnknownToken:
                raise HTTPException(401, "Invalid or expired API token") from None
        assert runtime.read_engine is not None
        if isinstance(request, Request) and isinstance(response, Response):
            request.state.sub_response = response
        return Context(
            request=request,
            response=response,
            principal=principal,
            deps=runtime.deps,
            read_engine=runtime.read_engine,
            loaders=Loaders.build(runtime.read_engine),
            public_base_url=runtime.settings.public_base_url.rstrip("/"),
            broker=runtime.broker,
            write_engine=runtime.engine,
            webhook_settings=runtime.webhooks,
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        params = context.connection_params or {}
        authorization = params.get("Authorization") or params.get("authorization")
        try:
            context.principal = await authenticate(
                self.runtime, authorization if isinstance(authorization, str) else None
            )
        except UnknownToken:
            raise ConnectionRejectionError({"message": "Invalid or expired API token"}) from None
        return await super().on_ws_connect(context)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """GraphQL over HTTP: clients that accept ``application/graphql-response+json`` get it,
        and a request that never executed (parse or validation failure) is a 400 for them."""
        processed = await super().process_result(request, result)
        sub_response = getattr(request.state, "sub_response", None)
        if sub_response is not None and GRAPHQL_RESPONSE in request.headers.get("accept", ""):
            sub_response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
            if result.data is None and result.errors and all(e.path is None for e in result.errors):
                sub_response.status_code = 400
        return processed

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if "content-type" in sub_response.headers:
            response.headers["content-type"] = sub_response.headers["content-type"]
        return response

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        if self._ide_page is None:
            self._ide_page = graphiql_html(self.graphql_ide_html)
        return HTMLResponse(self._ide_page)


def _engine(runtime: Runtime) -> AsyncEngine:
    assert runtime.engine is not None, "the app's lifespan has not started"
    return runtime.engine


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> Starlette:
    settings = settings or get_settings()
    settings.check()
    runtime = Runtime(
        settings=settings,
        clock=clock or SystemClock(),
        policy=settings.order_policy(),
        webhooks=settings.webhook_settings(),
        gateway=settings.payment_gateway_adapter(),
    )
    view = GraphQLView(runtime)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        runtime.engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
        runtime.read_engine = (
            create_engine(settings.read_database_url, pool_size=settings.db_pool_size)
            if settings.read_database_url
            else runtime.engine
        )
        runtime.relay = OutboxRelay(runtime.engine, runtime.broker)
        await runtime.relay.start()
        jobs: list[asyncio.Task[None]] = []
        http = httpx.AsyncClient(follow_redirects=False)
        if settings.webhook_interval_seconds > 0:
            engine = runtime.engine
            jobs.append(
                asyncio.create_task(
                    every(
                        settings.webhook_interval_seconds,
                        lambda: fan_out(engine, runtime.clock),
                        "webhook fan-out",
                    )
                )
            )
            jobs.append(
                asyncio.create_task(
                    every(
                        settings.webhook_interval_seconds,
                        lambda: deliver_due(engine, runtime.clock, http, runtime.webhooks),
                        "webhook delivery",
                    )
                )
            )
        if settings.at_risk_interval_seconds > 0:
            jobs.append(
                asyncio.create_task(
                    every(
                        settings.at_risk_interval_seconds,
                        lambda: flag_orders_at_risk(runtime.deps),
                        "flag orders at risk",
                    )
                )
            )
        if settings.expiry_interval_seconds > 0:
            jobs.append(
                asyncio.create_task(
                    every(
                        settings.expiry_interval_seconds,
                        lambda: expire_unpaid_orders(runtime.deps),
                        "expire unpaid orders",
                    )
                )
            )
        try:
            yield
        finally:
            for job in jobs:
                job.cancel()
            await asyncio.gather(*jobs, return_exceptions=True)
            await runtime.relay.stop()  # ends every subscription cleanly
            await http.aclose()
            close_gateway = getattr(runtime.gateway, "aclose", None)
            if close_gateway is not None:
                await close_gateway()
            if runtime.read_engine is not runtime.engine:
                await runtime.read_engine.dispose()
            await runtime.engine.dispose()

    async def healthz(_request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_request: Request) -> Response:
        assert runtime.engine is not None
        try:
            async with runtime.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            return JSONResponse({"status": "unavailable", "error": type(exc).__name__}, 503)
        return JSONResponse({"status": "ready"})

    async def metrics(_request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app = Starlette(
        routes=[
            Route("/graphql", view, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", view),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            Route("/t/{code}", tracking_endpoint(lambda: _engine(runtime))),
            Route(
                "/payments/webhooks/stripe",
                stripe_webhook_endpoint(lambda: runtime.deps, settings.stripe_webhook_secret),
                methods=["POST"],
            ),
            Mount(GRAPHIQL_ASSETS_PREFIX, StaticFiles(directory=GRAPHIQL_STATIC_DIR)),
        ],
        middleware=[
            Middleware(Metrics),
            Middleware(MaxBodySize, limit=settings.max_body_bytes),
        ],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    return app
