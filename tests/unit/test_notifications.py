"""Which committed events mail the customer, and what notifyCustomer: false changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ordergraph.domain.errors import Forbidden, NotFound
from ordergraph.domain.notifications import (
    NotificationPolicy,
    NotificationType,
    plan_notification,
    revised_delivery_estimate,
)
from ordergraph.domain.principals import Principal, Role, scopes_for
from ordergraph.domain.shipments import ShipmentStatus
from ordergraph.services.cancellation import cancel_order
from ordergraph.services.notifications import resend_notification
from ordergraph.services.shipments import flag_orders_at_risk, record_shipment_event
from tests.unit.fakes import ADMIN, Shop

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
VIEWER = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, None), name="viewer")


@pytest.fixture
async def shop() -> Shop:
    shop = Shop()
    await shop.add_warehouse("AMS", "EU-WEST", "NL", priority=10)
    await shop.add_product("TEE", "19.99")
    await shop.receive("TEE", "AMS", 10)
    return shop


def mail(shop: Shop) -> list[tuple[NotificationType, str]]:
    return [(n.type, n.recipient) for n in shop.store.state.notifications.values()]


@pytest.mark.parametrize(
    ("event_type", "payload", "expected"),
    [
        ("order.confirmed", {}, NotificationType.ORDER_CONFIRMED),
        ("shipment.created", {"shipmentId": 7}, NotificationType.ORDER_SHIPPED),
        (
            "shipment.event",
            {"shipmentId": 7, "status": "OUT_FOR_DELIVERY", "applied": True},
            NotificationType.OUT_FOR_DELIVERY,
        ),
        ("order.delivered", {}, NotificationType.ORDER_DELIVERED),
        ("order.at_risk", {"reasons": ["NOT_SHIPPED_IN_TIME"]}, NotificationType.ORDER_DELAYED),
        ("order.cancelled", {"reason": "x"}, NotificationType.ORDER_CANCELLED),
        ("return.approved", {"returnId": 3}, NotificationType.RETURN_APPROVED),
        ("return.received", {"returnId": 3}, NotificationType.RETURN_RECEIVED),
        ("refund.succeeded", {"refundId": 4}, NotificationType.REFUND_ISSUED),
    ],
)
def test_each_customer_facing_event_plans_its_mail(
    event_type: str, payload: dict[str, object], expected: NotificationType
) -> None:
    planned = plan_notification(event_type, 42, payload)
    assert planned is not None
    assert planned.type is expected
    assert planned.order_id == 42


@pytest.mark.parametrize(
    ("event_type", "payload"),
    [
        ("order.placed", {}),
        ("fulfillment.packed", {}),
        ("shipment.event", {"shipmentId": 7, "status": "IN_TRANSIT", "applied": True}),
        # an out-of-order carrier event is stored but tells nobody anything
        ("shipment.event", {"shipmentId": 7, "status": "OUT_FOR_DELIVERY", "applied": False}),
        ("return.partially_received", {"returnId": 3}),
    ],
)
def test_internal_events_mail_nobody(event_type: str, payload: dict[str, object]) -> None:
    assert plan_notification(event_type, 42, payload) is None


def test_an_event_without_an_order_mails_nobody() -> None:
    assert plan_notification("order.confirmed", None, {}) is None


def test_the_same_fact_reported_twice_has_one_key_per_recipient() -> None:
    payload = {"shipmentId": 7, "status": "OUT_FOR_DELIVERY", "applied": True}
    first = plan_notification("shipment.event", 42, payload)
    again = plan_notification("shipment.event", 42, payload)
    other = plan_notification("shipment.event", 42, {**payload, "shipmentId": 8})
    assert first is not None
    assert again is not None
    assert other is not None
    assert first.key("Ann@Example.com") == again.key("ann@example.com")
    assert first.key("ann@example.com") != other.key("ann@example.com")


def test_a_policy_switches_stages_off() -> None:
    policy = NotificationPolicy(frozenset({NotificationType.ORDER_SHIPPED}))
    assert policy.allows(NotificationType.ORDER_SHIPPED)
    assert not policy.allows(NotificationType.OUT_FOR_DELIVERY)
    assert NotificationPolicy().allows(NotificationType.PASSWORD_RESET)


def test_a_late_order_gets_its_transit_again_from_now() -> None:
    ship_by = NOW - timedelta(hours=2)
    promised = ship_by + timedelta(days=2)
    estimate = revised_delivery_estimate(
        ["NOT_SHIPPED_IN_TIME"], NOW, promised, ship_by, timedelta(hours=24)
    )
    assert estimate == NOW + timedelta(hours=24) + timedelta(days=2)
    assert estimate is not None
    assert estimate > promised


def test_an_overdue_parcel_is_given_a_day_and_an_estimate_never_moves_earlier() -> None:
    promised = NOW - timedelta(hours=1)
    assert revised_delivery_estimate(["DELIVERY_OVERDUE"], NOW, promised, None, timedelta()) == (
        NOW + timedelta(days=1)
    )
    future = NOW + timedelta(days=5)
    assert revised_delivery_estimate(["DELIVERY_OVERDUE"], NOW, future, None, timedelta()) == future
    assert revised_delivery_estimate(["X"], NOW, None, None, timedelta()) is None


async def test_a_confirmed_order_writes_one_confirmation_in_its_transaction(shop: Shop) -> None:
    await shop.confirmed_order([("TEE", 1)])
    assert mail(shop) == [(NotificationType.ORDER_CONFIRMED, "ann@example.com")]


async def test_notify_customer_false_writes_no_mail_but_keeps_the_events(shop: Shop) -> None:
    order_id = await shop.confirmed_order([("TEE", 1)])
    events_before = len(shop.store.state.outbox)
    await cancel_order(shop.deps.silenced(), ADMIN, order_id=order_id, reason="fraud check")
    assert [t for t, _ in mail(shop)] == [NotificationType.ORDER_CONFIRMED]
    assert "order.cancelled" in [e.type for e in shop.store.state.outbox[events_before:]]


async def test_the_whole_delivery_mails_each_stage_once(shop: Shop) -> None:
    order_id = await shop.paid_order([("TEE", 2)])
    [shipment_id] = await shop.ship_everything(order_id)
    for status in (ShipmentStatus.OUT_FOR_DELIVERY, ShipmentStatus.OUT_FOR_DELIVERY):
        await record_shipment_event(
            shop.deps,
            ADMIN,
            shipment_id=shipment_id,
            status=status,
            occurred_at=shop.clock.now(),
        )
    await shop.deliver(shipment_id)
    assert [t for t, _ in mail(shop)] == [
        NotificationType.ORDER_CONFIRMED,
        NotificationType.ORDER_SHIPPED,
        NotificationType.OUT_FOR_DELIVERY,  # reported twice by the carrier, mailed once
        NotificationType.ORDER_DELIVERED,
    ]


async def test_resend_queues_a_new_message_and_needs_orders_write(shop: Shop) -> None:
    await shop.confirmed_order([("TEE", 1)])
    with pytest.raises(Forbidden):
        await resend_notification(shop.deps, VIEWER, 1)
    with pytest.raises(NotFound):
        await resend_notification(shop.deps, ADMIN, 99)
    await resend_notification(shop.deps, ADMIN, 1)
    assert [t for t, _ in mail(shop)] == [NotificationType.ORDER_CONFIRMED] * 2
    assert len({n.key for n in shop.store.state.notifications.values()}) == 2


async def test_an_order_late_to_ship_tells_the_customer_before_the_promise_passes(
    shop: Shop,
) -> None:
    order_id = await shop.confirmed_order([("TEE", 1)])
    order = shop.store.order(order_id)
    assert order.ship_by_at is not None
    assert order.promised_delivery_at is not None
    shop.clock.advance(order.ship_by_at - shop.clock.now() + timedelta(seconds=1))
    assert shop.clock.now() < order.promised_delivery_at
    assert await flag_orders_at_risk(shop.deps) == 1
    assert await flag_orders_at_risk(shop.deps) == 0
    delayed = [
        n
        for n in shop.store.state.notifications.values()
        if n.type is NotificationType.ORDER_DELAYED
    ]
    assert [(n.recipient, n.data["reasons"]) for n in delayed] == [
        ("ann@example.com", ["NOT_SHIPPED_IN_TIME"])
    ]
