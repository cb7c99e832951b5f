"""Paying a claimed refund back: through the one gateway path, then recorded under the
order's lock; and claiming a failed one again, only if nothing it pays back was paid since."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ordergraph.domain.errors import NotFound
from ordergraph.domain.money import Money
from ordergraph.domain.orders import Order, PaymentStatus
from ordergraph.domain.payments import (
    PaymentGatewayError,
    PaymentTransaction,
    TransactionKind,
    TransactionStatus,
    captured_total,
    latest_charge_reference,
)
from ordergraph.domain.ports import UnitOfWork
from ordergraph.domain.principals import Principal
from ordergraph.domain.refunds import (
    Refund,
    RefundBreakdown,
    RefundNotPossible,
    RefundRequest,
    RefundStatus,
    calculate_refund,
)
from ordergraph.domain.returns import ReturnStatus
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps
from ordergraph.services.gateway_calls import Attempt, call_gateway_once
from ordergraph.services.order_support import publish


async def exchanged_units(uow: UnitOfWork, order_id: int) -> dict[int, int]:
    """Units per order line sent back in the order's exchanges: their value paid for the
    replacement, so no refund may pay them back again."""
    units: dict[int, int] = {}
    for exchange in await uow.exchanges.for_original(order_id):
        rma = await uow.returns.get(exchange.return_id)
        for line in rma.lines if rma is not None else ():
            units[line.order_line_id] = units.get(line.order_line_id, 0) + line.quantity
    return units


@dataclass(frozen=True, slots=True)
class RefundResult:
    breakdown: RefundBreakdown
    order: Order
    refund: Refund | None  # None for a dry run


def captured_and_reference(
    transactions: list[PaymentTransaction], currency: str
) -> tuple[Money, str | None]:
    """Money taken and kept (compensated charges excluded), and the charge to refund against."""
    return captured_total(transactions, currency), latest_charge_reference(transactions)


async def load_order(uow: UnitOfWork, order_id: int, *, lock: bool = False) -> Order:
    order = await uow.orders.get(order_id, for_update=lock)
    if order is None:
        raise NotFound("no such order", field=["orderId"])
    return order


async def reclaim(deps: Deps, refund: Refund) -> None:
    """A failed refund asked for again: claim it anew only if everything it pays back — the
    units of each line, the shipping, the money, the return — is still unpaid."""

    async def claim_again(uow: UnitOfWork) -> None:
        order = await load_order(uow, refund.order_id, lock=True)
        if refund.return_id is not None:
            rma = await uow.returns.get(refund.return_id)
            if rma is None or rma.status is not ReturnStatus.RECEIVED:
                state = rma.status.value if rma is not None else "gone"
                raise RefundNotPossible(
                    f"the return of this failed refund is {state}; it was paid back since",
                    code="REFUND_QUANTITY_EXCEEDED",
                )
        transactions = await uow.payments.for_order(refund.order_id)
        captured, _ = captured_and_reference(transactions, order.currency)
        others = [r for r in await uow.refunds.for_order(refund.order_id) if r.id != refund.id]
        wanted = refund.breakdown
        again = RefundRequest(
            lines={line.order_line_id: line.quantity for line in wanted.lines},
            shipping=wanted.shipping.minor_units > 0,
            appeasement=wanted.appeasement if wanted.appeasement.minor_units else None,
        )
        try:
            now = calculate_refund(
                order,
                again,
                captured=captured,
                previous=others,
                exchanged=await exchanged_units(uow, refund.order_id),
            )
        except RefundNotPossible as exc:
            raise RefundNotPossible(
                f"this failed refund was paid back by another since: {exc.message}",
                code=exc.code,
                field=list(exc.field) if exc.field is not None else None,
            ) from exc
        if now.shipping != wanted.shipping or now.total.minor_units < wanted.total.minor_units:
            raise RefundNotPossible(
                "part of this failed refund was paid back by another since",
                code="REFUND_EXCEEDS_CAPTURED",
            )
        await uow.refunds.save(replace(refund, status=RefundStatus.PENDING, error=None))

    await in_transaction(deps, claim_again)
    refund.status = RefundStatus.PENDING
    refund.error = None


async def pay_back(deps: Deps, actor: Principal, refund: Refund) -> RefundResult:
    async with deps.uow() as uow:
        order = await load_order(uow, refund.order_id)
        transactions = await uow.payments.for_order(refund.order_id)
    _, capture_reference = captured_and_reference(transactions, order.currency)
    assert capture_reference is not None
    assert refund.id is not None
    base = f"refund-{refund.id}"
    tried = sum(
        1
        for t in transactions
        if (t.idempotency_key or "").startswith(f"{base}:")
        and t.status is TransactionStatus.ERROR
        and t.error_code != "network_error"
    )
    attempt = Attempt(
        order_id=refund.order_id,
        order_number=order.number,
        kind=TransactionKind.REFUND,
        amount=refund.breakdown.total,
        idempotency_key=f"{base}:{tried}",
        target_reference=capture_reference,
    )
    called = await call_gateway_once(
        deps,
        attempt,
        lambda ctx: deps.gateway.refund(
            amount=refund.breakdown.total,
            capture=capture_reference,
            idempotency_key=attempt.idempotency_key,
            context=ctx,
        ),
    )
    answer = called.transaction

    async def record(uow: UnitOfWork) -> RefundResult:
        now = deps.clock.now()
        order = await load_order(uow, refund.order_id, lock=True)
        stored = next(r for r in await uow.refunds.for_order(refund.order_id) if r.id == refund.id)
        if called.fresh:
            await uow.payments.save(replace(answer, settled_at=now))
        if stored.status is not RefundStatus.PENDING or not called.fresh:
            # a concurrent replay of the same request finished it (or is finishing it)
            return RefundResult(stored.breakdown, order, stored)
        done = replace(refund, completed_at=now)
        if answer.status is TransactionStatus.SUCCESS:
            done.status = RefundStatus.SUCCEEDED
            done.gateway_reference = answer.reference
            await _after_refund(uow, order, done, now, actor)
        else:
            done.status = RefundStatus.FAILED
            done.error = answer.message or answer.error_code or "refund failed"
            order.record("refund.failed", actor.actor, {"refundId": done.id})
        await uow.refunds.save(done)
        await uow.orders.save(order)
        publish(uow, order)
        return RefundResult(done.breakdown, order, done)

    result = await in_transaction(deps, record)
    assert result.refund is not None
    if result.refund.status is RefundStatus.FAILED:
        raise PaymentGatewayError(
            f"the payment provider did not refund ({result.refund.error}); ask again to retry"
        )
    return result


async def _after_refund(
    uow: UnitOfWork, order: Order, refund: Refund, now: Any, actor: Principal
) -> None:
    assert order.id is not None
    captured, _ = captured_and_reference(await uow.payments.for_order(order.id), order.currency)
    refunded = sum(
        (
            r.breakdown.total
            for r in await uow.refunds.for_order(order.id)
            if r.status is RefundStatus.SUCCEEDED or r.id == refund.id
        ),
        Money(0, order.currency),
    )
    everything = refunded.minor_units >= captured.minor_units
    if order.payment_status is PaymentStatus.PARTIALLY_CAPTURED:
        everything = False  # more shipments will capture more
    status = PaymentStatus.REFUNDED if everything else PaymentStatus.PARTIALLY_REFUNDED
    order.set_payment_status(status, now, actor.actor)
    order.record(
        "refund.succeeded",
        actor.actor,
        {"refundId": refund.id, "total": str(refund.breakdown.total.amount)},
    )
    if refund.return_id is not None:
        rma = await uow.returns.get(refund.return_id, for_update=True)
        if rma is not None and rma.status is ReturnStatus.RECEIVED:
            rma.refunded(now)
            await uow.returns.save(rma)
            order.record("return.refunded", actor.actor, {"returnId": rma.id})
