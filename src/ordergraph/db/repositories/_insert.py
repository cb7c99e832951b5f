"""``INSERT … ON CONFLICT DO NOTHING`` for whichever dialect the connection speaks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


async def insert_ignoring_conflict(
    conn: AsyncConnection, table: sa.Table, values: dict[str, Any], keys: Sequence[str]
) -> None:
    if conn.dialect.name == "postgresql":
        pg = postgresql.insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
        await conn.execute(pg)
    else:
        lite = sqlite.insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
        await conn.execute(lite)


async def insert_many_ignoring_conflict(
    conn: AsyncConnection, table: sa.Table, rows: list[dict[str, Any]], keys: Sequence[str]
) -> None:
    """One multi-row ``INSERT … ON CONFLICT DO NOTHING``."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        pg = postgresql.insert(table).values(rows).on_conflict_do_nothing(index_elements=keys)
        await conn.execute(pg)
    else:
        lite = sqlite.insert(table).values(rows).on_conflict_do_nothing(index_elements=keys)
        await conn.execute(lite)
