"""``flag_orders_at_risk`` on PostgreSQL with real services and a clock that only moves when told.

Orders are confirmed at a fixed instant (ship-by: 24 h later); warehouse and address share the
EU-WEST region, so a parcel is promised two days after it ships. Every test reads what the job
left behind from the database: the orders' reasons and the ``order.at_risk`` events in the outbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.engine import create_engine
from ordergraph.db.tables import outbox
from ordergraph.db.uow import SqlUnitOfWork
from ordergraph.domain.clock import FixedClock
from ordergraph.domain.customers import AddressFields
from ordergraph.domain.inventory import AdjustmentReason
from ordergraph.domain.orders import Channel, Order, OrderStatus, RequestedLine
from ordergraph.domain.principals import SYSTEM
from ordergraph.domain.shipments import Shipment, ShipmentStatus
from ordergraph.services.cancellation import cancel_order
from ordergraph.services.deps import Deps
from ordergraph.services.fulfillment import mark_packed, ship_fulfillment, start_picking
from ordergraph.services.inventory import adjust_inventory
from ordergraph.services.orders import place_order
from ordergraph.services.payments import authorize_payment, capture_payment
from ordergraph.services.shipments import flag_orders_at_risk, record_shipment_event
from tests.integration.conftest import make_product, make_warehouse

START = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
HANDLING = timedelta(hours=24)
TRANSIT = timedelta(days=2)  # same region

ADDRESS: AddressFields = {
    "name": "Late Tester",
    "line1": "Damrak 1",
    "line2": None,
    "city": "Amsterdam",
    "region": "EU-WEST",
    "postal_code": "1012 LG",
    "country_code": "NL",
    "phone": None,
}


@dataclass
class Shop:
    engine: AsyncEngine
    clock: FixedClock
    deps: Deps
    sku: str

    def advance(self, delta: timedelta) -> None:
        self.clock.advance(delta)


def deps_on(engine: AsyncEngine, clock: FixedClock) -> Deps:
    return Deps(uow=lambda: SqlUnitOfWork(engine, clock), clock=clock)


@pytest.fixture
async def shop(pg_engine: AsyncEngine, unique: str) -> Shop:
    clock = FixedClock(START)
    deps = deps_on(pg_engine, clock)
    warehouse = await make_warehouse(deps, f"W-{unique}")
    assert warehouse.id is not None
    sku = f"SKU-{unique}"
    await make_product(deps, sku)
    await adjust_inventory(
        deps,
        SYSTEM,
        sku=sku,
        warehouse_id=warehouse.id,
        delta=1000,
        reason=AdjustmentReason.RECEIVED,
    )
    return Shop(pg_engine, clock, deps, sku)


async def confirmed(shop: Shop, quantity: int = 1) -> Order:
    placed = await place_order(
        shop.deps,
        SYSTEM,
        channel=Channel.WEB,
        lines=[RequestedLine(shop.sku, quantity)],
        shipping_address=ADDRESS,
        email="late@example.com",
    )
    assert placed.id is not None
    outcome = await authorize_payment(shop.deps, SYSTEM, order_id=placed.id, token="tok_ok")
    order = outcome.order
    assert order.status is OrderStatus.CONFIRMED
    assert order.ship_by_at == shop.clock.now() + HANDLING
    return order


async def ship_everything(shop: Shop, order: Order) -> list[Shipment]:
    assert order.id is not None
    async with shop.deps.uow() as uow:
        fulfillments = await uow.fulfillments.for_order(order.id)
    parcels: list[Shipment] = []
    for fulfillment in fulfillments:
        assert fulfillment.id is not None
        await start_picking(shop.deps, SYSTEM, fulfillment_id=fulfillment.id)
        await mark_packed(shop.deps, SYSTEM, fulfillment_id=fulfillment.id)
        step = await ship_fulfillment(
            shop.deps,
            SYSTEM,
            fulfillment_id=fulfillment.id,
            carrier="DHL",
            tracking_number=f"JD{fulfillment.id:08d}",
        )
        assert step.shipment is not None
        assert step.shipment.promised_delivery_at == shop.clock.now() + TRANSIT
        parcels.append(step.shipment)
    return parcels


async def deliver(shop: Shop, parcel: Shipment) -> None:
    assert parcel.id is not None
    await record_shipment_event(
        shop.deps,
        SYSTEM,
        shipment_id=parcel.id,
        status=ShipmentStatus.DELIVERED,
        occurred_at=shop.clock.now(),
    )


async def reload(shop: Shop, order: Order) -> Order:
    assert order.id is not None
    async with shop.deps.uow() as uow:
        found = await uow.orders.get(order.id)
    assert found is not None
    return found


async def at_risk_events(engine: AsyncEngine) -> dict[int, list[dict[str, Any]]]:
    """order id → its ``order.at_risk`` outbox events (payload, actor, time), oldest first."""
    o = outbox.c
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(o.order_id, o.payload, o.actor, o.occurred_at)
            .where(o.type == "order.at_risk")
            .order_by(o.id)
        )
        found: dict[int, list[dict[str, Any]]] = {}
        for order_id, payload, actor, occurred_at in rows:
            found.setdefault(order_id, []).append(
                {"reasons": payload["reasons"], "actor": actor, "at": occurred_at}
            )
    return found


async def test_an_order_not_shipped_within_a_day_is_flagged_exactly_once(shop: Shop) -> None:
    order = await confirmed(shop)
    assert order.id is not None
    shop.advance(HANDLING - timedelta(minutes=1))
    assert await flag_orders_at_risk(shop.deps) == 0
    assert await at_risk_events(shop.engine) == {}

    shop.advance(timedelta(minutes=2))
    assert await flag_orders_at_risk(shop.deps) == 1

    late = await reload(shop, order)
    assert late.at_risk_reasons == ["NOT_SHIPPED_IN_TIME"]
    assert late.at_risk
    expected = {
        order.id: [
            {"reasons": ["NOT_SHIPPED_IN_TIME"], "actor": SYSTEM.actor, "at": shop.clock.now()}
        ]
    }
    assert await at_risk_events(shop.engine) == expected

    shop.advance(timedelta(hours=1))
    assert await flag_orders_at_risk(shop.deps) == 0
    assert await at_risk_events(shop.engine) == expected
    assert (await reload(shop, late)).at_risk_reasons == ["NOT_SHIPPED_IN_TIME"]


async def test_a_partly_shipped_order_past_its_ship_by_time_is_not_shipped_in_time(
    shop: Shop,
) -> None:
    order = await confirmed(shop, 3)
    async with shop.deps.uow() as uow:
        assert order.id is not None
        (fulfillment,) = await uow.fulfillments.for_order(order.id)
    assert fulfillment.id is not None
    assert fulfillment.lines[0].id is not None
    await start_picking(shop.deps, SYSTEM, fulfillment_id=fulfillment.id)
    await mark_packed(shop.deps, SYSTEM, fulfillment_id=fulfillment.id)
    await ship_fulfillment(
        shop.deps,
        SYSTEM,
        fulfillment_id=fulfillment.id,
        carrier="DHL",
        tracking_number="JD1",
        lines={fulfillment.lines[0].id: 1},
    )
    assert (await reload(shop, order)).status is OrderStatus.PARTIALLY_SHIPPED
    shop.advance(HANDLING + timedelta(hours=1))

    assert await flag_orders_at_risk(shop.deps) == 1

    assert (await reload(shop, order)).at_risk_reasons == ["NOT_SHIPPED_IN_TIME"]


async def test_a_parcel_past_its_promise_without_delivery_is_overdue(shop: Shop) -> None:
    order = await confirmed(shop)
    assert order.id is not None
    shop.advance(timedelta(hours=2))
    (parcel,) = await ship_everything(shop, order)
    assert parcel.promised_delivery_at is not None

    shop.advance(TRANSIT - timedelta(minutes=1))  # past ship-by, but shipped in time
    assert await flag_orders_at_risk(shop.deps) == 0
    shop.advance(timedelta(minutes=2))
    assert await flag_orders_at_risk(shop.deps) == 1

    overdue = await reload(shop, order)
    assert overdue.status is OrderStatus.SHIPPED
    assert overdue.at_risk_reasons == ["DELIVERY_OVERDUE"]
    events = await at_risk_events(shop.engine)
    assert [e["reasons"] for e in events[order.id]] == [["DELIVERY_OVERDUE"]]

    shop.advance(timedelta(days=1))
    assert await flag_orders_at_risk(shop.deps) == 0
    assert await at_risk_events(shop.engine) == events


async def test_delivered_shipped_in_time_cancelled_and_unpaid_orders_are_not_flagged(
    shop: Shop,
) -> None:
    delivered = await confirmed(shop)
    on_its_way = await confirmed(shop)
    for paid in (delivered, on_its_way):  # captured: no authorization left to lapse
        assert paid.id is not None
        await capture_payment(shop.deps, SYSTEM, order_id=paid.id, token=None)
    cancelled = await confirmed(shop)
    assert cancelled.id is not None
    await cancel_order(shop.deps, SYSTEM, order_id=cancelled.id, reason="changed mind")
    unpaid = await place_order(
        shop.deps,
        SYSTEM,
        channel=Channel.WEB,
        lines=[RequestedLine(shop.sku, 1)],
        shipping_address=ADDRESS,
        email="unpaid@example.com",
    )
    shop.advance(timedelta(hours=3))
    (first,) = await ship_everything(shop, delivered)
    await ship_everything(shop, on_its_way)
    shop.advance(timedelta(days=1))
    await deliver(shop, first)
    assert (await reload(shop, delivered)).status is OrderStatus.DELIVERED

    shop.advance(HANDLING)  # every ship-by has passed; no promise has
    assert await flag_orders_at_risk(shop.deps) == 0

    shop.advance(timedelta(days=30))  # the undelivered parcel is now overdue, nothing else
    assert await flag_orders_at_risk(shop.deps) == 1

    assert on_its_way.id is not None
    assert set(await at_risk_events(shop.engine)) == {on_its_way.id}
    for calm in (delivered, cancelled, unpaid):
        assert (await reload(shop, calm)).at_risk_reasons == []


async def test_shipping_a_late_order_clears_not_shipped_in_time(shop: Shop) -> None:
    order = await confirmed(shop)
    shop.advance(HANDLING + timedelta(hours=1))
    assert await flag_orders_at_risk(shop.deps) == 1

    await ship_everything(shop, order)

    shipped = await reload(shop, order)
    assert shipped.status is OrderStatus.SHIPPED
    assert shipped.at_risk_reasons == []
    shop.advance(timedelta(hours=1))
    assert await flag_orders_at_risk(shop.deps) == 0
    assert (await reload(shop, order)).at_risk_reasons == []


@pytest.fixture
async def second_engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(pg_url, pool_size=2)
    try:
        yield engine
    finally:
        await engine.dispose()


async def test_two_concurrent_runs_record_one_at_risk_event_per_order(
    shop: Shop, second_engine: AsyncEngine
) -> None:
    orders = [await confirmed(shop) for _ in range(12)]
    shop.advance(HANDLING + timedelta(hours=1))
    other = deps_on(second_engine, shop.clock)

    counts = await asyncio.gather(flag_orders_at_risk(shop.deps), flag_orders_at_risk(other))

    assert sum(counts) == len(orders)
    events = await at_risk_events(shop.engine)
    assert set(events) == {o.id for o in orders}
    assert all(len(found) == 1 for found in events.values()), events
    assert all(found[0]["reasons"] == ["NOT_SHIPPED_IN_TIME"] for found in events.values())
    for order in orders:
        assert (await reload(shop, order)).at_risk_reasons == ["NOT_SHIPPED_IN_TIME"]


async def test_orders_already_flagged_do_not_keep_new_late_orders_from_being_flagged(
    shop: Shop,
) -> None:
    backlog = [await confirmed(shop) for _ in range(3)]
    shop.advance(HANDLING + timedelta(hours=1))
    assert await flag_orders_at_risk(shop.deps, limit=3) == 3
    newcomer = await confirmed(shop)
    shop.advance(HANDLING + timedelta(hours=1))

    flagged = [await flag_orders_at_risk(shop.deps, limit=3) for _ in range(3)]

    assert sum(flagged) == 1, flagged
    assert (await reload(shop, newcomer)).at_risk_reasons == ["NOT_SHIPPED_IN_TIME"]
    assert len(await at_risk_events(shop.engine)) == len(backlog) + 1


async def test_an_authorization_about_to_lapse_is_flagged_once_and_a_captured_one_never(
    shop: Shop,
) -> None:
    held = await confirmed(shop)
    taken = await confirmed(shop)
    assert held.id is not None
    assert taken.id is not None
    assert held.authorization_expires_at == shop.clock.now() + timedelta(days=7)
    await capture_payment(shop.deps, SYSTEM, order_id=taken.id, token=None)
    for f in (held, taken):  # shipped and delivered in time: only the money is at risk
        for parcel in await ship_everything(shop, f):
            await deliver(shop, parcel)

    shop.advance(timedelta(days=5))
    assert await flag_orders_at_risk(shop.deps) == 0
    shop.advance(timedelta(days=1, hours=1))  # less than a day left on the hold
    assert await flag_orders_at_risk(shop.deps) == 1
    assert await flag_orders_at_risk(shop.deps) == 0  # once

    assert (await reload(shop, held)).at_risk_reasons == ["AUTHORIZATION_EXPIRING"]
    assert (await reload(shop, taken)).at_risk_reasons == []
    assert set(await at_risk_events(shop.engine)) == {held.id}
