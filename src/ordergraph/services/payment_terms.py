"""Confirming an order on payment terms: trusted B2B customers, cash on delivery.

The order goes PLACED → CONFIRMED with its fulfillments exactly as a settled payment does
(``settlement.confirm_and_route``), while the payment stays PENDING. Being CONFIRMED, the
unpaid-order expiry (which cancels PLACED orders only) no longer touches it.
"""

from __future__ import annotations

from typing import Any

from ordergraph.domain.errors import NotFound
from ordergraph.domain.orders import IllegalTransition, Order, OrderStatus
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal, Scope
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps
from ordergraph.services.order_support import load_order_for_update, publish
from ordergraph.services.settlement import confirm_and_route


async def confirm_on_terms(
    deps: Deps, actor: Principal, *, order_id: int, idempotency_key: str | None = None
) -> Order:
    """CONFIRMED without payment; ``ILLEGAL_TRANSITION`` unless PLACED, ``ORDER_ON_HOLD``
    while a hold is active."""
    actor.require(Scope.ORDERS_WRITE)

    async def run(uow: UnitOfWork) -> Order:
        order = await load_order_for_update(uow, order_id, actor)
        if order.status is not OrderStatus.PLACED:
            raise IllegalTransition(order.number, order.status, OrderStatus.CONFIRMED)
        order.ensure_not_on_hold()
        await confirm_and_route(uow, deps, order, None, deps.clock.now(), actor)
        await uow.orders.save(order)
        publish(uow, order)
        return order

    return await run_command(
        deps,
        actor,
        operation="confirmOnTerms",
        request={"order": order_id},
        run=run,
        remember=lambda o: {"id": o.id},
        recall=_recall,
        idempotency_key=idempotency_key,
    )


async def _recall(uow: UnitOfWork, result: dict[str, Any]) -> Order:
    found = await uow.orders.get(result["id"])
    if found is None:
        raise NotFound("no such order", field=["orderId"])
    return found
