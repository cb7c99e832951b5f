"""The payment status table and the settlement decision: pure domain, no store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ordergraph.domain.money import Money
from ordergraph.domain.orders import OrderStatus
from ordergraph.domain.payment_status import (
    PAYMENT_TRANSITIONS,
    IllegalPaymentTransition,
    PaymentStatus,
    move_payment,
)
from ordergraph.domain.payments import PaymentTransaction, TransactionKind, TransactionStatus
from ordergraph.domain.settlement import Effect, decide
from tests.unit.test_order_model import make_order

NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)


def answer(kind: TransactionKind, status: TransactionStatus) -> PaymentTransaction:
    return PaymentTransaction(
        id=7,
        order_id=1,
        gateway="test",
        kind=kind,
        status=status,
        amount=Money(2500, "EUR"),
        reference="ref",
        error_code=None,
        message=None,
        created_at=NOW,
    )


def test_every_status_has_a_row_and_money_never_comes_back_from_refunded() -> None:
    assert set(PAYMENT_TRANSITIONS) == set(PaymentStatus)
    assert PAYMENT_TRANSITIONS[PaymentStatus.REFUNDED] == frozenset()
    for wanted in PaymentStatus:
        with pytest.raises(IllegalPaymentTransition):
            move_payment(PaymentStatus.REFUNDED, wanted)


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (PaymentStatus.PAID, PaymentStatus.AUTHORIZED),
        (PaymentStatus.PAID, PaymentStatus.PENDING),
        (PaymentStatus.AUTHORIZED, PaymentStatus.REFUNDED),
        (PaymentStatus.VOIDED, PaymentStatus.AUTHORIZED),
        (PaymentStatus.PENDING, PaymentStatus.REFUNDED),
    ],
)
def test_moves_that_would_lie_about_money_are_refused(
    current: PaymentStatus, wanted: PaymentStatus
) -> None:
    with pytest.raises(IllegalPaymentTransition) as refused:
        move_payment(current, wanted)
    assert refused.value.code == "ILLEGAL_TRANSITION"


def test_an_order_set_to_an_illegal_payment_status_is_unchanged() -> None:
    order = make_order(OrderStatus.CONFIRMED)
    order.payment_status = PaymentStatus.PAID
    with pytest.raises(IllegalPaymentTransition):
        order.set_payment_status(PaymentStatus.AUTHORIZED, NOW, "system")
    assert (order.payment_status, order.pending_events) == (PaymentStatus.PAID, [])


@pytest.mark.parametrize(
    ("kind", "effect", "status"),
    [
        (TransactionKind.AUTHORIZE, Effect.CONFIRM, PaymentStatus.AUTHORIZED),
        (TransactionKind.SALE, Effect.CONFIRM, PaymentStatus.PAID),
    ],
)
def test_money_on_a_placed_order_confirms_it(
    kind: TransactionKind, effect: Effect, status: PaymentStatus
) -> None:
    decision = decide(make_order(), answer(kind, TransactionStatus.SUCCESS), money_left=0)
    assert (decision.effect, decision.status, decision.compensate) == (effect, status, None)


@pytest.mark.parametrize(
    ("kind", "status", "undo"),
    [
        (TransactionKind.AUTHORIZE, PaymentStatus.AUTHORIZED, TransactionKind.VOID),
        (TransactionKind.SALE, PaymentStatus.PAID, TransactionKind.REFUND),
    ],
)
def test_money_on_a_cancelled_order_is_told_truthfully_then_undone(
    kind: TransactionKind, status: PaymentStatus, undo: TransactionKind
) -> None:
    order = make_order(OrderStatus.CANCELLED)
    decision = decide(order, answer(kind, TransactionStatus.SUCCESS), money_left=0)
    assert (decision.effect, decision.status, decision.compensate) == (Effect.MOVE, status, undo)


def test_a_second_charge_on_an_order_paid_meanwhile_is_refunded_and_changes_nothing() -> None:
    order = make_order(OrderStatus.CONFIRMED)
    order.payment_status = PaymentStatus.PAID
    decision = decide(order, answer(TransactionKind.SALE, TransactionStatus.SUCCESS), money_left=0)
    assert (decision.effect, decision.compensate) == (Effect.NOTHING, TransactionKind.REFUND)


@pytest.mark.parametrize("payment", [PaymentStatus.AUTHORIZED, PaymentStatus.VOIDED])
def test_a_capture_landing_on_a_cancelled_order_is_paid_then_refunded(
    payment: PaymentStatus,
) -> None:
    order = make_order(OrderStatus.CANCELLED)
    order.payment_status = payment
    decision = decide(
        order, answer(TransactionKind.CAPTURE, TransactionStatus.SUCCESS), money_left=0
    )
    assert (decision.effect, decision.status, decision.compensate) == (
        Effect.MOVE,
        PaymentStatus.PAID,
        TransactionKind.REFUND,
    )


def test_declines_and_3ds_move_only_an_order_that_can_still_pay() -> None:
    placed = make_order()
    declined = answer(TransactionKind.SALE, TransactionStatus.DECLINED)
    waiting = answer(TransactionKind.AUTHORIZE, TransactionStatus.ACTION_REQUIRED)
    assert decide(placed, declined, money_left=0).status is PaymentStatus.FAILED
    assert decide(placed, waiting, money_left=0).status is PaymentStatus.ACTION_REQUIRED
    gone = make_order(OrderStatus.CANCELLED)
    assert decide(gone, declined, money_left=0).effect is Effect.NOTHING
    assert decide(gone, waiting, money_left=0).effect is Effect.NOTHING


@pytest.mark.parametrize("status", [TransactionStatus.ERROR, TransactionStatus.PENDING])
def test_no_answer_decides_nothing(status: TransactionStatus) -> None:
    for kind in TransactionKind:
        decision = decide(make_order(), answer(kind, status), money_left=0)
        assert (decision.effect, decision.compensate, decision.event) == (
            Effect.NOTHING,
            None,
            None,
        )


def test_a_refused_void_or_compensation_is_an_event_for_staff() -> None:
    order = make_order(OrderStatus.CANCELLED)
    order.payment_status = PaymentStatus.AUTHORIZED
    void = decide(order, answer(TransactionKind.VOID, TransactionStatus.DECLINED), money_left=0)
    refund = decide(order, answer(TransactionKind.REFUND, TransactionStatus.DECLINED), money_left=1)
    assert (void.effect, void.event) == (Effect.NOTHING, "payment.void_failed")
    assert refund.event == "payment.compensation_failed"


def test_a_compensating_refund_marks_a_cancelled_order_refunded_only_when_nothing_is_left() -> None:
    order = make_order(OrderStatus.CANCELLED)
    order.payment_status = PaymentStatus.PAID
    done = answer(TransactionKind.REFUND, TransactionStatus.SUCCESS)
    assert decide(order, done, money_left=0).status is PaymentStatus.REFUNDED
    assert decide(order, done, money_left=500).effect is Effect.NOTHING
    assert decide(order, replace(done, kind=TransactionKind.VOID), money_left=0).effect is (
        Effect.NOTHING
    )
