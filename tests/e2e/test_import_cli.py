"""``ordergraph import products|inventory FILE.csv``: the real console script against a real
PostgreSQL database."""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from ordergraph.db import tables
from ordergraph.db.engine import create_engine
from ordergraph.db.uow import SqlUnitOfWork
from ordergraph.domain.clock import SystemClock
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import SYSTEM
from ordergraph.services import catalog, stock_ledger
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps
from tests.e2e.test_cli import run_cli
from tests.support.aio import run_sync
from tests.support.databases import Databases

PRODUCTS_HEADER = (
    "sku,name,price,currency,weight_grams,allow_backorder,backorder_limit,returnable\n"
)


@pytest.fixture
def database(databases: Databases) -> Iterator[str]:
    url = databases.new_postgres()
    try:
        yield url
    finally:
        databases.drop_postgres(url)


def rows(url: str, query: sa.Select[Any]) -> list[sa.Row[Any]]:
    async def read() -> list[sa.Row[Any]]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                return list(await conn.execute(query))
        finally:
            await engine.dispose()

    return run_sync(read)


def products_by_sku(url: str) -> dict[str, tuple[Any, ...]]:
    p = tables.products.c
    found = rows(
        url,
        sa.select(
            p.sku,
            p.name,
            p.price_minor,
            p.currency,
            p.weight_grams,
            p.allow_backorder,
            p.backorder_limit,
            p.returnable,
        ),
    )
    return {r.sku: tuple(r)[1:] for r in found}


def outbox_types(url: str) -> list[tuple[str, str]]:
    o = tables.outbox.c
    return [
        (r.type, r.payload.get("sku", ""))
        for r in rows(url, sa.select(o.type, o.payload).order_by(o.id))
    ]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_import_products_creates_then_updates_by_sku(database: str, tmp_path: Path) -> None:
    first = write(
        tmp_path / "first.csv",
        PRODUCTS_HEADER + "TEE-M,Tee (M),19.90,EUR,180,,,\n" + "MUG,Mug,8,EUR,350,true,20,no\n",
    )
    result = run_cli("import", "products", str(first), database_url=database, cwd=tmp_path)
    assert result.stdout.splitlines()[-1].startswith(
        "products: 2 rows read, 2 created, 0 updated, 0 unchanged, 0 failed in "
    )
    assert "importing first.csv" in result.stderr  # the progress bar
    # a second file names the columns it changes; the ones it leaves out keep their values
    second = write(
        tmp_path / "second.csv",
        "sku,name,price,currency\n"
        "TEE-M,Tee (M) organic,24.50,EUR\nMUG,Mug,8.00,EUR\nCAP,Cap,12,EUR\n",
    )
    result = run_cli("import", "products", str(second), database_url=database, cwd=tmp_path)
    assert "3 rows read, 1 created, 1 updated, 1 unchanged, 0 failed" in result.stdout
    assert products_by_sku(database) == {
        "TEE-M": ("Tee (M) organic", 2450, "EUR", 180, False, 0, True),
        "MUG": ("Mug", 800, "EUR", 350, True, 20, False),
        "CAP": ("Cap", 1200, "EUR", 0, False, 0, True),
    }
    assert outbox_types(database) == [
        ("product.created", "TEE-M"),
        ("product.created", "MUG"),
        ("product.updated", "TEE-M"),
        ("product.created", "CAP"),
    ]
    p = tables.products.c
    versions = rows(database, sa.select(p.sku, p.version).order_by(p.sku))
    assert [tuple(r) for r in versions] == [("CAP", 1), ("MUG", 1), ("TEE-M", 2)]


def test_bad_rows_are_reported_and_the_good_rows_of_their_batch_still_import(
    database: str, tmp_path: Path
) -> None:
    source = write(
        tmp_path / "mixed.csv",
        PRODUCTS_HEADER
        + "GOOD-1,Good one,1.00,EUR,,,,\n"
        + "BAD-1,Bad price,1.999,EUR,,,,\n"
        + "GOOD-2,Good two,2.00,EUR,,,,\n"
        + ",No SKU,2.00,EUR,,,,\n"
        + "GOOD-1,Twice,1.00,EUR,,,,\n"
        + "BAD-2,Short row\n",
    )
    errors = tmp_path / "errors.csv"
    result = run_cli(
        "import",
        "products",
        str(source),
        "--errors-file",
        str(errors),
        "--batch-size",
        "3",
        database_url=database,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        "line 3, column price: has more decimal places than EUR allows (INVALID_AMOUNT)",
        "line 5, column sku: is required (REQUIRED)",
        "line 6, column sku: SKU GOOD-1 is also on line 2 (DUPLICATE)",
        "line 7: has 2 cells, the header has 8 (INVALID)",
        result.stdout.splitlines()[-1],
    ]
    assert "6 rows read, 2 created, 0 updated, 0 unchanged, 4 failed" in result.stdout
    with errors.open(encoding="utf-8", newline="") as f:
        assert [(r["line"], r["column"], r["code"]) for r in csv.DictReader(f)] == [
            ("3", "price", "INVALID_AMOUNT"),
            ("5", "sku", "REQUIRED"),
            ("6", "sku", "DUPLICATE"),
            ("7", "", "INVALID"),
        ]
    assert set(products_by_sku(database)) == {"GOOD-1", "GOOD-2"}


def test_a_dry_run_checks_every_row_and_writes_nothing(database: str, tmp_path: Path) -> None:
    source = write(tmp_path / "p.csv", PRODUCTS_HEADER + "A,Alpha,1,EUR,,,,\nB,Beta,x,EUR,,,,\n")
    result = run_cli(
        "import",
        "products",
        str(source),
        "--dry-run",
        database_url=database,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 1
    assert "line 3, column price: is not a decimal number (INVALID)" in result.stdout
    assert "dry run, nothing written: 2 rows read, 1 created, 0 updated, 0 unchanged, 1 failed" in (
        result.stdout
    )
    assert products_by_sku(database) == {}
    assert outbox_types(database) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"sku,name,price\n", "lacks the required column(s): currency"),
        (b"sku,name,price,currency,colour\n", "unknown column 'colour'"),
        (b"sku,name,price,currency\n\xff\xfe,x,1,EUR\n", "not UTF-8 text"),
    ],
)
def test_an_unreadable_file_exits_2_and_imports_nothing(
    database: str, tmp_path: Path, content: bytes, message: str
) -> None:
    source = tmp_path / "broken.csv"
    source.write_bytes(content)
    result = run_cli(
        "import", "products", str(source), database_url=database, cwd=tmp_path, check=False
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert products_by_sku(database) == {}


# ---- inventory ----


def seed_catalog(url: str, tmp_path: Path) -> dict[str, int]:
    """Warehouses AMS-1 and FRA-1 (by the service) and products TEE-M and MUG (by import)."""

    async def create() -> dict[str, int]:
        engine = create_engine(url, pool_size=1)
        clock = SystemClock()
        deps = Deps(uow=lambda: SqlUnitOfWork(engine, clock), clock=clock)
        try:
            ids = {}
            for code, country in (("AMS-1", "NL"), ("FRA-1", "DE")):
                warehouse = await catalog.create_warehouse(
                    deps, SYSTEM, code=code, name=code, region="EU", country_code=country
                )
                assert warehouse.id is not None
                ids[code] = warehouse.id
            return ids
        finally:
            await engine.dispose()

    ids = run_sync(create)
    products = write(
        tmp_path / "catalog.csv", "sku,name,price,currency\nTEE-M,Tee,1,EUR\nMUG,Mug,2,EUR\n"
    )
    run_cli("import", "products", str(products), database_url=url, cwd=tmp_path)
    return ids


def reserve(url: str, sku: str, warehouse_id: int, quantity: int) -> None:
    async def run() -> None:
        engine = create_engine(url, pool_size=1)
        clock = SystemClock()
        deps = Deps(uow=lambda: SqlUnitOfWork(engine, clock), clock=clock)
        try:

            async def take(uow: UnitOfWork) -> None:
                reserved = await stock_ledger.reserve(
                    uow,
                    sku=sku,
                    warehouse_id=warehouse_id,
                    quantity=quantity,
                    actor="test",
                    reference="order",
                    now=clock.now(),
                )
                assert reserved

            await in_transaction(deps, take)
        finally:
            await engine.dispose()

    run_sync(run)


def levels(url: str) -> dict[tuple[str, int], tuple[int, int, int]]:
    t = tables.inventory_levels.c
    found = rows(url, sa.select(t.sku, t.warehouse_id, t.on_hand, t.reserved, t.safety_stock))
    return {(r.sku, r.warehouse_id): (r.on_hand, r.reserved, r.safety_stock) for r in found}


def movements(url: str) -> list[tuple[Any, ...]]:
    m = tables.inventory_movements.c
    query = sa.select(m.sku, m.warehouse_id, m.kind, m.field, m.delta, m.note, m.actor)
    return [tuple(r) for r in rows(url, query.order_by(m.id))]


def drift(url: str) -> list[tuple[Any, ...]]:
    """Levels whose on_hand is not the sum of their ON_HAND movements (the audit's check)."""
    t, m = tables.inventory_levels.c, tables.inventory_movements.c
    summed = (
        sa.select(m.sku, m.warehouse_id, sa.func.sum(m.delta).label("total"))
        .where(m.field == "ON_HAND")
        .group_by(m.sku, m.warehouse_id)
        .subquery()
    )
    query = (
        sa.select(t.sku, t.warehouse_id, t.on_hand, summed.c.total)
        .outerjoin(summed, sa.and_(summed.c.sku == t.sku, summed.c.warehouse_id == t.warehouse_id))
        .where(t.on_hand != sa.func.coalesce(summed.c.total, 0))
    )
    return [tuple(r) for r in rows(url, query)]


def test_import_inventory_counts_stock_through_the_ledger(database: str, tmp_path: Path) -> None:
    ids = seed_catalog(database, tmp_path)
    ams, fra = ids["AMS-1"], ids["FRA-1"]
    first = write(
        tmp_path / "stock.csv",
        "sku,warehouse,on_hand,safety_stock\nTEE-M,AMS-1,40,5\nTEE-M,fra-1,7,\nMUG,AMS-1,12,\n",
    )
    result = run_cli("import", "inventory", str(first), database_url=database, cwd=tmp_path)
    assert "3 rows read, 3 created, 0 updated, 0 unchanged, 0 failed" in result.stdout
    assert levels(database) == {
        ("TEE-M", ams): (40, 0, 5),
        ("TEE-M", fra): (7, 0, 0),
        ("MUG", ams): (12, 0, 0),
    }
    counted = [mv for mv in movements(database) if mv[3] == "ON_HAND"]
    assert sorted(counted) == sorted(
        [
            ("TEE-M", ams, "CYCLE_COUNT", "ON_HAND", 40, "IMPORT stock.csv line 2", "admin:import"),
            ("TEE-M", fra, "CYCLE_COUNT", "ON_HAND", 7, "IMPORT stock.csv line 3", "admin:import"),
            ("MUG", ams, "CYCLE_COUNT", "ON_HAND", 12, "IMPORT stock.csv line 4", "admin:import"),
        ]
    )
    changed = [t for t, _ in outbox_types(database) if t == "inventory.changed"]
    assert len(changed) >= 3

    reserve(database, "MUG", ams, 10)
    second = write(
        tmp_path / "recount.csv",
        "sku,warehouse,on_hand\n"
        "TEE-M,AMS-1,30\n"  # 10 fewer
        "TEE-M,FRA-1,7\n"  # as it was
        "MUG,AMS-1,9\n"  # below the 10 reserved
        "NOPE,AMS-1,1\n"
        "TEE-M,LON-9,1\n"
        "TEE-M,AMS-1,31\n"
        "MUG,FRA-1,-1\n",
    )
    result = run_cli(
        "import", "inventory", str(second), database_url=database, cwd=tmp_path, check=False
    )
    assert result.returncode == 1
    assert result.stdout.splitlines()[:-1] == [
        "line 4, column on_hand: 10 units are reserved; a count cannot go below that "
        "(INSUFFICIENT_STOCK)",
        "line 5, column sku: no product has SKU NOPE (NOT_FOUND)",
        "line 6, column warehouse: no warehouse has code LON-9 (NOT_FOUND)",
        "line 7, column sku: SKU TEE-M in warehouse AMS-1 is also on line 2 (DUPLICATE)",
        "line 8, column on_hand: must be between 0 and 1,000,000,000 (INVALID)",
    ]
    assert "7 rows read, 0 created, 1 updated, 1 unchanged, 5 failed" in result.stdout
    assert levels(database)[("TEE-M", ams)] == (30, 0, 5)
    assert levels(database)[("MUG", ams)] == (12, 10, 0)
    assert movements(database)[-1][:5] == ("TEE-M", ams, "CYCLE_COUNT", "ON_HAND", -10)
    assert drift(database) == []


def test_an_inventory_dry_run_writes_no_level_and_no_movement(
    database: str, tmp_path: Path
) -> None:
    seed_catalog(database, tmp_path)
    source = write(tmp_path / "stock.csv", "sku,warehouse,on_hand\nTEE-M,AMS-1,4\nMUG,XX-1,1\n")
    result = run_cli(
        "import",
        "inventory",
        str(source),
        "--dry-run",
        database_url=database,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 1
    assert "line 3, column warehouse: no warehouse has code XX-1 (NOT_FOUND)" in result.stdout
    assert "dry run, nothing written: 2 rows read, 1 created" in result.stdout
    assert levels(database) == {}
    assert movements(database) == []


@pytest.mark.scale
def test_ten_thousand_rows_of_each_import_in_seconds(database: str, tmp_path: Path) -> None:
    seed_catalog(database, tmp_path)
    lines = [
        f"BULK-{i:05d},Bulk product {i},{1 + i % 500}.99,EUR,{i % 3000},,,\n" for i in range(10_000)
    ]
    source = write(tmp_path / "bulk.csv", PRODUCTS_HEADER + "".join(lines))
    started = time.perf_counter()
    result = run_cli("import", "products", str(source), database_url=database, cwd=tmp_path)
    seconds = time.perf_counter() - started
    assert "10000 rows read, 10000 created, 0 updated, 0 unchanged, 0 failed" in result.stdout
    count = rows(database, sa.select(sa.func.count()).select_from(tables.products))
    assert count[0][0] == 10_000 + 2
    assert seconds < 20, f"10,000 products took {seconds:.1f} s"

    stock = [f"BULK-{i // 2:05d},{('AMS-1', 'FRA-1')[i % 2]},{i % 90}\n" for i in range(10_000)]
    source = write(tmp_path / "stock.csv", "sku,warehouse,on_hand\n" + "".join(stock))
    started = time.perf_counter()
    result = run_cli("import", "inventory", str(source), database_url=database, cwd=tmp_path)
    seconds = time.perf_counter() - started
    assert "10000 rows read, 10000 created, 0 updated, 0 unchanged, 0 failed" in result.stdout
    assert len(levels(database)) == 10_000
    assert drift(database) == []
    assert seconds < 20, f"10,000 stock rows took {seconds:.1f} s"
