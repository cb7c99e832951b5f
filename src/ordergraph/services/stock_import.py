"""Use case: counted stock from a CSV file, through the stock ledger.

Like the product import (``services/catalog_import.py``): every row's cells are checked first,
then the rows go in batches, one transaction each. A batch reads its products and levels in
bulk, checks each row against them (the SKU and warehouse exist, the count covers what is
reserved), and hands the counts that change something to ``stock_ledger.count_many``: one
``CYCLE_COUNT`` movement per changed level, noted ``IMPORT <file> line <n>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ordergraph.domain.catalog import Product
from ordergraph.domain.catalog_import import (
    CsvTable,
    ImportReport,
    RowError,
    RowProblem,
    first_occurrences,
    parse_cells,
)
from ordergraph.domain.errors import InsufficientStock
from ordergraph.domain.import_formats import (
    INVENTORY_COLUMNS,
    Outcome,
    StockCount,
    stock_count_from_cells,
)
from ordergraph.domain.inventory import InventoryLevel
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.services import stock_ledger
from ordergraph.services.catalog_import import (
    BATCH_SIZE,
    BatchResult,
    Progress,
    check_batch_size,
)
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps


async def import_inventory(
    deps: Deps,
    actor: Principal,
    table: CsvTable,
    *,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    source: str = "",
) -> ImportReport:
    """Set each row's counted on-hand quantity through the stock ledger (a ``CYCLE_COUNT``
    movement for the difference) and its safety stock when given; in a dry run, check only."""
    actor.require(Scope.INVENTORY_WRITE)
    check_batch_size(batch_size)
    report = ImportReport("inventory", dry_run, table.rows_read, errors=list(table.errors))
    counts: list[StockCount] = []
    for row in table.rows:
        try:
            counts.append(stock_count_from_cells(row.line, parse_cells(row, INVENTORY_COLUMNS)))
        except RowProblem as problem:
            report.errors.append(problem.at(row.line))
    dropped, duplicates = first_occurrences(
        ((c.line, c.key) for c in counts),
        lambda key: f"SKU {key[0]} in warehouse {key[1]}",
        "sku",
    )
    report.errors.extend(duplicates)
    if progress is not None:
        progress(table.rows_read - len(counts) + len(dropped))
    counts = [c for c in counts if c.line not in dropped]
    warehouses = await in_transaction(deps, _warehouse_ids)
    note = f"IMPORT {source}".strip()

    for start in range(0, len(counts), batch_size):
        batch = counts[start : start + batch_size]

        async def run(uow: UnitOfWork, batch: list[StockCount] = batch) -> BatchResult:
            return await _count_stock(
                uow, deps, actor, batch, warehouses, note=note, write=not dry_run
            )

        (await in_transaction(deps, run)).add_to(report)
        if progress is not None:
            progress(len(batch))
    return report


async def _warehouse_ids(uow: UnitOfWork) -> dict[str, int]:
    return {w.code: w.id for w in await uow.warehouses.list_all() if w.id is not None}


async def _count_stock(
    uow: UnitOfWork,
    deps: Deps,
    actor: Principal,
    batch: Sequence[StockCount],
    warehouses: dict[str, int],
    *,
    note: str,
    write: bool,
) -> BatchResult:
    result = BatchResult()
    now = deps.clock.now()
    products = await uow.products.get_many(sorted({c.sku for c in batch}))
    known = [c for c in batch if c.sku in products and c.warehouse_code in warehouses]
    levels = await uow.inventory.get_many([(c.sku, warehouses[c.warehouse_code]) for c in known])
    outcomes: dict[int, Outcome] = {}
    counted: dict[tuple[str, int], StockCount] = {}
    safety: list[tuple[StockCount, int]] = []
    for count in batch:
        try:
            warehouse_id = _known(count, products, warehouses)
            before = levels.get((count.sku, warehouse_id))
            outcomes[count.line] = _stock_outcome(count, before)
        except RowProblem as problem:
            result.errors.append(problem.at(count.line))
            continue
        if before is None or count.on_hand != before.on_hand:
            counted[(count.sku, warehouse_id)] = count
        if count.safety_stock is not None and (
            before is None or count.safety_stock != before.safety_stock
        ):
            safety.append((count, warehouse_id))
    if write:
        await _write_counts(uow, actor, counted, safety, levels, result, note=note, now=now)
    failed = {e.line for e in result.errors}
    for line, outcome in outcomes.items():
        if line not in failed:
            result.outcomes[outcome] += 1
    return result


async def _write_counts(
    uow: UnitOfWork,
    actor: Principal,
    counted: dict[tuple[str, int], StockCount],
    safety: list[tuple[StockCount, int]],
    levels: dict[tuple[str, int], InventoryLevel],
    result: BatchResult,
    *,
    note: str,
    now: datetime,
) -> None:
    """The batch's counts in one ledger call, then the safety stocks it sets."""
    written = await stock_ledger.count_many(
        uow,
        [
            stock_ledger.CountedLevel(sku, warehouse_id, c.on_hand, f"{note} line {c.line}")
            for (sku, warehouse_id), c in counted.items()
        ],
        before=levels,
        actor=actor.actor,
        now=now,
    )
    for key, outcome in written.items():
        if isinstance(outcome, InsufficientStock):  # reserved since the batch read the level
            result.errors.append(
                RowError(counted[key].line, "on_hand", outcome.message, outcome.code)
            )
    failed = {e.line for e in result.errors}
    for count, warehouse_id in safety:
        if count.line not in failed:
            await stock_ledger.set_safety_stock(
                uow,
                sku=count.sku,
                warehouse_id=warehouse_id,
                quantity=count.safety_stock or 0,
                actor=actor.actor,
                now=now,
            )


def _known(count: StockCount, products: dict[str, Product], warehouses: dict[str, int]) -> int:
    if count.sku not in products:
        raise RowProblem("sku", f"no product has SKU {count.sku}", "NOT_FOUND")
    warehouse_id = warehouses.get(count.warehouse_code)
    if warehouse_id is None:
        raise RowProblem("warehouse", f"no warehouse has code {count.warehouse_code}", "NOT_FOUND")
    return warehouse_id


def _stock_outcome(count: StockCount, before: InventoryLevel | None) -> Outcome:
    if before is None:
        return "created"
    if count.on_hand + before.backorder_limit < before.reserved:
        raise RowProblem(
            "on_hand",
            f"{before.reserved} units are reserved; a count cannot go below that",
            "INSUFFICIENT_STOCK",
        )
    same_safety = count.safety_stock is None or count.safety_stock == before.safety_stock
    return "unchanged" if count.on_hand == before.on_hand and same_safety else "updated"
