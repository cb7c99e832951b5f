"""Use cases for paying money back: one calculator, a dry run, idempotent gateway refunds.

A refund is claimed (PENDING) in a transaction that locks the order, so two concurrent refunds
can never both spend the same captured money; the gateway is then called outside any
transaction, and the outcome recorded. A FAILED refund frees its amount and can be retried.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ordergraph.domain.channels import EXTERNAL_GATEWAY
from ordergraph.domain.errors import Forbidden, NotFound
from ordergraph.domain.money import Money
from ordergraph.domain.orders import Order, PaymentStatus
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
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps
from ordergraph.services.order_support import publish
from ordergraph.services.refund_payback import RefundResult as RefundResult  # re-exported
from ordergraph.services.refund_payback import (
    captured_and_reference,
    exchanged_units,
    load_order,
    pay_back,
    reclaim,
)

# payment statuses a refund can move on from (REFUNDED: ``calculate_refund`` says nothing is left)
REFUNDABLE = frozenset(
    {
        PaymentStatus.PAID,
        PaymentStatus.PARTIALLY_CAPTURED,
        PaymentStatus.PARTIALLY_REFUNDED,
        PaymentStatus.REFUNDED,
    }
)


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
        if await uow.exchanges.for_return(return_id) is not None:
            raise RefundNotPossible(
                f"return {rma.number} belongs to an exchange: its value paid for the "
                "replacement order (any difference owed is refunded when it is received)",
                code="EXCHANGE_RETURN",
                field=["returnId"],
            )
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
    if any(t.gateway == EXTERNAL_GATEWAY for t in transactions):
        # an imported order's money sits with its sales channel: no provider of ours has it
        raise RefundNotPossible(
            "this order was paid on its sales channel (an imported order): refund it there",
            code="EXTERNAL_PAYMENT",
        )
    captured, capture_reference = captured_and_reference(transactions, order.currency)
    if captured.minor_units == 0:
        raise RefundNotPossible(
            "nothing was captured for this order (void the authorization by cancelling)",
            code="NOTHING_TO_REFUND",
        )
    if order.payment_status not in REFUNDABLE:
        # money taken but not the order's: a stray charge that landed while another attempt
        # paid (or the hold was voided) is paid back by its compensation, not by a refund
        raise RefundNotPossible(
            f"the order's payment is {order.payment_status.value}: nothing of it was captured "
            "(money the provider took meanwhile is paid back automatically)",
            code="NOTHING_TO_REFUND",
        )
    previous = await uow.refunds.for_order(order.id)
    exchanged = await exchanged_units(uow, order.id)
    breakdown = calculate_refund(
        order, request, captured=captured, previous=previous, exchanged=exchanged
    )
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
            order = await load_order(uow, order_id)
            breakdown, _, _ = await _plan(uow, order, request, return_id)
        return RefundResult(breakdown, order, None)

    async def claim(uow: UnitOfWork) -> RefundResult:
        order = await load_order(uow, order_id, lock=True)
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
        order = await load_order(uow, order_id)
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
        await reclaim(deps, claimed.refund)
    return await pay_back(deps, actor, claimed.refund)
