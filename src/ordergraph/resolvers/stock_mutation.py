"""Stock mutations: counts (one level or a batch), safety stock, low-stock thresholds."""

from __future__ import annotations

import strawberry

from ordergraph.domain.errors import DomainError
from ordergraph.domain.inventory import InventoryLevel
from ordergraph.domain.stock_counts import RawCountRow, RowsRejected
from ordergraph.resolvers.common import attempt, input_id
from ordergraph.schema.context import Info, authenticated
from ordergraph.schema.errors import UserError
from ordergraph.schema.stock_io import (
    InventoryLevelCountInput,
    InventoryLevelPayload,
    SetInventoryInput,
    SetInventoryLevelsInput,
    SetInventoryLevelsPayload,
    SetLowStockThresholdInput,
    SetSafetyStockInput,
)
from ordergraph.schema.types.inventory_level import InventoryLevelType
from ordergraph.services import stock_operations


def _payload(level: InventoryLevel | None, errors: list[UserError]) -> InventoryLevelPayload:
    return InventoryLevelPayload(
        inventory_level=InventoryLevelType.from_domain(level) if level else None,
        user_errors=errors,
    )


def _row(index: int, row: InventoryLevelCountInput) -> RawCountRow:
    warehouse: int | DomainError
    try:
        warehouse = input_id(row.warehouse_id, "Warehouse", ["rows", str(index), "warehouseId"])
    except DomainError as error:
        warehouse = error
    return RawCountRow(sku=row.sku, warehouse_id=warehouse, on_hand=row.on_hand)


@strawberry.type
class StockMutation:
    @strawberry.mutation(
        description="Record a counted quantity: onHand becomes it, the variance is booked as "
        "a CYCLE_COUNT movement. Refused below what is reserved (needs inventory:write)."
    )
    async def set_inventory(self, info: Info, input: SetInventoryInput) -> InventoryLevelPayload:
        actor = authenticated(info)

        async def run() -> InventoryLevel:
            return await stock_operations.set_inventory(
                info.context.deps,
                actor,
                sku=input.sku,
                warehouse_id=input_id(input.warehouse_id, "Warehouse", ["warehouseId"]),
                on_hand=input.on_hand,
                reason=input.reason,
                note=input.note,
                idempotency_key=input.idempotency_key,
            )

        return _payload(*await attempt(run))

    @strawberry.mutation(
        description="Count up to 250 levels at once, all or nothing: one userError per refused "
        "row, field ['input', 'rows', '<index>', …] (needs inventory:write)."
    )
    async def set_inventory_levels(
        self, info: Info, input: SetInventoryLevelsInput
    ) -> SetInventoryLevelsPayload:
        actor = authenticated(info)
        try:
            levels = await stock_operations.set_inventory_levels(
                info.context.deps,
                actor,
                rows=[_row(index, row) for index, row in enumerate(input.rows)],
                reason=input.reason,
                note=input.note,
                idempotency_key=input.idempotency_key,
            )
        except RowsRejected as rejected:
            return SetInventoryLevelsPayload(
                user_errors=[UserError.from_domain(error) for error in rejected.errors]
            )
        except DomainError as error:
            return SetInventoryLevelsPayload(user_errors=[UserError.from_domain(error)])
        return SetInventoryLevelsPayload(
            inventory_levels=[InventoryLevelType.from_domain(level) for level in levels]
        )

    @strawberry.mutation(
        description="Hold units back from sale at one level: availableToSell drops by them "
        "(needs inventory:write)."
    )
    async def set_safety_stock(
        self, info: Info, input: SetSafetyStockInput
    ) -> InventoryLevelPayload:
        actor = authenticated(info)

        async def run() -> InventoryLevel:
            return await stock_operations.set_safety_stock(
                info.context.deps,
                actor,
                sku=input.sku,
                warehouse_id=input_id(input.warehouse_id, "Warehouse", ["warehouseId"]),
                quantity=input.quantity,
                idempotency_key=input.idempotency_key,
            )

        return _payload(*await attempt(run))

    @strawberry.mutation(
        description="Warn with INVENTORY_LOW (webhook inventory.low, subscription inventoryLow) "
        "when availableToSell drops below the threshold; null clears (needs inventory:write)."
    )
    async def set_low_stock_threshold(
        self, info: Info, input: SetLowStockThresholdInput
    ) -> InventoryLevelPayload:
        actor = authenticated(info)

        async def run() -> InventoryLevel:
            return await stock_operations.set_low_stock_threshold(
                info.context.deps,
                actor,
                sku=input.sku,
                warehouse_id=input_id(input.warehouse_id, "Warehouse", ["warehouseId"]),
                threshold=input.threshold,
                idempotency_key=input.idempotency_key,
            )

        return _payload(*await attempt(run))
