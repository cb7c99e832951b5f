"""Settling a recorded provider answer against the order, and compensating stale money.

``settle`` runs in one transaction that locks the order, retried on conflicts (``CONFLICT``
when they outlast every retry); it is idempotent — a transaction settles once, however many
webhooks, retries or reconcile runs bring it back. When the decision says the money must not
be kept (the order moved on), ``compensate`` voids or refunds it through the same gateway path,
records the outcome, and flags the order if the provider refused.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ordergraph.domain.errors import NotFound
from ordergraph.domain.orders import Order
from ordergraph.domain.payment_status import PaymentStatus
from ordergraph.domain.payments import (
    PaymentTransaction,
    TransactionKind,
    TransactionStatus,
    captured_total,
    open_holds,
)
from ordergraph.domain.ports import StoredAllocation, UnitOfWork
from ordergraph.domain.principals import SYSTEM, Principal
from ordergraph.domain.refunds import RefundStatus
from ordergraph.domain.settlement import NOTHING, Decision, Effect, decide
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps
from ordergraph.services.gateway_calls import Attempt, call_gateway
from ordergraph.services.order_support import publish

NEEDS_ATTENTION = "PAYMENT_NEEDS_ATTENTION"  # an at-risk reason: money the provider would not undo


@dataclass(frozen=True, slots=True)
class Settled:
    order: Order
    transaction: PaymentTransaction
    decision: Decision
    already: bool = False  # settled before; nothing happened now


async def money_left(uow: UnitOfWork, order: Order, *, counting_pending: bool = False) -> int:
    """Captured and kept, less what succeeded refunds paid back (and, ``counting_pending``,
    what refunds being paid have spoken for), in minor units."""
    assert order.id is not None
    captured = captured_total(await uow.payments.for_order(order.id), order.currency)
    refunded = sum(
        r.breakdown.total.minor_units
        for r in await uow.refunds.for_order(order.id)
        if r.status is RefundStatus.SUCCEEDED or (counting_pending and r.counts)
    )
    return captured.minor_units - refunded


async def settle(deps: Deps, actor: Principal, transaction_id: int) -> Settled:
    async def run(uow: UnitOfWork) -> Settled:
        found = await uow.payments.get(transaction_id)
        if found is None:
            raise NotFound("no such payment transaction")
        order = await uow.orders.get(found.order_id, for_update=True)
        assert order is not None
        transaction = await uow.payments.get(transaction_id)  # re-read under the order's lock
        assert transaction is not None
        if transaction.settled_at is not None or transaction.status in {
            TransactionStatus.PENDING,
            TransactionStatus.ERROR,
        }:
            return Settled(order, transaction, NOTHING, already=True)
        now = deps.clock.now()
        everything = await uow.payments.for_order(order.id or 0)
        decision = decide(
            order,
            transaction,
            money_left=await money_left(uow, order),
            holds_left=len(open_holds(everything)),
        )
        if _same_call_kept(transaction, everything):
            decision = NOTHING  # a twin request got the same provider answer and kept it
        await _apply(uow, deps, order, transaction, decision, now, actor)
        if transaction.status.final:
            transaction = replace(transaction, settled_at=now)
            await uow.payments.save(transaction)
        await uow.orders.save(order)
        publish(uow, order)
        return Settled(order, transaction, decision)

    async def recall(_uow: UnitOfWork, _remembered: dict[str, Any]) -> Settled:
        raise AssertionError("settling is not keyed")

    return await run_command(
        deps,
        actor,
        operation="settlePayment",
        request={"transaction": transaction_id},
        run=run,
        remember=lambda _s: None,
        recall=recall,
    )


def _same_call_kept(transaction: PaymentTransaction, others: list[PaymentTransaction]) -> bool:
    """Concurrent twins (same idempotency key) get the same answer from the provider: the
    first one settled keeps it, and the second must not undo it as if it were new money."""
    return transaction.reference is not None and any(
        t.id != transaction.id
        and t.kind is transaction.kind
        and t.reference == transaction.reference
        and t.status is TransactionStatus.SUCCESS
        and t.settled_at is not None
        for t in others
    )


async def _apply(
    uow: UnitOfWork,
    deps: Deps,
    order: Order,
    transaction: PaymentTransaction,
    decision: Decision,
    now: datetime,
    actor: Principal,
) -> None:
    who = actor.actor
    if decision.effect is Effect.CONFIRM:
        assert decision.status is not None
        if decision.status is PaymentStatus.AUTHORIZED:
            order.authorization_expires_at = (
                transaction.created_at + deps.gateway.authorization_validity
            )
        await confirm_and_route(uow, deps, order, decision.status, now, actor)
    elif decision.effect is Effect.MOVE:
        assert decision.status is not None
        if decision.status is PaymentStatus.FAILED:
            order.payment_failed(now, who, transaction.error_code or "declined")
        elif decision.status is PaymentStatus.ACTION_REQUIRED:
            order.payment_action_required(now, who)
        else:
            order.set_payment_status(decision.status, now, who)
            if decision.status is not PaymentStatus.AUTHORIZED:
                order.authorization_expires_at = None
    elif decision.effect is Effect.CAPTURED:
        assert order.id is not None
        captured = captured_total(await uow.payments.for_order(order.id), order.currency)
        final = captured.minor_units >= order.total.minor_units
        order.mark_captured(now, who, final=final)
        if final:
            order.authorization_expires_at = None
    if decision.compensate is not None:
        order.record(
            "payment.compensating",
            who,
            {"transactionId": transaction.id, "action": decision.compensate.value},
        )
    if decision.event is not None:
        order.record(decision.event, who, {"transactionId": transaction.id})
        if decision.event == "payment.compensation_failed":
            order.flag_at_risk([NEEDS_ATTENTION], now, who)


async def compensate(deps: Deps, actor: Principal, settled: Settled) -> Settled:
    """Void or refund money that landed on an order that moved on; record how it went."""
    kind = settled.decision.compensate
    assert kind is not None
    charge = settled.transaction
    order = settled.order
    assert order.id is not None
    assert charge.id is not None
    assert charge.reference is not None
    async with deps.uow() as uow:
        earlier = [
            t
            for t in await uow.payments.for_order(order.id)
            if t.compensates_id == charge.id
            and t.status is TransactionStatus.ERROR
            and t.error_code != "network_error"
        ]

    async def still_owed(uow: UnitOfWork) -> str | None:
        """A refund may have paid this money back meanwhile (refundOrder on the cancelled
        order): then there is nothing left to undo."""
        free = await money_left(uow, order, counting_pending=True)
        if kind is TransactionKind.REFUND and free < charge.amount.minor_units:
            return "already paid back by a refund"
        return None

    attempt = Attempt(
        order_id=order.id,
        order_number=order.number,
        kind=kind,
        amount=charge.amount,
        idempotency_key=f"compensate-{charge.id}:{len(earlier)}",  # new key after an error
        target_reference=charge.reference,
        compensates_id=charge.id,
        guard=still_owed,
    )
    reference = charge.reference
    if kind is TransactionKind.VOID:
        answer = await call_gateway(
            deps,
            attempt,
            lambda ctx: deps.gateway.void(
                authorization=reference, idempotency_key=attempt.idempotency_key, context=ctx
            ),
        )
    else:
        answer = await call_gateway(
            deps,
            attempt,
            lambda ctx: deps.gateway.refund(
                amount=charge.amount,
                capture=reference,
                idempotency_key=attempt.idempotency_key,
                context=ctx,
            ),
        )
    assert answer.id is not None
    done = await settle(deps, actor, answer.id)
    if answer.status is not TransactionStatus.SUCCESS and not done.already:
        # an outage is not settled by ``settle``: say so on the order all the same
        await _flag_unsettled(deps, actor, answer)
    return done


async def retry_compensations(deps: Deps, *, limit: int = 50) -> int:
    """Ask again to undo money whose compensation met an outage (only ERROR answers so far);
    run by every worker's at-risk job. Returns how many were undone now."""
    async with deps.uow() as uow:
        waiting = await uow.payments.unfinished_compensations(limit)
    undone = 0
    for charge_id in waiting:
        async with deps.uow() as uow:
            charge = await uow.payments.get(charge_id)
            order = await uow.orders.get(charge.order_id) if charge is not None else None
        if charge is None or order is None or charge.reference is None:
            continue
        kind = (
            TransactionKind.VOID
            if charge.kind is TransactionKind.AUTHORIZE
            else (TransactionKind.REFUND)
        )
        done = await compensate(
            deps, SYSTEM, Settled(order, charge, Decision(Effect.NOTHING, compensate=kind))
        )
        undone += done.transaction.status is TransactionStatus.SUCCESS
    return undone


async def _flag_unsettled(deps: Deps, actor: Principal, answer: PaymentTransaction) -> None:
    if answer.status is TransactionStatus.DECLINED:
        return  # settle recorded payment.compensation_failed and flagged the order
    async with deps.uow() as uow:
        order = await uow.orders.get(answer.order_id, for_update=True)
        assert order is not None
        now = deps.clock.now()
        order.record("payment.compensation_failed", actor.actor, {"transactionId": answer.id})
        order.flag_at_risk([NEEDS_ATTENTION], now, actor.actor)
        await uow.orders.save(order)
        publish(uow, order)
        await uow.commit()


async def confirm_and_route(
    uow: UnitOfWork,
    deps: Deps,
    order: Order,
    payment_status: PaymentStatus | None,
    now: datetime,
    actor: Principal,
) -> None:
    """PLACED → CONFIRMED with its fulfillments: the one path that a settled payment and a
    confirmation on payment terms (``payment_status`` None: it stays PENDING) both take."""
    order.confirm(payment_status, now, actor.actor, ship_by=now + deps.policy.handling_time)
    await create_fulfillments(uow, order, actor)


async def create_fulfillments(uow: UnitOfWork, order: Order, actor: Principal) -> None:
    """One fulfillment per warehouse holding the order's reservations."""
    assert order.id is not None
    now = order.updated_at
    by_warehouse: dict[int, list[StoredAllocation]] = defaultdict(list)
    for stored in await uow.orders.active_allocations(order.id):
        by_warehouse[stored.allocation.warehouse_id].append(stored)
    for warehouse_id, allocations in sorted(by_warehouse.items()):
        fulfillment_id = await uow.orders.add_fulfillment(order.id, warehouse_id, allocations, now)
        order.record(
            "fulfillment.created",
            actor.actor,
            {"fulfillmentId": fulfillment_id, "warehouseId": warehouse_id},
        )
