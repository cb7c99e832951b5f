"""The real ``ordergraph`` console script, run as a subprocess against fresh databases."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from ordergraph.auth.tokens import hash_token
from ordergraph.db import tables
from ordergraph.domain.principals import Scope
from ordergraph.services.demo_history import DEFAULT_ORDERS
from tests.support.aio import run_sync
from tests.support.databases import Databases

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def ordergraph_executable() -> str:
    beside_python = Path(sys.executable).parent / "ordergraph"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("ordergraph")
    assert found is not None, "the ordergraph console script is not installed"
    return found


# most tests need some history, not the default's months of it
SHORT_HISTORY = ("--history-orders", "40")


def run_cli(
    *args: str, database_url: str, cwd: Path, check: bool = True, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("READ_DATABASE_URL", None)
    result = subprocess.run(
        [ordergraph_executable(), *args],
        env=env,
        cwd=cwd,  # a clean directory: no stray .env is picked up
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check:
        assert result.returncode == 0, (
            f"ordergraph {' '.join(args)} exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result


def table_names(database_url: str) -> set[str]:
    async def read() -> set[str]:
        engine = create_async_engine(database_url)
        try:
            async with engine.connect() as conn:
                names = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
        finally:
            await engine.dispose()
        return set(names)

    return run_sync(read)


def row_counts(database_url: str) -> dict[str, int]:
    async def read() -> dict[str, int]:
        engine = create_async_engine(database_url)
        counts: dict[str, int] = {}
        try:
            async with engine.connect() as conn:
                for name, table in tables.metadata.tables.items():
                    query = sa.select(sa.func.count()).select_from(table)
                    counts[name] = int((await conn.execute(query)).scalar_one())
        finally:
            await engine.dispose()
        return counts

    return run_sync(read)


def token_row(database_url: str, token: str) -> sa.Row[tuple[object, ...]] | None:
    async def read() -> sa.Row[tuple[object, ...]] | None:
        engine = create_async_engine(database_url)
        try:
            async with engine.connect() as conn:
                query = sa.select(tables.api_tokens).where(
                    tables.api_tokens.c.token_hash == hash_token(token)
                )
                return (await conn.execute(query)).one_or_none()
        finally:
            await engine.dispose()

    return run_sync(read)


@pytest.fixture
def empty_postgres(databases: Databases) -> Iterator[str]:
    url = databases.new_postgres(migrated=False)
    try:
        yield url
    finally:
        databases.drop_postgres(url)


@pytest.fixture
def migrated_postgres(databases: Databases) -> Iterator[str]:
    url = databases.new_postgres()
    try:
        yield url
    finally:
        databases.drop_postgres(url)


def test_migrate_creates_every_table_in_an_empty_postgres_database(
    empty_postgres: str, tmp_path: Path
) -> None:
    assert table_names(empty_postgres) == set()
    run_cli("migrate", database_url=empty_postgres, cwd=tmp_path)
    created = table_names(empty_postgres)
    assert set(tables.metadata.tables) <= created
    assert "alembic_version" in created
    # Running it again is a no-op, not an error.
    run_cli("migrate", database_url=empty_postgres, cwd=tmp_path)
    assert table_names(empty_postgres) == created


def test_token_create_prints_only_the_admin_token_on_stdout(
    migrated_postgres: str, tmp_path: Path
) -> None:
    result = run_cli(
        "token", "create", "--role", "admin", database_url=migrated_postgres, cwd=tmp_path
    )
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    assert result.stdout == lines[0] + "\n"
    token = lines[0]
    assert token.strip() == token
    assert token.startswith("og_ad_")
    row = token_row(migrated_postgres, token)
    assert row is not None, "the printed token is not the one stored"
    assert row.role == "ADMIN"


def test_token_create_gives_staff_the_requested_scopes(
    migrated_postgres: str, tmp_path: Path
) -> None:
    result = run_cli(
        "token",
        "create",
        "--role",
        "staff",
        "--scopes",
        "catalog:write,inventory:write",
        database_url=migrated_postgres,
        cwd=tmp_path,
    )
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    row = token_row(migrated_postgres, lines[0])
    assert row is not None
    assert row.role == "STAFF"
    assert isinstance(row.scopes, list)
    assert set(row.scopes) == {"catalog:write", "inventory:write"}


def test_token_create_refuses_an_unknown_scope_and_names_the_valid_ones(
    migrated_postgres: str, tmp_path: Path
) -> None:
    before = row_counts(migrated_postgres)["api_tokens"]
    result = run_cli(
        "token",
        "create",
        "--role",
        "staff",
        "--scopes",
        "catalog:write,orders:teleport",
        database_url=migrated_postgres,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode != 0
    assert result.stdout == ""
    assert "orders:teleport" in result.stderr
    for scope in Scope:
        assert scope.value in result.stderr
    assert row_counts(migrated_postgres)["api_tokens"] == before


def test_seed_demo_loads_the_demo_data_once_on_postgres(
    migrated_postgres: str, tmp_path: Path
) -> None:
    run_cli("seed", "--demo", *SHORT_HISTORY, database_url=migrated_postgres, cwd=tmp_path)
    first = row_counts(migrated_postgres)
    assert first["warehouses"] == 5
    assert first["products"] == 50
    assert first["customers"] == 20
    assert first["inventory_levels"] == 150
    assert first["inventory_movements"] > 0
    assert first["outbox"] > 0

    run_cli("seed", "--demo", *SHORT_HISTORY, database_url=migrated_postgres, cwd=tmp_path)
    assert row_counts(migrated_postgres) == first


def test_migrate_and_seed_work_on_a_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "cli.db"
    url = f"sqlite+aiosqlite:///{path}"
    run_cli("migrate", database_url=url, cwd=tmp_path)
    assert path.exists()
    assert set(tables.metadata.tables) <= table_names(url)

    # what `make run` does: the default history, well inside the time budget
    started = time.monotonic()
    seeded = run_cli("seed", "--demo", database_url=url, cwd=tmp_path, timeout=300)
    assert time.monotonic() - started < 120
    assert f"{DEFAULT_ORDERS} history orders" in seeded.stderr
    first = row_counts(url)
    assert first["warehouses"] == 5
    assert first["products"] == 50
    assert first["customers"] == 20
    assert first["orders"] == 12 + DEFAULT_ORDERS
    again = run_cli("seed", "--demo", database_url=url, cwd=tmp_path)
    assert "history already there" in again.stderr
    assert row_counts(url) == first


def test_schema_command_prints_the_checked_in_schema(tmp_path: Path) -> None:
    # The schema needs no database; point at one that would fail loudly if it were opened.
    url = f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'never.db'}"
    result = run_cli("schema", database_url=url, cwd=tmp_path)
    assert result.stdout == SCHEMA_FILE.read_text(encoding="utf-8"), (
        "`ordergraph schema` differs from schema.graphql: run `make schema`"
    )


def test_version_prints_the_package_version(tmp_path: Path) -> None:
    from ordergraph import __version__

    result = run_cli("--version", database_url="sqlite+aiosqlite:///unused.db", cwd=tmp_path)
    assert result.stdout.strip() == f"ordergraph, version {__version__}"


def test_token_create_help_lists_every_scope(tmp_path: Path) -> None:
    result = run_cli(
        "token", "create", "--help", database_url="sqlite+aiosqlite:///unused.db", cwd=tmp_path
    )
    flat = " ".join(result.stdout.split())
    for scope in Scope:
        assert scope.value in flat


def authenticates(database_url: str, token: str) -> bool:
    from datetime import UTC, datetime

    from ordergraph.db.queries.tokens import principal_for_token

    async def look() -> bool:
        engine = create_async_engine(database_url)
        try:
            found = await principal_for_token(engine, hash_token(token), datetime.now(UTC))
        finally:
            await engine.dispose()
        return found is not None

    return run_sync(look)


def test_token_list_shows_tokens_without_secrets_and_revoke_stops_one_working(
    migrated_postgres: str, tmp_path: Path
) -> None:
    def create(*args: str) -> str:
        return run_cli(
            "token", "create", *args, database_url=migrated_postgres, cwd=tmp_path
        ).stdout.strip()

    keep = create("--role", "admin", "--name", "ops laptop")
    drop = create("--role", "staff", "--scopes", "catalog:write", "--name", "old warehouse app")
    listed = run_cli("token", "list", database_url=migrated_postgres, cwd=tmp_path).stdout
    assert "ops laptop" in listed
    assert "old warehouse app" in listed
    assert "catalog:write" in listed
    assert keep not in listed
    assert drop not in listed
    assert keep[:12] in listed  # the display prefix tells them apart
    row = token_row(migrated_postgres, drop)
    assert row is not None
    assert authenticates(migrated_postgres, drop)

    revoked = run_cli("token", "revoke", str(row.id), database_url=migrated_postgres, cwd=tmp_path)
    assert "old warehouse app" in revoked.stderr

    assert not authenticates(migrated_postgres, drop)
    assert authenticates(migrated_postgres, keep)
    after = run_cli("token", "list", database_url=migrated_postgres, cwd=tmp_path).stdout
    assert "old warehouse app" not in after  # only active tokens by default
    everything = run_cli("token", "list", "--all", database_url=migrated_postgres, cwd=tmp_path)
    assert "revoked" in everything.stdout
    # again, and by prefix: nothing changes, no error
    run_cli("token", "revoke", drop[:12], database_url=migrated_postgres, cwd=tmp_path)
    assert not authenticates(migrated_postgres, drop)


def test_token_revoke_of_an_unknown_token_fails_clearly(
    migrated_postgres: str, tmp_path: Path
) -> None:
    result = run_cli(
        "token", "revoke", "999999", database_url=migrated_postgres, cwd=tmp_path, check=False
    )
    assert result.returncode == 1
    assert "no token has id or prefix" in result.stderr
    assert "Traceback" not in result.stderr


def test_seed_runs_again_after_a_demo_customer_was_erased_and_leaves_it_erased(
    migrated_postgres: str, tmp_path: Path
) -> None:
    from ordergraph.db.engine import create_engine
    from ordergraph.db.uow import SqlUnitOfWork
    from ordergraph.domain.clock import SystemClock
    from ordergraph.domain.principals import SYSTEM
    from ordergraph.services.deps import Deps
    from ordergraph.services.privacy import erase_customer

    run_cli("seed", "--demo", *SHORT_HISTORY, database_url=migrated_postgres, cwd=tmp_path)

    async def erase_first_customer() -> None:
        engine = create_engine(migrated_postgres, pool_size=2)
        clock = SystemClock()
        try:
            deps = Deps(uow=lambda: SqlUnitOfWork(engine, clock), clock=clock)
            await erase_customer(deps, SYSTEM, customer_id=1)
        finally:
            await engine.dispose()

    run_sync(erase_first_customer)
    before = row_counts(migrated_postgres)

    run_cli("seed", "--demo", *SHORT_HISTORY, database_url=migrated_postgres, cwd=tmp_path)

    assert row_counts(migrated_postgres) == before

    async def emails() -> list[str]:
        engine = create_async_engine(migrated_postgres)
        try:
            async with engine.connect() as conn:
                query = sa.select(tables.customers.c.email).order_by(tables.customers.c.id)
                return list((await conn.execute(query)).scalars())
        finally:
            await engine.dispose()

    found = run_sync(emails)
    assert found[0].endswith("@erased.invalid")
    assert "ada.lovelace.0@example.com" not in found
