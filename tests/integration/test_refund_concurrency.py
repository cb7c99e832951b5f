"""Never refund twice: concurrent ``refund_order`` calls against real PostgreSQL.

Each test pays an order in full (test gateway), races refunds for it with ``asyncio.gather`` on
one engine, then reads the database itself: the refund rows, their lines, the REFUND payment
transactions and the order's payment status.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.engine import create_engine
from ordergraph.db.tables import orders, outbox, payment_transactions, refund_lines, refunds
from ordergraph.domain.customers import AddressFields
from ordergraph.domain.inventory import AdjustmentReason
from ordergraph.domain.orders import Channel, Order, PaymentStatus, RequestedLine
from ordergraph.domain.principals import SYSTEM
from ordergraph.domain.refunds import RefundNotPossible
from ordergraph.services.deps import Deps
from ordergraph.services.inventory import adjust_inventory
from ordergraph.services.orders import place_order
from ordergraph.services.payments import capture_payment
from ordergraph.services.refunds import RefundResult, refund_order
from tests.integration.conftest import deps_for, make_product, make_warehouse

CALLERS = 10

ADDRESS: AddressFields = {
    "name": "Refund Racer",
    "line1": "Damrak 1",
    "line2": None,
    "city": "Amsterdam",
    "region": "EU-WEST",
    "postal_code": "1012 LG",
    "country_code": "NL",
    "phone": None,
}


@pytest.fixture
async def race_engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(pg_url, pool_size=CALLERS + 2)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def race_deps(race_engine: AsyncEngine) -> Deps:
    return deps_for(race_engine)


async def paid_order(deps: Deps, unique: str, quantity: int, price: str = "9.99") -> Order:
    """One line of ``quantity`` units, captured in full with the test gateway."""
    warehouse = await make_warehouse(deps, f"W-{unique}")
    assert warehouse.id is not None
    sku = f"SKU-{unique}"
    await make_product(deps, sku, price)
    await adjust_inventory(
        deps,
        SYSTEM,
        sku=sku,
        warehouse_id=warehouse.id,
        delta=quantity,
        reason=AdjustmentReason.RECEIVED,
    )
    order = await place_order(
        deps,
        SYSTEM,
        channel=Channel.WEB,
        lines=[RequestedLine(sku, quantity)],
        shipping_address=ADDRESS,
        email="racer@example.com",
    )
    assert order.id is not None
    paid = await capture_payment(deps, SYSTEM, order_id=order.id, token="tok_ok")
    assert paid.order.payment_status is PaymentStatus.PAID
    return paid.order


async def race(
    call: Callable[[int], Awaitable[RefundResult]],
) -> tuple[list[RefundResult], list[BaseException]]:
    outcomes = await asyncio.gather(*(call(i) for i in range(CALLERS)), return_exceptions=True)
    won = [o for o in outcomes if isinstance(o, RefundResult)]
    lost = [o for o in outcomes if isinstance(o, BaseException)]
    return won, lost


@dataclass(frozen=True)
class Stored:
    refunds: list[tuple[str, int]]  # (status, total_minor), oldest first
    refunded_units: int  # across the lines of SUCCEEDED refunds
    refund_transactions: list[tuple[str, int]]  # (status, amount_minor)
    payment_status: str
    refunded_events: int  # refund.succeeded on the order's timeline


async def stored(engine: AsyncEngine, order_id: int) -> Stored:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(refunds.c.status, refunds.c.total_minor)
                .where(refunds.c.order_id == order_id)
                .order_by(refunds.c.id)
            )
        ).all()
        units = await conn.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(refund_lines.c.quantity), 0))
            .join(refunds, refunds.c.id == refund_lines.c.refund_id)
            .where(refunds.c.order_id == order_id, refunds.c.status == "SUCCEEDED")
        )
        transactions = (
            await conn.execute(
                sa.select(payment_transactions.c.status, payment_transactions.c.amount_minor)
                .where(
                    payment_transactions.c.order_id == order_id,
                    payment_transactions.c.kind == "REFUND",
                )
                .order_by(payment_transactions.c.id)
            )
        ).all()
        status = await conn.scalar(
            sa.select(orders.c.payment_status).where(orders.c.id == order_id)
        )
        events = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(outbox)
            .where(outbox.c.order_id == order_id, outbox.c.type == "refund.succeeded")
        )
    return Stored(
        refunds=[(r.status, r.total_minor) for r in rows],
        refunded_units=int(units or 0),
        refund_transactions=[(t.status, t.amount_minor) for t in transactions],
        payment_status=str(status),
        refunded_events=int(events or 0),
    )


def codes(lost: list[BaseException]) -> set[str]:
    assert all(isinstance(e, RefundNotPossible) for e in lost), [repr(e) for e in lost]
    return {str(getattr(e, "code", "")) for e in lost}


async def test_ten_concurrent_full_refunds_pay_back_exactly_once(
    race_deps: Deps, race_engine: AsyncEngine, unique: str
) -> None:
    order = await paid_order(race_deps, unique, quantity=3)
    assert order.id is not None
    order_id = order.id

    async def everything(_: int) -> RefundResult:
        return await refund_order(
            race_deps, SYSTEM, order_id=order_id, everything=True, reason="race"
        )

    won, lost = await race(everything)

    assert len(won) == 1, lost
    assert len(lost) == CALLERS - 1
    assert codes(lost) <= {"REFUND_EXCEEDS_CAPTURED", "NOTHING_TO_REFUND"}
    (winner,) = won
    assert winner.breakdown.total == order.total
    after = await stored(race_engine, order_id)
    assert after.refunds == [("SUCCEEDED", order.total.minor_units)]
    assert after.refunded_units == 3
    assert after.refund_transactions == [("SUCCESS", order.total.minor_units)]
    assert after.payment_status == "REFUNDED"
    assert after.refunded_events == 1


async def test_ten_concurrent_one_unit_refunds_of_a_five_unit_line_refund_exactly_five(
    race_deps: Deps, race_engine: AsyncEngine, unique: str
) -> None:
    order = await paid_order(race_deps, unique, quantity=5, price="9.99")
    assert order.id is not None
    order_id = order.id
    (line,) = order.lines
    assert line.id is not None
    line_id = line.id

    async def one_unit(_: int) -> RefundResult:
        return await refund_order(race_deps, SYSTEM, order_id=order_id, lines={line_id: 1})

    won, lost = await race(one_unit)

    assert len(won) == 5, lost
    assert codes(lost) == {"REFUND_QUANTITY_EXCEEDED"}
    assert all(w.breakdown.total.minor_units == 999 for w in won)
    after = await stored(race_engine, order_id)
    assert after.refunds == [("SUCCEEDED", 999)] * 5
    assert after.refunded_units == 5
    assert sum(total for _, total in after.refunds) == 5 * line.unit_price.minor_units
    assert after.refund_transactions == [("SUCCESS", 999)] * 5
    # the shipping is still paid, so the order is only partially refunded
    assert order.shipping_total.minor_units > 0
    assert after.payment_status == "PARTIALLY_REFUNDED"
    assert after.refunded_events == 5


async def test_ten_concurrent_refunds_with_one_idempotency_key_pay_back_once(
    race_deps: Deps, race_engine: AsyncEngine, unique: str
) -> None:
    order = await paid_order(race_deps, unique, quantity=5, price="9.99")
    assert order.id is not None
    order_id = order.id
    (line,) = order.lines
    assert line.id is not None
    line_id = line.id

    async def same_key(_: int) -> RefundResult:
        return await refund_order(
            race_deps,
            SYSTEM,
            order_id=order_id,
            lines={line_id: 1},
            idempotency_key=f"refund-{unique}",
        )

    won, lost = await race(same_key)

    assert lost == []
    assert len({w.refund.id for w in won if w.refund is not None}) == 1
    after = await stored(race_engine, order_id)
    assert after.refunds == [("SUCCEEDED", 999)]
    assert after.refund_transactions == [("SUCCESS", 999)]
    assert after.refunded_events == 1
