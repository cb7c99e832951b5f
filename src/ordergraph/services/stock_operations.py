"""Use cases for counted stock: a count, a batch of counts, safety stock, low-stock thresholds.

Each is one command (``run_command``: one transaction, retried on conflicts, optionally keyed)
whose writes all go through ``services.stock_ledger``, which books the movements and records
``inventory.changed`` / ``inventory.low``. A count below what is reserved is refused by the
ledger (``InsufficientStock``) and nothing is written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ordergraph.domain.errors import DomainError, InsufficientStock, NotFound
from ordergraph.domain.inventory import AdjustmentReason, InventoryLevel
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.stock_counts import (
    CountRow,
    RawCountRow,
    check_count_rows,
    count_note,
    count_quantity,
    low_stock_threshold,
    rejected,
    row_index,
)
from ordergraph.domain.validation import clean_sku
from ordergraph.services import stock_ledger
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps


def level_record(level: InventoryLevel) -> dict[str, Any]:
    """A level as JSON for the idempotency record (every field, whatever the level carries)."""
    record = {f.name: getattr(level, f.name) for f in dataclasses.fields(level)}
    record["updated_at"] = level.updated_at.isoformat()
    return record


def level_from_record(record: dict[str, Any]) -> InventoryLevel:
    return InventoryLevel(**{**record, "updated_at": datetime.fromisoformat(record["updated_at"])})


async def _recall_level(_uow: UnitOfWork, record: dict[str, Any]) -> InventoryLevel:
    return level_from_record(record)


async def _check_level_exists(
    uow: UnitOfWork, sku: str, warehouse_id: int, at: Sequence[str] = ()
) -> None:
    if await uow.products.get_by_sku(sku) is None:
        raise NotFound(f"no product has SKU {sku}", field=[*at, "sku"])
    if await uow.warehouses.get(warehouse_id) is None:
        raise NotFound("no such warehouse", field=[*at, "warehouseId"])


async def set_inventory(
    deps: Deps,
    actor: Principal,
    *,
    sku: str,
    warehouse_id: int,
    on_hand: int,
    reason: AdjustmentReason = AdjustmentReason.CYCLE_COUNT,
    note: str | None = None,
    idempotency_key: str | None = None,
) -> InventoryLevel:
    """Record a counted quantity: on hand becomes ``on_hand``, the variance is booked as one
    CYCLE_COUNT movement (a zero one when the count agrees, so the ledger shows the count)."""
    actor.require(Scope.INVENTORY_WRITE)
    cleaned = clean_sku(sku, ["sku"])
    counted = count_quantity(on_hand, ["onHand"])
    movement_note = count_note(reason, note)

    async def run(uow: UnitOfWork) -> InventoryLevel:
        await _check_level_exists(uow, cleaned, warehouse_id)
        return await stock_ledger.count(
            uow,
            sku=cleaned,
            warehouse_id=warehouse_id,
            on_hand=counted,
            actor=actor.actor,
            note=movement_note,
            now=deps.clock.now(),
        )

    return await run_command(
        deps,
        actor,
        operation="setInventory",
        request={"sku": cleaned, "w": warehouse_id, "q": counted, "r": reason.value, "n": note},
        run=run,
        remember=level_record,
        recall=_recall_level,
        idempotency_key=idempotency_key,
    )


async def _count_row(
    uow: UnitOfWork, row: CountRow, *, actor: str, note: str | None, now: datetime
) -> InventoryLevel:
    at = ["rows", str(row.index)]
    try:
        return await stock_ledger.count(
            uow,
            sku=row.sku,
            warehouse_id=row.warehouse_id,
            on_hand=row.on_hand,
            actor=actor,
            note=note,
            now=now,
        )
    except InsufficientStock as error:
        raise InsufficientStock(error.message, field=[*at, "onHand"]) from error


async def _missing(uow: UnitOfWork, rows: Sequence[CountRow]) -> list[DomainError]:
    """Rows naming a SKU or a warehouse that does not exist (two reads per distinct warehouse
    at most, one for every SKU)."""
    products = await uow.products.get_many(sorted({row.sku for row in rows}))
    warehouses = {w: await uow.warehouses.get(w) for w in sorted({r.warehouse_id for r in rows})}
    errors: list[DomainError] = []
    for row in rows:
        at = ["rows", str(row.index)]
        if row.sku not in products:
            errors.append(NotFound(f"no product has SKU {row.sku}", field=[*at, "sku"]))
        elif warehouses[row.warehouse_id] is None:
            errors.append(NotFound("no such warehouse", field=[*at, "warehouseId"]))
    return errors


async def set_inventory_levels(
    deps: Deps,
    actor: Principal,
    *,
    rows: Sequence[RawCountRow],
    reason: AdjustmentReason = AdjustmentReason.CYCLE_COUNT,
    note: str | None = None,
    idempotency_key: str | None = None,
) -> list[InventoryLevel]:
    """Count up to ``MAX_COUNT_ROWS`` levels in one transaction: every row is applied, or none
    is and ``RowsRejected`` names each refused row (bad values, unknown SKUs or warehouses,
    counts below what is reserved, all in one answer). Levels come back in request order."""
    actor.require(Scope.INVENTORY_WRITE)
    checked, invalid = check_count_rows(rows)
    movement_note = count_note(reason, note)

    async def run(uow: UnitOfWork) -> list[InventoryLevel]:
        errors = [*invalid, *await _missing(uow, checked)]
        refused = {row_index(error) for error in errors}
        now = deps.clock.now()
        counted: dict[int, InventoryLevel] = {}
        for row in checked:  # in (sku, warehouse) order: the order every writer locks in
            if row.index in refused:
                continue
            try:
                counted[row.index] = await _count_row(
                    uow, row, actor=actor.actor, note=movement_note, now=now
                )
            except DomainError as error:
                errors.append(error)
        if errors:
            raise rejected(errors)  # nothing is committed: every counted row rolls back
        return [counted[index] for index in sorted(counted)]

    return await run_command(
        deps,
        actor,
        operation="setInventoryLevels",
        request={
            "rows": [[r.sku, r.warehouse_id, r.on_hand] for r in checked],
            "invalid": [[e.field, e.message] for e in invalid],
            "r": reason.value,
            "n": note,
        },
        run=run,
        remember=lambda levels: {"levels": [level_record(level) for level in levels]},
        recall=_recall_levels,
        idempotency_key=idempotency_key,
    )


async def _recall_levels(_uow: UnitOfWork, record: dict[str, Any]) -> list[InventoryLevel]:
    return [level_from_record(level) for level in record["levels"]]


async def set_safety_stock(
    deps: Deps,
    actor: Principal,
    *,
    sku: str,
    warehouse_id: int,
    quantity: int,
    idempotency_key: str | None = None,
) -> InventoryLevel:
    """Hold ``quantity`` units back from sale at this level (available to sell drops by it)."""
    actor.require(Scope.INVENTORY_WRITE)
    cleaned = clean_sku(sku, ["sku"])
    held = count_quantity(quantity, ["quantity"])

    async def run(uow: UnitOfWork) -> InventoryLevel:
        await _check_level_exists(uow, cleaned, warehouse_id)
        return await stock_ledger.set_safety_stock(
            uow,
            sku=cleaned,
            warehouse_id=warehouse_id,
            quantity=held,
            actor=actor.actor,
            now=deps.clock.now(),
        )

    return await run_command(
        deps,
        actor,
        operation="setSafetyStock",
        request={"sku": cleaned, "w": warehouse_id, "q": held},
        run=run,
        remember=level_record,
        recall=_recall_level,
        idempotency_key=idempotency_key,
    )


async def set_low_stock_threshold(
    deps: Deps,
    actor: Principal,
    *,
    sku: str,
    warehouse_id: int,
    threshold: int | None,
    idempotency_key: str | None = None,
) -> InventoryLevel:
    """Warn (``inventory.low``) when available to sell drops below ``threshold``; None clears."""
    actor.require(Scope.INVENTORY_WRITE)
    cleaned = clean_sku(sku, ["sku"])
    wanted = low_stock_threshold(threshold)

    async def run(uow: UnitOfWork) -> InventoryLevel:
        await _check_level_exists(uow, cleaned, warehouse_id)
        return await stock_ledger.set_low_stock_threshold(
            uow,
            sku=cleaned,
            warehouse_id=warehouse_id,
            threshold=wanted,
            actor=actor.actor,
            now=deps.clock.now(),
        )

    return await run_command(
        deps,
        actor,
        operation="setLowStockThreshold",
        request={"sku": cleaned, "w": warehouse_id, "t": wanted},
        run=run,
        remember=level_record,
        recall=_recall_level,
        idempotency_key=idempotency_key,
    )
