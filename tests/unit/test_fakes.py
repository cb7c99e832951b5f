"""The in-memory unit of work behaves like the SQL one where the use cases can tell."""

from __future__ import annotations

import pytest

from ordergraph.domain.catalog import Product, Warehouse
from ordergraph.domain.errors import Duplicate, InsufficientStock
from ordergraph.domain.events import DomainEvent
from ordergraph.domain.exchanges import Exchange, ExchangeSettlement
from ordergraph.domain.inventory import AdjustmentReason, StockAdjustment
from ordergraph.domain.money import Money
from ordergraph.domain.ports import IdempotencyRecord, RetryableConflict
from ordergraph.services import stock_ledger
from tests.unit.fakes import DEFAULT_NOW, FakeStore


def warehouse(code: str = "AMS-1") -> Warehouse:
    return Warehouse.create(
        code=code,
        name="Amsterdam",
        region="EU-WEST",
        country_code="NL",
        priority=1,
        now=DEFAULT_NOW,
    )


def product(sku: str = "TEE") -> Product:
    return Product.create(
        sku=sku,
        name="Tee",
        price=Money(1000, "EUR"),
        weight_grams=1,
        allow_backorder=False,
        now=DEFAULT_NOW,
    )


async def test_committed_writes_and_events_reach_the_store() -> None:
    store = FakeStore()
    async with store.unit_of_work() as uow:
        stored = await uow.warehouses.add(warehouse())
        assert stored.id is not None
        uow.record(DomainEvent("warehouse.created", "Warehouse", stored.id))
        assert store.warehouses == []
        assert store.outbox == []
        await uow.commit()
    assert [w.code for w in store.warehouses] == ["AMS-1"]
    assert [e.type for e in store.outbox] == ["warehouse.created"]


async def test_leaving_without_commit_discards_writes_and_events() -> None:
    store = FakeStore()

    async def fail_midway() -> None:
        async with store.unit_of_work() as uow:
            await uow.products.add(product())
            uow.record(DomainEvent("product.created", "Product", 1))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await fail_midway()
    async with store.unit_of_work() as uow:
        await uow.warehouses.add(warehouse())
    assert store.products == []
    assert store.warehouses == []
    assert store.outbox == []


async def test_rollback_discards_what_came_before_it() -> None:
    store = FakeStore()
    async with store.unit_of_work() as uow:
        await uow.products.add(product("A"))
        await uow.rollback()
        assert await uow.products.get_by_sku("A") is None
        await uow.products.add(product("B"))
        await uow.commit()
    assert [p.sku for p in store.products] == ["B"]


async def test_taken_unique_keys_are_duplicates() -> None:
    store = FakeStore()
    async with store.unit_of_work() as uow:
        await uow.warehouses.add(warehouse("AMS-1"))
        await uow.products.add(product("TEE"))
        with pytest.raises(Duplicate):
            await uow.warehouses.add(warehouse("AMS-1"))
        with pytest.raises(Duplicate):
            await uow.products.add(product("TEE"))
        record = IdempotencyRecord("s", "k", "op", "h", {"id": 1}, DEFAULT_NOW)
        await uow.idempotency.add(record)
        with pytest.raises(RetryableConflict):
            await uow.idempotency.add(record)


async def test_objects_read_back_are_copies_not_the_stored_rows() -> None:
    store = FakeStore()
    async with store.unit_of_work() as uow:
        added = await uow.products.add(product())
        added.name = "changed after add"
        read = await uow.products.get_by_sku("TEE")
        assert read is not None
        read.name = "changed after read"
        again = await uow.products.get_by_sku("TEE")
        assert again is not None
        assert again.name == "Tee"


async def test_adjusting_stock_applies_the_domain_rule() -> None:
    store = FakeStore()
    receive = StockAdjustment.create(
        sku="TEE", warehouse_id=1, delta=5, reason=AdjustmentReason.RECEIVED, note=None
    )
    take = StockAdjustment.create(
        sku="TEE", warehouse_id=1, delta=-6, reason=AdjustmentReason.DAMAGED, note=None
    )
    async with store.unit_of_work() as uow:
        assert (await stock_ledger.adjust(uow, receive, actor="test", now=DEFAULT_NOW)).on_hand == 5
        with pytest.raises(InsufficientStock):
            await stock_ledger.adjust(uow, take, actor="test", now=DEFAULT_NOW)
        await uow.commit()
    assert store.levels[("TEE", 1)].on_hand == 5


async def test_injected_conflicts_fail_that_many_commits() -> None:
    store = FakeStore()
    store.fail_next_commits(1)

    async def add_and_commit() -> None:
        async with store.unit_of_work() as uow:
            await uow.products.add(product("A"))
            await uow.commit()

    with pytest.raises(RetryableConflict):
        await add_and_commit()
    async with store.unit_of_work() as uow:
        await uow.products.add(product("B"))
        await uow.commit()
    assert [p.sku for p in store.products] == ["B"]
    assert (store.commit_attempts, store.commits) == (2, 1)


async def test_a_commit_after_a_concurrent_commit_is_a_conflict() -> None:
    store = FakeStore()
    async with store.unit_of_work() as first, store.unit_of_work() as second:
        await first.products.add(product("A"))
        await second.products.add(product("B"))
        await first.commit()
        with pytest.raises(RetryableConflict):
            await second.commit()
    assert [p.sku for p in store.products] == ["A"]


def _exchange(return_id: int, replacement: int) -> Exchange:
    return Exchange(
        original_order_id=1,
        replacement_order_id=replacement,
        return_id=return_id,
        returned=Money(1000, "EUR"),
        new_total=Money(800, "EUR"),
        settlement=ExchangeSettlement.REFUND_ON_RECEIPT,
        hold_replacement=False,
        created_by="staff:1",
        created_at=DEFAULT_NOW,
    )


async def test_exchanges_read_back_by_order_return_and_replacement_once_committed() -> None:
    store = FakeStore()
    async with store.unit_of_work() as uow:
        first = await uow.exchanges.add(_exchange(return_id=10, replacement=2))
        second = await uow.exchanges.add(_exchange(return_id=11, replacement=3))
        with pytest.raises(Duplicate):
            await uow.exchanges.add(_exchange(return_id=10, replacement=4))
        with pytest.raises(Duplicate):
            await uow.exchanges.add(_exchange(return_id=12, replacement=3))
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.exchanges.for_original(1) == [first, second]
        assert await uow.exchanges.for_replacement(3) == second
        assert await uow.exchanges.for_return(10) == first
        assert await uow.exchanges.for_return(12) is None
        assert await uow.exchanges.for_original(2) == []
    assert first.id is not None
    assert second.id is not None
    assert first.id != second.id
    assert first.difference == Money(-200, "EUR")
    async with store.unit_of_work() as uow:
        await uow.exchanges.add(_exchange(return_id=13, replacement=5))
    async with store.unit_of_work() as uow:
        assert await uow.exchanges.for_return(13) is None
