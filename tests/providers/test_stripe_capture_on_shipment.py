"""Capture on shipment with Stripe (localstripe): the services on PostgreSQL ship, the adapter
captures at the provider."""

from __future__ import annotations

import dataclasses

from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.domain.inventory import AdjustmentReason
from ordergraph.domain.orders import Channel, PaymentStatus, RequestedLine
from ordergraph.domain.principals import SYSTEM
from ordergraph.gateways.stripe_gateway import StripeGateway
from ordergraph.services.deps import CapturePolicy, Deps
from ordergraph.services.fulfillment import mark_packed, ship_fulfillment, start_picking
from ordergraph.services.inventory import adjust_inventory
from ordergraph.services.orders import place_order
from ordergraph.services.payments import capture_payment
from tests.integration.conftest import make_product, make_warehouse
from tests.integration.test_payment_money_bugs import ADDRESS, ledger, placed
from tests.support.localstripe import VISA, LocalStripe


async def ship_all(deps: Deps, order_id: int) -> None:
    async with deps.uow() as uow:
        fulfillments = await uow.fulfillments.for_order(order_id)
    for f in fulfillments:
        assert f.id is not None
        await start_picking(deps, SYSTEM, fulfillment_id=f.id)
        await mark_packed(deps, SYSTEM, fulfillment_id=f.id)
        await ship_fulfillment(
            deps, SYSTEM, fulfillment_id=f.id, carrier="DHL", tracking_number="1"
        )


async def test_the_only_shipment_captures_the_whole_authorization_at_stripe(
    pg_deps: Deps,
    pg_engine: AsyncEngine,
    stripe_gateway: StripeGateway,
    localstripe: LocalStripe,
    unique: str,
) -> None:
    policy = dataclasses.replace(pg_deps.policy, capture=CapturePolicy.ON_SHIPMENT)
    deps = dataclasses.replace(pg_deps, gateway=stripe_gateway, policy=policy)
    order = await placed(deps, unique, {"KETTLE": "35.00"})
    assert order.id is not None
    paid = await capture_payment(deps, SYSTEM, order_id=order.id, token=VISA)
    assert paid.order.payment_status is PaymentStatus.AUTHORIZED  # only held until it ships
    intent_id = paid.transaction.reference
    assert localstripe.get(f"/v1/payment_intents/{intent_id}")["status"] == "requires_capture"

    await ship_all(deps, order.id)

    total = order.total.minor_units
    assert await ledger(pg_engine, order.id) == [
        ("AUTHORIZE", "SUCCESS", total),
        ("CAPTURE", "SUCCESS", total),
    ]
    intent = localstripe.get(f"/v1/payment_intents/{intent_id}")
    assert intent["status"] == "succeeded"
    async with deps.uow() as uow:
        stored = await uow.orders.get(order.id)
    assert stored is not None
    assert (stored.payment_status, stored.authorization_expires_at) == (PaymentStatus.PAID, None)


async def test_a_part_capture_localstripe_cannot_do_is_flagged_and_the_last_takes_it_all(
    pg_deps: Deps,
    pg_engine: AsyncEngine,
    stripe_gateway: StripeGateway,
    localstripe: LocalStripe,
    unique: str,
) -> None:
    # Two warehouses, one SKU each: two shipments. The first capture is a part (Stripe
    # multicapture, final_capture=false), which localstripe refuses ("Unexpected
    # final_capture"): recorded, flagged; the last shipment's final capture takes everything.
    policy = dataclasses.replace(pg_deps.policy, capture=CapturePolicy.ON_SHIPMENT)
    deps = dataclasses.replace(pg_deps, gateway=stripe_gateway, policy=policy)
    for code, sku in (("A", "CUP"), ("B", "PLATE")):
        warehouse = await make_warehouse(deps, f"{code}-{unique}")
        assert warehouse.id is not None
        await make_product(deps, f"{sku}-{unique}", "10.00")
        await adjust_inventory(
            deps,
            SYSTEM,
            sku=f"{sku}-{unique}",
            warehouse_id=warehouse.id,
            delta=3,
            reason=AdjustmentReason.RECEIVED,
        )
    order = await place_order(
        deps,
        SYSTEM,
        channel=Channel.WEB,
        lines=[RequestedLine(f"CUP-{unique}", 1), RequestedLine(f"PLATE-{unique}", 1)],
        shipping_address=ADDRESS,
        email="split@example.com",
    )
    assert order.id is not None
    paid = await capture_payment(deps, SYSTEM, order_id=order.id, token=VISA)

    await ship_all(deps, order.id)

    total = order.total.minor_units
    first_part = 1000 + order.shipping_total.minor_units
    assert await ledger(pg_engine, order.id) == [
        ("AUTHORIZE", "SUCCESS", total),
        ("CAPTURE", "DECLINED", first_part),
        ("CAPTURE", "SUCCESS", total),
    ]
    async with deps.uow() as uow:
        stored = await uow.orders.get(order.id)
    assert stored is not None
    assert stored.payment_status is PaymentStatus.PAID
    assert "PAYMENT_CAPTURE_FAILED" in stored.at_risk_reasons
    intent = localstripe.get(f"/v1/payment_intents/{paid.transaction.reference}")
    assert intent["status"] == "succeeded"
