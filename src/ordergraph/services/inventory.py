"""Use cases for stock: manual adjustments (receiving, counts, damage)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ordergraph.domain.errors import NotFound
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.inventory import (
    AdjustmentReason,
    InventoryLevel,
    StockAdjustment,
)
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.validation import clean_sku
from ordergraph.services import stock_ledger
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps


async def adjust_inventory(
    deps: Deps,
    actor: Principal,
    *,
    sku: str,
    warehouse_id: int,
    delta: int,
    reason: AdjustmentReason,
    note: str | None = None,
    idempotency_key: str | None = None,
) -> InventoryLevel:
    """Change on-hand stock by ``delta`` and write the change to the movement ledger."""
    actor.require(Scope.INVENTORY_WRITE)
    adjustment = StockAdjustment.create(
        sku=clean_sku(sku, ["sku"]),
        warehouse_id=warehouse_id,
        delta=delta,
        reason=reason,
        note=note,
    )

    async def run(uow: UnitOfWork) -> InventoryLevel:
        if await uow.products.get_by_sku(adjustment.sku) is None:
            raise NotFound(f"no product has SKU {adjustment.sku}", field=["sku"])
        if await uow.warehouses.get(warehouse_id) is None:
            raise NotFound("no such warehouse", field=["warehouseId"])
        now = deps.clock.now()
        level = await stock_ledger.adjust(uow, adjustment, actor=actor.actor, now=now)
        uow.record(
            DomainEvent(
                "inventory.adjusted",
                "InventoryLevel",
                warehouse_id,
                {
                    "sku": level.sku,
                    "warehouseId": warehouse_id,
                    "delta": delta,
                    "reason": adjustment.reason.value,
                    "onHand": level.on_hand,
                    "reserved": level.reserved,
                },
                actor=actor.actor,
            )
        )
        return level

    async def recall(_uow: UnitOfWork, result: dict[str, Any]) -> InventoryLevel:
        return InventoryLevel(
            sku=result["sku"],
            warehouse_id=result["warehouse_id"],
            on_hand=result["on_hand"],
            reserved=result["reserved"],
            updated_at=datetime.fromisoformat(result["updated_at"]),
        )

    return await run_command(
        deps,
        actor,
        operation="adjustInventory",
        request={
            "sku": sku,
            "w": warehouse_id,
            "d": delta,
            "r": reason.value,
            "n": note,
        },
        run=run,
        remember=lambda lv: {
            "sku": lv.sku,
            "warehouse_id": lv.warehouse_id,
            "on_hand": lv.on_hand,
            "reserved": lv.reserved,
            "updated_at": lv.updated_at.isoformat(),
        },
        recall=recall,
        idempotency_key=idempotency_key,
    )
