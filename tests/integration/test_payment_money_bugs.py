"""The four ways money was lost or paid twice, each reproduced on real PostgreSQL.

Every test drives the real services on a real database; the gateway is the test gateway,
wrapped (``tests/support/gateways.py``) only to make the provider slow at the worst moment, or
unreachable once, or unwilling to void a settled sale as real providers are.
"""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.tables import orders, payment_transactions, refund_lines, refunds
from ordergraph.domain.customers import AddressFields
from ordergraph.domain.errors import DomainError
from ordergraph.domain.inventory import AdjustmentReason
from ordergraph.domain.orders import Channel, Order, RequestedLine
from ordergraph.domain.payments import PaymentGatewayError
from ordergraph.domain.principals import SYSTEM
from ordergraph.domain.refunds import RefundNotPossible
from ordergraph.gateways import TestGateway
from ordergraph.services.cancellation import cancel_order
from ordergraph.services.deps import Deps
from ordergraph.services.inventory import adjust_inventory
from ordergraph.services.orders import place_order
from ordergraph.services.payments import authorize_payment, capture_payment
from ordergraph.services.refunds import refund_order
from tests.integration.conftest import make_product, make_warehouse
from tests.support.gateways import Interleaved

ADDRESS: AddressFields = {
    "name": "Money Keeper",
    "line1": "Damrak 1",
    "line2": None,
    "city": "Amsterdam",
    "region": "EU-WEST",
    "postal_code": "1012 LG",
    "country_code": "NL",
    "phone": None,
}


async def placed(deps: Deps, unique: str, skus: dict[str, str]) -> Order:
    """One unit of each SKU (name → price), in stock at one warehouse."""
    warehouse = await make_warehouse(deps, f"W-{unique}")
    assert warehouse.id is not None
    for sku, price in skus.items():
        await make_product(deps, f"{sku}-{unique}", price)
        await adjust_inventory(
            deps,
            SYSTEM,
            sku=f"{sku}-{unique}",
            warehouse_id=warehouse.id,
            delta=5,
            reason=AdjustmentReason.RECEIVED,
        )
    return await place_order(
        deps,
        SYSTEM,
        channel=Channel.WEB,
        lines=[RequestedLine(f"{sku}-{unique}", 1) for sku in skus],
        shipping_address=ADDRESS,
        email="keeper@example.com",
    )


async def ledger(engine: AsyncEngine, order_id: int) -> list[tuple[str, str, int]]:
    """(kind, status, amount) of every payment transaction of the order, oldest first."""
    t = payment_transactions.c
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(t.kind, t.status, t.amount_minor).where(t.order_id == order_id).order_by(t.id)
        )
        return [(r.kind, r.status, r.amount_minor) for r in rows]


async def order_row(engine: AsyncEngine, order_id: int) -> tuple[str, str]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(orders.c.status, orders.c.payment_status).where(orders.c.id == order_id)
            )
        ).one()
    return row.status, row.payment_status


async def test_a_failed_refund_retried_after_another_refund_paid_the_same_unit_is_refused(
    pg_deps: Deps, pg_engine: AsyncEngine, unique: str
) -> None:
    # Two lines of 10.00 each: enough captured money that a money-only check lets it through.
    gateway = Interleaved(TestGateway(), outage={"refund": 1})
    deps = dataclasses.replace(pg_deps, gateway=gateway)
    order = await placed(deps, unique, {"CUP": "10.00", "PLATE": "10.00"})
    assert order.id is not None
    await capture_payment(deps, SYSTEM, order_id=order.id, token="tok_ok")
    cup = order.lines[0].id
    assert cup is not None

    with pytest.raises(PaymentGatewayError):
        await refund_order(deps, SYSTEM, order_id=order.id, lines={cup: 1}, idempotency_key="A")
    await refund_order(deps, SYSTEM, order_id=order.id, lines={cup: 1}, idempotency_key="B")
    with pytest.raises(RefundNotPossible) as refused:
        await refund_order(deps, SYSTEM, order_id=order.id, lines={cup: 1}, idempotency_key="A")

    assert refused.value.code == "REFUND_QUANTITY_EXCEEDED"
    async with pg_engine.connect() as conn:
        cups_paid_back = await conn.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(refund_lines.c.quantity), 0))
            .join(refunds, refunds.c.id == refund_lines.c.refund_id)
            .where(refunds.c.order_id == order.id, refunds.c.status == "SUCCEEDED")
        )
    assert cups_paid_back == 1
    assert [k for k in await ledger(pg_engine, order.id) if k[0] == "REFUND"] == [
        ("REFUND", "ERROR", 1000),
        ("REFUND", "SUCCESS", 1000),
    ]


async def test_a_capture_that_lands_on_an_order_cancelled_meanwhile_is_recorded_and_refunded(
    pg_deps: Deps, pg_engine: AsyncEngine, unique: str
) -> None:
    gateway = Interleaved(TestGateway())
    deps = dataclasses.replace(pg_deps, gateway=gateway)
    order = await placed(deps, unique, {"LAMP": "40.00"})
    assert order.id is not None
    order_id = order.id
    await authorize_payment(deps, SYSTEM, order_id=order_id, token="tok_ok")

    async def cancel() -> None:
        await cancel_order(deps, SYSTEM, order_id=order_id, reason="customer changed their mind")

    gateway.after["capture"] = cancel
    with pytest.raises(DomainError) as raised:
        await capture_payment(deps, SYSTEM, order_id=order_id, token=None)

    total = order.total.minor_units
    kinds = await ledger(pg_engine, order_id)
    assert ("CAPTURE", "SUCCESS", total) in kinds  # the charge is on record
    assert kinds[-1] == ("REFUND", "SUCCESS", total)  # and it was paid back
    assert await order_row(pg_engine, order_id) == ("CANCELLED", "REFUNDED")
    assert raised.value.code == "ORDER_NOT_PAYABLE"
    assert "refunded" in raised.value.message


async def test_a_sale_on_a_cancelled_order_whose_void_is_declined_is_refunded_not_called_voided(
    pg_deps: Deps, pg_engine: AsyncEngine, unique: str
) -> None:
    # Real providers refuse to void a settled sale; the old code said "voided" all the same.
    gateway = Interleaved(TestGateway(), declined={"void"})
    deps = dataclasses.replace(pg_deps, gateway=gateway)
    order = await placed(deps, unique, {"RUG": "80.00"})
    assert order.id is not None
    order_id = order.id

    async def cancel() -> None:
        await cancel_order(deps, SYSTEM, order_id=order_id, reason="out of patience")

    gateway.after["sale"] = cancel
    with pytest.raises(DomainError) as raised:
        await capture_payment(deps, SYSTEM, order_id=order_id, token="tok_ok")

    total = order.total.minor_units
    assert await order_row(pg_engine, order_id) == ("CANCELLED", "REFUNDED")
    kinds = await ledger(pg_engine, order_id)
    assert kinds[0] == ("SALE", "SUCCESS", total)
    assert kinds[-1] == ("REFUND", "SUCCESS", total)
    assert raised.value.code == "ORDER_NOT_PAYABLE"
    assert "voided" not in raised.value.message


async def test_conflict_retries_that_run_out_are_a_conflict_error_not_a_crash(
    pg_deps: Deps, pg_engine: AsyncEngine, unique: str
) -> None:
    order = await placed(pg_deps, unique, {"VASE": "25.00"})
    assert order.id is not None
    # Every write to this order now fails as a serialization failure would (SQLSTATE 40001).
    async with pg_engine.begin() as conn:
        await conn.execute(
            sa.text(
                "CREATE FUNCTION always_conflict() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'could not serialize access' USING ERRCODE = '40001'; "
                "END $$ LANGUAGE plpgsql"
            )
        )
        await conn.execute(
            sa.text(
                "CREATE TRIGGER conflicts BEFORE UPDATE ON orders FOR EACH ROW "
                f"WHEN (OLD.id = {order.id}) EXECUTE FUNCTION always_conflict()"
            )
        )

    with pytest.raises(DomainError) as raised:
        await cancel_order(pg_deps, SYSTEM, order_id=order.id, reason="never mind")

    assert raised.value.code == "CONFLICT"
    assert await order_row(pg_engine, order.id) == ("PLACED", "PENDING")
