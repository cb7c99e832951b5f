"""``stock_ledger.count_many`` and the bulk repository methods behind the CSV import, on
PostgreSQL and SQLite: one guarded UPDATE for many levels, and the slow path for the rest."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.tables import inventory_levels, inventory_movements
from ordergraph.domain.errors import InsufficientStock
from ordergraph.domain.inventory import InventoryLevel
from ordergraph.services import stock_ledger
from ordergraph.services.deps import Deps
from tests.integration.conftest import make_product, make_warehouse


async def test_many_counts_create_levels_and_book_each_variance(
    deps: Deps, engine: AsyncEngine
) -> None:
    warehouse = await make_warehouse(deps, "BULK-1")
    assert warehouse.id is not None
    wid = warehouse.id
    for sku in ("A", "B", "C"):
        await make_product(deps, sku)
    async with deps.uow() as uow:
        await stock_ledger.count(
            uow, sku="A", warehouse_id=wid, on_hand=5, actor="t", now=deps.clock.now()
        )
        await stock_ledger.count(
            uow, sku="B", warehouse_id=wid, on_hand=5, actor="t", now=deps.clock.now()
        )
        assert await stock_ledger.reserve(
            uow,
            sku="B",
            warehouse_id=wid,
            quantity=4,
            actor="t",
            reference=None,
            now=deps.clock.now(),
        )
        await uow.commit()

    async with deps.uow() as uow:
        before = await uow.inventory.get_many([("A", wid), ("B", wid), ("C", wid)])
        assert set(before) == {("A", wid), ("B", wid)}
        # A moves after the bulk read: its count must start from the fresh value
        await stock_ledger.count(
            uow, sku="A", warehouse_id=wid, on_hand=7, actor="t", now=deps.clock.now()
        )
        results = await stock_ledger.count_many(
            uow,
            [
                stock_ledger.CountedLevel("A", wid, 9, "a"),
                stock_ledger.CountedLevel("B", wid, 3, "b"),  # below the 4 reserved
                stock_ledger.CountedLevel("C", wid, 2, "c"),  # a new level
            ],
            before=before,
            actor="bulk",
            now=deps.clock.now(),
        )
        await uow.commit()

    assert isinstance(results[("B", wid)], InsufficientStock)
    on_hand = {k: v.on_hand for k, v in results.items() if isinstance(v, InventoryLevel)}
    assert on_hand == {("A", wid): 9, ("C", wid): 2}
    async with engine.connect() as conn:
        t, m = inventory_levels.c, inventory_movements.c
        levels = {r.sku: r.on_hand for r in await conn.execute(sa.select(t.sku, t.on_hand))}
        assert levels == {"A": 9, "B": 5, "C": 2}
        booked = (
            await conn.execute(
                sa.select(m.sku, m.delta, m.note).where(m.actor == "bulk").order_by(m.sku)
            )
        ).all()
        assert [tuple(r) for r in booked] == [("A", 2, "a"), ("C", 2, "c")]
        # the audit's invariant: every level's on hand is the sum of its ON_HAND movements
        totals = sa.select(m.sku, sa.func.sum(m.delta).label("total"))
        summed = {
            r.sku: r.total
            for r in await conn.execute(totals.where(m.field == "ON_HAND").group_by(m.sku))
        }
        assert summed == levels
