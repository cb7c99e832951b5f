"""Use cases for CSV imports: products (upsert by SKU) and counted stock (through the ledger).

Each import reads the whole file first (``read_table``), checks every row's cells on its own,
then works through the rows in batches, one transaction per batch: it reads what the batch
refers to in bulk, checks each row against it, and only then writes the batch's good rows. A bad
row becomes a ``RowError`` in the report; the rest of its batch is written all the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ordergraph.domain.catalog import Product
from ordergraph.domain.catalog_import import (
    CsvTable,
    ImportReport,
    RowError,
    RowProblem,
    first_occurrences,
    parse_cells,
)
from ordergraph.domain.errors import InsufficientStock, InvalidInput
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.import_formats import (
    INVENTORY_COLUMNS,
    PRODUCT_COLUMNS,
    Outcome,
    StockCount,
    product_from_cells,
    stock_count_from_cells,
)
from ordergraph.domain.inventory import InventoryLevel
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal, Role, Scope
from ordergraph.domain.validation import clean_sku
from ordergraph.services import stock_ledger
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps

BATCH_SIZE = 500
MAX_BATCH_SIZE = 5_000

Progress = Callable[[int], None]

# who the CLI imports as: the ledger and the outbox say "admin:import"
IMPORT_ACTOR = Principal(role=Role.ADMIN, scopes=frozenset(Scope), name="import")


class ImportUseCase(Protocol):
    async def __call__(
        self,
        deps: Deps,
        actor: Principal,
        table: CsvTable,
        *,
        dry_run: bool = False,
        batch_size: int = BATCH_SIZE,
        progress: Progress | None = None,
        source: str = "",
    ) -> ImportReport: ...


@dataclass(slots=True)
class BatchResult:
    """What one batch did: outcomes per row, and the rows it refused."""

    outcomes: dict[Outcome, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0}
    )
    errors: list[RowError] = field(default_factory=list)

    def add_to(self, report: ImportReport) -> None:
        report.created += self.outcomes["created"]
        report.updated += self.outcomes["updated"]
        report.unchanged += self.outcomes["unchanged"]
        report.errors.extend(self.errors)


async def import_products(
    deps: Deps,
    actor: Principal,
    table: CsvTable,
    *,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    source: str = "",
) -> ImportReport:
    """Create the file's new SKUs and update the existing ones (``product.created`` for each
    new product); in a dry run, check every row and write nothing."""
    actor.require(Scope.CATALOG_WRITE)
    _check_batch_size(batch_size)
    report = ImportReport("products", dry_run, table.rows_read, errors=list(table.errors))
    rows: list[tuple[int, dict[str, object]]] = []
    for row in table.rows:
        try:
            values = parse_cells(row, PRODUCT_COLUMNS)
            values["sku"] = _sku(values["sku"])
        except RowProblem as problem:
            report.errors.append(problem.at(row.line))
            continue
        rows.append((row.line, values))
    dropped, duplicates = first_occurrences(
        ((line, values["sku"]) for line, values in rows), lambda sku: f"SKU {sku}", "sku"
    )
    report.errors.extend(duplicates)
    if progress is not None:
        progress(table.rows_read - len(rows) + len(dropped))
    rows = [r for r in rows if r[0] not in dropped]

    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]

        async def run(
            uow: UnitOfWork, batch: list[tuple[int, dict[str, object]]] = batch
        ) -> BatchResult:
            return await _upsert_products(uow, deps, actor, batch, write=not dry_run)

        (await in_transaction(deps, run)).add_to(report)
        if progress is not None:
            progress(len(batch))
    return report


async def _upsert_products(
    uow: UnitOfWork,
    deps: Deps,
    actor: Principal,
    batch: Sequence[tuple[int, dict[str, object]]],
    *,
    write: bool,
) -> BatchResult:
    result = BatchResult()
    now = deps.clock.now()
    existing = await uow.products.get_many([str(values["sku"]) for _, values in batch])
    written: list[tuple[Product, Outcome, list[str]]] = []
    for line, values in batch:
        try:
            product, outcome, fields = product_from_cells(
                values, existing.get(str(values["sku"])), now
            )
        except RowProblem as problem:
            result.errors.append(problem.at(line))
            continue
        result.outcomes[outcome] += 1
        if outcome != "unchanged":
            written.append((product, outcome, fields))
    if write and written:
        await uow.products.upsert_many([product for product, _, _ in written])
        for product, outcome, fields in written:
            _record_product(uow, actor, product, outcome, fields)
    return result


def _record_product(
    uow: UnitOfWork, actor: Principal, product: Product, outcome: Outcome, fields: list[str]
) -> None:
    """``product.created`` as createProduct records it; ``product.updated`` as updateProduct
    does: the new version and the changed fields."""
    assert product.id is not None
    if outcome == "created":
        payload: dict[str, object] = {"sku": product.sku}
        uow.record(
            DomainEvent("product.created", "Product", product.id, payload, actor=actor.actor)
        )
        return
    payload = {
        "sku": product.sku,
        "status": product.status.value,
        "version": product.version,
        "changed": fields,
    }
    uow.record(DomainEvent("product.updated", "Product", product.id, payload, actor=actor.actor))


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
    _check_batch_size(batch_size)
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


def _sku(value: object) -> str:
    try:
        return clean_sku(str(value), ["sku"])
    except InvalidInput as exc:
        raise RowProblem("sku", exc.message, exc.code) from exc


def _check_batch_size(batch_size: int) -> None:
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise InvalidInput(f"must be between 1 and {MAX_BATCH_SIZE}", field=["batchSize"])
