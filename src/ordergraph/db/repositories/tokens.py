from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import api_tokens
from ordergraph.domain.principals import Role, Scope
from ordergraph.domain.tokens import ApiToken


class SqlTokenRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(
        self,
        *,
        name: str,
        role: Role,
        scopes: frozenset[Scope],
        token_hash: str,
        prefix: str,
        customer_id: int | None,
        created_at: datetime,
        expires_at: datetime | None,
    ) -> int:
        token_id = await self._conn.scalar(
            sa.insert(api_tokens)
            .values(
                name=name,
                role=role.value,
                scopes=sorted(s.value for s in scopes),
                token_hash=token_hash,
                prefix=prefix,
                customer_id=customer_id,
                created_at=created_at,
                expires_at=expires_at,
            )
            .returning(api_tokens.c.id)
        )
        assert token_id is not None
        return int(token_id)

    async def list_all(self, *, include_customer_tokens: bool = False) -> list[ApiToken]:
        stmt = sa.select(api_tokens).order_by(api_tokens.c.id)
        if not include_customer_tokens:
            stmt = stmt.where(api_tokens.c.role != Role.CUSTOMER.value)
        return [token_from_row(row) for row in await self._conn.execute(stmt)]

    async def find(self, id_or_prefix: str, token_hash: str | None = None) -> list[ApiToken]:
        t = api_tokens.c
        matches = t.prefix.startswith(id_or_prefix, autoescape=True)
        if token_hash is not None:
            matches = sa.or_(t.token_hash == token_hash, matches)
        if id_or_prefix.isascii() and id_or_prefix.isdigit() and len(id_or_prefix) < 19:
            matches = sa.or_(t.id == int(id_or_prefix), matches)
        rows = await self._conn.execute(sa.select(api_tokens).where(matches).order_by(t.id))
        return [token_from_row(row) for row in rows]

    async def revoke(self, token_id: int, now: datetime) -> None:
        await self._conn.execute(
            sa.update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )


def token_from_row(row: sa.Row[Any]) -> ApiToken:
    return ApiToken(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        scopes=frozenset(Scope(s) for s in row.scopes),
        prefix=row.prefix,
        customer_id=row.customer_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )
