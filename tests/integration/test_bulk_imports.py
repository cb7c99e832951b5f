"""The bulk writes behind the CSV import, on PostgreSQL and SQLite: ``stock_ledger.count_many``
(one guarded UPDATE for many levels, the slow path for the rest) and the products' upsert (a
compare-and-set on the version, many rows a statement)."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.tables import inventory_levels, inventory_movements
from ordergraph.domain.catalog import Product
from ordergraph.domain.errors import InsufficientStock
from ordergraph.domain.inventory import InventoryLevel
from ordergraph.domain.money import Money
from ordergraph.domain.ports import ChangedConcurrently
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


async def test_the_bulk_upsert_inserts_updates_and_refuses_a_stale_version(
    deps: Deps, engine: AsyncEngine
) -> None:
    await make_product(deps, "OLD")
    async with deps.uow() as uow:
        read = await uow.products.get_many(["OLD"])
        old = read["OLD"]
        assert old.update(now=deps.clock.now(), name="Renamed", weight_grams=5) == [
            "name",
            "weight_grams",
        ]
        new = Product.create(
            sku="NEW",
            name="New",
            price=Money(100, "EUR"),
            weight_grams=1,
            allow_backorder=True,
            backorder_limit=7,
            now=deps.clock.now(),
        )
        ids = await uow.products.upsert_many([old, new])
        await uow.commit()
    assert set(ids) == {"OLD", "NEW"}
    async with deps.uow() as uow:
        stored = await uow.products.get_many(["OLD", "NEW"])
        assert (stored["OLD"].name, stored["OLD"].version, stored["OLD"].weight_grams) == (
            "Renamed",
            2,
            5,
        )
        assert (stored["NEW"].version, stored["NEW"].backorder_limit) == (1, 7)
        assert stored["NEW"].id == ids["NEW"]
        # a writer that read version 1 comes too late: nothing of its batch is kept
        stale = dataclasses.replace(old, version=2, name="Stale")
        with pytest.raises(ChangedConcurrently):
            await uow.products.upsert_many([stale])
    async with deps.uow() as uow:
        assert (await uow.products.get_many(["OLD"]))["OLD"].name == "Renamed"
