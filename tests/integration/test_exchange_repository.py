"""The exchanges repository against PostgreSQL: a row links an order, its return and the
replacement, reads back by each of the three, and a return or replacement belongs to one
exchange only (the table's unique constraints)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.uow import SqlUnitOfWork
from ordergraph.domain.clock import SystemClock
from ordergraph.domain.customers import AddressFields
from ordergraph.domain.exchanges import Exchange, ExchangeSettlement
from ordergraph.domain.inventory import AdjustmentReason
from ordergraph.domain.money import Money
from ordergraph.domain.orders import Channel, RequestedLine
from ordergraph.domain.principals import SYSTEM
from ordergraph.domain.returns import Return, ReturnLine, ReturnReason, ReturnStatus
from ordergraph.services.deps import Deps
from ordergraph.services.inventory import adjust_inventory
from ordergraph.services.orders import place_order
from tests.integration.conftest import make_product, make_warehouse

ADDRESS: AddressFields = {
    "name": "Exchange Tester",
    "line1": "Damrak 1",
    "line2": None,
    "city": "Amsterdam",
    "region": "EU-WEST",
    "postal_code": "1012 LG",
    "country_code": "NL",
    "phone": None,
}
NOW = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


async def _order(deps: Deps, sku: str) -> tuple[int, int]:
    order = await place_order(
        deps,
        SYSTEM,
        channel=Channel.WEB,
        lines=[RequestedLine(sku, 1)],
        shipping_address=ADDRESS,
        email="exchange@example.com",
    )
    assert order.id is not None
    assert order.lines[0].id is not None
    return order.id, order.lines[0].id


async def _linked(deps: Deps, unique: str) -> tuple[int, int, int]:
    warehouse = await make_warehouse(deps, f"W-{unique}")
    assert warehouse.id is not None
    sku = f"SKU-{unique}"
    await make_product(deps, sku, "10.00")
    await adjust_inventory(
        deps, SYSTEM, sku=sku, warehouse_id=warehouse.id, delta=5, reason=AdjustmentReason.RECEIVED
    )
    original, line_id = await _order(deps, sku)
    replacement, _ = await _order(deps, sku)
    async with deps.uow() as uow:
        rma = await uow.returns.add(
            Return(
                id=None,
                order_id=original,
                number=f"R-{unique}",
                status=ReturnStatus.APPROVED,
                lines=[ReturnLine(None, line_id, sku, 1, ReturnReason.SIZE_FIT, None)],
                note=None,
                requested_by="staff:1",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        await uow.commit()
    assert rma.id is not None
    return original, replacement, rma.id


def _exchange(original: int, replacement: int, return_id: int) -> Exchange:
    return Exchange(
        original_order_id=original,
        replacement_order_id=replacement,
        return_id=return_id,
        returned=Money(1000, "EUR"),
        new_total=Money(1250, "EUR"),
        settlement=ExchangeSettlement.CHARGE,
        hold_replacement=True,
        created_by="staff:1",
        created_at=NOW,
    )


async def test_an_exchange_reads_back_by_its_order_return_and_replacement(
    pg_engine: AsyncEngine, pg_deps: Deps, unique: str
) -> None:
    original, replacement, return_id = await _linked(pg_deps, unique)
    async with SqlUnitOfWork(pg_engine, SystemClock()) as uow:
        stored = await uow.exchanges.add(_exchange(original, replacement, return_id))
        await uow.commit()
    assert stored.id is not None
    assert stored.id > 0

    async with SqlUnitOfWork(pg_engine, SystemClock()) as uow:
        by_original = await uow.exchanges.for_original(original)
        by_replacement = await uow.exchanges.for_replacement(replacement)
        by_return = await uow.exchanges.for_return(return_id)
        assert await uow.exchanges.for_original(replacement) == []
        assert await uow.exchanges.for_replacement(original) is None
    assert by_original == [stored]
    assert by_replacement == stored
    assert by_return == stored
    assert stored.difference == Money(250, "EUR")
    assert stored.settlement is ExchangeSettlement.CHARGE
    assert stored.hold_replacement


async def test_a_return_belongs_to_one_exchange(
    pg_engine: AsyncEngine, pg_deps: Deps, unique: str
) -> None:
    original, replacement, return_id = await _linked(pg_deps, unique)
    async with SqlUnitOfWork(pg_engine, SystemClock()) as uow:
        await uow.exchanges.add(_exchange(original, replacement, return_id))
        await uow.commit()
    async with SqlUnitOfWork(pg_engine, SystemClock()) as uow:
        with pytest.raises(sa.exc.IntegrityError):
            await uow.exchanges.add(_exchange(original, original, return_id))
    async with SqlUnitOfWork(pg_engine, SystemClock()) as uow:
        assert len(await uow.exchanges.for_original(original)) == 1
