"""Integration fixtures: a fresh migrated database per test, an engine on it, real services.

``pg_engine`` is always PostgreSQL; ``engine`` runs the test once per backend.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.engine import create_engine
from ordergraph.db.uow import SqlUnitOfWork
from ordergraph.domain.catalog import Product, Warehouse
from ordergraph.domain.clock import SystemClock
from ordergraph.domain.principals import SYSTEM
from ordergraph.services import catalog
from ordergraph.services.deps import Deps
from tests.support.databases import Databases


def _fresh(databases: Databases, backend: str) -> Iterator[str]:
    url = databases.new(backend)
    try:
        yield url
    finally:
        if backend == "postgresql":
            databases.drop_postgres(url)


@pytest.fixture
def pg_url(databases: Databases) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database."""
    yield from _fresh(databases, "postgresql")


@pytest.fixture(params=["postgresql", "sqlite"])
def db_url(request: pytest.FixtureRequest, databases: Databases) -> Iterator[str]:
    """A fresh, migrated database, once on each backend."""
    yield from _fresh(databases, request.param)


@pytest.fixture
async def pg_engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(pg_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(db_url)
    try:
        yield engine
    finally:
        await engine.dispose()


def deps_for(engine: AsyncEngine) -> Deps:
    clock = SystemClock()
    return Deps(uow=lambda: SqlUnitOfWork(engine, clock), clock=clock)


@pytest.fixture
def deps(engine: AsyncEngine) -> Deps:
    return deps_for(engine)


@pytest.fixture
def pg_deps(pg_engine: AsyncEngine) -> Deps:
    return deps_for(pg_engine)


@pytest.fixture
def unique() -> str:
    """A short upper-case suffix for codes and SKUs."""
    return uuid.uuid4().hex[:8].upper()


async def make_warehouse(deps: Deps, code: str) -> Warehouse:
    return await catalog.create_warehouse(
        deps, SYSTEM, code=code, name=f"Warehouse {code}", region="EU-WEST", country_code="NL"
    )


async def make_product(deps: Deps, sku: str, price: str = "9.99") -> Product:
    return await catalog.create_product(
        deps, SYSTEM, sku=sku, name=f"Product {sku}", price_amount=price, price_currency="EUR"
    )
