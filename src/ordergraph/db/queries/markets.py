"""Read queries for markets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.repositories.markets import load_markets
from ordergraph.db.tables import markets
from ordergraph.domain.markets import Market


def markets_query(active: bool | None) -> tuple[sa.Select[Any], list[sa.ColumnElement[Any]]]:
    stmt = sa.select(markets.c.id)
    if active is not None:
        stmt = stmt.where(markets.c.active.is_(active))
    return stmt, [markets.c.id]


async def markets_by_id(engine: AsyncEngine, ids: Sequence[int]) -> list[Market | None]:
    """Markets with their countries, in the order of ``ids``: two statements for any number."""
    if not ids:
        return []
    async with engine.connect() as conn:
        found = {m.id: m for m in await load_markets(conn, markets.c.id.in_(ids))}
    return [found.get(i) for i in ids]


async def active_markets(engine: AsyncEngine) -> list[Market]:
    async with engine.connect() as conn:
        return await load_markets(conn, markets.c.active.is_(True))
