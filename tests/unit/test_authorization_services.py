"""Capture on shipment and authorizations about to lapse, on the in-memory store."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from ordergraph.domain.orders import OrderStatus, PaymentStatus
from ordergraph.domain.payments import TransactionKind, TransactionStatus
from ordergraph.services.authorizations import flag_expiring_authorizations
from ordergraph.services.deps import CapturePolicy, OrderPolicy
from ordergraph.services.fulfillment import mark_packed, ship_fulfillment, start_picking
from ordergraph.services.payments import capture_payment
from ordergraph.services.shipments import flag_orders_at_risk
from tests.unit.fakes import ADMIN, STOREFRONT, Shop


@pytest.fixture
async def shop() -> Shop:
    shop = Shop(policy=OrderPolicy(capture=CapturePolicy.ON_SHIPMENT))
    await shop.add_warehouse("AMS", "EU-WEST", "NL", priority=10)
    await shop.add_warehouse("BER", "EU-CENTRAL", "DE", priority=20)
    await shop.add_product("TEE", "20.00")
    await shop.add_product("MUG", "10.00")
    await shop.receive("TEE", "AMS", 5)
    await shop.receive("MUG", "BER", 5)
    return shop


def captures(shop: Shop, order_id: int) -> list[tuple[int, TransactionStatus]]:
    return [
        (t.amount.minor_units, t.status)
        for t in shop.store.payments
        if t.order_id == order_id and t.kind is TransactionKind.CAPTURE
    ]


async def ship(shop: Shop, fulfillment_id: int, lines: dict[int, int] | None = None) -> None:
    await start_picking(shop.deps, ADMIN, fulfillment_id=fulfillment_id)
    await mark_packed(shop.deps, ADMIN, fulfillment_id=fulfillment_id)
    await ship_fulfillment(
        shop.deps, ADMIN, fulfillment_id=fulfillment_id, carrier="DHL", tracking_number="JD1"
    )


async def test_with_capture_on_shipment_paying_only_authorizes(shop: Shop) -> None:
    order_id = await shop.paid_order([("TEE", 1)])  # capturePayment with a token
    order = shop.store.order(order_id)
    assert (order.status, order.payment_status) == (OrderStatus.CONFIRMED, PaymentStatus.AUTHORIZED)
    assert [t.kind for t in shop.store.payments] == [TransactionKind.AUTHORIZE]
    assert order.authorization_expires_at == shop.store.payments[0].created_at + timedelta(days=7)


async def test_each_shipment_captures_its_part_and_the_last_one_the_rest(shop: Shop) -> None:
    order_id = await shop.paid_order([("TEE", 2), ("MUG", 1)])  # AMS ships TEEs, BER the MUG
    order = shop.store.order(order_id)
    shipping = order.shipping_total.minor_units
    by_code = shop.fulfillments_of(order_id)
    assert by_code["AMS"].id is not None
    assert by_code["BER"].id is not None

    await ship(shop, by_code["AMS"].id)
    middle = shop.store.order(order_id)
    assert middle.payment_status is PaymentStatus.PARTIALLY_CAPTURED
    assert captures(shop, order_id) == [(4000 + shipping, TransactionStatus.SUCCESS)]

    await ship(shop, by_code["BER"].id)
    done = shop.store.order(order_id)
    assert done.payment_status is PaymentStatus.PAID
    assert captures(shop, order_id) == [
        (4000 + shipping, TransactionStatus.SUCCESS),
        (1000, TransactionStatus.SUCCESS),
    ]
    assert sum(a for a, _ in captures(shop, order_id)) == done.total.minor_units
    assert done.authorization_expires_at is None


async def test_capture_payment_takes_what_shipments_left_uncaptured(shop: Shop) -> None:
    order_id = await shop.paid_order([("TEE", 2), ("MUG", 1)])
    await ship(shop, shop.fulfillments_of(order_id)["AMS"].id or 0)
    rest = await capture_payment(shop.deps, ADMIN, order_id=order_id, token=None)
    total = shop.store.order(order_id).total.minor_units
    assert rest.order.payment_status is PaymentStatus.PAID
    assert sum(a for a, _ in captures(shop, order_id)) == total


async def test_an_authorization_close_to_lapsing_is_flagged_once(shop: Shop) -> None:
    order_id = await shop.paid_order([("TEE", 1)])
    assert await flag_expiring_authorizations(shop.deps) == 0  # 7 days left
    shop.clock.advance(timedelta(days=6, hours=1))
    assert await flag_orders_at_risk(shop.deps) >= 1  # the same job as late shipments
    order = shop.store.order(order_id)
    assert "AUTHORIZATION_EXPIRING" in order.at_risk_reasons
    flagged = [e for e in shop.store.outbox if e.type == "order.at_risk"]
    assert ["AUTHORIZATION_EXPIRING"] in [e.payload["reasons"] for e in flagged]
    assert await flag_expiring_authorizations(shop.deps) == 0  # once


async def test_a_captured_order_is_never_flagged_for_its_old_authorization(shop: Shop) -> None:
    order_id = await shop.paid_order([("TEE", 1)])
    await capture_payment(shop.deps, STOREFRONT, order_id=order_id, token=None)
    shop.clock.advance(timedelta(days=8))
    assert await flag_expiring_authorizations(shop.deps) == 0
    assert shop.store.order(order_id).payment_status is PaymentStatus.PAID


async def test_on_payment_policy_ships_without_capturing(shop: Shop) -> None:
    shop.policy = replace(shop.policy, capture=CapturePolicy.ON_PAYMENT)
    order_id = await shop.confirmed_order([("TEE", 1)])  # authorized
    await ship(shop, shop.fulfillments_of(order_id)["AMS"].id or 0)
    assert captures(shop, order_id) == []
    assert shop.store.order(order_id).payment_status is PaymentStatus.AUTHORIZED
