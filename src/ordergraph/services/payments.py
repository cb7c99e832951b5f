"""Use cases for taking payment: authorize, capture (or both at once), then confirm and route.

The gateway is called outside any database transaction, so a slow provider never holds row
locks; the outcome is recorded, and the order moved, in a transaction afterwards.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from ordergraph.domain.errors import InvalidInput, NotFound
from ordergraph.domain.orders import Order, OrderNotPayable, OrderStatus, PaymentStatus
from ordergraph.domain.payments import (
    GatewayResult,
    PaymentDeclined,
    PaymentGatewayError,
    PaymentTransaction,
    TransactionKind,
    TransactionStatus,
    latest_authorization,
)
from ordergraph.domain.ports import StoredAllocation, UnitOfWork
from ordergraph.domain.principals import Principal
from ordergraph.domain.validation import clean_text
from ordergraph.services.command import run_command
from ordergraph.services.deps import Deps
from ordergraph.services.order_support import load_order_to_act, publish


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    order: Order
    transaction: PaymentTransaction
    stale: bool = False  # charged, but the order was cancelled meanwhile: to be voided


async def authorize_payment(
    deps: Deps,
    actor: Principal,
    *,
    order_id: int,
    token: str | None,
    idempotency_key: str | None = None,
) -> PaymentOutcome:
    """PLACED → CONFIRMED with payment AUTHORIZED."""
    return await _take_payment(deps, actor, order_id, token, capture=False, key=idempotency_key)


async def capture_payment(
    deps: Deps,
    actor: Principal,
    *,
    order_id: int,
    token: str | None,
    idempotency_key: str | None = None,
) -> PaymentOutcome:
    """PLACED → CONFIRMED with payment PAID (a sale), or capture an earlier authorization."""
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
    gateway_key = key or f"auto-{uuid.uuid4()}"
    if token is not None:
        token = clean_text(token, ["token"], max_length=200)

    # Look first (no locks held while the gateway works): what kind of call is this?
    async with deps.uow() as uow:
        order = await load_order_to_act(uow, order_id, actor)
        prior = await uow.payments.for_order(order_id)
    replay = key is not None and await _already_done(deps, actor, key)
    kind, result = TransactionKind.AUTHORIZE, None
    if not replay:
        kind, result = await _call_gateway(deps, order, prior, token, capture, gateway_key)

    async def run(uow: UnitOfWork) -> PaymentOutcome:
        assert result is not None, "a replayed request never runs again"
        now = deps.clock.now()
        current = await load_order_to_act(uow, order_id, actor)
        transaction = PaymentTransaction(
            id=None,
            order_id=order_id,
            gateway=deps.gateway.name,
            kind=kind,
            status=result.status,
            amount=current.total,
            reference=result.reference,
            error_code=result.error_code,
            message=result.message,
            created_at=now,
        )
        transaction = await uow.payments.add(transaction)
        if result.succeeded:
            if kind is TransactionKind.CAPTURE:
                current.mark_captured(now, actor.actor)
            elif current.can_take_payment():
                paid = kind is TransactionKind.SALE
                status = PaymentStatus.PAID if paid else PaymentStatus.AUTHORIZED
                ship_by = now + deps.policy.handling_time
                current.confirm(status, now, actor.actor, ship_by=ship_by)
                await _create_fulfillments(uow, current, now, actor)
            else:
                # cancelled or expired while the gateway worked: keep the record, void after
                return PaymentOutcome(current, transaction, stale=True)
        elif result.status is TransactionStatus.DECLINED:
            current.payment_failed(now, actor.actor, result.error_code or "declined")
        await uow.orders.save(current)
        publish(uow, current)
        return PaymentOutcome(current, transaction)

    async def recall(uow: UnitOfWork, remembered: dict[str, Any]) -> PaymentOutcome:
        current = await uow.orders.get(order_id)
        transactions = await uow.payments.for_order(order_id)
        found = next((t for t in transactions if t.id == remembered["transaction"]), None)
        if current is None or found is None:
            raise NotFound("the payment this key recorded no longer exists")
        return PaymentOutcome(current, found)

    def remember(o: PaymentOutcome) -> dict[str, Any] | None:
        # an outage or a stale charge is worth retrying with the same key: do not pin it
        if o.stale or o.transaction.status is TransactionStatus.ERROR:
            return None
        return {"transaction": o.transaction.id}

    outcome = await run_command(
        deps,
        actor,
        operation=operation,
        request={"order": order_id, "token": token},
        run=run,
        remember=remember,
        recall=recall,
        idempotency_key=key,
    )
    if outcome.stale:
        await _void_stale(deps, outcome, gateway_key)
        raise OrderNotPayable(
            f"order {outcome.order.number} is {outcome.order.status.value}; the charge was voided",
            field=["orderId"],
        )
    return _raise_for_failure(outcome)


async def _void_stale(deps: Deps, outcome: PaymentOutcome, gateway_key: str) -> None:
    reference = outcome.transaction.reference
    assert reference is not None
    assert outcome.order.id is not None
    result = await deps.gateway.void(authorization=reference, idempotency_key=gateway_key)
    async with deps.uow() as uow:
        await uow.payments.add(
            PaymentTransaction(
                id=None,
                order_id=outcome.order.id,
                gateway=deps.gateway.name,
                kind=TransactionKind.VOID,
                status=result.status,
                amount=outcome.transaction.amount,
                reference=result.reference,
                error_code=result.error_code,
                message=result.message,
                created_at=deps.clock.now(),
            )
        )
        await uow.commit()


def _raise_for_failure(outcome: PaymentOutcome) -> PaymentOutcome:
    status = outcome.transaction.status
    if status is TransactionStatus.DECLINED:
        raise PaymentDeclined(
            f"payment declined: {outcome.transaction.message or 'declined'}", field=["token"]
        )
    if status is TransactionStatus.ERROR:
        raise PaymentGatewayError(
            f"payment provider failed: {outcome.transaction.message or 'error'}; try again"
        )
    return outcome


async def _already_done(deps: Deps, actor: Principal, key: str) -> bool:
    async with deps.uow() as uow:
        return await uow.idempotency.get(actor.idempotency_scope, key) is not None


async def _call_gateway(
    deps: Deps,
    order: Order,
    prior: list[PaymentTransaction],
    token: str | None,
    capture: bool,
    gateway_key: str,
) -> tuple[TransactionKind, GatewayResult]:
    amount = order.total
    if capture and order.payment_status is PaymentStatus.AUTHORIZED:
        if order.status is OrderStatus.CANCELLED:
            raise OrderNotPayable(f"order {order.number} is CANCELLED", field=["orderId"])
        authorization = latest_authorization(prior)
        if authorization is None:
            raise OrderNotPayable(f"order {order.number} has no authorization to capture")
        return TransactionKind.CAPTURE, await deps.gateway.capture(
            amount=amount, authorization=authorization, idempotency_key=gateway_key
        )
    if not order.can_take_payment():
        raise OrderNotPayable(
            f"order {order.number} is {order.status.value} with payment "
            f"{order.payment_status.value}; it cannot take a payment",
            field=["orderId"],
        )
    if token is None:
        raise InvalidInput("a payment token is required", field=["token"], code="REQUIRED")
    if capture:
        return TransactionKind.SALE, await deps.gateway.sale(
            amount=amount, token=token, idempotency_key=gateway_key
        )
    return TransactionKind.AUTHORIZE, await deps.gateway.authorize(
        amount=amount, token=token, idempotency_key=gateway_key
    )


async def _create_fulfillments(uow: UnitOfWork, order: Order, now: Any, actor: Principal) -> None:
    """One fulfillment per warehouse holding the order's reservations."""
    assert order.id is not None
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
