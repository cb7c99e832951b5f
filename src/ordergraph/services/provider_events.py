"""Provider webhooks: complete, fail or refund payments, once per event, in any order.

An event is matched to our transaction by the transaction id we sent as metadata, else by the
provider's reference. Every handler only moves a transaction *forward* (a PENDING or
ACTION_REQUIRED answer becomes SUCCESS or DECLINED; a final answer is never changed), and
settling is idempotent, so a redelivered event, a late ``payment_failed`` after a
``succeeded``, or an event racing our own answer all leave the same state. Handled event ids
are remembered (``payment_provider_events``); one seen before changes nothing.
"""

from __future__ import annotations

from dataclasses import replace

from ordergraph.domain.money import Money
from ordergraph.domain.orders import OrderStatus
from ordergraph.domain.payment_status import PaymentStatus, can_move_payment
from ordergraph.domain.payments import (
    GatewayResult,
    PaymentTransaction,
    ProviderEvent,
    ProviderEventKind,
    TransactionKind,
    TransactionStatus,
)
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import SYSTEM
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps
from ordergraph.services.gateway_calls import record_answer
from ordergraph.services.order_support import publish
from ordergraph.services.settlement import NEEDS_ATTENTION, compensate, money_left, settle

OPEN = frozenset({TransactionStatus.PENDING, TransactionStatus.ACTION_REQUIRED})
PAYMENTS = frozenset({TransactionKind.AUTHORIZE, TransactionKind.SALE})


async def handle_provider_event(deps: Deps, event: ProviderEvent) -> str:
    """Apply one verified event; returns what it did (for the response and the log)."""
    async with deps.uow() as uow:
        if await uow.payments.event_seen(event.provider, event.id):
            return "duplicate"
        payment = await _payment_for(uow, deps.gateway.name, event)
    if payment is None:
        outcome = "no such payment here"
    elif event.kind in {ProviderEventKind.SUCCEEDED, ProviderEventKind.AUTHORIZED}:
        outcome = await _complete(deps, payment, GatewayResult(TransactionStatus.SUCCESS))
    elif event.kind is ProviderEventKind.FAILED:
        failed = GatewayResult(
            TransactionStatus.DECLINED,
            error_code=event.error_code or "payment_failed",
            message=event.message or "the payment failed at the provider",
        )
        outcome = await _complete(deps, payment, failed)
    elif event.kind is ProviderEventKind.CANCELED:
        outcome = await _canceled(deps, payment)
    elif event.kind is ProviderEventKind.REFUNDED:
        outcome = await _refunded(deps, payment, event)
    else:
        outcome = "ignored"
    async with deps.uow() as uow:
        await uow.payments.remember_event(
            event.provider, event.id, event.type, event.reference, outcome, deps.clock.now()
        )
        await uow.commit()
    return outcome


async def _payment_for(
    uow: UnitOfWork, gateway: str, event: ProviderEvent
) -> PaymentTransaction | None:
    """The authorization or sale the event concerns."""
    if event.transaction_id is not None:
        found = await uow.payments.get(event.transaction_id)
        if found is not None and found.gateway == gateway and found.kind in PAYMENTS:
            return found
    if event.reference is None:
        return None
    matches = [
        t for t in await uow.payments.by_reference(gateway, event.reference) if t.kind in PAYMENTS
    ]
    return matches[-1] if matches else None


async def _complete(deps: Deps, payment: PaymentTransaction, result: GatewayResult) -> str:
    if payment.status not in OPEN:
        return f"already {payment.status.value}"
    answered = payment.answered(replace(result, reference=payment.reference))  # secret cleared
    await record_answer(deps, answered)
    assert answered.id is not None
    settled = await settle(deps, SYSTEM, answered.id)
    if settled.decision.compensate is not None:
        done = await compensate(deps, SYSTEM, settled)
        return f"{result.status.value}; compensated: {done.transaction.status.value}"
    return f"{result.status.value}; order {settled.order.status.value}"


async def _canceled(deps: Deps, payment: PaymentTransaction) -> str:
    """The hold was released at the provider (expired, or cancelled in its dashboard)."""
    if payment.status in OPEN:
        return await _complete(
            deps,
            payment,
            GatewayResult(
                TransactionStatus.DECLINED, error_code="canceled", message="canceled at provider"
            ),
        )
    async with deps.uow() as uow:
        order = await uow.orders.get(payment.order_id, for_update=True)
        assert order is not None
        if order.payment_status is not PaymentStatus.AUTHORIZED:
            return f"nothing held (payment {order.payment_status.value})"
        now = deps.clock.now()
        void = await uow.payments.add(
            PaymentTransaction(
                id=None,
                order_id=payment.order_id,
                gateway=payment.gateway,
                kind=TransactionKind.VOID,
                status=TransactionStatus.SUCCESS,
                amount=payment.amount,
                reference=payment.reference,
                error_code=None,
                message="released at the provider",
                created_at=now,
                target_reference=payment.reference,
            )
        )
        await uow.commit()
    assert void.id is not None
    settled = await settle(deps, SYSTEM, void.id)
    if settled.order.status is not OrderStatus.CANCELLED:
        await _needs_attention(deps, payment.order_id)  # a live order lost its money
    return f"voided at provider; payment {settled.order.payment_status.value}"


async def _needs_attention(deps: Deps, order_id: int) -> None:
    async def flag(uow: UnitOfWork) -> None:
        order = await uow.orders.get(order_id, for_update=True)
        assert order is not None
        if order.flag_at_risk([NEEDS_ATTENTION], deps.clock.now(), SYSTEM.actor):
            await uow.orders.save(order)
            publish(uow, order)

    await in_transaction(deps, flag)


async def _refunded(deps: Deps, payment: PaymentTransaction, event: ProviderEvent) -> str:
    """Money refunded at the provider beyond what we recorded (its dashboard): record it."""
    async with deps.uow() as uow:
        order = await uow.orders.get(payment.order_id, for_update=True)
        assert order is not None
        assert order.id is not None
        transactions = await uow.payments.for_order(order.id)
        ours = sum(
            t.amount.minor_units
            for t in transactions
            if t.kind is TransactionKind.REFUND
            and t.status is TransactionStatus.SUCCESS
            and t.target_reference == payment.reference
        )
        extra = event.refunded - ours
        if extra <= 0:
            return "refunds already recorded"
        now = deps.clock.now()
        stored = await uow.payments.add(
            PaymentTransaction(
                id=None,
                order_id=order.id,
                gateway=payment.gateway,
                kind=TransactionKind.REFUND,
                status=TransactionStatus.SUCCESS,
                amount=Money(extra, payment.amount.currency),
                reference=f"{event.id}",
                error_code=None,
                message="refunded at the provider",
                created_at=now,
                target_reference=payment.reference,
                settled_at=now,
            )
        )
        left = await money_left(uow, order) - extra
        wanted = PaymentStatus.REFUNDED if left <= 0 else PaymentStatus.PARTIALLY_REFUNDED
        if can_move_payment(order.payment_status, wanted):
            order.set_payment_status(wanted, now, SYSTEM.actor)
        order.record(
            "payment.refunded_at_provider",
            SYSTEM.actor,
            {"transactionId": stored.id, "amount": str(stored.amount.amount)},
        )
        await uow.orders.save(order)
        publish(uow, order)
        await uow.commit()
    return f"recorded {extra} refunded at the provider"
