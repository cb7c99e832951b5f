"""Use cases for taking payment: authorize, capture (or both at once), finish after 3-D Secure.

Every provider call goes through ``gateway_calls.call_gateway`` (recorded before and after, in
transactions of their own) and is then settled against the order as it is by then
(``settlement.settle``). Money that lands on an order that moved on is voided or refunded at
once, and the caller is told so truthfully. A payment that needs the customer (3-D Secure) comes
back ACTION_REQUIRED with the client secret; it completes by the provider's webhook, or by
asking again without a token.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ordergraph.domain.errors import IdempotencyKeyReused, InvalidInput, NotFound
from ordergraph.domain.money import Money
from ordergraph.domain.orders import Order, OrderNotPayable, OrderStatus, PaymentStatus
from ordergraph.domain.payments import (
    PaymentDeclined,
    PaymentGatewayError,
    PaymentTransaction,
    TransactionKind,
    TransactionStatus,
    captured_total,
)
from ordergraph.domain.ports import IdempotencyRecord, RetryableConflict
from ordergraph.domain.principals import Principal
from ordergraph.domain.validation import clean_text
from ordergraph.services.authorizations import open_authorization
from ordergraph.services.command import request_fingerprint
from ordergraph.services.deps import CapturePolicy, Deps
from ordergraph.services.gateway_calls import Attempt, call_gateway, record_answer
from ordergraph.services.order_support import load_order_to_act
from ordergraph.services.settlement import Settled, compensate, settle


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    order: Order
    transaction: PaymentTransaction


async def authorize_payment(
    deps: Deps,
    actor: Principal,
    *,
    order_id: int,
    token: str | None,
    idempotency_key: str | None = None,
) -> PaymentOutcome:
    """PLACED → CONFIRMED with payment AUTHORIZED (or ACTION_REQUIRED: the customer acts)."""
    return await _take_payment(deps, actor, order_id, token, capture=False, key=idempotency_key)


async def capture_payment(
    deps: Deps,
    actor: Principal,
    *,
    order_id: int,
    token: str | None,
    idempotency_key: str | None = None,
) -> PaymentOutcome:
    """PLACED → CONFIRMED with payment PAID (a sale; with capture on shipment, an
    authorization), or capture an earlier authorization."""
    return await _take_payment(deps, actor, order_id, token, capture=True, key=idempotency_key)


async def _take_payment(
    deps: Deps,
    actor: Principal,
    order_id: int,
    token: str | None,
    *,
    capture: bool,
    key: str | None,
) -> PaymentOutcome:
    operation = "capturePayment" if capture else "authorizePayment"
    if token is not None:
        token = clean_text(token, ["token"], max_length=200)
    if key is not None:
        key = clean_text(key, ["idempotencyKey"], max_length=200)
    fingerprint = request_fingerprint(operation, {"order": order_id, "token": token})
    replayed = await _replay(deps, actor, key, fingerprint)
    if replayed is not None:
        return _raise_for_failure(replayed)

    async with deps.uow() as uow:  # look first; no lock is held while the provider works
        order = await load_order_to_act(uow, order_id, actor)
        prior = await uow.payments.for_order(order_id)
    waiting = _awaiting_customer(order, prior)
    if waiting is not None and token is None:
        transaction = await _refresh(deps, waiting)
    else:
        transaction = await _call(deps, order, prior, token, capture, operation, key)
    assert transaction.id is not None
    settled = await settle(deps, actor, transaction.id)
    if settled.decision.compensate is not None:
        await _compensate_and_refuse(deps, actor, settled)
    outcome = PaymentOutcome(settled.order, settled.transaction)
    if key is not None and transaction.status.final:
        await _remember(deps, actor, key, operation, fingerprint, transaction)
    return _raise_for_failure(outcome)


def _awaiting_customer(order: Order, prior: list[PaymentTransaction]) -> PaymentTransaction | None:
    if order.payment_status is not PaymentStatus.ACTION_REQUIRED:
        return None
    for transaction in reversed(prior):
        if transaction.kind in {TransactionKind.AUTHORIZE, TransactionKind.SALE}:
            return transaction if transaction.status is TransactionStatus.ACTION_REQUIRED else None
    return None


async def _refresh(deps: Deps, waiting: PaymentTransaction) -> PaymentTransaction:
    """The customer may have finished 3-D Secure: ask the provider how the payment stands."""
    assert waiting.reference is not None
    result = await deps.gateway.refresh(reference=waiting.reference, kind=waiting.kind)
    if result.status is TransactionStatus.ERROR:
        raise PaymentGatewayError(
            f"payment provider failed: {result.message or 'error'}; try again"
        )
    answered = waiting.answered(result)
    await record_answer(deps, answered)
    return answered


def _gateway_key(
    prior: list[PaymentTransaction], operation: str, order: Order, key: str | None
) -> str:
    """The key the provider deduplicates on: the client's, numbered past definite failures.

    A retry after a network error reuses the key (the first call may have gone through); after
    the provider answered with an error it gets a new one (providers replay a stored error)."""
    base = f"{operation}:{order.id}:{key or uuid.uuid4()}"
    tried = sum(
        1
        for t in prior
        if (t.idempotency_key or "").startswith(f"{base}:")
        and t.status is TransactionStatus.ERROR
        and t.error_code != "network_error"
    )
    return f"{base}:{tried}"


async def _call(
    deps: Deps,
    order: Order,
    prior: list[PaymentTransaction],
    token: str | None,
    capture: bool,
    operation: str,
    key: str | None,
) -> PaymentTransaction:
    assert order.id is not None
    gateway = deps.gateway
    gateway_key = _gateway_key(prior, operation, order, key)

    def attempt(kind: TransactionKind, amount: Any, target: str | None = None) -> Attempt:
        assert order.id is not None
        return Attempt(order.id, order.number, kind, amount, gateway_key, target)

    if capture and order.payment_status in {
        PaymentStatus.AUTHORIZED,
        PaymentStatus.PARTIALLY_CAPTURED,
    }:
        if order.status is OrderStatus.CANCELLED:
            raise OrderNotPayable(f"order {order.number} is CANCELLED", field=["orderId"])
        authorization = open_authorization(prior)
        if authorization is None:
            raise OrderNotPayable(f"order {order.number} has no authorization to capture")
        # what this authorization gave already: a stray sale that landed meanwhile (being
        # paid back by its compensation) is no part of the order's payment
        taken = captured_total(
            [t for t in prior if t.kind is not TransactionKind.SALE], order.currency
        ).minor_units
        rest = Money(order.total.minor_units - taken, order.currency)
        return await call_gateway(
            deps,
            attempt(TransactionKind.CAPTURE, rest, authorization),
            lambda ctx: gateway.capture(
                amount=rest,
                authorization=authorization,
                idempotency_key=gateway_key,
                context=ctx,
                final=True,
            ),
        )
    if not order.can_take_payment():
        raise OrderNotPayable(
            f"order {order.number} is {order.status.value} with payment "
            f"{order.payment_status.value}; it cannot take a payment",
            field=["orderId"],
        )
    if token is None:
        raise InvalidInput("a payment token is required", field=["token"], code="REQUIRED")
    amount = order.total
    if capture and deps.policy.capture is CapturePolicy.ON_PAYMENT:
        return await call_gateway(
            deps,
            attempt(TransactionKind.SALE, amount),
            lambda ctx: gateway.sale(
                amount=amount, token=token, idempotency_key=gateway_key, context=ctx
            ),
        )
    return await call_gateway(
        deps,
        attempt(TransactionKind.AUTHORIZE, amount),
        lambda ctx: gateway.authorize(
            amount=amount, token=token, idempotency_key=gateway_key, context=ctx
        ),
    )


async def _compensate_and_refuse(deps: Deps, actor: Principal, settled: Settled) -> None:
    done = await compensate(deps, actor, settled)
    order = done.order
    action = "voided" if settled.decision.compensate is TransactionKind.VOID else "refunded"
    amount = f"{settled.transaction.amount.amount} {settled.transaction.amount.currency}"
    if done.transaction.status is TransactionStatus.SUCCESS:
        what = f"the {amount} that the provider took meanwhile was {action}"
    else:
        what = (
            f"the {amount} that the provider took meanwhile could not be {action} yet "
            "(recorded; the order is flagged PAYMENT_NEEDS_ATTENTION)"
        )
    raise OrderNotPayable(
        f"order {order.number} is {order.status.value} with payment "
        f"{order.payment_status.value}; {what}",
        field=["orderId"],
    )


def _raise_for_failure(outcome: PaymentOutcome) -> PaymentOutcome:
    status = outcome.transaction.status
    if status is TransactionStatus.DECLINED:
        raise PaymentDeclined(
            f"payment declined: {outcome.transaction.message or 'declined'}", field=["token"]
        )
    if status is TransactionStatus.PENDING:
        raise PaymentGatewayError(
            "the payment provider is still working on this payment; ask again in a moment"
        )
    if status is TransactionStatus.ERROR:
        raise PaymentGatewayError(
            f"payment provider failed: {outcome.transaction.message or 'error'}; try again"
        )
    return outcome


async def _replay(
    deps: Deps, actor: Principal, key: str | None, fingerprint: str
) -> PaymentOutcome | None:
    if key is None:
        return None
    async with deps.uow() as uow:
        record = await uow.idempotency.get(actor.idempotency_scope, key)
        if record is None:
            return None
        if record.request_hash != fingerprint:
            raise IdempotencyKeyReused(
                "this idempotency key was used with a different request", field=["idempotencyKey"]
            )
        found = await uow.payments.get(record.result["transaction"])
        order = await uow.orders.get(found.order_id) if found is not None else None
    if found is None or order is None:
        raise NotFound("the payment this key recorded no longer exists")
    return PaymentOutcome(order, found)


async def _remember(
    deps: Deps,
    actor: Principal,
    key: str,
    operation: str,
    fingerprint: str,
    transaction: PaymentTransaction,
) -> None:
    """Pin the key to a final answer (an outage or a pending action stays retryable)."""
    try:
        async with deps.uow() as uow:
            await uow.idempotency.add(
                IdempotencyRecord(
                    scope=actor.idempotency_scope,
                    key=key,
                    operation=operation,
                    request_hash=fingerprint,
                    result={"transaction": transaction.id},
                    created_at=deps.clock.now(),
                )
            )
            await uow.commit()
    except RetryableConflict:
        pass  # a concurrent twin with the same key pinned it first: same provider call
