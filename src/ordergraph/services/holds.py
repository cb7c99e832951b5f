"""Use cases for holds: typed stops that block fulfillment until released."""

from __future__ import annotations

from typing import Any

from ordergraph.domain.errors import NotFound
from ordergraph.domain.orders import Hold, HoldType, Order
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.validation import optional_text
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps
from ordergraph.services.order_support import load_order_for_update, publish


async def _recall(uow: UnitOfWork, result: dict[str, Any]) -> Order:
    found = await uow.orders.get(result["id"])
    if found is None:
        raise NotFound("no such order", field=["orderId"])
    return found


async def hold_order(
    deps: Deps,
    actor: Principal,
    *,
    order_id: int,
    hold_type: HoldType,
    reason: str | None = None,
    idempotency_key: str | None = None,
) -> Order:
    actor.require(Scope.ORDERS_WRITE)
    note = optional_text(reason, ["reason"], max_length=500)

    async def run(uow: UnitOfWork) -> Order:
        now = deps.clock.now()
        order = await load_order_for_update(uow, order_id, actor)
        order.place_hold(Hold(None, hold_type, note, now, actor.actor), now)
        await uow.orders.save(order)
        publish(uow, order)
        return order

    return await run_command(
        deps,
        actor,
        operation="holdOrder",
        request={"order": order_id, "type": hold_type.value, "reason": reason},
        run=run,
        remember=lambda o: {"id": o.id},
        recall=_recall,
        idempotency_key=idempotency_key,
    )


async def release_order_hold(
    deps: Deps,
    actor: Principal,
    *,
    order_id: int,
    hold_type: HoldType,
    idempotency_key: str | None = None,
) -> Order:
    actor.require(Scope.ORDERS_WRITE)

    async def run(uow: UnitOfWork) -> Order:
        now = deps.clock.now()
        order = await load_order_for_update(uow, order_id, actor)
        order.release_hold(hold_type, now, actor.actor)
        await uow.orders.save(order)
        publish(uow, order)
        return order

    return await run_command(
        deps,
        actor,
        operation="releaseOrderHold",
        request={"order": order_id, "type": hold_type.value},
        run=run,
        remember=lambda o: {"id": o.id},
        recall=_recall,
        idempotency_key=idempotency_key,
    )
