"""A running ordergraph over one fresh database, with tokens for each role."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ordergraph.app import Runtime, create_app
from ordergraph.config import Settings
from ordergraph.db.engine import create_engine
from ordergraph.db.uow import SqlUnitOfWork
from ordergraph.domain.clock import SystemClock
from ordergraph.domain.principals import Role, Scope
from ordergraph.services.deps import Deps
from ordergraph.services.tokens import create_api_token
from tests.support.aio import run_sync
from tests.support.server import live_server

# Statements of the server's background jobs (outbox relay, webhook fan-out and delivery,
# expiry, at-risk detection), which run on the same engine but belong to no request, and of the
# throttle (one rate_buckets upsert per request: the query-cost budget, not the resolvers' work).
BACKGROUND = re.compile(
    r"rate_buckets|fanned_out|webhook_deliveries|webhook_attempts|FROM webhooks|outbox\.id >|"
    r"max\(outbox\.id\)|expires_at\s*<|ship_by_at\s*<|promised_delivery_at\s*<|"
    r"undo\.compensates_id",
    re.IGNORECASE,
)


FUNCTIONAL_SUITE_BUDGET = 10**9


@dataclass
class StatementLog:
    """Counts SQL statements the server runs for requests, to pin queries per request."""

    statements: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, statement: str) -> None:
        if BACKGROUND.search(statement):
            return
        with self._lock:
            self.statements.append(statement)

    def clear(self) -> None:
        with self._lock:
            self.statements.clear()

    @property
    def count(self) -> int:
        return len(self.statements)


@dataclass(frozen=True)
class LiveApi:
    backend: str
    base_url: str
    database_url: str
    admin_token: str
    staff_token: str  # read-only staff: the default STAFF scopes
    storefront_token: str
    sql: StatementLog


def issue_tokens(database_url: str) -> dict[str, str]:
    async def make() -> dict[str, str]:
        engine = create_engine(database_url, pool_size=2)
        clock = SystemClock()
        deps = Deps(uow=lambda: SqlUnitOfWork(engine, clock), clock=clock)
        try:
            admin = await create_api_token(deps, role=Role.ADMIN, name="test-admin")
            staff = await create_api_token(deps, role=Role.STAFF, name="test-staff")
            storefront = await create_api_token(deps, role=Role.STOREFRONT, name="test-shop")
        finally:
            await engine.dispose()
        return {"admin": admin.token, "staff": staff.token, "storefront": storefront.token}

    return run_sync(make)


def issue_token(database_url: str, role: Role, scopes: frozenset[Scope] | None = None) -> str:
    async def make() -> str:
        engine = create_engine(database_url, pool_size=2)
        clock = SystemClock()
        deps = Deps(uow=lambda: SqlUnitOfWork(engine, clock), clock=clock)
        try:
            issued = await create_api_token(deps, role=role, name="test", scopes=scopes)
        finally:
            await engine.dispose()
        return issued.token

    return run_sync(make)


@contextmanager
def live_api(backend: str, database_url: str, **settings: object) -> Iterator[LiveApi]:
    tokens = issue_tokens(database_url)
    # The functional suites are one very busy trusted client; the budget itself is tested
    # with the defaults (tests/api/test_query_cost_api.py).
    settings.setdefault("ORDERGRAPH_QUERY_COST_BUDGET", FUNCTIONAL_SUITE_BUDGET)
    config = Settings(DATABASE_URL=database_url, **settings)  # type: ignore[arg-type]
    app = create_app(config)
    log = StatementLog()
    with live_server(config, app) as base_url:
        runtime: Runtime = app.state.runtime
        assert runtime.engine is not None

        def on_execute(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if conn.get_execution_options().get("ordergraph_background"):
                return  # the notification consumer's and webhook delivery's own work
            log.record(statement)

        sa.event.listen(runtime.engine.sync_engine, "before_cursor_execute", on_execute)
        yield LiveApi(
            backend=backend,
            base_url=base_url,
            database_url=database_url,
            admin_token=tokens["admin"],
            staff_token=tokens["staff"],
            storefront_token=tokens["storefront"],
            sql=log,
        )
