from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ordergraph.db.tables import api_tokens
from ordergraph.domain.principals import Role, Scope


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
