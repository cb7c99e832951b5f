"""``ordergraph inventory audit``: the real console script against PostgreSQL, exit 0 when every
level agrees with its ledger and 1, with a table of what differs, when one does not."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from ordergraph.db.tables import inventory_levels
from tests.e2e.test_cli import SHORT_HISTORY, run_cli
from tests.support.aio import run_sync
from tests.support.databases import Databases


@pytest.fixture
def seeded_postgres(databases: Databases, tmp_path: Path) -> Iterator[str]:
    url = databases.new_postgres()
    try:
        run_cli("seed", "--demo", *SHORT_HISTORY, database_url=url, cwd=tmp_path)
        yield url
    finally:
        databases.drop_postgres(url)


def corrupt_one_level(database_url: str) -> tuple[str, int]:
    """Add 5 on hand to one level with raw SQL, bypassing the ledger; its key."""

    async def write() -> tuple[str, int]:
        engine = create_async_engine(database_url)
        try:
            async with engine.begin() as conn:
                sku, warehouse_id = (
                    await conn.execute(
                        sa.select(inventory_levels.c.sku, inventory_levels.c.warehouse_id)
                        .order_by(inventory_levels.c.sku, inventory_levels.c.warehouse_id)
                        .limit(1)
                    )
                ).one()
                await conn.execute(
                    sa.update(inventory_levels)
                    .where(
                        inventory_levels.c.sku == sku,
                        inventory_levels.c.warehouse_id == warehouse_id,
                    )
                    .values(on_hand=inventory_levels.c.on_hand + 5)
                )
        finally:
            await engine.dispose()
        return str(sku), int(warehouse_id)

    return run_sync(write)


def test_the_audit_exits_0_on_the_demo_data_and_1_once_a_level_drifts(
    seeded_postgres: str, tmp_path: Path
) -> None:
    clean = run_cli("inventory", "audit", database_url=seeded_postgres, cwd=tmp_path)
    (summary,) = clean.stdout.splitlines()
    found = re.fullmatch(
        r"levels checked: (\d+), drifting: 0, quantities differing from the ledger: 0", summary
    )
    assert found is not None, summary
    assert int(found.group(1)) > 0

    sku, warehouse_id = corrupt_one_level(seeded_postgres)
    dirty = run_cli("inventory", "audit", database_url=seeded_postgres, cwd=tmp_path, check=False)

    assert dirty.returncode == 1, dirty.stderr
    header, row, summary = dirty.stdout.splitlines()
    assert header.split() == ["SKU", "WAREHOUSE", "FIELD", "LEDGER", "LEVEL"]
    sku_cell, warehouse_cell, field, ledger, level = row.split()
    assert (sku_cell, int(warehouse_cell), field) == (sku, warehouse_id, "ON_HAND")
    assert int(level) == int(ledger) + 5
    assert summary == (
        f"levels checked: {found.group(1)}, drifting: 1, quantities differing from the ledger: 1"
    )


def test_an_empty_database_is_clean(databases: Databases, tmp_path: Path) -> None:
    url = databases.new_postgres()
    try:
        result = run_cli("inventory", "audit", database_url=url, cwd=tmp_path)
    finally:
        databases.drop_postgres(url)
    assert result.stdout == (
        "levels checked: 0, drifting: 0, quantities differing from the ledger: 0\n"
    )
