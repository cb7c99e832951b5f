"""The stock ledger: every write to a level is a movement per field, and guards refuse instead
of overselling."""

from __future__ import annotations

from collections import defaultdict

import pytest

from ordergraph.domain.errors import InsufficientStock
from ordergraph.domain.inventory import (
    AdjustmentReason,
    InventoryLevel,
    LevelField,
    MovementKind,
    StockAdjustment,
)
from ordergraph.services import stock_ledger
from tests.unit.fakes import DEFAULT_NOW, FakeStore, FakeUnitOfWork

NOW = DEFAULT_NOW
AMS, BER = 1, 2


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


async def receive(uow: FakeUnitOfWork, quantity: int, warehouse_id: int = AMS) -> InventoryLevel:
    adjustment = StockAdjustment.create(
        sku="TEE",
        warehouse_id=warehouse_id,
        delta=quantity,
        reason=AdjustmentReason.RECEIVED,
        note=None,
    )
    return await stock_ledger.adjust(uow, adjustment, actor="test", now=NOW)


async def reserve(uow: FakeUnitOfWork, quantity: int, warehouse_id: int = AMS) -> bool:
    return await stock_ledger.reserve(
        uow,
        sku="TEE",
        warehouse_id=warehouse_id,
        quantity=quantity,
        actor="test",
        reference="o:1",
        now=NOW,
    )


def ledger_sums(store: FakeStore) -> dict[tuple[str, int, LevelField], int]:
    sums: dict[tuple[str, int, LevelField], int] = defaultdict(int)
    for m in store.movements:
        sums[(m.sku, m.warehouse_id, m.field)] += m.delta
    return {k: v for k, v in sums.items() if v}


def level_sums(store: FakeStore) -> dict[tuple[str, int, LevelField], int]:
    return {
        (sku, wid, field): level.quantity(field)
        for (sku, wid), level in store.levels.items()
        for field in LevelField
        if level.quantity(field)
    }


async def test_safety_stock_is_not_for_sale(store: FakeStore) -> None:
    async with store.unit_of_work() as uow:
        await receive(uow, 10)
        level = await stock_ledger.set_safety_stock(
            uow, sku="TEE", warehouse_id=AMS, quantity=3, actor="test", now=NOW
        )
        assert (level.available, level.available_to_sell) == (10, 7)
        assert not await reserve(uow, 8)
        assert await reserve(uow, 7)
        await uow.commit()
    assert store.levels[("TEE", AMS)].reserved == 7


async def test_a_count_records_its_variance_and_a_matching_count_a_zero_row(
    store: FakeStore,
) -> None:
    async with store.unit_of_work() as uow:
        await receive(uow, 10)
        counted = await stock_ledger.count(
            uow, sku="TEE", warehouse_id=AMS, on_hand=7, actor="counter", note="aisle 4", now=NOW
        )
        again = await stock_ledger.count(
            uow, sku="TEE", warehouse_id=AMS, on_hand=7, actor="counter", now=NOW
        )
        await uow.commit()
    assert (counted.on_hand, again.on_hand) == (7, 7)
    counts = [(m.kind, m.field, m.delta, m.note) for m in store.movements if m.actor == "counter"]
    assert counts == [
        (MovementKind.CYCLE_COUNT, LevelField.ON_HAND, -3, "aisle 4"),
        (MovementKind.CYCLE_COUNT, LevelField.ON_HAND, 0, None),
    ]
    assert ledger_sums(store) == level_sums(store)


async def test_a_count_below_what_is_reserved_is_refused(store: FakeStore) -> None:
    async with store.unit_of_work() as uow:
        await receive(uow, 10)
        assert await reserve(uow, 6)
        with pytest.raises(InsufficientStock) as refused:
            await stock_ledger.count(
                uow, sku="TEE", warehouse_id=AMS, on_hand=5, actor="c", now=NOW
            )
    assert refused.value.field == ("onHand",)


async def test_a_transfer_leaves_at_once_travels_and_arrives(store: FakeStore) -> None:
    async with store.unit_of_work() as uow:
        await receive(uow, 10)
        await stock_ledger.send_transfer(
            uow,
            sku="TEE",
            from_warehouse_id=AMS,
            to_warehouse_id=BER,
            quantity=4,
            actor="t",
            reference="transfer:1",
            now=NOW,
        )
        source, destination = (
            await uow.inventory.get("TEE", AMS),
            await uow.inventory.get("TEE", BER),
        )
        assert source is not None
        assert destination is not None
        assert (source.on_hand, destination.on_hand, destination.in_transit) == (6, 0, 4)
        arrived = await stock_ledger.receive_transfer(
            uow,
            sku="TEE",
            to_warehouse_id=BER,
            quantity=4,
            actor="t",
            reference="transfer:1",
            now=NOW,
        )
        assert (arrived.on_hand, arrived.in_transit) == (4, 0)
        await uow.commit()
    assert ledger_sums(store) == level_sums(store)


async def test_a_cancelled_transfer_returns_the_units_to_the_source(store: FakeStore) -> None:
    async with store.unit_of_work() as uow:
        await receive(uow, 5)
        await stock_ledger.send_transfer(
            uow,
            sku="TEE",
            from_warehouse_id=AMS,
            to_warehouse_id=BER,
            quantity=5,
            actor="t",
            reference="transfer:2",
            now=NOW,
        )
        await stock_ledger.cancel_transfer(
            uow,
            sku="TEE",
            from_warehouse_id=AMS,
            to_warehouse_id=BER,
            quantity=5,
            actor="t",
            reference="transfer:2",
            now=NOW,
        )
        await uow.commit()
    assert (store.levels[("TEE", AMS)].on_hand, store.levels[("TEE", BER)].in_transit) == (5, 0)
    assert ledger_sums(store) == level_sums(store)


async def test_reserved_units_cannot_be_transferred_or_handed_over(store: FakeStore) -> None:
    async with store.unit_of_work() as uow:
        await receive(uow, 5)
        assert await reserve(uow, 4)
        with pytest.raises(InsufficientStock):
            await stock_ledger.send_transfer(
                uow,
                sku="TEE",
                from_warehouse_id=AMS,
                to_warehouse_id=BER,
                quantity=2,
                actor="t",
                reference=None,
                now=NOW,
            )
        assert not await stock_ledger.hand_over(
            uow, sku="TEE", warehouse_id=AMS, quantity=2, actor="pos", reference=None, now=NOW
        )
        assert await stock_ledger.hand_over(
            uow, sku="TEE", warehouse_id=AMS, quantity=1, actor="pos", reference=None, now=NOW
        )
        level = await uow.inventory.get("TEE", AMS)
    assert level is not None
    assert (level.on_hand, level.reserved) == (4, 4)


async def test_incoming_stock_is_received_partially_and_over(store: FakeStore) -> None:
    async with store.unit_of_work() as uow:
        expected = await stock_ledger.expect_incoming(
            uow, sku="TEE", warehouse_id=AMS, quantity=10, actor="t", reference="inbound:1", now=NOW
        )
        assert (expected.on_hand, expected.incoming, expected.available_to_sell) == (0, 10, 0)
        part = await stock_ledger.receive_incoming(
            uow,
            sku="TEE",
            warehouse_id=AMS,
            quantity=4,
            expected=10,
            actor="t",
            reference="inbound:1",
            now=NOW,
        )
        assert (part.on_hand, part.incoming) == (4, 6)
        over = await stock_ledger.receive_incoming(
            uow,
            sku="TEE",
            warehouse_id=AMS,
            quantity=8,
            expected=6,
            actor="t",
            reference="inbound:1",
            now=NOW,
        )
        assert (over.on_hand, over.incoming) == (12, 0)
        await uow.commit()
    assert ledger_sums(store) == level_sums(store)


async def test_inventory_low_fires_once_per_crossing_of_the_threshold(store: FakeStore) -> None:
    async with store.unit_of_work() as uow:
        await receive(uow, 10)
        await stock_ledger.set_low_stock_threshold(
            uow, sku="TEE", warehouse_id=AMS, threshold=5, actor="t", now=NOW
        )
        assert await reserve(uow, 5)  # 5 left: not below 5
        assert await reserve(uow, 1)  # 4 left: crosses
        assert await reserve(uow, 1)  # still low: no second event
        await stock_ledger.release(
            uow, sku="TEE", warehouse_id=AMS, quantity=7, actor="t", reference=None, now=NOW
        )
        assert await reserve(uow, 6)  # low again
        await uow.commit()
    lows = [e.payload["availableToSell"] for e in store.outbox if e.type == "inventory.low"]
    assert lows == [4, 4]


async def test_a_refused_change_writes_no_movement(store: FakeStore) -> None:
    async with store.unit_of_work() as uow:
        await receive(uow, 2)
        assert not await reserve(uow, 3)
        with pytest.raises(InsufficientStock):
            await stock_ledger.adjust(
                uow,
                StockAdjustment.create(
                    sku="TEE",
                    warehouse_id=AMS,
                    delta=-3,
                    reason=AdjustmentReason.DAMAGED,
                    note=None,
                ),
                actor="test",
                now=NOW,
            )
        await uow.commit()
    assert [(m.kind, m.delta) for m in store.movements] == [(MovementKind.RECEIVE, 2)]
