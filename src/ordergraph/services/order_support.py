"""Helpers shared by the order use cases: loading, publishing events, stock movements."""

from __future__ import annotations

from datetime import datetime

from ordergraph.domain.access import may_act_on_order, may_read_order
from ordergraph.domain.errors import Forbidden, NotFound
from ordergraph.domain.orders import Order
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal
from ordergraph.services import stock_ledger


async def load_order_for_update(uow: UnitOfWork, order_id: int, actor: Principal) -> Order:
    """The order, row-locked for this transaction; NotFound if the caller may not see it."""
    order = await uow.orders.get(order_id, for_update=True)
    if order is None or not may_see(actor, order):
        raise NotFound("no such order", field=["orderId"])
    return order


def may_see(actor: Principal, order: Order) -> bool:
    return may_read_order(actor, order.customer_id)


def may_act(actor: Principal, order: Order) -> bool:
    """Staff with orders:write, the owning customer, or the client that placed the order."""
    return may_act_on_order(actor, order.customer_id, order.placed_by_token_id)


async def load_order_to_act(uow: UnitOfWork, order_id: int, actor: Principal) -> Order:
    """The order, row-locked; NotFound if the caller may neither see nor act on it."""
    order = await uow.orders.get(order_id, for_update=True)
    if order is None or not (may_see(actor, order) or may_act(actor, order)):
        raise NotFound("no such order", field=["orderId"])
    if not may_act(actor, order):
        raise Forbidden("changing this order needs orders:write")
    return order


def publish(uow: UnitOfWork, order: Order) -> None:
    for event in order.pending_events:
        uow.record(event)
    order.pending_events.clear()


async def release_reservations(
    uow: UnitOfWork, order: Order, actor: Principal, now: datetime
) -> int:
    """Give back every unit the order still holds; returns how many."""
    assert order.id is not None
    released = 0
    for stored in await uow.orders.active_allocations(order.id):
        a = stored.allocation
        await stock_ledger.release(
            uow,
            sku=a.sku,
            warehouse_id=a.warehouse_id,
            quantity=a.quantity,
            actor=actor.actor,
            reference=f"order:{order.number}",
            now=now,
        )
        released += a.quantity
    await uow.orders.release_allocations(order.id, now)
    return released
