"""What happens to an authorization after payment: shipments capture it, and it is flagged
before the provider lets it lapse.

With ``CapturePolicy.ON_SHIPMENT`` each shipment captures the value of the units it carries
(the first one also the shipping); the shipment after which nothing is left to ship captures
all that remains, as the final capture. A capture the provider refuses is recorded
(``payment.capture_failed``) and flags the order ``PAYMENT_CAPTURE_FAILED``; the parcel has
left all the same.
"""

from __future__ import annotations

from ordergraph.domain.money import Money
from ordergraph.domain.orders import Order, OrderStatus
from ordergraph.domain.payment_status import PaymentStatus
from ordergraph.domain.payments import (
    PaymentTransaction,
    TransactionKind,
    TransactionStatus,
    captured_total,
    open_holds,
)
from ordergraph.domain.price_calculation import unit_share
from ordergraph.domain.principals import SYSTEM, Principal
from ordergraph.domain.shipments import Shipment
from ordergraph.services.deps import CapturePolicy, Deps
from ordergraph.services.gateway_calls import Attempt, call_gateway
from ordergraph.services.order_support import publish
from ordergraph.services.settlement import Settled, compensate, settle

EXPIRING = "AUTHORIZATION_EXPIRING"
CAPTURE_FAILED = "PAYMENT_CAPTURE_FAILED"
CAPTURABLE = frozenset(
    {PaymentStatus.AUTHORIZED, PaymentStatus.PARTIALLY_CAPTURED, PaymentStatus.PARTIALLY_REFUNDED}
)


def open_authorization(transactions: list[PaymentTransaction]) -> str | None:
    """The newest authorization still held, if any."""
    held = open_holds(transactions)
    return held[-1].reference if held else None


def shipment_share(order: Order, shipment: Shipment, captured: Money) -> tuple[Money, bool]:
    """What this shipment captures, and whether it is the final capture."""
    left = order.total.minor_units - captured.minor_units
    final = order.status in {OrderStatus.SHIPPED, OrderStatus.DELIVERED}
    if final:
        return Money(left, order.currency), True
    # each unit carries its share of the line's charged total (discounts and tax included);
    # the final capture takes whatever is left, so floored shares never lose a cent
    by_id = {line.id: line for line in order.lines}
    value = sum(
        unit_share(
            by_id[sl.order_line_id].charged.minor_units,
            by_id[sl.order_line_id].quantity,
            0,
            sl.quantity,
        )
        for sl in shipment.lines
        if sl.order_line_id in by_id
    )
    if captured.minor_units == 0:
        value += order.shipping_charged.minor_units  # the first parcel carries the shipping
    return Money(min(value, left), order.currency), False


async def capture_shipment(deps: Deps, actor: Principal, shipment: Shipment) -> Settled | None:
    """Capture this shipment's part of the authorization (capture on shipment only)."""
    if deps.policy.capture is not CapturePolicy.ON_SHIPMENT:
        return None
    async with deps.uow() as uow:
        order = await uow.orders.get(shipment.order_id)
        transactions = await uow.payments.for_order(shipment.order_id)
    if order is None or order.payment_status not in CAPTURABLE:
        return None
    authorization = open_authorization(transactions)
    if authorization is None:
        return None
    amount, final = shipment_share(order, shipment, captured_total(transactions, order.currency))
    if amount.minor_units <= 0:
        return None
    key = f"capture-shipment-{shipment.id}"
    answer = await call_gateway(
        deps,
        Attempt(
            shipment.order_id, order.number, TransactionKind.CAPTURE, amount, key, authorization
        ),
        lambda ctx: deps.gateway.capture(
            amount=amount,
            authorization=authorization,
            idempotency_key=key,
            context=ctx,
            final=final,
        ),
    )
    assert answer.id is not None
    settled = await settle(deps, actor, answer.id)
    if settled.decision.compensate is not None:
        return await compensate(deps, actor, settled)
    if answer.status is not TransactionStatus.SUCCESS:
        await _flag(deps, shipment.order_id, CAPTURE_FAILED, answer)
    return settled


async def _flag(deps: Deps, order_id: int, reason: str, answer: PaymentTransaction) -> None:
    async with deps.uow() as uow:
        order = await uow.orders.get(order_id, for_update=True)
        assert order is not None
        now = deps.clock.now()
        if order.flag_at_risk([reason], now, SYSTEM.actor):
            await uow.orders.save(order)
            publish(uow, order)
            await uow.commit()


async def flag_expiring_authorizations(deps: Deps, *, limit: int = 200) -> int:
    """Flag orders whose authorization lapses within the policy's warning time: capture (or
    ship) before then, or the money is gone. Safe to run in every worker."""
    async with deps.uow() as uow:
        now = deps.clock.now()
        horizon = now + deps.policy.authorization_warning
        flagged = 0
        for order_id in await uow.payments.authorizations_expiring(horizon, limit):
            order = await uow.orders.get(order_id, for_update=True)
            if (
                order is not None
                and order.payment_status in CAPTURABLE
                and order.flag_at_risk([EXPIRING], now, SYSTEM.actor)
            ):
                await uow.orders.save(order)
                publish(uow, order)
                flagged += 1
        await uow.commit()
    return flagged
