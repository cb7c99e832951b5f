"""Use cases for paying money back: one calculator, a dry run, idempotent gateway refunds.

A refund is claimed (PENDING) in a transaction that locks the order, so two concurrent refunds
can never both spend the same captured money; the gateway is then called outside any
transaction, and the outcome recorded. A FAILED refund frees its amount and can be retried.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ordergraph.domain.errors import Forbidden, NotFound
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
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.refunds import (
    Refund,
    RefundBreakdown,
    RefundNotPossible,
    RefundRequest,
    RefundStatus,
    calculate_refund,
)
from ordergraph.domain.returns import ReturnStatus
from ordergraph.domain.validation import optional_text
from ordergraph.services.command import in_transaction, run_command
from ordergraph.services.deps import Deps
from ordergraph.services.gateway_calls import Attempt, call_gateway_once
from ordergraph.services.order_support import publish


@dataclass(frozen=True, slots=True)
class RefundResult:
    breakdown: RefundBreakdown
    order: Order
    refund: Refund | None  # None for a dry run


def _captured(transactions: list[PaymentTransaction], currency: str) -> tuple[Money, str | None]:
    """Money taken and kept (compensated charges excluded), and the charge to refund against."""
    return captured_total(transactions, currency), latest_charge_reference(transactions)


async def _plan(
    uow: UnitOfWork,
    order: Order,
    request: RefundRequest,
    return_id: int | None,
) -> tuple[RefundBreakdown, Money, str | None]:
    assert order.id is not None
    if return_id is not None:
        rma = await uow.returns.get(return_id)
        if rma is None or rma.order_id != order.id:
            raise NotFound("no such return for this order", field=["returnId"])
        if rma.status is not ReturnStatus.RECEIVED:
            raise RefundNotPossible(
                f"return {rma.number} is {rma.status.value}; refunds follow receipt",
                code="RETURN_NOT_RECEIVED",
                field=["returnId"],
            )
        lines = dict(request.lines)
        for line in rma.lines:
            lines[line.order_line_id] = lines.get(line.order_line_id, 0) + line.received_quantity
        request = replace(request, lines=lines)
    transactions = await uow.payments.for_order(order.id)
    captured, capture_reference = _captured(transactions, order.currency)
    if captured.minor_units == 0:
        raise RefundNotPossible(
            "nothing was captured for this order (void the authorization by cancelling)",
            code="NOTHING_TO_REFUND",
        )
    previous = await uow.refunds.for_order(order.id)
    breakdown = calculate_refund(order, request, captured=captured, previous=previous)
    return breakdown, captured, capture_reference


async def refund_order(
    deps: Deps,
    actor: Principal,
    *,
    order_id: int,
    lines: Mapping[int, int] | None = None,
    shipping: bool = False,
    appeasement: Money | None = None,
    return_id: int | None = None,
    reason: str | None = None,
    everything: bool = False,
    dry_run: bool = False,
    idempotency_key: str | None = None,
) -> RefundResult:
    """Refund lines, shipping, an appeasement, a received return — or, with ``dry_run``, only
    say what would be refunded."""
    if not (actor.can(Scope.RETURNS_WRITE) or actor.can(Scope.ORDERS_WRITE)):
        raise Forbidden("refunds need returns:write or orders:write")
    why = optional_text(reason, ["reason"], max_length=500)
    request = RefundRequest(
        lines=dict(lines or {}), shipping=shipping, appeasement=appeasement, everything=everything
    )

    if dry_run:
        async with deps.uow() as uow:
            order = await _order(uow, order_id)
            breakdown, _, _ = await _plan(uow, order, request, return_id)
        return RefundResult(breakdown, order, None)

    async def claim(uow: UnitOfWork) -> RefundResult:
        order = await _order(uow, order_id, lock=True)
        breakdown, _, _ = await _plan(uow, order, request, return_id)
        refund = Refund(
            id=None,
            order_id=order_id,
            return_id=return_id,
            status=RefundStatus.PENDING,
            reason=why,
            breakdown=breakdown,
            created_at=deps.clock.now(),
            created_by=actor.actor,
        )
        await uow.refunds.add(refund)
        order.record(
            "refund.requested",
            actor.actor,
            {"refundId": refund.id, "total": str(breakdown.total.amount)},
        )
        publish(uow, order)
        return RefundResult(breakdown, order, refund)

    async def recall(uow: UnitOfWork, remembered: dict[str, Any]) -> RefundResult:
        order = await _order(uow, order_id)
        found = next(
            (r for r in await uow.refunds.for_order(order_id) if r.id == remembered["refund"]),
            None,
        )
        if found is None:
            raise NotFound("the refund this key created no longer exists")
        return RefundResult(found.breakdown, order, found)

    claimed = await run_command(
        deps,
        actor,
        operation="refundOrder",
        request={
            "order": order_id,
            "lines": sorted((lines or {}).items()),
            "shipping": shipping,
            "everything": everything,
            "return": return_id,
            "appeasement": appeasement and [appeasement.minor_units, appeasement.currency],
            "reason": reason,
        },
        run=claim,
        remember=lambda r: {"refund": r.refund.id if r.refund else None},
        recall=recall,
        idempotency_key=idempotency_key,
    )
    assert claimed.refund is not None
    if claimed.refund.status is RefundStatus.SUCCEEDED:
        return claimed
    if claimed.refund.status is RefundStatus.FAILED:
        await _reclaim(deps, claimed.refund)
    return await _pay_back(deps, actor, claimed.refund)


async def _order(uow: UnitOfWork, order_id: int, *, lock: bool = False) -> Order:
    order = await uow.orders.get(order_id, for_update=lock)
    if order is None:
        raise NotFound("no such order", field=["orderId"])
    return order


async def _reclaim(deps: Deps, refund: Refund) -> None:
    """A failed refund asked for again: claim it anew only if everything it pays back — the
    units of each line, the shipping, the money, the return — is still unpaid."""

    async def claim_again(uow: UnitOfWork) -> None:
        order = await _order(uow, refund.order_id, lock=True)
        if refund.return_id is not None:
            rma = await uow.returns.get(refund.return_id)
            if rma is None or rma.status is not ReturnStatus.RECEIVED:
                state = rma.status.value if rma is not None else "gone"
                raise RefundNotPossible(
                    f"the return of this failed refund is {state}; it was paid back since",
                    code="REFUND_QUANTITY_EXCEEDED",
                )
        transactions = await uow.payments.for_order(refund.order_id)
        captured, _ = _captured(transactions, order.currency)
        others = [r for r in await uow.refunds.for_order(refund.order_id) if r.id != refund.id]
        wanted = refund.breakdown
        again = RefundRequest(
            lines={line.order_line_id: line.quantity for line in wanted.lines},
            shipping=wanted.shipping.minor_units > 0,
            appeasement=wanted.appeasement if wanted.appeasement.minor_units else None,
        )
        try:
            now = calculate_refund(order, again, captured=captured, previous=others)
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


async def _pay_back(deps: Deps, actor: Principal, refund: Refund) -> RefundResult:
    async with deps.uow() as uow:
        order = await _order(uow, refund.order_id)
        transactions = await uow.payments.for_order(refund.order_id)
    _, capture_reference = _captured(transactions, order.currency)
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
        order = await _order(uow, refund.order_id, lock=True)
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
    captured, _ = _captured(await uow.payments.for_order(order.id), order.currency)
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
