"""A running ordergraph over one fresh database, with tokens for each role."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ordergraph.config import Settings
from ordergraph.db.engine import create_engine
from ordergraph.db.uow import SqlUnitOfWork
from ordergraph.domain.clock import SystemClock
from ordergraph.domain.principals import Role, Scope
from ordergraph.services.deps import Deps
from ordergraph.services.tokens import create_api_token
from tests.support.aio import run_sync
from tests.support.server import live_server


@dataclass(frozen=True)
class LiveApi:
    backend: str
    base_url: str
    database_url: str
    admin_token: str
    staff_token: str  # read-only staff: the default STAFF scopes
    storefront_token: str


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
    config = Settings(DATABASE_URL=database_url, **settings)  # type: ignore[arg-type]
    with live_server(config) as base_url:
        yield LiveApi(
            backend=backend,
            base_url=base_url,
            database_url=database_url,
            admin_token=tokens["admin"],
            staff_token=tokens["staff"],
            storefront_token=tokens["storefront"],
        )
