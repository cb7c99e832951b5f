"""Booking a stock movement: the ledger line and the ``inventory.changed`` event, together."""

from __future__ import annotations

from ordergraph.domain.events import DomainEvent
from ordergraph.domain.inventory import InventoryMovement
from ordergraph.domain.ports import UnitOfWork


async def book(uow: UnitOfWork, movement: InventoryMovement) -> None:
    """Append to the movement ledger and tell subscribers which level changed."""
    await uow.inventory.record_movement(movement)
    uow.record(
        DomainEvent(
            "inventory.changed",
            "InventoryLevel",
            movement.warehouse_id,
            {
                "sku": movement.sku,
                "warehouseId": movement.warehouse_id,
                "kind": movement.kind.value,
                "onHandDelta": movement.on_hand_delta,
                "reservedDelta": movement.reserved_delta,
                "reference": movement.reference,
            },
            actor=movement.actor,
        )
    )
