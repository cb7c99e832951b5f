"""API tests run over real HTTP against uvicorn, once on PostgreSQL and once on SQLite.

Each test module gets its own fresh database and server; tests inside a module share them, so
they use unique SKUs / codes / emails (see ``unique``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.support.databases import Databases
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi, live_api


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def live(request: pytest.FixtureRequest, databases: Databases) -> Iterator[LiveApi]:
    backend: str = request.param
    url = databases.new(backend)
    with live_api(backend, url) as api:
        yield api


@pytest.fixture
async def http(live: LiveApi) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live.base_url, timeout=30) as client:
        yield client


@pytest.fixture
def admin(http: httpx.AsyncClient, live: LiveApi) -> GraphQLClient:
    return GraphQLClient(http, live.admin_token)


@pytest.fixture
def staff(http: httpx.AsyncClient, live: LiveApi) -> GraphQLClient:
    return GraphQLClient(http, live.staff_token)


@pytest.fixture
def storefront(http: httpx.AsyncClient, live: LiveApi) -> GraphQLClient:
    return GraphQLClient(http, live.storefront_token)


@pytest.fixture
def anonymous(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http, None)


@pytest.fixture
def unique() -> str:
    """A short upper-case suffix that keeps this test's codes and SKUs apart from others'."""
    return uuid.uuid4().hex[:8].upper()
