"""Use cases for parcels on the way: carrier events, delivery, and finding orders at risk."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from ordergraph.domain.errors import Forbidden, InvalidInput, NotFound
from ordergraph.domain.orders import Channel, OrderStatus, RequestedLine
from ordergraph.domain.principals import Principal, Role, Scope, scopes_for
from ordergraph.domain.shipments import ShipmentStatus
from ordergraph.services.cancellation import cancel_order
from ordergraph.services.fulfillment import mark_packed, ship_fulfillment, start_picking
from ordergraph.services.orders import place_order
from ordergraph.services.shipments import (
    ShipmentUpdate,
    flag_orders_at_risk,
    record_shipment_event,
)
from tests.unit.fakes import ADMIN, STOREFRONT, Shop, address

FLOOR = Principal(
    role=Role.STAFF,
    scopes=scopes_for(Role.STAFF, frozenset({Scope.FULFILLMENT_WRITE})),
    name="floor",
    token_id=920,
)
CARRIER_FEED = Principal(
    role=Role.STAFF,
    scopes=scopes_for(Role.STAFF, frozenset({Scope.SHIPMENTS_WRITE})),
    name="dhl-feed",
    token_id=921,
)
READ_ONLY = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, None), name="viewer")
HANDLING = timedelta(hours=24)


@pytest.fixture
async def shop() -> Shop:
    shop = Shop()
    await shop.add_warehouse("AMS", "EU-WEST", "NL", priority=10)
    await shop.add_warehouse("BER", "EU-CENTRAL", "DE", priority=20)
    await shop.add_product("TEE", "19.99")
    await shop.receive("TEE", "AMS", 5)
    await shop.receive("TEE", "BER", 10)
    return shop


async def ship_all(shop: Shop, order_id: int, warehouse: str = "AMS") -> int:
    """Pick, pack and ship everything the warehouse holds for the order; the shipment id."""
    fid = shop.fulfillments_of(order_id)[warehouse].id
    assert fid is not None
    await start_picking(shop.deps, FLOOR, fulfillment_id=fid)
    await mark_packed(shop.deps, FLOOR, fulfillment_id=fid)
    step = await ship_fulfillment(
        shop.deps, FLOOR, fulfillment_id=fid, carrier="DHL", tracking_number=f"JD-{fid}"
    )
    assert step.shipment is not None
    assert step.shipment.id is not None
    return step.shipment.id


async def event(
    shop: Shop,
    shipment_id: int,
    status: ShipmentStatus,
    occurred_at: datetime,
    *,
    who: Principal = CARRIER_FEED,
    key: str | None = None,
) -> ShipmentUpdate:
    return await record_shipment_event(
        shop.deps,
        who,
        shipment_id=shipment_id,
        status=status,
        occurred_at=occurred_at,
        location="Utrecht hub",
        idempotency_key=key,
    )


def shipment_history(shop: Shop, shipment_id: int) -> list[tuple[ShipmentStatus, bool]]:
    [shipment] = [s for s in shop.store.shipments if s.id == shipment_id]
    return [(e.status, e.applied) for e in shipment.events]


def new_events(shop: Shop, since: int) -> list[tuple[str, Any]]:
    return [(e.type, e.payload.get("reasons")) for e in shop.store.outbox[since:]]


def snapshot(shop: Shop) -> tuple[Any, ...]:
    return (shop.store.orders, shop.store.shipments, shop.store.outbox)


async def test_carrier_events_in_order_move_the_shipment_and_join_the_timeline(
    shop: Shop,
) -> None:
    order_id = await shop.confirmed_order([("TEE", 2)])
    shipment_id = await ship_all(shop, order_id)
    shipped_at = shop.clock.now()
    shop.clock.advance(timedelta(hours=6))
    update = await event(
        shop, shipment_id, ShipmentStatus.IN_TRANSIT, shipped_at + timedelta(hours=5)
    )
    assert update.shipment.status is ShipmentStatus.IN_TRANSIT
    assert update.order.status is OrderStatus.SHIPPED
    assert shipment_history(shop, shipment_id) == [
        (ShipmentStatus.LABEL_CREATED, True),
        (ShipmentStatus.IN_TRANSIT, True),
    ]
    [stored] = shop.store.shipments
    assert stored.events[-1].recorded_at == shop.clock.now()
    assert stored.events[-1].location == "Utrecht hub"
    last = shop.store.outbox[-1]
    assert (last.type, last.actor, last.order_id) == ("shipment.event", "staff:dhl-feed", order_id)
    assert (last.payload["status"], last.payload["applied"]) == ("IN_TRANSIT", True)


async def test_an_out_of_order_event_is_kept_with_applied_false(shop: Shop) -> None:
    order_id = await shop.confirmed_order([("TEE", 2)])
    shipment_id = await ship_all(shop, order_id)
    start = shop.clock.now()
    shop.clock.advance(timedelta(days=1))
    await event(shop, shipment_id, ShipmentStatus.OUT_FOR_DELIVERY, start + timedelta(hours=20))
    late = await event(shop, shipment_id, ShipmentStatus.IN_TRANSIT, start + timedelta(hours=3))
    assert late.shipment.status is ShipmentStatus.OUT_FOR_DELIVERY
    # stored in the order the events happened, as the SQL repository reads them back
    assert shipment_history(shop, shipment_id) == [
        (ShipmentStatus.LABEL_CREATED, True),
        (ShipmentStatus.IN_TRANSIT, False),
        (ShipmentStatus.OUT_FOR_DELIVERY, True),
    ]
    assert shop.store.outbox[-1].payload["applied"] is False


@pytest.mark.parametrize(
    ("shift", "field_message"),
    [(timedelta(minutes=11), "is in the future"), (None, "needs a UTC offset")],
    ids=["future", "naive"],
)
async def test_a_future_or_naive_event_time_is_refused_and_nothing_changes(
    shop: Shop, shift: timedelta | None, field_message: str
) -> None:
    order_id = await shop.confirmed_order([("TEE", 1)])
    shipment_id = await ship_all(shop, order_id)
    now = shop.clock.now()
    occurred = now + shift if shift is not None else now.replace(tzinfo=None)
    before = snapshot(shop)
    with pytest.raises(InvalidInput) as caught:
        await event(shop, shipment_id, ShipmentStatus.IN_TRANSIT, occurred)
    assert (caught.value.field, caught.value.message) == (("occurredAt",), field_message)
    assert snapshot(shop) == before


async def test_an_unknown_shipment_is_not_found(shop: Shop) -> None:
    with pytest.raises(NotFound) as caught:
        await event(shop, 404, ShipmentStatus.IN_TRANSIT, shop.clock.now())
    assert caught.value.field == ("shipmentId",)


async def test_read_only_staff_cannot_record_events(shop: Shop) -> None:
    order_id = await shop.confirmed_order([("TEE", 1)])
    shipment_id = await ship_all(shop, order_id)
    before = snapshot(shop)
    with pytest.raises(Forbidden) as caught:
        await event(shop, shipment_id, ShipmentStatus.IN_TRANSIT, shop.clock.now(), who=READ_ONLY)
    assert caught.value.code == "FORBIDDEN"
    assert snapshot(shop) == before


async def test_both_the_carrier_feed_and_the_warehouse_may_record_events(shop: Shop) -> None:
    order_id = await shop.confirmed_order([("TEE", 1)])
    shipment_id = await ship_all(shop, order_id)
    now = shop.clock.now()
    await event(shop, shipment_id, ShipmentStatus.IN_TRANSIT, now, who=CARRIER_FEED)
    await event(shop, shipment_id, ShipmentStatus.OUT_FOR_DELIVERY, now, who=FLOOR)
    assert [e.actor for e in shop.store.outbox[-2:]] == ["staff:dhl-feed", "staff:floor"]
    assert shipment_history(shop, shipment_id)[-2:] == [
        (ShipmentStatus.IN_TRANSIT, True),
        (ShipmentStatus.OUT_FOR_DELIVERY, True),
    ]


async def test_the_order_is_delivered_when_every_shipment_is_at_the_latest_delivery(
    shop: Shop,
) -> None:
    order_id = await shop.confirmed_order([("TEE", 12)])  # AMS 5 + BER 7
    from_ams = await ship_all(shop, order_id, "AMS")
    from_ber = await ship_all(shop, order_id, "BER")
    start = shop.clock.now()
    shop.clock.advance(timedelta(days=4))
    # the later delivery is reported first
    first = await event(shop, from_ber, ShipmentStatus.DELIVERED, start + timedelta(days=3))
    assert first.shipment.delivered_at == start + timedelta(days=3)
    assert first.order.status is OrderStatus.SHIPPED
    assert shop.store.order(order_id).status is OrderStatus.SHIPPED

    last = await event(shop, from_ams, ShipmentStatus.DELIVERED, start + timedelta(days=1))
    assert last.order.status is OrderStatus.DELIVERED
    stored = shop.store.order(order_id)
    assert (stored.status, stored.delivered_at) == (
        OrderStatus.DELIVERED,
        start + timedelta(days=3),
    )
    delivered = [e for e in shop.store.outbox if e.type == "order.delivered"]
    assert [e.payload["deliveredAt"] for e in delivered] == [
        (start + timedelta(days=3)).isoformat()
    ]


async def test_a_delivery_while_units_are_unshipped_keeps_the_order_partially_shipped(
    shop: Shop,
) -> None:
    order_id = await shop.confirmed_order([("TEE", 12)])
    from_ams = await ship_all(shop, order_id, "AMS")
    start = shop.clock.now()
    shop.clock.advance(timedelta(days=2))
    update = await event(shop, from_ams, ShipmentStatus.DELIVERED, start + timedelta(days=1))
    assert update.shipment.status is ShipmentStatus.DELIVERED
    assert update.order.status is OrderStatus.PARTIALLY_SHIPPED
    stored = shop.store.order(order_id)
    assert (stored.status, stored.delivered_at) == (OrderStatus.PARTIALLY_SHIPPED, None)

    from_ber = await ship_all(shop, order_id, "BER")
    assert shop.store.order(order_id).status is OrderStatus.SHIPPED
    shop.clock.advance(timedelta(days=3))
    await event(shop, from_ber, ShipmentStatus.DELIVERED, shop.clock.now())
    stored = shop.store.order(order_id)
    assert (stored.status, stored.delivered_at) == (OrderStatus.DELIVERED, shop.clock.now())


async def test_an_exception_flags_the_order_at_risk_once(shop: Shop) -> None:
    order_id = await shop.confirmed_order([("TEE", 1)])
    shipment_id = await ship_all(shop, order_id)
    before = len(shop.store.outbox)
    now = shop.clock.now()
    update = await event(shop, shipment_id, ShipmentStatus.EXCEPTION, now)
    assert update.order.at_risk_reasons == ["SHIPMENT_EXCEPTION"]
    assert shop.store.order(order_id).at_risk_reasons == ["SHIPMENT_EXCEPTION"]
    assert new_events(shop, before) == [
        ("shipment.event", None),
        ("order.at_risk", ["SHIPMENT_EXCEPTION"]),
    ]
    again = len(shop.store.outbox)
    await event(shop, shipment_id, ShipmentStatus.EXCEPTION, now)
    assert new_events(shop, again) == [("shipment.event", None)]
    assert await flag_orders_at_risk(shop.deps) == 0  # the scan agrees: nothing new


async def test_an_exception_reported_out_of_order_does_not_flag_the_order(shop: Shop) -> None:
    order_id = await shop.confirmed_order([("TEE", 1)])
    shipment_id = await ship_all(shop, order_id)
    shop.clock.advance(timedelta(hours=2))
    await event(shop, shipment_id, ShipmentStatus.IN_TRANSIT, shop.clock.now())
    await event(shop, shipment_id, ShipmentStatus.EXCEPTION, shop.clock.now() - timedelta(hours=1))
    assert shop.store.order(order_id).at_risk_reasons == []


async def test_delivery_clears_an_earlier_exception(shop: Shop) -> None:
    order_id = await shop.confirmed_order([("TEE", 1)])
    shipment_id = await ship_all(shop, order_id)
    await event(shop, shipment_id, ShipmentStatus.EXCEPTION, shop.clock.now())
    shop.clock.advance(timedelta(days=1))
    await event(shop, shipment_id, ShipmentStatus.DELIVERED, shop.clock.now())
    stored = shop.store.order(order_id)
    assert (stored.status, stored.at_risk_reasons) == (OrderStatus.DELIVERED, [])


async def test_an_order_not_shipped_by_its_ship_by_time_is_flagged_once(shop: Shop) -> None:
    order_id = await shop.confirmed_order([("TEE", 1)])
    ship_by = shop.store.order(order_id).ship_by_at
    assert ship_by == shop.clock.now() + HANDLING
    shop.clock.advance(HANDLING)
    assert await flag_orders_at_risk(shop.deps) == 0  # exactly on time is not late
    shop.clock.advance(timedelta(seconds=1))
    before = len(shop.store.outbox)
    assert await flag_orders_at_risk(shop.deps) == 1
    assert shop.store.order(order_id).at_risk_reasons == ["NOT_SHIPPED_IN_TIME"]
    [flagged] = shop.store.outbox[before:]
    assert (flagged.type, flagged.actor, flagged.payload["reasons"]) == (
        "order.at_risk",
        "admin:system",
        ["NOT_SHIPPED_IN_TIME"],
    )
    shop.clock.advance(timedelta(hours=1))
    assert await flag_orders_at_risk(shop.deps) == 0
    assert len(shop.store.outbox) == before + 1


async def test_a_late_order_shipped_in_part_stays_late_until_it_ships_in_full(shop: Shop) -> None:
    order_id = await shop.confirmed_order([("TEE", 12)])
    await ship_all(shop, order_id, "AMS")
    shop.clock.advance(HANDLING + timedelta(minutes=1))
    assert await flag_orders_at_risk(shop.deps) == 1
    assert shop.store.order(order_id).at_risk_reasons == ["NOT_SHIPPED_IN_TIME"]
    await ship_all(shop, order_id, "BER")
    stored = shop.store.order(order_id)
    assert (stored.status, stored.at_risk_reasons) == (OrderStatus.SHIPPED, [])
    assert await flag_orders_at_risk(shop.deps) == 0


async def test_a_parcel_past_its_promise_makes_the_order_delivery_overdue(shop: Shop) -> None:
    order_id = await shop.confirmed_order([("TEE", 1)])
    shipment_id = await ship_all(shop, order_id)  # shipped in time
    [shipment] = shop.store.shipments
    assert shipment.id == shipment_id
    assert shipment.promised_delivery_at == shop.clock.now() + timedelta(days=2)
    shop.clock.advance(timedelta(days=2))
    assert await flag_orders_at_risk(shop.deps) == 0
    shop.clock.advance(timedelta(seconds=1))
    await event(shop, shipment_id, ShipmentStatus.OUT_FOR_DELIVERY, shop.clock.now())
    assert await flag_orders_at_risk(shop.deps) == 1
    assert shop.store.order(order_id).at_risk_reasons == ["DELIVERY_OVERDUE"]
    assert await flag_orders_at_risk(shop.deps) == 0


async def test_a_parcel_in_exception_past_its_promise_adds_delivery_overdue(shop: Shop) -> None:
    order_id = await shop.confirmed_order([("TEE", 1)])
    shipment_id = await ship_all(shop, order_id)
    await event(shop, shipment_id, ShipmentStatus.EXCEPTION, shop.clock.now())
    shop.clock.advance(timedelta(days=3))
    before = len(shop.store.outbox)
    assert await flag_orders_at_risk(shop.deps) == 1
    assert shop.store.order(order_id).at_risk_reasons == ["DELIVERY_OVERDUE", "SHIPMENT_EXCEPTION"]
    assert new_events(shop, before) == [("order.at_risk", ["DELIVERY_OVERDUE"])]


async def test_delivered_cancelled_and_unpaid_orders_are_never_flagged(shop: Shop) -> None:
    # paid in full: an authorization left uncaptured would be flagged AUTHORIZATION_EXPIRING
    delivered = await shop.paid_order([("TEE", 1)])
    shipment_id = await ship_all(shop, delivered)
    await event(shop, shipment_id, ShipmentStatus.DELIVERED, shop.clock.now())
    cancelled = await shop.confirmed_order([("TEE", 1)])
    await cancel_order(shop.deps, ADMIN, order_id=cancelled, reason="customer asked")
    await place_order(
        shop.deps,
        STOREFRONT,
        channel=Channel.WEB,
        lines=[RequestedLine("TEE", 1)],
        shipping_address=address(),
        email="bob@example.com",
    )
    shop.clock.advance(timedelta(days=30))
    before = len(shop.store.outbox)
    assert await flag_orders_at_risk(shop.deps) == 0
    assert shop.store.outbox[before:] == []
    assert [(o.status, o.at_risk_reasons) for o in shop.store.orders] == [
        (OrderStatus.DELIVERED, []),
        (OrderStatus.CANCELLED, []),
        (OrderStatus.PLACED, []),
    ]


async def test_replaying_a_keyed_event_records_it_once(shop: Shop) -> None:
    order_id = await shop.confirmed_order([("TEE", 1)])
    shipment_id = await ship_all(shop, order_id)
    now = shop.clock.now()
    first = await event(shop, shipment_id, ShipmentStatus.IN_TRANSIT, now, key="evt-1")
    after_first = snapshot(shop)
    again = await event(shop, shipment_id, ShipmentStatus.IN_TRANSIT, now, key="evt-1")
    assert snapshot(shop) == after_first
    assert (again.shipment.id, again.shipment.status) == (
        first.shipment.id,
        ShipmentStatus.IN_TRANSIT,
    )
    assert len(shipment_history(shop, shipment_id)) == 2
