"""Keyset pagination: a page is ``WHERE (k1, k2) > (:a, :b) ORDER BY k1, k2 LIMIT n + 1``.

Cost is independent of how deep the page is, and every sort key ends with the primary key so
the order is total and cursors are stable under concurrent inserts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Already validated: exactly one of ``first``/``last`` is set."""

    first: int | None = None
    after: tuple[Any, ...] | None = None
    last: int | None = None
    before: tuple[Any, ...] | None = None


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[sa.RowMapping]
    has_next_page: bool
    has_previous_page: bool


def _key(keys: Sequence[sa.ColumnElement[Any]]) -> sa.ColumnElement[Any]:
    return keys[0] if len(keys) == 1 else sa.tuple_(*keys)


def _value(values: tuple[Any, ...]) -> Any:
    return values[0] if len(values) == 1 else sa.tuple_(*[sa.literal(v) for v in values])


async def fetch_page(
    engine: AsyncEngine,
    stmt: sa.Select[Any],
    keys: Sequence[sa.ColumnElement[Any]],
    page: PageRequest,
    *,
    descending: bool = False,
) -> Page:
    """One page in ``keys`` order (every key descending if ``descending``)."""
    key = _key(keys)
    if page.after is not None:
        after = _value(page.after)
        stmt = stmt.where(key < after if descending else key > after)
    if page.before is not None:
        before = _value(page.before)
        stmt = stmt.where(key > before if descending else key < before)
    backwards = page.first is None
    limit = page.last if backwards else page.first
    assert limit is not None
    reverse = backwards != descending
    order = [k.desc() for k in keys] if reverse else list(keys)
    async with engine.connect() as conn:
        rows = list((await conn.execute(stmt.order_by(*order).limit(limit + 1))).mappings())
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
        return Page(rows, has_next_page=page.before is not None, has_previous_page=more)
    return Page(rows, has_next_page=more, has_previous_page=page.after is not None)


async def count(engine: AsyncEngine, stmt: sa.Select[Any]) -> int:
    async with engine.connect() as conn:
        total = await conn.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    return int(total or 0)
