"""The automation consumer on real PostgreSQL: two consumers at once run each rule at most
once per event, in order per order, and the rules' own events start no runs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.engine import create_engine
from ordergraph.db.tables import automation_runs, notifications, orders, outbox
from ordergraph.db.uow import SqlUnitOfWork
from ordergraph.domain.automation import ActionKind, ActionSpec
from ordergraph.domain.clock import FixedClock
from ordergraph.domain.customers import AddressFields
from ordergraph.domain.inventory import AdjustmentReason
from ordergraph.domain.orders import Channel, HoldType, RequestedLine
from ordergraph.domain.principals import SYSTEM
from ordergraph.events.automation import LEASE, claim, fan_out, run_due
from ordergraph.services.automation import create_rule, execute_run
from ordergraph.services.deps import Deps
from ordergraph.services.holds import hold_order
from ordergraph.services.inventory import adjust_inventory
from ordergraph.services.orders import place_order
from tests.integration.conftest import deps_for, make_product, make_warehouse

ADDRESS: AddressFields = {
    "name": "Rule Tester",
    "line1": "Damrak 1",
    "line2": None,
    "city": "Amsterdam",
    "region": "EU-WEST",
    "postal_code": "1012 LG",
    "country_code": "NL",
    "phone": None,
}
ORDERS = 8


async def test_two_consumers_run_each_rule_once_per_event_in_order_and_never_loop(
    pg_engine: AsyncEngine, pg_url: str, unique: str
) -> None:
    deps = deps_for(pg_engine)
    warehouse = await make_warehouse(deps, f"W-{unique}")
    assert warehouse.id is not None
    sku = f"SKU-{unique}"
    await make_product(deps, sku)
    await adjust_inventory(
        deps,
        SYSTEM,
        sku=sku,
        warehouse_id=warehouse.id,
        delta=100,
        reason=AdjustmentReason.RECEIVED,
    )
    placed_rule = await create_rule(
        deps,
        SYSTEM,
        name="on placed",
        trigger="order.placed",
        condition="true",
        actions=[
            ActionSpec(ActionKind.ADD_TAGS, {"tags": ["placed"]}),
            # its order.hold_placed is the rule's own: the "on hold" rule must not run on it
            ActionSpec(ActionKind.HOLD, {"type": "CUSTOMER_REQUEST", "reason": None}),
            ActionSpec(ActionKind.NOTIFY, {"type": "ORDER_CONFIRMED"}),
        ],
    )
    held_rule = await create_rule(
        deps,
        SYSTEM,
        name="on hold",
        trigger="order.hold_placed",
        condition="true",
        actions=[ActionSpec(ActionKind.ADD_TAGS, {"tags": ["held"]})],
    )
    order_ids = []
    for _ in range(ORDERS):
        order = await place_order(
            deps,
            SYSTEM,
            channel=Channel.WEB,
            lines=[RequestedLine(sku, 1)],
            shipping_address=ADDRESS,
            email="guest@example.com",
        )
        assert order.id is not None
        await hold_order(deps, SYSTEM, order_id=order.id, hold_type=HoldType.FRAUD_REVIEW)
        order_ids.append(order.id)

    second = create_engine(pg_url)
    try:
        done = await asyncio.gather(
            run_due(deps, pg_engine, batch=3), run_due(deps_for(second), second, batch=3)
        )
        # anything the first pass made (the rules' own events) is looked at and left alone
        again = await asyncio.gather(run_due(deps, pg_engine), run_due(deps_for(second), second))
    finally:
        await second.dispose()
    assert sum(done) == 2 * ORDERS
    assert sum(again) == 0

    async with pg_engine.connect() as conn:
        runs = (
            await conn.execute(
                sa.select(
                    automation_runs.c.rule_id, automation_runs.c.order_id, automation_runs.c.status
                ).where(automation_runs.c.order_id.in_(order_ids))
            )
        ).all()
        tags = dict(
            (
                await conn.execute(
                    sa.select(orders.c.id, orders.c.tags).where(orders.c.id.in_(order_ids))
                )
            ).all()
        )
        mails = (
            await conn.execute(
                sa.select(notifications.c.order_id, sa.func.count())
                .where(notifications.c.key.like("automation:%"))
                .group_by(notifications.c.order_id)
            )
        ).all()
        pending = await conn.scalar(
            sa.select(sa.func.count()).select_from(outbox).where(outbox.c.automated.is_(False))
        )
    assert sorted((r.rule_id, r.order_id) for r in runs) == sorted(
        (rule.id, order_id) for order_id in order_ids for rule in (placed_rule, held_rule)
    )
    assert {r.status for r in runs} == {"DONE"}
    # in order per order: the placed event's rule ran before the hold event's
    assert all(tags[order_id] == ["placed", "held"] for order_id in order_ids), tags
    assert sorted(mails) == sorted((order_id, 1) for order_id in order_ids)
    assert pending == 0


async def test_a_run_whose_worker_died_is_abandoned_not_run_twice(
    pg_engine: AsyncEngine, unique: str
) -> None:
    clock = FixedClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    deps = Deps(uow=lambda: SqlUnitOfWork(pg_engine, clock), clock=clock)
    warehouse = await make_warehouse(deps, f"W-{unique}")
    assert warehouse.id is not None
    sku = f"SKU-{unique}"
    await make_product(deps, sku)
    await adjust_inventory(
        deps, SYSTEM, sku=sku, warehouse_id=warehouse.id, delta=5, reason=AdjustmentReason.RECEIVED
    )
    await create_rule(
        deps,
        SYSTEM,
        name="tagger",
        trigger="order.placed",
        condition="true",
        actions=[ActionSpec(ActionKind.ADD_TAGS, {"tags": ["x"]})],
    )
    order = await place_order(
        deps,
        SYSTEM,
        channel=Channel.WEB,
        lines=[RequestedLine(sku, 1)],
        shipping_address=ADDRESS,
        email="guest@example.com",
    )
    assert await fan_out(pg_engine, clock) == 1
    [claimed] = await claim(pg_engine, clock)  # ... and the worker dies here
    assert await claim(pg_engine, clock) == []  # RUNNING: never claimed again
    clock.advance(LEASE + timedelta(seconds=1))
    assert await claim(pg_engine, clock) == []
    async with pg_engine.connect() as conn:
        status = await conn.scalar(
            sa.select(automation_runs.c.status).where(automation_runs.c.id == claimed.id)
        )
        tags = await conn.scalar(sa.select(orders.c.tags).where(orders.c.id == order.id))
    assert status == "ABANDONED"
    assert not tags
    # a late finish from the dead worker does not overwrite the verdict
    await execute_run(deps, claimed)
    async with pg_engine.connect() as conn:
        assert (
            await conn.scalar(
                sa.select(automation_runs.c.status).where(automation_runs.c.id == claimed.id)
            )
            == "ABANDONED"
        )
