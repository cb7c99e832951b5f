"""Bearer tokens resolve by digest to a principal, unless revoked or expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.auth.tokens import hash_token
from ordergraph.db.queries.tokens import principal_for_token
from ordergraph.db.tables import api_tokens
from ordergraph.domain.principals import DEFAULT_SCOPES, Role, Scope
from ordergraph.services.deps import Deps
from ordergraph.services.tokens import IssuedToken, create_api_token


def _now() -> datetime:
    return datetime.now(UTC)


async def _set(engine: AsyncEngine, token_id: int, **values: Any) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            sa.update(api_tokens).where(api_tokens.c.id == token_id).values(**values)
        )


async def test_a_token_is_found_by_its_digest_and_never_stored_in_clear(
    engine: AsyncEngine, deps: Deps
) -> None:
    issued = await create_api_token(deps, role=Role.STAFF, name="ops dashboard")

    principal = await principal_for_token(engine, hash_token(issued.token), _now())

    assert principal is not None
    assert principal.role is Role.STAFF
    assert principal.name == "ops dashboard"
    assert principal.token_id == issued.id
    assert principal.scopes == DEFAULT_SCOPES[Role.STAFF] == issued.scopes
    async with engine.connect() as conn:
        stored = (await conn.execute(sa.select(api_tokens))).mappings().one()
    assert issued.token not in {str(v) for v in stored.values()}
    assert stored["token_hash"] == hash_token(issued.token)


async def test_a_token_resolves_to_the_scopes_it_was_issued_with(
    engine: AsyncEngine, deps: Deps
) -> None:
    scopes = frozenset({Scope.ORDERS_READ, Scope.FULFILLMENT_WRITE})
    issued = await create_api_token(deps, role=Role.STAFF, name="packer", scopes=scopes)

    principal = await principal_for_token(engine, hash_token(issued.token), _now())

    assert principal is not None
    assert principal.scopes == issued.scopes
    assert scopes <= principal.scopes
    assert Scope.CATALOG_WRITE not in principal.scopes


async def test_an_unknown_digest_finds_nobody(engine: AsyncEngine, deps: Deps) -> None:
    issued = await create_api_token(deps, role=Role.ADMIN, name="root")
    assert await principal_for_token(engine, hash_token(issued.token + "x"), _now()) is None
    assert await principal_for_token(engine, issued.token, _now()) is None


@pytest.fixture
async def issued(deps: Deps) -> IssuedToken:
    return await create_api_token(deps, role=Role.STOREFRONT, name="shop")


async def test_a_revoked_token_is_ignored(engine: AsyncEngine, issued: IssuedToken) -> None:
    digest = hash_token(issued.token)
    assert await principal_for_token(engine, digest, _now()) is not None

    await _set(engine, issued.id, revoked_at=_now() - timedelta(seconds=1))

    assert await principal_for_token(engine, digest, _now()) is None


async def test_an_expired_token_is_ignored_but_one_expiring_later_is_found(
    engine: AsyncEngine, issued: IssuedToken
) -> None:
    digest = hash_token(issued.token)
    now = _now()

    await _set(engine, issued.id, expires_at=now + timedelta(minutes=5))
    found = await principal_for_token(engine, digest, now)
    assert found is not None
    assert found.role is Role.STOREFRONT

    await _set(engine, issued.id, expires_at=now - timedelta(seconds=1))
    assert await principal_for_token(engine, digest, now) is None

    await _set(engine, issued.id, expires_at=now)
    assert await principal_for_token(engine, digest, now) is None
