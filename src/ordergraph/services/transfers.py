"""Use cases for transfers: send stock to another warehouse, receive it there, or cancel.

Every stock change goes through ``services/stock_ledger.py`` in the same transaction as the
transfer's own row and its event.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from ordergraph.domain.catalog import Warehouse
from ordergraph.domain.errors import InvalidInput, NotFound
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.transfers import InventoryTransfer, check_transfer
from ordergraph.domain.validation import clean_sku
from ordergraph.services import stock_ledger
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps


async def existing_warehouse(
    uow: UnitOfWork, warehouse_id: int, field: Sequence[str], *, must_be_active: bool
) -> Warehouse:
    """The warehouse, or ``NOT_FOUND``; with ``must_be_active``, ``WAREHOUSE_INACTIVE`` for a
    deactivated one (stock may still leave a closing warehouse, but none is sent to it)."""
    warehouse = await uow.warehouses.get(warehouse_id)
    if warehouse is None:
        raise NotFound("no such warehouse", field=field)
    # ``active`` arrives with deactivateWarehouse; until then every warehouse is active
    if must_be_active and not warehouse.active:
        raise InvalidInput(
            f"warehouse {warehouse.code} is deactivated", field=field, code="WAREHOUSE_INACTIVE"
        )
    return warehouse


def _event(kind: str, transfer: InventoryTransfer, actor: Principal) -> DomainEvent:
    assert transfer.id is not None
    return DomainEvent(
        f"transfer.{kind}",
        "InventoryTransfer",
        transfer.id,
        transfer.event_payload(),
        actor=actor.actor,
    )


async def _recall(uow: UnitOfWork, result: dict[str, Any]) -> InventoryTransfer:
    found = await uow.transfers.get(result["id"])
    if found is None:
        raise NotFound("the transfer this key made no longer exists", field=["transferId"])
    return found


def _remember(transfer: InventoryTransfer) -> dict[str, Any]:
    return {"id": transfer.id}


async def transfer_inventory(
    deps: Deps,
    actor: Principal,
    *,
    sku: str,
    from_warehouse_id: int,
    to_warehouse_id: int,
    quantity: int,
    idempotency_key: str | None = None,
) -> InventoryTransfer:
    """Send units: off the source's on hand now, in transit at the destination until
    received. Refused (nothing written) if the source has fewer unreserved units."""
    actor.require(Scope.INVENTORY_WRITE)
    cleaned = clean_sku(sku, ["sku"])
    check_transfer(from_warehouse_id, to_warehouse_id, quantity)

    async def run(uow: UnitOfWork) -> InventoryTransfer:
        if await uow.products.get_by_sku(cleaned) is None:
            raise NotFound(f"no product has SKU {cleaned}", field=["sku"])
        await existing_warehouse(uow, from_warehouse_id, ["fromWarehouseId"], must_be_active=False)
        await existing_warehouse(uow, to_warehouse_id, ["toWarehouseId"], must_be_active=True)
        now = deps.clock.now()
        transfer = InventoryTransfer.create(
            number=await uow.transfers.next_number(),
            sku=cleaned,
            from_warehouse_id=from_warehouse_id,
            to_warehouse_id=to_warehouse_id,
            quantity=quantity,
            actor=actor.actor,
            now=now,
        )
        await stock_ledger.send_transfer(
            uow,
            sku=cleaned,
            from_warehouse_id=from_warehouse_id,
            to_warehouse_id=to_warehouse_id,
            quantity=quantity,
            actor=actor.actor,
            reference=transfer.number,
            now=now,
        )
        await uow.transfers.add(transfer)
        uow.record(_event("created", transfer, actor))
        return transfer

    return await run_command(
        deps,
        actor,
        operation="transferInventory",
        request={"sku": sku, "from": from_warehouse_id, "to": to_warehouse_id, "q": quantity},
        run=run,
        remember=_remember,
        recall=_recall,
        idempotency_key=idempotency_key,
    )


async def receive_transfer(
    deps: Deps, actor: Principal, *, transfer_id: int, idempotency_key: str | None = None
) -> InventoryTransfer:
    """IN_TRANSIT → RECEIVED: the units leave in-transit and go on hand at the destination."""

    async def arrive(uow: UnitOfWork, transfer: InventoryTransfer, now: datetime) -> None:
        transfer.receive(now)
        await stock_ledger.receive_transfer(
            uow,
            sku=transfer.sku,
            to_warehouse_id=transfer.to_warehouse_id,
            quantity=transfer.quantity,
            actor=actor.actor,
            reference=transfer.number,
            now=now,
        )

    return await _settle(deps, actor, transfer_id, idempotency_key, "receiveTransfer", arrive)


async def cancel_transfer(
    deps: Deps, actor: Principal, *, transfer_id: int, idempotency_key: str | None = None
) -> InventoryTransfer:
    """IN_TRANSIT → CANCELLED: the units leave in-transit and go back on hand at the source."""

    async def call_back(uow: UnitOfWork, transfer: InventoryTransfer, now: datetime) -> None:
        transfer.cancel(now)
        await stock_ledger.cancel_transfer(
            uow,
            sku=transfer.sku,
            from_warehouse_id=transfer.from_warehouse_id,
            to_warehouse_id=transfer.to_warehouse_id,
            quantity=transfer.quantity,
            actor=actor.actor,
            reference=transfer.number,
            now=now,
        )

    return await _settle(deps, actor, transfer_id, idempotency_key, "cancelTransfer", call_back)


async def _settle(
    deps: Deps,
    actor: Principal,
    transfer_id: int,
    idempotency_key: str | None,
    operation: str,
    step: Callable[[UnitOfWork, InventoryTransfer, datetime], Awaitable[None]],
) -> InventoryTransfer:
    """End a transfer in transit: lock it, take ``step`` (its transition and ledger moves),
    store it and record the event — one command either way it ends."""
    actor.require(Scope.INVENTORY_WRITE)

    async def run(uow: UnitOfWork) -> InventoryTransfer:
        transfer = await uow.transfers.get(transfer_id, for_update=True)
        if transfer is None:
            raise NotFound("no such transfer", field=["transferId"])
        await step(uow, transfer, deps.clock.now())
        await uow.transfers.save(transfer)
        uow.record(_event(transfer.status.value.lower(), transfer, actor))
        return transfer

    return await run_command(
        deps,
        actor,
        operation=operation,
        request={"id": transfer_id},
        run=run,
        remember=_remember,
        recall=_recall,
        idempotency_key=idempotency_key,
    )
