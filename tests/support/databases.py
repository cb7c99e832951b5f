"""Fresh, migrated databases for tests: PostgreSQL copies of a template, SQLite file copies."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import sqlalchemy as sa

from ordergraph.db.migrate import upgrade
from tests.support.aio import run_sync
from tests.support.pg import Cluster, start_cluster

TEMPLATE = "ordergraph_template"


@dataclass
class Databases:
    """Hands out databases; PostgreSQL ones are ``CREATE DATABASE … TEMPLATE`` copies."""

    pg_admin_url: str  # a plain postgresql:// URL of a maintenance database
    tmp_dir: Path
    cluster: Cluster | None = None
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _sqlite_template: Path | None = None

    def pg_url(self, database: str) -> str:
        url = sa.make_url(self.pg_admin_url).set(drivername="postgresql+asyncpg", database=database)
        return url.render_as_string(hide_password=False)

    def _admin_dsn(self) -> str:
        url = sa.make_url(self.pg_admin_url).set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    async def _admin(self, *statements: str) -> None:
        conn = await asyncpg.connect(self._admin_dsn())
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    def prepare_template(self) -> None:
        run_sync(
            lambda: self._admin(
                f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)", f"CREATE DATABASE {TEMPLATE}"
            )
        )
        run_sync(lambda: upgrade(self.pg_url(TEMPLATE)))

    def new_postgres(self, *, migrated: bool = True) -> str:
        name = f"ordergraph_test_{os.getpid()}_{next(self._counter)}"
        source = f" TEMPLATE {TEMPLATE}" if migrated else ""
        run_sync(lambda: self._admin(f"CREATE DATABASE {name}{source}"))
        return self.pg_url(name)

    def drop_postgres(self, url: str) -> None:
        name = sa.make_url(url).database
        run_sync(lambda: self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    def new_sqlite(self, *, migrated: bool = True) -> str:
        path = self.tmp_dir / f"test_{next(self._counter)}.db"
        if migrated:
            if self._sqlite_template is None:
                template = self.tmp_dir / "template.db"
                run_sync(lambda: upgrade(f"sqlite+aiosqlite:///{template}"))
                self._sqlite_template = template
            shutil.copyfile(self._sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"

    def new(self, backend: str) -> str:
        return self.new_postgres() if backend == "postgresql" else self.new_sqlite()

    def close(self) -> None:
        if self.cluster is not None:
            self.cluster.stop()


def open_databases(tmp_dir: Path) -> Databases:
    override = os.environ.get("TEST_DATABASE_URL")
    if override:
        databases = Databases(pg_admin_url=override, tmp_dir=tmp_dir)
    else:
        cluster = start_cluster()
        databases = Databases(pg_admin_url=cluster.url(), tmp_dir=tmp_dir, cluster=cluster)
    try:
        databases.prepare_template()
    except BaseException:
        databases.close()
        raise
    return databases
