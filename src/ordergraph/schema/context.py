"""The typed per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from ordergraph.domain.principals import Principal, Scope
from ordergraph.events.broker import Broker
from ordergraph.events.notifications import Mailer
from ordergraph.events.webhooks import WebhookSettings
from ordergraph.schema.loaders import Loaders
from ordergraph.services.deps import Deps


@dataclass(slots=True)
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    principal: Principal
    deps: Deps
    read_engine: AsyncEngine
    loaders: Loaders
    public_base_url: str = "http://127.0.0.1:8000"
    broker: Broker | None = None  # this process's feed of committed events (subscriptions)
    write_engine: AsyncEngine | None = None
    webhook_settings: WebhookSettings = field(default_factory=WebhookSettings)
    mailer: Mailer | None = None  # renders notificationPreview
    # set by strawberry from a websocket's connection_init payload
    connection_params: dict[str, object] | None = None
    client_address: str = "unknown"  # the peer (uvicorn applies trusted proxy headers)
    request_id: str = "-"
    # password checks made in this request: at most one, however many aliases ask
    credential_checks: int = 0


Info: TypeAlias = StrawberryInfo[Context, None]


class AuthError(GraphQLError):
    """A top-level error for callers who are not signed in or may not read something."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


def authenticated(info: Info) -> Principal:
    principal = info.context.principal
    if not principal.is_authenticated:
        raise AuthError(
            "authentication required: send Authorization: Bearer <token>",
            "UNAUTHENTICATED",
        )
    return principal


def require(info: Info, scope: Scope) -> Principal:
    """The caller, if it holds ``scope``; otherwise a top-level auth error."""
    principal = authenticated(info)
    if not principal.can(scope):
        raise AuthError(f"this needs the {scope.value} permission", "FORBIDDEN")
    return principal
