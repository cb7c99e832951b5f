"""Many concurrent commands through the real services: no oversell, no twins, no lost writes."""

from __future__ import annotations

import asyncio
from collections import Counter

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.tables import inventory_levels, inventory_movements, products, warehouses
from ordergraph.domain.catalog import Product, Warehouse
from ordergraph.domain.errors import Duplicate, InsufficientStock
from ordergraph.domain.inventory import AdjustmentReason, InventoryLevel
from ordergraph.domain.principals import SYSTEM
from ordergraph.services import catalog
from ordergraph.services.deps import Deps
from ordergraph.services.inventory import adjust_inventory
from tests.integration.conftest import make_product, make_warehouse


async def _adjust(deps: Deps, sku: str, warehouse_id: int, delta: int) -> InventoryLevel:
    return await adjust_inventory(
        deps,
        SYSTEM,
        sku=sku,
        warehouse_id=warehouse_id,
        delta=delta,
        reason=AdjustmentReason.RECEIVED if delta > 0 else AdjustmentReason.SHRINKAGE,
    )


async def test_concurrent_decrements_never_take_stock_below_zero(
    engine: AsyncEngine, deps: Deps, unique: str
) -> None:
    warehouse = await make_warehouse(deps, f"W-{unique}")
    product = await make_product(deps, f"SKU-{unique}")
    assert warehouse.id is not None
    await _adjust(deps, product.sku, warehouse.id, 10)

    outcomes = await asyncio.gather(
        *(_adjust(deps, product.sku, warehouse.id, -1) for _ in range(30)),
        return_exceptions=True,
    )

    succeeded = [o for o in outcomes if isinstance(o, InventoryLevel)]
    refused = [o for o in outcomes if isinstance(o, InsufficientStock)]
    assert (len(succeeded), len(refused)) == (10, 20), outcomes
    assert sorted(level.on_hand for level in succeeded) == list(range(10))

    t, m = inventory_levels.c, inventory_movements.c
    async with engine.connect() as conn:
        level = (
            await conn.execute(
                sa.select(t.on_hand, t.reserved).where(
                    t.sku == product.sku, t.warehouse_id == warehouse.id
                )
            )
        ).one()
        ledger = (
            await conn.execute(
                sa.select(
                    sa.func.sum(sa.case((m.field == "ON_HAND", m.delta), else_=0)),
                    sa.func.sum(sa.case((m.field == "RESERVED", m.delta), else_=0)),
                    sa.func.count(),
                ).where(m.sku == product.sku, m.warehouse_id == warehouse.id)
            )
        ).one()
    assert (level.on_hand, level.reserved) == (0, 0)
    assert (ledger[0], ledger[1]) == (level.on_hand, level.reserved)
    assert ledger[2] == 11


async def _warm_pool(engine: AsyncEngine, connections: int) -> None:
    """Open the pool's connections up front, so concurrent calls overlap instead of queueing."""

    async def touch() -> None:
        async with engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
            await asyncio.sleep(0.05)

    await asyncio.gather(*(touch() for _ in range(connections)))


async def test_concurrent_create_warehouse_with_one_idempotency_key_creates_one_warehouse(
    engine: AsyncEngine, deps: Deps, unique: str
) -> None:
    await _warm_pool(engine, 20)

    async def create() -> Warehouse:
        return await catalog.create_warehouse(
            deps,
            SYSTEM,
            code=f"W-{unique}",
            name="Twin",
            region="EU-WEST",
            country_code="NL",
            idempotency_key=f"key-{unique}",
        )

    outcomes = await asyncio.gather(*(create() for _ in range(20)), return_exceptions=True)

    errors = Counter(type(o).__name__ for o in outcomes if isinstance(o, BaseException))
    assert errors == Counter(), errors
    ids = {o.id for o in outcomes if isinstance(o, Warehouse)}
    async with engine.connect() as conn:
        stored = (await conn.scalars(sa.select(warehouses.c.id))).all()
    assert len(stored) == 1
    assert ids == set(stored)


async def test_concurrent_create_product_with_one_idempotency_key_creates_one_product(
    engine: AsyncEngine, deps: Deps, unique: str
) -> None:
    await _warm_pool(engine, 20)

    async def create() -> Product:
        return await catalog.create_product(
            deps,
            SYSTEM,
            sku=f"SKU-{unique}",
            name="Twin",
            price_amount="2.50",
            price_currency="EUR",
            idempotency_key=f"key-{unique}",
        )

    outcomes = await asyncio.gather(*(create() for _ in range(20)), return_exceptions=True)

    errors = Counter(type(o).__name__ for o in outcomes if isinstance(o, BaseException))
    assert errors == Counter(), errors
    async with engine.connect() as conn:
        stored = (await conn.scalars(sa.select(products.c.id))).all()
    assert len(stored) == 1
    assert {o.id for o in outcomes if isinstance(o, Product)} == set(stored)


async def test_concurrent_create_product_with_one_sku_lets_exactly_one_win(
    engine: AsyncEngine, deps: Deps, unique: str
) -> None:
    async def create(n: int) -> Product:
        return await catalog.create_product(
            deps,
            SYSTEM,
            sku=f"SKU-{unique}",
            name=f"Contender {n}",
            price_amount="1.00",
            price_currency="EUR",
        )

    outcomes = await asyncio.gather(*(create(n) for n in range(20)), return_exceptions=True)

    winners = [o for o in outcomes if isinstance(o, Product)]
    losers = [o for o in outcomes if isinstance(o, Duplicate)]
    assert (len(winners), len(losers)) == (1, 19), outcomes
    assert all(loser.field == ("sku",) for loser in losers)
    async with engine.connect() as conn:
        stored = (await conn.execute(sa.select(products.c.id, products.c.name))).all()
    assert [(row.id, row.name) for row in stored] == [(winners[0].id, winners[0].name)]


async def test_concurrent_receipts_to_a_new_level_all_count(
    engine: AsyncEngine, deps: Deps, unique: str
) -> None:
    count = 25
    warehouse = await make_warehouse(deps, f"W-{unique}")
    product = await make_product(deps, f"SKU-{unique}")
    assert warehouse.id is not None

    levels = await asyncio.gather(
        *(_adjust(deps, product.sku, warehouse.id, 2) for _ in range(count))
    )

    assert sorted(level.on_hand for level in levels) == list(range(2, 2 * count + 1, 2))
    t = inventory_levels.c
    async with engine.connect() as conn:
        on_hand = await conn.scalar(
            sa.select(t.on_hand).where(t.sku == product.sku, t.warehouse_id == warehouse.id)
        )
    assert on_hand == 2 * count


async def _sessions_waiting_on_locks(engine: AsyncEngine, expected: int) -> None:
    query = sa.text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(500):
        async with engine.connect() as conn:
            if await conn.scalar(query) == expected:
                return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{expected} sessions never queued on the lock")


async def test_keyed_twins_that_both_passed_the_key_check_answer_alike(
    pg_engine: AsyncEngine, pg_deps: Deps, unique: str
) -> None:
    """Deterministic form of the race: hold the code's index entry until both twins wait on it."""
    code = f"W-{unique}"

    async def create() -> Warehouse:
        return await catalog.create_warehouse(
            pg_deps,
            SYSTEM,
            code=code,
            name="Twin",
            region="EU-WEST",
            country_code="NL",
            idempotency_key=f"key-{unique}",
        )

    async with pg_engine.connect() as blocker:
        await blocker.execute(
            sa.insert(warehouses).values(
                code=code,
                name="Blocker",
                region="X",
                country_code="NL",
                priority=1,
                created_at=pg_deps.clock.now(),
            )
        )
        twins = [asyncio.ensure_future(create()) for _ in range(2)]
        await _sessions_waiting_on_locks(pg_engine, 2)
        await blocker.rollback()
    outcomes = await asyncio.gather(*twins, return_exceptions=True)

    assert all(isinstance(o, Warehouse) for o in outcomes), outcomes
    assert len({o.id for o in outcomes if isinstance(o, Warehouse)}) == 1
