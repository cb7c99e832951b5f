"""The money races against a real provider: the services on PostgreSQL, the Stripe adapter on
localstripe, the order cancelled while Stripe works (``Interleaved`` runs our real
``cancel_order`` right after Stripe answered)."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.domain.errors import DomainError
from ordergraph.domain.principals import SYSTEM
from ordergraph.gateways.stripe_gateway import StripeGateway
from ordergraph.services.cancellation import cancel_order
from ordergraph.services.deps import Deps
from ordergraph.services.payments import authorize_payment, capture_payment
from tests.integration.test_payment_money_bugs import ledger, order_row, placed
from tests.support.gateways import Interleaved
from tests.support.localstripe import VISA, LocalStripe


async def test_a_capture_racing_a_cancel_at_stripe_is_refunded_there(
    pg_deps: Deps,
    pg_engine: AsyncEngine,
    stripe_gateway: StripeGateway,
    localstripe: LocalStripe,
    unique: str,
) -> None:
    gateway = Interleaved(stripe_gateway)
    deps = dataclasses.replace(pg_deps, gateway=gateway)
    order = await placed(deps, unique, {"LAMP": "40.00"})
    assert order.id is not None
    order_id = order.id
    held = await authorize_payment(deps, SYSTEM, order_id=order_id, token=VISA)
    intent_id = held.transaction.reference

    async def cancel() -> None:
        await cancel_order(deps, SYSTEM, order_id=order_id, reason="changed mind")

    gateway.after["capture"] = cancel
    with pytest.raises(DomainError) as raised:
        await capture_payment(deps, SYSTEM, order_id=order_id, token=None)

    total = order.total.minor_units
    kinds = await ledger(pg_engine, order_id)
    # Stripe refused to void a captured intent; the capture was kept on record and refunded
    assert kinds == [
        ("AUTHORIZE", "SUCCESS", total),
        ("CAPTURE", "SUCCESS", total),
        ("VOID", "DECLINED", total),
        ("REFUND", "SUCCESS", total),
    ]
    assert await order_row(pg_engine, order_id) == ("CANCELLED", "REFUNDED")
    assert "refunded" in raised.value.message
    refunds = localstripe.get("/v1/refunds", payment_intent=str(intent_id))["data"]
    assert [r["amount"] for r in refunds] == [total]


async def test_a_sale_landing_on_a_cancelled_order_is_refunded_at_stripe(
    pg_deps: Deps,
    pg_engine: AsyncEngine,
    stripe_gateway: StripeGateway,
    localstripe: LocalStripe,
    unique: str,
) -> None:
    gateway = Interleaved(stripe_gateway)
    deps = dataclasses.replace(pg_deps, gateway=gateway)
    order = await placed(deps, unique, {"RUG": "80.00"})
    assert order.id is not None
    order_id = order.id

    async def cancel() -> None:
        await cancel_order(deps, SYSTEM, order_id=order_id, reason="out of patience")

    gateway.after["sale"] = cancel
    with pytest.raises(DomainError) as raised:
        await capture_payment(deps, SYSTEM, order_id=order_id, token=VISA)

    total = order.total.minor_units
    assert await ledger(pg_engine, order_id) == [
        ("SALE", "SUCCESS", total),
        ("REFUND", "SUCCESS", total),
    ]
    assert await order_row(pg_engine, order_id) == ("CANCELLED", "REFUNDED")
    assert raised.value.code == "ORDER_NOT_PAYABLE"
    assert "voided" not in raised.value.message
