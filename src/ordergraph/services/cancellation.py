"""Cancelling orders, by request or because an unpaid order expired.

Stock is released, and the order's discount uses given back, in the cancelling transaction.
Money is given back after it commits, through the one gateway path: an authorization is voided
(VOIDED once the provider agrees; a refused void leaves it AUTHORIZED and records
``payment.void_failed``), a capture refunded through the refund calculator. A failed refund
leaves the payment PAID, to be retried with ``refundOrder``.
"""

from __future__ import annotations

from typing import Any

from ordergraph.domain.errors import NotFound
from ordergraph.domain.orders import Order, PaymentStatus
from ordergraph.domain.payments import (
    PaymentGatewayError,
    PaymentTransaction,
    TransactionKind,
    open_holds,
)
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import SYSTEM, Principal
from ordergraph.domain.refunds import RefundNotPossible
from ordergraph.domain.validation import clean_text
from ordergraph.services import refunds
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps
from ordergraph.services.discounts import give_back_uses
from ordergraph.services.gateway_calls import Attempt, call_gateway
from ordergraph.services.order_support import load_order_to_act, publish, release_reservations
from ordergraph.services.settlement import settle


async def cancel_order(
    deps: Deps,
    actor: Principal,
    *,
    order_id: int,
    reason: str,
    idempotency_key: str | None = None,
) -> Order:
    reason = clean_text(reason, ["reason"], max_length=500)

    async def run(uow: UnitOfWork) -> Order:
        order = await load_order_to_act(uow, order_id, actor)
        await _cancel_in(uow, order, reason, actor, deps)
        return order

    async def recall(uow: UnitOfWork, result: dict[str, Any]) -> Order:
        found = await uow.orders.get(result["id"])
        if found is None:
            raise NotFound("no such order", field=["orderId"])
        return found

    order = await run_command(
        deps,
        actor,
        operation="cancelOrder",
        request={"order": order_id, "reason": reason},
        run=run,
        remember=lambda o: {"id": o.id},
        recall=recall,
        idempotency_key=idempotency_key,
    )
    return await _return_money(deps, order, actor, key=idempotency_key)


async def _cancel_in(
    uow: UnitOfWork, order: Order, reason: str, actor: Principal, deps: Deps
) -> None:
    now = deps.clock.now()
    order.cancel(reason, now, actor.actor)
    assert order.id is not None
    await release_reservations(uow, order, actor, now)
    await uow.orders.cancel_open_fulfillments(order.id, now)
    await give_back_uses(uow, order_id=order.id, now=now)
    await uow.orders.save(order)
    publish(uow, order)


async def _return_money(deps: Deps, order: Order, actor: Principal, key: str | None) -> Order:
    """Void an authorization, or refund what was captured (through the refund calculator)."""
    assert order.id is not None
    if order.payment_status in {PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED}:
        try:
            done = await refunds.refund_order(
                deps,
                SYSTEM,
                order_id=order.id,
                everything=True,
                reason="order cancelled",
                idempotency_key=f"cancel-refund:{order.number}",
            )
        except (PaymentGatewayError, RefundNotPossible):
            # recorded as a FAILED refund (or nothing left to pay back): retry with refundOrder
            async with deps.uow() as uow:
                current = await uow.orders.get(order.id)
            assert current is not None
            return current
        return done.order
    if order.payment_status is not PaymentStatus.AUTHORIZED:
        return order
    async with deps.uow() as uow:
        transactions = await uow.payments.for_order(order.id)
    current = order
    for hold in open_holds(transactions):  # usually one; more if a late hold was not undone
        current = await _void(deps, actor, order, hold)
    return current


async def _void(deps: Deps, actor: Principal, order: Order, hold: PaymentTransaction) -> Order:
    assert order.id is not None
    assert hold.reference is not None
    authorization = hold.reference
    key = f"cancel-{order.number}-{hold.id}"
    attempt = Attempt(order.id, order.number, TransactionKind.VOID, hold.amount, key, authorization)
    answer = await call_gateway(
        deps,
        attempt,
        lambda ctx: deps.gateway.void(
            authorization=authorization, idempotency_key=key, context=ctx
        ),
    )
    assert answer.id is not None
    return (await settle(deps, actor, answer.id)).order


async def expire_unpaid_orders(deps: Deps, *, limit: int = 100) -> int:
    """Cancel PLACED orders whose payment window has passed; safe to run in every worker."""
    async with deps.uow() as uow:
        now = deps.clock.now()
        expired = 0
        for order_id in await uow.orders.expired_unpaid(now, limit):
            order = await uow.orders.get(order_id, for_update=True)
            if order is None or not order.can_take_payment():
                continue
            await _cancel_in(uow, order, "expired: not paid in time", SYSTEM, deps)
            expired += 1
        await uow.commit()
    return expired
