"""Use cases for CSV imports: products (upsert by SKU) here, counted stock in stock_import.

Each import reads the whole file first (``read_table``), checks every row's cells on its own,
then works through the rows in batches, one transaction per batch: it reads what the batch
refers to in bulk, checks each row against it, and only then writes the batch's good rows. A bad
row becomes a ``RowError`` in the report; the rest of its batch is written all the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.import_formats import (
    PRODUCT_COLUMNS,
    Outcome,
    product_from_cells,
)
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal, Role, Scope
from ordergraph.domain.validation import clean_sku
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
    """Create the file's new SKUs and update the existing ones (``product.created`` and
    ``product.updated`` events); in a dry run, check every row and write nothing."""
    actor.require(Scope.CATALOG_WRITE)
    check_batch_size(batch_size)
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


def _sku(value: object) -> str:
    try:
        return clean_sku(str(value), ["sku"])
    except InvalidInput as exc:
        raise RowProblem("sku", exc.message, exc.code) from exc


def check_batch_size(batch_size: int) -> None:
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise InvalidInput(f"must be between 1 and {MAX_BATCH_SIZE}", field=["batchSize"])
