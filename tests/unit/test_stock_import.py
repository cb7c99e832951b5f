"""Counted stock from CSV: reading a stock row, and the use case on the fakes."""

from __future__ import annotations

import pytest

from ordergraph.domain.catalog_import import CsvTable, RowProblem, parse_cells, read_table
from ordergraph.domain.clock import FixedClock
from ordergraph.domain.errors import Forbidden
from ordergraph.domain.import_formats import (
    INVENTORY_COLUMNS,
    PRODUCT_COLUMNS,
    stock_count_from_cells,
)
from ordergraph.domain.inventory import InventoryLevel, LevelField, MovementKind
from ordergraph.services import stock_ledger
from ordergraph.services.catalog import create_warehouse
from ordergraph.services.catalog_import import IMPORT_ACTOR, import_products
from ordergraph.services.deps import Deps
from ordergraph.services.stock_import import import_inventory
from tests.unit.fakes import DEFAULT_NOW, FakeStore, fake_deps
from tests.unit.test_catalog_import import HEADER, VIEWER


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def deps(store: FakeStore) -> Deps:
    return fake_deps(store, FixedClock(DEFAULT_NOW))


# ---- checking a stock row ----


def test_a_stock_row_names_a_sku_a_warehouse_code_and_a_counted_quantity() -> None:
    [row] = read_table("sku,warehouse,on_hand\nTEE-1,ams-1,12\n", INVENTORY_COLUMNS).rows
    count = stock_count_from_cells(row.line, parse_cells(row, INVENTORY_COLUMNS))
    assert (count.sku, count.warehouse_code, count.on_hand, count.safety_stock) == (
        "TEE-1",
        "AMS-1",
        12,
        None,
    )


@pytest.mark.parametrize(
    ("line", "column", "code"),
    [
        ("TEE-1,AMS-1,-1", "on_hand", "INVALID"),
        ("TEE-1,AMS-1,1.5", "on_hand", "INVALID"),
        ("TEE-1,AMS 1,3", "warehouse", "INVALID"),
        ("TEE 1,AMS-1,3", "sku", "INVALID"),
        ("TEE-1,,3", "warehouse", "REQUIRED"),
    ],
)
def test_a_bad_stock_row_names_its_column(line: str, column: str, code: str) -> None:
    [row] = read_table(f"sku,warehouse,on_hand\n{line}\n", INVENTORY_COLUMNS).rows
    with pytest.raises(RowProblem) as caught:
        stock_count_from_cells(row.line, parse_cells(row, INVENTORY_COLUMNS))
    assert (caught.value.column, caught.value.code) == (column, code)


# ---- the use case ----


async def stock_setup(deps: Deps) -> dict[str, int]:
    ids = {}
    for code in ("AMS-1", "FRA-1"):
        warehouse = await create_warehouse(
            deps, IMPORT_ACTOR, code=code, name=code, region="EU", country_code="NL"
        )
        assert warehouse.id is not None
        ids[code] = warehouse.id
    await import_products(
        deps,
        IMPORT_ACTOR,
        read_table(HEADER + "A,Alpha,1,EUR,,,,\nB,Beta,1,EUR,,,,\n", PRODUCT_COLUMNS),
    )
    return ids


def stock(body: str) -> CsvTable:
    return read_table("sku,warehouse,on_hand,safety_stock\n" + body, INVENTORY_COLUMNS)


async def test_importing_stock_counts_each_level_through_the_ledger(
    deps: Deps, store: FakeStore
) -> None:
    ids = await stock_setup(deps)
    ams, fra = ids["AMS-1"], ids["FRA-1"]
    report = await import_inventory(
        deps, IMPORT_ACTOR, stock("A,AMS-1,10,2\nA,FRA-1,3,\nB,AMS-1,0,\n"), source="s.csv"
    )
    assert (report.created, report.updated, report.unchanged, report.errors) == (3, 0, 0, [])
    assert {k: (lv.on_hand, lv.safety_stock) for k, lv in store.levels.items()} == {
        ("A", ams): (10, 2),
        ("A", fra): (3, 0),
        ("B", ams): (0, 0),
    }
    assert sorted(
        (m.sku, m.warehouse_id, m.kind, m.field, m.delta, m.note) for m in store.movements
    ) == [
        ("A", ams, MovementKind.CYCLE_COUNT, LevelField.ON_HAND, 10, "IMPORT s.csv line 2"),
        ("A", fra, MovementKind.CYCLE_COUNT, LevelField.ON_HAND, 3, "IMPORT s.csv line 3"),
        ("B", ams, MovementKind.CYCLE_COUNT, LevelField.ON_HAND, 0, "IMPORT s.csv line 4"),
    ]
    assert {e.type for e in store.outbox if e.type.startswith("inventory.")} == {
        "inventory.changed"
    }


async def test_a_recount_changes_what_differs_and_refuses_what_it_cannot(
    deps: Deps, store: FakeStore
) -> None:
    ids = await stock_setup(deps)
    await import_inventory(deps, IMPORT_ACTOR, stock("A,AMS-1,10,\nB,AMS-1,5,\n"))
    async with deps.uow() as uow:
        assert await stock_ledger.reserve(
            uow,
            sku="B",
            warehouse_id=ids["AMS-1"],
            quantity=4,
            actor="t",
            reference=None,
            now=DEFAULT_NOW,
        )
        await uow.commit()
    moved = len(store.movements)
    report = await import_inventory(
        deps,
        IMPORT_ACTOR,
        stock("A,AMS-1,10,\nB,AMS-1,3,\nA,FRA-1,1,1\nZ,AMS-1,1,\nA,LON-1,1,\nA,AMS-1,12,\n"),
        dry_run=True,
    )
    assert (report.created, report.unchanged) == (1, 1)
    assert [(e.line, e.column, e.code) for e in report.sorted_errors()] == [
        (3, "on_hand", "INSUFFICIENT_STOCK"),
        (5, "sku", "NOT_FOUND"),
        (6, "warehouse", "NOT_FOUND"),
        (7, "sku", "DUPLICATE"),
    ]
    assert len(store.movements) == moved  # the dry run wrote nothing
    report = await import_inventory(deps, IMPORT_ACTOR, stock("A,AMS-1,7,\nA,FRA-1,1,1\n"))
    assert (report.created, report.updated) == (1, 1)
    assert store.levels[("A", ids["AMS-1"])].on_hand == 7
    assert [m.delta for m in store.movements[-2:]] == [-3, 1]


async def test_a_level_moved_since_the_bulk_read_is_counted_from_its_fresh_value(
    deps: Deps, store: FakeStore
) -> None:
    ids = await stock_setup(deps)
    await import_inventory(deps, IMPORT_ACTOR, stock("A,AMS-1,10,\n"))
    key = ("A", ids["AMS-1"])
    stale = {key: store.levels[key]}
    async with deps.uow() as uow:
        await stock_ledger.count(
            uow, sku="A", warehouse_id=ids["AMS-1"], on_hand=6, actor="t", now=DEFAULT_NOW
        )
        results = await stock_ledger.count_many(
            uow,
            [stock_ledger.CountedLevel("A", ids["AMS-1"], 8, "again")],
            before=stale,
            actor="t",
            now=DEFAULT_NOW,
        )
        await uow.commit()
    level = results[key]
    assert isinstance(level, InventoryLevel)
    assert level.on_hand == 8
    assert [m.delta for m in store.movements] == [10, -4, 2]


async def test_importing_stock_needs_inventory_write(deps: Deps) -> None:
    with pytest.raises(Forbidden):
        await import_inventory(deps, VIEWER, stock(""))
