"""Random interleavings of capture, cancel, refund and retry on one order, and the money
invariants that must hold whatever the order of events (used on fakes and on PostgreSQL).

An ``Operation`` is a command with an idempotency key from a small pool, so a later operation
with the same key is a *retry* of an earlier one. The gateway (``Interleaved`` around the test
gateway) yields to the other requests a drawn number of times before each answer, and may be
unreachable for some calls.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass

from hypothesis import strategies as st

from ordergraph.domain.errors import DomainError
from ordergraph.domain.orders import Order, OrderStatus, PaymentStatus
from ordergraph.domain.payments import (
    CHARGES,
    PaymentTransaction,
    TransactionKind,
    TransactionStatus,
    captured_total,
    open_holds,
)
from ordergraph.domain.principals import SYSTEM
from ordergraph.domain.refunds import Refund, RefundStatus
from ordergraph.services.cancellation import cancel_order
from ordergraph.services.deps import Deps
from ordergraph.services.payments import authorize_payment, capture_payment
from ordergraph.services.refunds import refund_order
from ordergraph.services.settlement import retry_compensations
from tests.support.gateways import Interleaved

KINDS = ("authorize", "sale", "capture", "cancel", "refund_unit", "refund_all")


@dataclass(frozen=True)
class Operation:
    kind: str
    key: str | None


operations = st.lists(
    st.builds(Operation, st.sampled_from(KINDS), st.sampled_from([None, "k0", "k1", "k2"])),
    min_size=2,
    max_size=6,
)
pauses = st.lists(st.integers(0, 3), max_size=12)
outages = st.sets(st.sampled_from(["sale", "capture", "refund", "void", "authorize"]), max_size=2)


async def run(deps: Deps, order: Order, op: Operation) -> object:
    assert order.id is not None
    line = order.lines[0].id
    assert line is not None
    key = f"{op.kind}-{op.key}" if op.key else None
    if op.kind == "authorize":
        return await authorize_payment(
            deps, SYSTEM, order_id=order.id, token="tok_ok", idempotency_key=key
        )
    if op.kind == "sale":
        return await capture_payment(
            deps, SYSTEM, order_id=order.id, token="tok_ok", idempotency_key=key
        )
    if op.kind == "capture":
        return await capture_payment(
            deps, SYSTEM, order_id=order.id, token=None, idempotency_key=key
        )
    if op.kind == "cancel":
        return await cancel_order(
            deps, SYSTEM, order_id=order.id, reason="race", idempotency_key=key
        )
    if op.kind == "refund_unit":
        return await refund_order(
            deps, SYSTEM, order_id=order.id, lines={line: 1}, idempotency_key=key
        )
    return await refund_order(deps, SYSTEM, order_id=order.id, everything=True, idempotency_key=key)


async def settle_up(deps: Deps) -> None:
    """What every worker's at-risk job does next: ask again to undo what an outage kept."""
    await retry_compensations(deps)


async def interleave(deps: Deps, order: Order, ops: list[Operation]) -> list[object]:
    """Run the operations concurrently; expected refusals (``DomainError``) are outcomes,
    anything else is raised."""
    outcomes = await asyncio.gather(*(run(deps, order, op) for op in ops), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, DomainError):
            raise outcome
    return list(outcomes)


def check_money(
    gateway: Interleaved,
    order: Order,
    transactions: list[PaymentTransaction],
    refunds: list[Refund],
    *,
    outage: bool,
) -> None:
    """The invariants. Raises AssertionError with what broke."""
    # a provider deduplicates calls with the same key: the same reference is one operation
    charged = {ref: a for k, ref, a in gateway.successes if k in {"sale", "capture"}}
    provider_charged = sum(charged.values())
    provider_refunded = sum({ref: a for k, ref, a in gateway.successes if k == "refund"}.values())
    assert provider_refunded <= provider_charged, (provider_refunded, provider_charged)

    # every success the provider gave is on record, as a success, under its reference
    kinds = {
        "authorize": TransactionKind.AUTHORIZE,
        "sale": TransactionKind.SALE,
        "capture": TransactionKind.CAPTURE,
        "void": TransactionKind.VOID,
        "refund": TransactionKind.REFUND,
    }
    recorded = {
        (t.kind, t.reference) for t in transactions if t.status is TransactionStatus.SUCCESS
    }
    for kind, reference, _ in gateway.successes:
        assert (kinds[kind], reference) in recorded, (kind, reference, transactions)

    ours_charged = sum(
        t.amount.minor_units
        for t in {
            t.reference: t
            for t in transactions
            if t.kind in CHARGES and t.status is TransactionStatus.SUCCESS
        }.values()
    )
    ours_refunded = sum(
        t.amount.minor_units
        for t in {
            t.reference: t
            for t in transactions
            if t.kind is TransactionKind.REFUND and t.status is TransactionStatus.SUCCESS
        }.values()
    )
    assert ours_refunded <= ours_charged, (ours_refunded, ours_charged)
    assert ours_charged == provider_charged
    assert ours_refunded == provider_refunded

    kept = captured_total(transactions, order.currency).minor_units
    paid_back = sum(
        r.breakdown.total.minor_units for r in refunds if r.status is RefundStatus.SUCCEEDED
    )
    assert paid_back <= kept, (paid_back, kept)
    units: Counter[int] = Counter()
    for r in refunds:
        if r.status is RefundStatus.SUCCEEDED:
            for paid in r.breakdown.lines:
                units[paid.order_line_id] += paid.quantity
    for line in order.lines:
        assert line.id is not None
        assert units[line.id] <= line.quantity, (units, line)

    # the status tells the truth about holds: VOIDED holds nothing, AUTHORIZED holds something
    holds = open_holds(transactions)
    if order.payment_status is PaymentStatus.VOIDED:
        assert holds == [], holds
        assert kept == 0, kept
    if order.payment_status is PaymentStatus.AUTHORIZED and not outage:
        assert holds, transactions

    left = kept - paid_back
    if left > 0:
        assert order.payment_status in {
            PaymentStatus.PAID,
            PaymentStatus.PARTIALLY_REFUNDED,
            PaymentStatus.PARTIALLY_CAPTURED,
        }, (order.payment_status, left)
    if order.status is OrderStatus.CANCELLED and not outage:
        assert left == 0, (left, transactions, refunds)
