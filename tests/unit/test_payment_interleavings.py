"""Property: whatever the interleaving of capture, cancel, refund and retry — with a slow or
unreachable provider — no more is refunded than was captured, and every success the provider
gave is on record. On the in-memory store (optimistic conflicts stand in for row locks); the
same property runs on PostgreSQL in ``tests/integration/test_payment_interleavings_pg.py``."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, event, given, settings

from ordergraph.domain.orders import Channel, RequestedLine
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


async def scenario(ops: list[Operation], turns: list[int], down: set[str]) -> None:
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
    stored = shop.store.order(order.id)
    event(f"order {stored.status.value}, payment {stored.payment_status.value}")
    if any(t.compensates_id for t in shop.store.payments):
        event("money landed on an order that moved on, and was undone")
    check_money(
        gateway,
        stored,
        [t for t in shop.store.payments if t.order_id == order.id],
        [r for r in shop.store.refunds if r.order_id == order.id],
        outage=bool(down),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations, turns=pauses, down=outages)
def test_no_interleaving_refunds_more_than_captured_or_loses_a_provider_success(
    ops: list[Operation], turns: list[int], down: set[str]
) -> None:
    asyncio.run(scenario(ops, turns, down))
