"""The Starlette application: GraphQL over HTTP and websockets, health, metrics, GraphiQL."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError, GraphQLSyntaxError, parse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.types.execution import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UnsetType
from strawberry.utils.operation import get_operation_type

from ordergraph.api import build_schema
from ordergraph.auth.tokens import hash_token
from ordergraph.config import Settings, get_settings
from ordergraph.db.engine import create_engine
from ordergraph.db.queries.tokens import principal_for_token
from ordergraph.db.throttle import SqlRateStore
from ordergraph.db.uow import SqlUnitOfWork
from ordergraph.domain.accounts import AccountPolicy
from ordergraph.domain.clock import Clock, SystemClock
from ordergraph.domain.notifications import NotificationPolicy
from ordergraph.domain.order_export import ExportFormat
from ordergraph.domain.payments import PaymentGateway
from ordergraph.domain.ports import TaxProvider
from ordergraph.domain.principals import ANONYMOUS, Principal
from ordergraph.events.automation import AutomationConsumer
from ordergraph.events.background import every
from ordergraph.events.broker import Broker
from ordergraph.events.notifications import Mailer, send_until_drained
from ordergraph.events.relay import OutboxRelay
from ordergraph.events.webhooks import WebhookSettings, deliver_due, fan_out
from ordergraph.gateways import TableTaxProvider, TestGateway
from ordergraph.schema.context import Context
from ordergraph.schema.loaders import Loaders
from ordergraph.services.cancellation import expire_unpaid_orders
from ordergraph.services.deps import Deps, OrderPolicy
from ordergraph.services.draft_reservations import release_expired_draft_reservations
from ordergraph.services.shipments import flag_orders_at_risk
from ordergraph.services.tax_circuit import TaxCircuit
from ordergraph.services.throttle import Throttle
from ordergraph.web.account_pages import reset_endpoint, verify_endpoint
from ordergraph.web.carrier_events import carrier_events_endpoint
from ordergraph.web.dev_mailbox import mailbox_page
from ordergraph.web.exports import orders_export_endpoint
from ordergraph.web.feedback import feedback_endpoint
from ordergraph.web.graphiql import (
    GRAPHIQL_ASSETS_PREFIX,
    GRAPHIQL_STATIC_DIR,
    graphiql_csp,
    graphiql_html,
)
from ordergraph.web.invoice import invoice_endpoint
from ordergraph.web.middleware import MaxBodySize, Metrics
from ordergraph.web.packing_slip import packing_slip_endpoint
from ordergraph.web.pay import pay_endpoint
from ordergraph.web.payment_webhooks import stripe_webhook_endpoint
from ordergraph.web.security import SecurityHeaders, install_log_redaction
from ordergraph.web.tracking import tracking_endpoint

GRAPHQL_RESPONSE = "application/graphql-response+json"
SUBSCRIPTION_OVER_HTTP = (
    "Subscriptions are served over websockets at /graphql (graphql-transport-ws or graphql-ws "
    "subprotocol), not over plain HTTP"
)


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
    throttle: Throttle = field(default_factory=Throttle)
    # addresses this process saw refused for bad tokens, until when (spares the store)
    blocked: dict[str, float] = field(default_factory=dict)
    gateway: PaymentGateway = field(default_factory=TestGateway)
    tax_provider: TaxProvider = field(default_factory=TableTaxProvider)
    tax_circuit: TaxCircuit = field(default_factory=TaxCircuit)  # shared by every request
    notification_policy: NotificationPolicy = field(default_factory=NotificationPolicy)
    mailer: Mailer | None = None
    accounts: AccountPolicy = field(default_factory=AccountPolicy)

    @property
    def deps(self) -> Deps:
        engine = self.engine
        assert engine is not None, "the app's lifespan has not started"
        relay = self.relay
        on_commit = relay.wake if relay is not None else None
        return Deps(
            uow=lambda: SqlUnitOfWork(engine, self.clock, on_commit, self.notification_policy),
            clock=self.clock,
            policy=self.policy,
            throttle=self.throttle,
            gateway=self.gateway,
            tax_provider=self.tax_provider,
            tax_circuit=self.tax_circuit,
            accounts=self.accounts,
            secret_key=self.settings.secret_key,
        )

    async def refuse_token(self, client: str, state: dict[str, Any]) -> HTTPException:
        """401 for a bad token, or 429 once this address has sent too many of them."""
        now = self.clock.now().timestamp()
        until = self.blocked.get(client, 0.0)
        if until <= now:
            verdict = await self.throttle.hit(
                self.clock, self.throttle.rules.bad_token_address, client
            )
            if verdict.accepted:
                return HTTPException(401, "Invalid or expired API token")
            until = now + verdict.retry_after
            if len(self.blocked) > 10_000:
                self.blocked.clear()
            self.blocked[client] = until
        wait = max(1, round(until - now + 0.5))
        state["retry_after"] = wait
        return HTTPException(
            429, f"Too many invalid API tokens from this address; try again in {wait} seconds"
        )


class UnknownToken(Exception):
    pass


# Transport failures (before any GraphQL ran) answer like GraphQL errors do: JSON with a code.
TRANSPORT_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "THROTTLED",
}


def transport_error(status: int, message: str) -> JSONResponse:
    if status == 400 and message == "Unsupported content type":
        status, message = 415, "send the request as application/json (or GET with ?query=)"
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if status == 401 else None
    body = {
        "errors": [
            {"message": message, "extensions": {"code": TRANSPORT_CODES.get(status, "BAD_REQUEST")}}
        ]
    }
    return JSONResponse(body, status_code=status, headers=headers)


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


def is_subscription(request_data: GraphQLRequestData) -> bool:
    """Whether the request selects a subscription operation (unparsable ones are not)."""
    query = request_data.query
    if not query or "subscription" not in query:  # skip the parse for nearly every request
        return False
    try:
        operation = get_operation_type(parse(query), request_data.operation_name)
    except (GraphQLSyntaxError, RuntimeError):  # strawberry reports these itself
        return False
    return operation is OperationType.SUBSCRIPTION


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
                max_cost=settings.max_query_cost,
            ),
            graphql_ide=None if settings.is_production else "graphiql",
            keep_alive=True,
            keep_alive_interval=15,
            **kwargs,
        )
        self.runtime = runtime
        self._ide_page: str | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as exc:
            response = transport_error(exc.status_code, exc.reason)
        await response(scope, receive, send)

    def decode_json(self, data: str | bytes) -> object:
        # orjson refuses bodies that are not UTF-8 with a JSONDecodeError (→ 400), where
        # json.loads raised UnicodeDecodeError (→ 500)
        return orjson.loads(data)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None
    ) -> Context:
        runtime = self.runtime
        principal = ANONYMOUS
        client = client_address(request)
        if isinstance(request, Request):
            try:
                principal = await authenticate(runtime, request.headers.get("authorization"))
            except UnknownToken:
                raise await runtime.refuse_token(client, request.scope["state"]) from None
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
            public_base_url=_public_base_url(runtime.settings, request),
            broker=runtime.broker,
            write_engine=runtime.engine,
            webhook_settings=runtime.webhooks,
            mailer=runtime.mailer,
            client_address=client,
            request_id=str(request.scope.get("state", {}).get("request_id", "-")),
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        params = context.connection_params or {}
        authorization = params.get("Authorization") or params.get("authorization")
        try:
            context.principal = await authenticate(
                self.runtime, authorization if isinstance(authorization, str) else None
            )
        except UnknownToken:
            refusal = await self.runtime.refuse_token(context.client_address, {})
            raise ConnectionRejectionError({"message": refusal.reason}) from None
        return await super().on_ws_connect(context)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """A subscription over plain HTTP is a request error (400), never executed: strawberry
        would run it as a query and fail on its async generator with a traceback."""
        if is_subscription(request_data):
            sub_response.status_code = 400
            error = GraphQLError(
                SUBSCRIPTION_OVER_HTTP, extensions={"code": "SUBSCRIPTION_OVER_HTTP"}
            )
            return ExecutionResult(data=None, errors=[error])
        return await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """GraphQL over HTTP: clients that accept ``application/graphql-response+json`` get it,
        and a request that never executed (parse or validation failure) is a 400 for them.
        A 400 answer has no ``data`` entry, as the spec wants for a request error."""
        processed = await super().process_result(request, result)
        sub_response = getattr(request.state, "sub_response", None)
        if sub_response is None:
            return processed
        if GRAPHQL_RESPONSE in request.headers.get("accept", ""):
            sub_response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
            if result.data is None and result.errors and all(e.path is None for e in result.errors):
                sub_response.status_code = 400
        if sub_response.status_code == 400:  # a request error: nothing was executed
            processed.pop("data", None)
        return processed

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if "content-type" in sub_response.headers:
            response.headers["content-type"] = sub_response.headers["content-type"]
        return response

    def encode_json(self, data: object) -> bytes:
        # JSON values (event payloads, exports) may hold integer-keyed maps: never a 500
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        if self._ide_page is None:
            self._ide_page = graphiql_html(self.graphql_ide_html)
        return HTMLResponse(
            self._ide_page, headers={"Content-Security-Policy": graphiql_csp(self._ide_page)}
        )


def client_address(connection: Request | WebSocket) -> str:
    """The peer's address (uvicorn rewrites it from X-Forwarded-For for trusted proxies)."""
    return connection.client.host if connection.client is not None else "unknown"


def _public_base_url(settings: Settings, request: Request | WebSocket) -> str:
    """PUBLIC_BASE_URL, or else the scheme, host and port this client called us on."""
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    scheme = {"ws": "http", "wss": "https"}.get(request.url.scheme, request.url.scheme)
    return str(request.base_url.replace(scheme=scheme)).rstrip("/")


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
        throttle=Throttle(secret=settings.secret_key, rules=settings.throttle_rules()),
        gateway=settings.payment_gateway_adapter(),
        tax_provider=settings.tax_provider_adapter(),
        tax_circuit=settings.tax_circuit(),
        notification_policy=settings.notification_policy(),
        mailer=settings.mailer(),
        accounts=settings.account_policy(),
    )
    view = GraphQLView(runtime)
    install_log_redaction()

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        runtime.engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
        runtime.read_engine = (
            create_engine(settings.read_database_url, pool_size=settings.db_pool_size)
            if settings.read_database_url
            else runtime.engine
        )
        rate_store = SqlRateStore(runtime.engine)
        runtime.throttle = replace(runtime.throttle, store=rate_store)
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
        sends_mail = settings.notifications_enabled and settings.notification_interval_seconds > 0
        if sends_mail and runtime.mailer is not None:
            engine, mailer = runtime.engine, runtime.mailer
            jobs.append(
                asyncio.create_task(
                    every(
                        settings.notification_interval_seconds,
                        lambda: send_until_drained(engine, runtime.clock, mailer),
                        "customer mail",
                    )
                )
            )
        jobs.append(
            asyncio.create_task(
                every(3600, lambda: rate_store.purge(runtime.clock.now().timestamp()), "purge")
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
            jobs.append(
                asyncio.create_task(
                    every(
                        settings.expiry_interval_seconds,
                        lambda: release_expired_draft_reservations(runtime.deps),
                        "release expired draft reservations",
                    )
                )
            )
        automation = None
        if settings.automation_interval_seconds > 0:
            automation = AutomationConsumer(
                runtime.deps,
                runtime.engine,
                runtime.broker,
                poll=settings.automation_interval_seconds,
            )
            await automation.start()
        try:
            yield
        finally:
            if automation is not None:
                await automation.stop()
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

    async def http_principal(request: Request) -> Principal:
        """The caller of a plain HTTP endpoint, authenticated (and throttled) as /graphql does."""
        try:
            return await authenticate(runtime, request.headers.get("authorization"))
        except UnknownToken:
            refusal = await runtime.refuse_token(client_address(request), request.scope["state"])
            raise StarletteHTTPException(refusal.status_code, refusal.reason) from None

    async def dev_mailbox(request: Request) -> Response:
        return await mailbox_page(_engine(runtime), request)

    # development only: production never serves anybody's mail on a page
    dev_routes = (
        []
        if settings.is_production
        else [
            Route("/dev/mailbox", dev_mailbox),
            Route("/dev/mailbox/{notification_id:int}", dev_mailbox),
        ]
    )
    app = Starlette(
        routes=[
            *dev_routes,
            Route("/graphql", view, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", view),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            Route("/t/{code}", tracking_endpoint(lambda: _engine(runtime))),
            Route(
                "/fulfillments/{id}/packing-slip.pdf",
                # the primary, not a replica: a slip is printed right after confirmation
                packing_slip_endpoint(lambda: _engine(runtime), http_principal, settings.shop_name),
            ),
            Route(
                "/orders/{id}/invoice.pdf",
                invoice_endpoint(
                    lambda: _engine(runtime), http_principal, settings.seller(), runtime.clock
                ),
            ),
            Route(
                "/exports/orders.csv",
                # a replica when one is configured: the export only reads
                orders_export_endpoint(
                    lambda: runtime.read_engine or _engine(runtime),
                    http_principal,
                    ExportFormat.CSV,
                ),
            ),
            Route(
                "/exports/orders.jsonl",
                orders_export_endpoint(
                    lambda: runtime.read_engine or _engine(runtime),
                    http_principal,
                    ExportFormat.JSONL,
                ),
            ),
            Route(
                "/account/verify/{token}",
                verify_endpoint(lambda: runtime.deps),
                methods=["GET", "POST"],
            ),
            Route(
                "/account/reset/{token}",
                reset_endpoint(lambda: runtime.deps),
                methods=["GET", "POST"],
            ),
            Route(
                "/feedback/{token}",
                feedback_endpoint(lambda: runtime.deps),
                methods=["GET", "POST"],
            ),
            Route("/pay/{token}", pay_endpoint(lambda: runtime.deps), methods=["GET", "POST"]),
            Route(
                "/payments/webhooks/stripe",
                stripe_webhook_endpoint(lambda: runtime.deps, settings.stripe_webhook_secret),
                methods=["POST"],
            ),
            Route(
                "/carrier-events/{source}",
                carrier_events_endpoint(
                    lambda: runtime.deps,
                    settings.carrier_webhook_secrets,
                    settings.carrier_webhook_tolerance_seconds,
                ),
                methods=["POST"],
            ),
            Mount(GRAPHIQL_ASSETS_PREFIX, StaticFiles(directory=GRAPHIQL_STATIC_DIR)),
        ],
        middleware=[
            Middleware(SecurityHeaders, production=settings.is_production),
            Middleware(Metrics),
            Middleware(MaxBodySize, limit=settings.max_body_bytes),
        ],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    return app
