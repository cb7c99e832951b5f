"""Relay connections over keyset pages.

A cursor is the row's sort key, JSON-encoded then base64url'd: opaque to clients, stable under
inserts, and enough for the database to seek straight to the next page.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
import strawberry
from graphql import GraphQLError

from ordergraph.db.queries.pagination import Page, PageRequest, count, fetch_page
from ordergraph.db.types import UTCDateTime
from ordergraph.schema.context import Info

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

NodeT = TypeVar("NodeT")


class PaginationError(GraphQLError):
    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": "BAD_USER_INPUT"})


def encode_cursor(values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> tuple[Any, ...]:
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii"))
        values = json.loads(raw)
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise PaginationError("invalid cursor") from exc
    if (
        not isinstance(values, list)
        or len(values) != arity
        or not all(isinstance(v, int | str) and not isinstance(v, bool) for v in values)
    ):
        raise PaginationError("invalid cursor")
    return tuple(values)


def page_request(
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    arity: int,
) -> PageRequest:
    """Validate Relay arguments: ``first``/``last`` in 0..100, not both; cursors well-formed."""
    if first is not None and last is not None:
        raise PaginationError("pass either first or last, not both")
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= MAX_PAGE_SIZE:
            raise PaginationError(f"{name} must be between 0 and {MAX_PAGE_SIZE}")
    if first is None and last is None:
        first = DEFAULT_PAGE_SIZE
    return PageRequest(
        first=first,
        after=decode_cursor(after, arity) if after is not None else None,
        last=last,
        before=decode_cursor(before, arity) if before is not None else None,
    )


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _typed(request: PageRequest, keys: Sequence[sa.ColumnElement[Any]]) -> PageRequest:
    """Cursor values back to the key columns' types (timestamps travel as ISO strings)."""

    def convert(values: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
        if values is None:
            return None
        out = []
        for key, value in zip(keys, values, strict=True):
            if isinstance(key.type, UTCDateTime):
                try:
                    parsed = datetime.fromisoformat(str(value))
                except ValueError as exc:
                    raise PaginationError("invalid cursor") from exc
                if parsed.tzinfo is None:
                    raise PaginationError("invalid cursor")
                value = parsed
            elif isinstance(key.type, sa.Integer) and not isinstance(value, int):
                raise PaginationError("invalid cursor")
            out.append(value)
        return tuple(out)

    return PageRequest(
        first=request.first,
        after=convert(request.after),
        last=request.last,
        before=convert(request.before),
    )


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many items match, across all pages.")
    async def total_count(self) -> int:
        return await self._count()


async def paginate(
    info: Info,
    query: tuple[sa.Select[Any], list[sa.ColumnElement[Any]]],
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    to_node: Callable[[sa.RowMapping], NodeT],
    descending: bool = False,
) -> Connection[NodeT]:
    """Run one keyset page; ``totalCount`` runs its own query only when asked for."""
    stmt, keys = query
    request = _typed(page_request(first, after, last, before, len(keys)), keys)
    engine = info.context.read_engine
    page: Page = await fetch_page(engine, stmt, keys, request, descending=descending)
    key_names = [k.key for k in keys if isinstance(k, sa.ColumnClause | sa.Column)]
    edges = [
        Edge(cursor=encode_cursor([_plain(row[name]) for name in key_names]), node=to_node(row))
        for row in page.rows
    ]

    async def total() -> int:
        return await count(engine, stmt)

    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _count=total,
    )
