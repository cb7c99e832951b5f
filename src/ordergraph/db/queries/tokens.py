"""Resolve a bearer token's digest to the principal it stands for."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.tables import api_tokens
from ordergraph.domain.principals import Principal, Role, Scope, scopes_for


async def principal_for_token(
    engine: AsyncEngine, token_hash: str, now: datetime
) -> Principal | None:
    t = api_tokens.c
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(t.id, t.name, t.role, t.scopes, t.customer_id).where(
                    t.token_hash == token_hash,
                    t.revoked_at.is_(None),
                    sa.or_(t.expires_at.is_(None), t.expires_at > now),
                )
            )
        ).first()
    if row is None:
        return None
    role = Role(row.role)
    return Principal(
        role=role,
        scopes=scopes_for(role, frozenset(Scope(s) for s in row.scopes)),
        name=row.name,
        token_id=row.id,
        customer_id=row.customer_id,
    )
