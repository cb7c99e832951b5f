"""Apply or revert Alembic migrations programmatically (``ordergraph migrate`` and tests)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from ordergraph.db.engine import create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(url: str, revision: str = "head") -> None:
    await _run(url, lambda conn: command.upgrade(_bound(conn), revision))


async def downgrade(url: str, revision: str = "base") -> None:
    await _run(url, lambda conn: command.downgrade(_bound(conn), revision))


def _bound(connection: Connection) -> Config:
    config = alembic_config()
    config.attributes["connection"] = connection
    return config


async def _run(url: str, step: Callable[[Connection], None]) -> None:
    engine = create_engine(url, foreign_keys=False)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(step)
            await conn.commit()
    finally:
        await engine.dispose()
