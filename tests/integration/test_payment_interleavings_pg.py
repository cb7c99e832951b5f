"""Property on PostgreSQL: random interleavings of capture, cancel, refund and retry on one
order — real row locks, real transactions, requests truly concurrent on a connection pool —
never refund more than was captured and never lose a provider's success.
(The same property, with many more examples, runs on the in-memory store in
``tests/unit/test_payment_interleavings.py``.)"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from ordergraph.db.engine import create_engine
from ordergraph.db.tables import orders
from ordergraph.gateways import TestGateway
from tests.integration.conftest import deps_for
from tests.integration.test_payment_money_bugs import placed
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

EXAMPLES = itertools.count()


async def scenario(url: str, ops: list[Operation], turns: list[int], down: set[str]) -> None:
    engine = create_engine(url, pool_size=8)
    try:
        gateway = Interleaved(TestGateway(), pauses=list(turns), outage={k: 1 for k in down})
        deps = dataclasses.replace(deps_for(engine), gateway=gateway)
        order = await placed(deps, f"P{next(EXAMPLES)}", {"TEE": "20.00"})
        assert order.id is not None
        await interleave(deps, order, ops)
        await interleave(deps, order, ops)
        await settle_up(deps)
        async with deps.uow() as uow:
            stored = await uow.orders.get(order.id)
            transactions = await uow.payments.for_order(order.id)
            refunds = await uow.refunds.for_order(order.id)
        assert stored is not None
        check_money(gateway, stored, transactions, refunds, outage=bool(down))
        async with engine.connect() as conn:  # the row agrees with what the services read
            status = await conn.scalar(
                sa.select(orders.c.payment_status).where(orders.c.id == order.id)
            )
        assert status == stored.payment_status.value
    finally:
        await engine.dispose()


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=operations, turns=pauses, down=outages)
def test_no_interleaving_on_postgresql_refunds_more_than_captured(
    pg_url: str, ops: list[Operation], turns: list[int], down: set[str]
) -> None:
    asyncio.run(scenario(pg_url, ops, turns, down))
