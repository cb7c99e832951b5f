"""SqlUnitOfWork: one transaction; state and outbox events land together on commit, or never."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.tables import inventory_levels, orders, outbox, warehouses
from ordergraph.db.uow import SqlUnitOfWork
from ordergraph.domain.catalog import Warehouse
from ordergraph.domain.clock import FixedClock
from ordergraph.domain.errors import InsufficientStock
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.inventory import AdjustmentReason, StockAdjustment
from ordergraph.services import stock_ledger
from ordergraph.services.deps import Deps
from tests.integration.conftest import make_product, make_warehouse

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Boom(Exception):
    pass


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


def _event(name: str = "thing.happened", order_id: int | None = None) -> DomainEvent:
    return DomainEvent(name, "Thing", 7, {"n": 1, "name": name}, order_id=order_id, actor="t:x")


def _warehouse(code: str) -> Warehouse:
    return Warehouse.create(
        code=code, name="Depot", region="EU", country_code="NL", priority=1, now=START
    )


async def _outbox_rows(engine: AsyncEngine) -> list[sa.RowMapping]:
    async with engine.connect() as conn:
        result = await conn.execute(sa.select(outbox).order_by(outbox.c.id))
        return list(result.mappings())


async def _warehouse_codes(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.scalars(sa.select(warehouses.c.code))).all())


async def test_commit_writes_recorded_events_to_the_outbox_with_the_state_change(
    engine: AsyncEngine, clock: FixedClock, unique: str
) -> None:
    async with SqlUnitOfWork(engine, clock) as uow:
        await uow.warehouses.add(_warehouse(f"W-{unique}"))
        uow.record(_event("first"))
        uow.record(_event("second"))
        clock.advance(timedelta(minutes=5))
        await uow.commit()

    rows = await _outbox_rows(engine)
    assert [r["type"] for r in rows] == ["first", "second"]
    assert rows[0]["aggregate_type"] == "Thing"
    assert rows[0]["aggregate_id"] == 7
    assert rows[0]["payload"] == {"n": 1, "name": "first"}
    assert rows[0]["actor"] == "t:x"
    assert rows[0]["order_id"] is None
    assert rows[0]["sequence"] is None
    assert {r["occurred_at"] for r in rows} == {START + timedelta(minutes=5)}
    assert await _warehouse_codes(engine) == [f"W-{unique}"]


async def test_leaving_without_commit_persists_neither_state_nor_events(
    engine: AsyncEngine, clock: FixedClock, unique: str
) -> None:
    async with SqlUnitOfWork(engine, clock) as uow:
        await uow.warehouses.add(_warehouse(f"W-{unique}"))
        uow.record(_event())
        assert await uow.warehouses.get_by_code(f"W-{unique}") is not None

    assert await _warehouse_codes(engine) == []
    assert await _outbox_rows(engine) == []


async def test_an_exception_inside_the_unit_of_work_discards_state_and_events(
    engine: AsyncEngine, clock: FixedClock, unique: str
) -> None:
    async def add_then_fail() -> None:
        async with SqlUnitOfWork(engine, clock) as uow:
            await uow.warehouses.add(_warehouse(f"W-{unique}"))
            uow.record(_event())
            raise Boom

    with pytest.raises(Boom):
        await add_then_fail()

    assert await _warehouse_codes(engine) == []
    assert await _outbox_rows(engine) == []


async def test_rollback_discards_events_so_a_later_commit_does_not_write_them(
    engine: AsyncEngine, clock: FixedClock, unique: str
) -> None:
    async with SqlUnitOfWork(engine, clock) as uow:
        await uow.warehouses.add(_warehouse(f"A-{unique}"))
        uow.record(_event("discarded"))
        await uow.rollback()
        await uow.warehouses.add(_warehouse(f"B-{unique}"))
        uow.record(_event("kept"))
        await uow.commit()

    assert await _warehouse_codes(engine) == [f"B-{unique}"]
    assert [r["type"] for r in await _outbox_rows(engine)] == ["kept"]


async def test_events_of_one_order_are_numbered_in_sequence_across_transactions(
    engine: AsyncEngine, clock: FixedClock, unique: str
) -> None:
    async with engine.begin() as conn:
        order_ids = [
            await conn.scalar(
                sa.insert(orders)
                .values(
                    number=f"N-{unique}-{n}",
                    status="PENDING",
                    payment_status="UNPAID",
                    channel="API",
                    currency="EUR",
                    subtotal_minor=0,
                    shipping_minor=0,
                    total_minor=0,
                    shipping_address={},
                    placed_by="t:x",
                    created_at=START,
                    updated_at=START,
                )
                .returning(orders.c.id)
            )
            for n in range(2)
        ]
    first, second = order_ids
    assert first is not None
    assert second is not None

    async with SqlUnitOfWork(engine, clock) as uow:
        uow.record(_event("a", first))
        uow.record(_event("b", second))
        uow.record(_event("c", first))
        uow.record(_event("none"))
        await uow.commit()
    async with SqlUnitOfWork(engine, clock) as uow:
        uow.record(_event("d", first))
        await uow.commit()

    rows = await _outbox_rows(engine)
    assert [(r["type"], r["order_id"], r["sequence"]) for r in rows] == [
        ("a", first, 1),
        ("b", second, 1),
        ("c", first, 2),
        ("none", None, None),
        ("d", first, 3),
    ]


def _adjustment(sku: str, warehouse_id: int, delta: int) -> StockAdjustment:
    reason = AdjustmentReason.RECEIVED if delta > 0 else AdjustmentReason.DAMAGED
    return StockAdjustment.create(
        sku=sku, warehouse_id=warehouse_id, delta=delta, reason=reason, note=None
    )


async def _level(engine: AsyncEngine, sku: str, warehouse_id: int) -> tuple[int, int] | None:
    t = inventory_levels.c
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(t.on_hand, t.reserved).where(t.sku == sku, t.warehouse_id == warehouse_id)
            )
        ).first()
    return None if row is None else (int(row.on_hand), int(row.reserved))


async def test_first_receipt_creates_the_inventory_level(
    engine: AsyncEngine, deps: Deps, clock: FixedClock, unique: str
) -> None:
    warehouse = await make_warehouse(deps, f"W-{unique}")
    product = await make_product(deps, f"SKU-{unique}")
    assert warehouse.id is not None
    assert await _level(engine, product.sku, warehouse.id) is None

    async with SqlUnitOfWork(engine, clock) as uow:
        level = await stock_ledger.adjust(
            uow, _adjustment(product.sku, warehouse.id, 5), actor="test", now=START
        )
        again = await stock_ledger.adjust(
            uow, _adjustment(product.sku, warehouse.id, 3), actor="test", now=START
        )
        await uow.commit()

    assert (level.on_hand, level.reserved, level.updated_at) == (5, 0, START)
    assert (again.on_hand, again.reserved) == (8, 0)
    assert await _level(engine, product.sku, warehouse.id) == (8, 0)


async def test_adjusting_below_reserved_stock_is_refused_and_changes_nothing(
    engine: AsyncEngine, deps: Deps, clock: FixedClock, unique: str
) -> None:
    warehouse = await make_warehouse(deps, f"W-{unique}")
    product = await make_product(deps, f"SKU-{unique}")
    assert warehouse.id is not None
    async with SqlUnitOfWork(engine, clock) as uow:
        await stock_ledger.adjust(
            uow, _adjustment(product.sku, warehouse.id, 10), actor="test", now=START
        )
        await uow.commit()
    t = inventory_levels.c
    async with engine.begin() as conn:
        await conn.execute(
            sa.update(inventory_levels)
            .where(t.sku == product.sku, t.warehouse_id == warehouse.id)
            .values(reserved=4)
        )

    async with SqlUnitOfWork(engine, clock) as uow:
        with pytest.raises(InsufficientStock) as refused:
            await stock_ledger.adjust(
                uow, _adjustment(product.sku, warehouse.id, -7), actor="test", now=START
            )
        assert refused.value.field == ("delta",)
        await uow.commit()
    assert await _level(engine, product.sku, warehouse.id) == (10, 4)

    async with SqlUnitOfWork(engine, clock) as uow:
        level = await stock_ledger.adjust(
            uow, _adjustment(product.sku, warehouse.id, -6), actor="test", now=START
        )
        await uow.commit()
    assert (level.on_hand, level.reserved) == (4, 4)
    assert await _level(engine, product.sku, warehouse.id) == (4, 4)


async def test_a_negative_first_adjustment_is_refused_without_leaving_a_level(
    engine: AsyncEngine, deps: Deps, clock: FixedClock, unique: str
) -> None:
    warehouse = await make_warehouse(deps, f"W-{unique}")
    product = await make_product(deps, f"SKU-{unique}")
    assert warehouse.id is not None
    warehouse_id = warehouse.id

    async def take_one() -> None:
        async with SqlUnitOfWork(engine, clock) as uow:
            await stock_ledger.adjust(
                uow, _adjustment(product.sku, warehouse_id, -1), actor="test", now=START
            )
            await uow.commit()

    with pytest.raises(InsufficientStock):
        await take_one()
    assert await _level(engine, product.sku, warehouse.id) is None
