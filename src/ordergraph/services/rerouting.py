"""Moving a confirmed order's pending fulfillment to another warehouse (a rule's
``setWarehouse``): only where that warehouse holds the stock. The stock moves through the
ledger: reserve at the new warehouse, release at the old one, in one transaction."""

from __future__ import annotations

from typing import Any

from ordergraph.domain.errors import InsufficientStock, InvalidInput, NotFound
from ordergraph.domain.fulfillments import FulfillmentStatus
from ordergraph.domain.orders import OrderStatus
from ordergraph.domain.ports import StoredAllocation, UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.routing import Allocation
from ordergraph.services import stock_ledger
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps
from ordergraph.services.order_support import load_order_for_update, publish


async def reroute_order(
    deps: Deps,
    actor: Principal,
    *,
    order_id: int,
    warehouse_id: int,
    idempotency_key: str | None = None,
) -> int:
    """Move every PENDING fulfillment of a CONFIRMED order to ``warehouse_id``; how many moved
    (0 when they are all there already)."""
    actor.require(Scope.FULFILLMENT_WRITE)

    async def run(uow: UnitOfWork) -> int:
        now = deps.clock.now()
        order = await load_order_for_update(uow, order_id, actor)
        assert order.id is not None
        if order.status is not OrderStatus.CONFIRMED:
            raise InvalidInput(
                f"order {order.number} is {order.status.value}, not CONFIRMED",
                field=["orderId"],
                code="ILLEGAL_TRANSITION",
            )
        target = await uow.warehouses.get(warehouse_id)
        if target is None:
            raise NotFound("no such warehouse", field=["warehouseId"])
        if not target.active:
            raise InvalidInput(
                f"warehouse {target.code} is inactive",
                field=["warehouseId"],
                code="WAREHOUSE_INACTIVE",
            )
        moving = [
            f
            for f in await uow.fulfillments.for_order(order.id)
            if f.status is FulfillmentStatus.PENDING and f.warehouse_id != warehouse_id
        ]
        if not moving:
            return 0
        sources = {f.warehouse_id for f in moving}
        kept: list[StoredAllocation] = []
        moved: list[StoredAllocation] = []
        reference = f"order:{order.number}"
        for stored in await uow.orders.active_allocations(order.id):
            a = stored.allocation
            if a.warehouse_id not in sources:
                kept.append(stored)
                continue
            if not await stock_ledger.reserve(
                uow,
                sku=a.sku,
                warehouse_id=warehouse_id,
                quantity=a.quantity,
                actor=actor.actor,
                reference=reference,
                now=now,
            ):
                raise InsufficientStock(
                    f"{target.code} does not have {a.quantity} of {a.sku} to spare",
                    field=["warehouseId"],
                )
            await stock_ledger.release(
                uow,
                sku=a.sku,
                warehouse_id=a.warehouse_id,
                quantity=a.quantity,
                actor=actor.actor,
                reference=reference,
                now=now,
            )
            moved.append(
                StoredAllocation(stored.order_line_id, Allocation(a.sku, warehouse_id, a.quantity))
            )
        await uow.orders.release_allocations(order.id, now)
        await uow.orders.add_allocations(order.id, kept + moved)
        for fulfillment in moving:
            fulfillment.warehouse_id = warehouse_id
            fulfillment.updated_at = now
            fulfillment.version += 1
            await uow.fulfillments.save(fulfillment)
        order.record(
            "fulfillment.rerouted",
            actor.actor,
            {"fromWarehouseIds": sorted(sources), "toWarehouseId": warehouse_id},
        )
        publish(uow, order)
        return len(moving)

    return await run_command(
        deps,
        actor,
        operation="rerouteOrder",
        request={"order": order_id, "warehouse": warehouse_id},
        run=run,
        remember=lambda moved: {"moved": moved},
        recall=_recall,
        idempotency_key=idempotency_key,
    )


async def _recall(_uow: UnitOfWork, result: dict[str, Any]) -> int:
    return int(result["moved"])
