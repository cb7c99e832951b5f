"""Property: whatever the interleaving of capture, cancel, refund and retry — with a slow or
unreachable provider — no more is refunded than was captured, and every success the provider
gave is on record. On the in-memory store (optimistic conflicts stand in for row locks); the
same property runs on PostgreSQL in ``tests/integration/test_payment_interleavings_pg.py``."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, event, example, given, note, settings

from ordergraph.domain.orders import Channel, PaymentStatus, RequestedLine
from ordergraph.domain.payments import TransactionKind, captured_total, open_holds
from ordergraph.gateways import TestGateway
from ordergraph.services.orders import place_order
from tests.support.gateways import Interleaved
from tests.support.money_races import (
    Operation,
    check_money,
    interleave,
    operations,
    outages,
    pauses,
    settle_up,
)
from tests.unit.fakes import ADMIN, Shop, address, fake_deps

# a sale and an authorization race (the sale answers second: a stray charge), and a refund
STRAY_SALE_THEN_REFUND = [
    Operation("sale", None),
    Operation("authorize", None),
    Operation("refund_unit", None),
]


async def play(
    ops: list[Operation], turns: list[int], down: set[str]
) -> tuple[Shop, Interleaved, int]:
    shop = Shop()
    await shop.add_warehouse("AMS", "EU-WEST", "NL")
    await shop.add_product("TEE", "20.00")
    await shop.receive("TEE", "AMS", 5)
    gateway = Interleaved(TestGateway(), pauses=list(turns), outage={k: 1 for k in down})
    deps = fake_deps(shop.store, shop.clock, gateway=gateway)
    order = await place_order(
        deps,
        ADMIN,
        channel=Channel.WEB,
        lines=[RequestedLine("TEE", 2)],
        shipping_address=address(),
        email="ann@example.com",
    )
    assert order.id is not None
    await interleave(deps, order, ops)
    await interleave(deps, order, ops)  # and everything again: retries after the dust settled
    await settle_up(deps)
    return shop, gateway, order.id


async def scenario(ops: list[Operation], turns: list[int], down: set[str]) -> None:
    shop, gateway, order_id = await play(ops, turns, down)
    stored = shop.store.order(order_id)
    event(f"order {stored.status.value}, payment {stored.payment_status.value}")
    if any(t.compensates_id for t in shop.store.payments):
        event("money landed on an order that moved on, and was undone")
    check_money(
        gateway,
        stored,
        [t for t in shop.store.payments if t.order_id == order_id],
        [r for r in shop.store.refunds if r.order_id == order_id],
        outage=bool(down),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations, turns=pauses, down=outages)
@example(ops=STRAY_SALE_THEN_REFUND, turns=[1], down={"capture", "refund"})
def test_no_interleaving_refunds_more_than_captured_or_loses_a_provider_success(
    ops: list[Operation], turns: list[int], down: set[str]
) -> None:
    note(f"ops={ops!r} turns={turns!r} down={down!r}")  # hypothesis may print them empty
    asyncio.run(scenario(ops, turns, down))


def test_a_refund_does_not_pay_back_a_stray_sale_on_an_authorized_order() -> None:
    """A sale lands while a concurrent authorization confirms the order, and its compensating
    refund meets an outage; a refund asked for then is refused (the order's payment is only
    AUTHORIZED) instead of paying back part of the stray sale at the provider, failing to record
    it, and leaving the rest of the stray sale kept for good."""
    shop, _, order_id = asyncio.run(play(STRAY_SALE_THEN_REFUND, [1], {"capture", "refund"}))
    stored = shop.store.order(order_id)
    assert stored.payment_status is PaymentStatus.AUTHORIZED
    payments = [t for t in shop.store.payments if t.order_id == order_id]
    assert captured_total(payments, stored.currency).minor_units == 0
    assert [
        t for t in payments if t.kind is TransactionKind.REFUND and t.compensates_id is None
    ] == []
    assert [r for r in shop.store.refunds if r.order_id == order_id] == []


def test_capturing_the_authorization_takes_the_whole_total_beside_a_stray_sale() -> None:
    """The stray sale (its compensation met an outage) is no part of the order's payment: the
    capture that follows takes the whole total, not the total less the stray sale (0.00)."""
    ops = STRAY_SALE_THEN_REFUND[:2]
    shop, _, order_id = asyncio.run(play(ops, [1], {"refund"}))
    stored = shop.store.order(order_id)
    payments = [t for t in shop.store.payments if t.order_id == order_id]
    captures = [t for t in payments if t.kind is TransactionKind.CAPTURE]
    assert [c.amount for c in captures] == [stored.total]
    assert stored.payment_status is PaymentStatus.PAID
    assert captured_total(payments, stored.currency) == stored.total
    assert open_holds(payments) == []
