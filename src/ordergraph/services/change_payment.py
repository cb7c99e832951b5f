"""Money for a change set: taken before it commits, given back after it (see change_sets).

The transactions made here are settled by the change itself (``settled_at`` is set in the
change's transaction), not by ``settlement.settle``: a second hold or a sale of the difference
is part of the order's payment, not stray money to compensate.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.money import Money
from ordergraph.domain.order_changes import MoneyAction, PaymentRequired
from ordergraph.domain.orders import Order
from ordergraph.domain.payments import (
    PaymentDeclined,
    PaymentGatewayError,
    PaymentTransaction,
    TransactionKind,
    TransactionStatus,
    captured_total,
    open_holds,
)
from ordergraph.domain.principals import SYSTEM, Principal
from ordergraph.domain.refunds import RefundNotPossible
from ordergraph.domain.validation import clean_text
from ordergraph.services import refunds
from ordergraph.services.command import in_transaction
from ordergraph.services.deps import Deps
from ordergraph.services.gateway_calls import Attempt, call_gateway

if TYPE_CHECKING:
    from ordergraph.domain.ports import UnitOfWork
    from ordergraph.services.change_sets import ChangeResult


@dataclass(frozen=True, slots=True)
class Taken:
    """Money taken for a change before it commits."""

    transaction: PaymentTransaction
    action: MoneyAction
    difference: Money  # the change's difference in total when the money was taken

    def amount_for(self, order: Order, action: MoneyAction, difference: Money) -> Money | None:
        """The amount still right for the change as it now stands, else None (it moved)."""
        if action is not self.action or difference != self.difference:
            return None
        return self.transaction.amount


def _amount(preview: ChangeResult, transactions: list[PaymentTransaction]) -> Money:
    order = preview.order
    if preview.money is MoneyAction.CHARGE:
        return preview.difference
    # a new hold for what the order still has to capture at its new total
    taken = captured_total(
        [t for t in transactions if t.kind is not TransactionKind.SALE], order.currency
    )
    return Money(preview.after.total.minor_units - taken.minor_units, order.currency)


async def take_money(
    deps: Deps, actor: Principal, preview: ChangeResult, token: str | None
) -> Taken | None:
    """Charge the difference, or hold the new total, before the change commits; None when
    the change needs no money now. ``PAYMENT_REQUIRED`` without a token, ``PAYMENT_DECLINED``
    when the provider refuses (nothing changed)."""
    if preview.money not in {MoneyAction.CHARGE, MoneyAction.AUTHORIZE}:
        return None
    order = preview.order
    assert order.id is not None
    if token is None:
        raise PaymentRequired(
            f"the change raises the total by {preview.difference.amount} "
            f"{order.currency}: give a paymentToken to pay it",
            field=["paymentToken"],
        )
    async with deps.uow() as uow:
        transactions = await uow.payments.for_order(order.id)
    amount = _amount(preview, transactions)
    if amount.minor_units <= 0:
        return None
    kind = (
        TransactionKind.SALE if preview.money is MoneyAction.CHARGE else TransactionKind.AUTHORIZE
    )
    transaction = await pay(deps, order, kind, amount, token)
    return Taken(transaction, preview.money, preview.difference)


async def pay(
    deps: Deps, order: Order, kind: TransactionKind, amount: Money, token: str
) -> PaymentTransaction:
    """Charge (SALE) or hold (AUTHORIZE) ``amount`` on ``order`` with the customer's token
    before a change commits; the successful transaction, else ``PAYMENT_DECLINED`` or
    ``PAYMENT_GATEWAY_ERROR`` with the attempt settled (nothing changed)."""
    assert order.id is not None
    token = clean_text(token, ["paymentToken"], max_length=200)
    key = f"change:{order.id}:{uuid.uuid4()}"
    gateway = deps.gateway
    if kind is TransactionKind.SALE:
        transaction = await call_gateway(
            deps,
            Attempt(order.id, order.number, kind, amount, key),
            lambda ctx: gateway.sale(amount=amount, token=token, idempotency_key=key, context=ctx),
        )
    else:
        transaction = await call_gateway(
            deps,
            Attempt(order.id, order.number, kind, amount, key),
            lambda ctx: gateway.authorize(
                amount=amount, token=token, idempotency_key=key, context=ctx
            ),
        )
    if transaction.status is TransactionStatus.SUCCESS:
        return transaction
    await _mark_settled(deps, transaction)
    if transaction.status is TransactionStatus.ERROR:
        raise PaymentGatewayError(
            f"payment provider failed: {transaction.message or 'error'}; nothing was changed",
            field=["paymentToken"],
        )
    if transaction.status is TransactionStatus.ACTION_REQUIRED:
        raise PaymentDeclined(
            "the card needs the customer to authenticate; nothing was changed",
            field=["paymentToken"],
        )
    raise PaymentDeclined(
        f"the payment was declined ({transaction.error_code or 'declined'}); nothing was changed",
        field=["paymentToken"],
    )


async def _mark_settled(deps: Deps, transaction: PaymentTransaction) -> None:
    async def run(uow: UnitOfWork) -> None:
        found = await uow.payments.get(transaction.id or 0)
        if found is not None and found.settled_at is None:
            await uow.payments.save(replace(found, settled_at=deps.clock.now()))

    await in_transaction(deps, run)


async def give_back(deps: Deps, taken: Taken) -> None:
    """The change did not commit: void the new hold, or refund the sale, at once."""
    t = taken.transaction
    assert t.reference is not None
    reference = t.reference
    key = f"change-undo:{t.id}"
    order = t.order_id
    if t.kind is TransactionKind.AUTHORIZE:
        undo = await call_gateway(
            deps,
            Attempt(order, str(order), TransactionKind.VOID, t.amount, key, reference, t.id),
            lambda ctx: deps.gateway.void(
                authorization=reference, idempotency_key=key, context=ctx
            ),
        )
    else:
        undo = await call_gateway(
            deps,
            Attempt(order, str(order), TransactionKind.REFUND, t.amount, key, reference, t.id),
            lambda ctx: deps.gateway.refund(
                amount=t.amount, capture=reference, idempotency_key=key, context=ctx
            ),
        )
    await _mark_settled(deps, t)
    await _mark_settled(deps, undo)


async def settle_after(
    deps: Deps, actor: Principal, result: ChangeResult, taken: Taken | None
) -> ChangeResult:
    """After commit: void the holds a new one replaced, refund a lower total."""
    order = result.order
    assert order.id is not None
    if taken is not None and taken.action is MoneyAction.AUTHORIZE:
        async with deps.uow() as uow:
            transactions = await uow.payments.for_order(order.id)
        for hold in open_holds(transactions):
            if hold.id == taken.transaction.id or hold.reference is None:
                continue
            await _mark_settled(deps, await _void_replaced(deps, order, hold))
    if result.money is MoneyAction.REFUND and result.number is not None:
        # a failure is recorded as a FAILED refund (or nothing is left): retry with refundOrder
        with contextlib.suppress(PaymentGatewayError, RefundNotPossible, InvalidInput):
            await refunds.refund_order(
                deps,
                SYSTEM,
                order_id=order.id,
                appeasement=Money(-result.difference.minor_units, order.currency),
                reason=f"order change {result.number}",
                idempotency_key=f"change-refund:{order.number}:{result.number}",
            )
    async with deps.uow() as uow:
        current = await uow.orders.get(order.id)
    assert current is not None
    return replace(result, order=current)


async def _void_replaced(deps: Deps, order: Order, hold: PaymentTransaction) -> PaymentTransaction:
    """Void a hold the change's new hold replaced."""
    assert order.id is not None
    assert hold.reference is not None
    reference = hold.reference
    key = f"change-replaced:{hold.id}"
    return await call_gateway(
        deps,
        Attempt(order.id, order.number, TransactionKind.VOID, hold.amount, key, reference),
        lambda ctx: deps.gateway.void(authorization=reference, idempotency_key=key, context=ctx),
    )
