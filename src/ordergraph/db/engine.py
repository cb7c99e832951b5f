"""Async engines for PostgreSQL (asyncpg) and SQLite (aiosqlite) behind one factory."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def is_sqlite(url: str | sa.URL) -> bool:
    return sa.make_url(url).get_backend_name() == "sqlite"


def create_engine(
    url: str, *, echo: bool = False, pool_size: int = 10, foreign_keys: bool = True
) -> AsyncEngine:
    """An engine with the per-dialect settings ordergraph relies on.

    ``foreign_keys=False`` is for migrations on SQLite, whose batch mode rebuilds tables that
    others reference (SQLite's documented procedure for ALTER TABLE).
    """
    # hide_parameters: an error message (and so a log line) never quotes row values, which
    # can be emails, addresses or token digests
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if is_sqlite(url):
        # One writer at a time; wait for the lock instead of failing fast.
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        sa.event.listen(
            engine.sync_engine,
            "connect",
            _sqlite_on_connect if foreign_keys else _sqlite_on_connect_for_migrations,
        )
        sa.event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite opens transactions lazily at the first write, so a read-then-write is not atomic;
    # take over: no implicit transactions, and _sqlite_on_begin emits BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_on_connect_for_migrations(dbapi_connection: Any, record: Any) -> None:
    _sqlite_on_connect(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.close()


def _sqlite_on_begin(conn: sa.Connection) -> None:
    # Write transactions ask for IMMEDIATE so two writers queue on the lock instead of
    # deadlocking when both try to upgrade a read lock.
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")
