"""Settling a provider's answer against the order as it is *now* — a pure decision.

The provider's answer is already on record when this runs (see ``services/gateway_calls.py``).
The order may have moved on while the provider worked: cancelled, or paid by another attempt.
Then money that landed is not kept: the decision says to *compensate* — void an authorization,
refund a charge — and the order's payment status first tells the truth about the money that
landed (a cancelled order that was charged is PAID until the refund goes through).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ordergraph.domain.orders import Order, OrderStatus
from ordergraph.domain.payment_status import UNPAID, PaymentStatus
from ordergraph.domain.payments import PaymentTransaction, TransactionKind, TransactionStatus


class Effect(enum.StrEnum):
    NOTHING = "NOTHING"
    CONFIRM = "CONFIRM"  # PLACED → CONFIRMED with ``status``
    MOVE = "MOVE"  # the payment status becomes ``status``
    CAPTURED = "CAPTURED"  # a capture of the authorization (``final`` or a part)


@dataclass(frozen=True, slots=True)
class Decision:
    effect: Effect
    status: PaymentStatus | None = None
    compensate: TransactionKind | None = None  # VOID or REFUND the transaction at the provider
    event: str | None = None  # something staff should know about


NOTHING = Decision(Effect.NOTHING)

CAPTURABLE = frozenset(
    {
        PaymentStatus.AUTHORIZED,
        PaymentStatus.PARTIALLY_CAPTURED,
        PaymentStatus.PARTIALLY_REFUNDED,
    }
)


def decide(
    order: Order, transaction: PaymentTransaction, *, money_left: int, holds_left: int = 0
) -> Decision:
    """What ``transaction``'s answer does to ``order``. ``money_left`` is what the provider
    still holds for the order after this answer (captured and kept, less refunds),
    ``holds_left`` how many authorizations are still unreleased after it."""
    status = transaction.status
    if status in {TransactionStatus.PENDING, TransactionStatus.ERROR}:
        return NOTHING
    kind = transaction.kind
    if kind in {TransactionKind.AUTHORIZE, TransactionKind.SALE}:
        return _charge_or_hold(order, transaction)
    if kind is TransactionKind.CAPTURE:
        if status is not TransactionStatus.SUCCESS:
            return Decision(Effect.NOTHING, event="payment.capture_failed")
        if order.status is not OrderStatus.CANCELLED and order.payment_status in CAPTURABLE:
            return Decision(Effect.CAPTURED)
        if order.status is OrderStatus.CANCELLED and order.payment_status in {
            PaymentStatus.AUTHORIZED,
            PaymentStatus.VOIDED,
        }:
            return Decision(Effect.MOVE, PaymentStatus.PAID, compensate=TransactionKind.REFUND)
        return Decision(Effect.NOTHING, compensate=TransactionKind.REFUND)
    if kind is TransactionKind.VOID:
        if status is not TransactionStatus.SUCCESS:
            return Decision(Effect.NOTHING, event="payment.void_failed")
        duplicate = transaction.compensates_id is not None and order.status is not (
            OrderStatus.CANCELLED
        )
        if order.payment_status is PaymentStatus.AUTHORIZED and not duplicate and not holds_left:
            # nothing held any more; but a charge that could not be undone is still taken
            return Decision(
                Effect.MOVE, PaymentStatus.PAID if money_left > 0 else PaymentStatus.VOIDED
            )
        return NOTHING  # another hold still stands
    # a refund made as compensation (refunds of sold goods are settled by the refund service)
    if status is not TransactionStatus.SUCCESS:
        return Decision(Effect.NOTHING, event="payment.compensation_failed")
    if (
        order.status is OrderStatus.CANCELLED
        and order.payment_status is PaymentStatus.PAID
        and money_left <= 0
    ):
        return Decision(Effect.MOVE, PaymentStatus.REFUNDED)
    return NOTHING


def _charge_or_hold(order: Order, transaction: PaymentTransaction) -> Decision:
    status = transaction.status
    payable = order.can_take_payment()
    if status is TransactionStatus.ACTION_REQUIRED:
        return Decision(Effect.MOVE, PaymentStatus.ACTION_REQUIRED) if payable else NOTHING
    if status is TransactionStatus.DECLINED:
        return Decision(Effect.MOVE, PaymentStatus.FAILED) if payable else NOTHING
    held = transaction.kind is TransactionKind.AUTHORIZE
    target = PaymentStatus.AUTHORIZED if held else PaymentStatus.PAID
    undo = TransactionKind.VOID if held else TransactionKind.REFUND
    if payable:
        return Decision(Effect.CONFIRM, target)
    if order.status is OrderStatus.CANCELLED and order.payment_status in UNPAID:
        return Decision(Effect.MOVE, target, compensate=undo)
    return Decision(Effect.NOTHING, compensate=undo)  # paid by another attempt meanwhile
