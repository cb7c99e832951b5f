"""Read queries for discounts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.repositories.discounts import discount_from_row
from ordergraph.db.tables import discounts
from ordergraph.domain.discounts import Discount


def discounts_query(
    code: str | None, active: bool | None
) -> tuple[sa.Select[Any], list[sa.ColumnElement[Any]]]:
    """Discount ids, oldest first; ``code`` in upper case (the stored form)."""
    stmt = sa.select(discounts.c.id)
    if code is not None:
        stmt = stmt.where(discounts.c.code == code)
    if active is not None:
        stmt = stmt.where(discounts.c.active.is_(active))
    return stmt, [discounts.c.id]


async def discounts_by_id(engine: AsyncEngine, ids: Sequence[int]) -> list[Discount | None]:
    """Discounts in the order of ``ids``: one statement for any number."""
    if not ids:
        return []
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(discounts).where(discounts.c.id.in_(ids)))).mappings()
        found = {r["id"]: discount_from_row(r) for r in rows}
    return [found.get(i) for i in ids]
