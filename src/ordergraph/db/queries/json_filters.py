"""Filters over JSON columns that read the same on both dialects.

PostgreSQL (JSONB) gets containment (``tags @> '["vip"]'``, ``metadata @> '{"k": "v"}'``) and
key presence (``metadata ? 'k'``), which the GIN indexes of migration 0027 serve; SQLite gets
``json_each`` / ``json_extract``. Each construct compiles per dialect, so a query builder needs
no dialect of its own.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement


class HasTag(ColumnElement[bool]):
    """The JSON array ``column`` holds the string ``tag``."""

    type = sa.Boolean()
    inherit_cache = False  # carries a plain value: not cacheable as a statement shape

    def __init__(self, column: ColumnElement[Any], tag: str) -> None:
        self.column = column
        self.tag = tag


class HasEntry(ColumnElement[bool]):
    """The JSON object ``column`` maps ``key`` to ``value`` (None: has the key at all)."""

    type = sa.Boolean()
    inherit_cache = False

    def __init__(self, column: ColumnElement[Any], key: str, value: str | None) -> None:
        self.column = column
        self.key = key
        self.value = value


def _jsonb(value: object) -> ColumnElement[Any]:
    return sa.cast(sa.literal(json.dumps(value)), postgresql.JSONB)


@compiles(HasTag, "postgresql")
def _tag_pg(element: HasTag, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    return f"({column} @> {compiler.process(_jsonb([element.tag]), **kw)})"


@compiles(HasTag)
def _tag_sqlite(element: HasTag, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    tag = compiler.process(sa.literal(element.tag), **kw)
    return f"EXISTS (SELECT 1 FROM json_each({column}) AS tag WHERE tag.value = {tag})"


@compiles(HasEntry, "postgresql")
def _entry_pg(element: HasEntry, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    if element.value is None:
        return f"({column} ? {compiler.process(sa.literal(element.key), **kw)})"
    return f"({column} @> {compiler.process(_jsonb({element.key: element.value}), **kw)})"


@compiles(HasEntry)
def _entry_sqlite(element: HasEntry, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    # keys are [A-Za-z0-9_.:-] (domain/annotations.py); quoted so '.' is not a path step
    path = compiler.process(sa.literal(f'$."{element.key}"'), **kw)
    if element.value is None:
        return f"(json_type({column}, {path}) IS NOT NULL)"
    value = compiler.process(sa.literal(element.value), **kw)
    return f"(json_type({column}, {path}) = 'text' AND json_extract({column}, {path}) = {value})"


def metadata_matches(
    column: ColumnElement[Any], pairs: list[tuple[str, str | None]]
) -> list[ColumnElement[bool]]:
    """One condition per pair; all must hold."""
    return [HasEntry(column, key, value) for key, value in pairs]
