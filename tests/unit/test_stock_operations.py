"""Use cases for counted stock, on the fake unit of work: counts, batches of counts, safety
stock and thresholds; every write through the ledger, nothing written on a refusal."""

from __future__ import annotations

import pytest

from ordergraph.domain.clock import FixedClock
from ordergraph.domain.errors import Forbidden, InsufficientStock, InvalidInput, NotFound
from ordergraph.domain.inventory import AdjustmentReason, LevelField, MovementKind
from ordergraph.domain.principals import Principal, Role, Scope, scopes_for
from ordergraph.domain.stock_counts import RawCountRow, RowsRejected
from ordergraph.services import stock_ledger
from ordergraph.services.catalog import create_product, create_warehouse
from ordergraph.services.deps import Deps
from ordergraph.services.inventory import adjust_inventory
from ordergraph.services.stock_operations import (
    set_inventory,
    set_inventory_levels,
    set_low_stock_threshold,
    set_safety_stock,
)
from tests.unit.fakes import DEFAULT_NOW, FakeStore, fake_deps

ADMIN = Principal(role=Role.ADMIN, scopes=scopes_for(Role.ADMIN, None), name="ops", token_id=1)
COUNTER = Principal(
    role=Role.STAFF, scopes=frozenset({Scope.INVENTORY_WRITE}), name="counter", token_id=2
)
VIEWER = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, None), name="viewer")


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
async def deps(store: FakeStore) -> Deps:
    deps = fake_deps(store, FixedClock(DEFAULT_NOW))
    await create_warehouse(deps, ADMIN, code="AMS-1", name="A", region="EU", country_code="NL")
    for sku in ("TEE", "MUG"):
        await create_product(deps, ADMIN, sku=sku, name=sku, price_amount="9", price_currency="EUR")
    return deps


@pytest.fixture
def warehouse_id(deps: Deps, store: FakeStore) -> int:
    [warehouse] = store.warehouses
    assert warehouse.id is not None
    return warehouse.id


async def receive(deps: Deps, sku: str, warehouse_id: int, quantity: int) -> None:
    await adjust_inventory(
        deps,
        ADMIN,
        sku=sku,
        warehouse_id=warehouse_id,
        delta=quantity,
        reason=AdjustmentReason.RECEIVED,
    )


def counts(store: FakeStore) -> list[tuple[str, int, str | None]]:
    return [
        (m.sku, m.delta, m.note)
        for m in store.movements
        if m.kind is MovementKind.CYCLE_COUNT and m.field is LevelField.ON_HAND
    ]


async def test_a_count_books_the_variance_as_a_cycle_count_by_the_counter(
    deps: Deps, store: FakeStore, warehouse_id: int
) -> None:
    await receive(deps, "TEE", warehouse_id, 10)

    level = await set_inventory(
        deps, COUNTER, sku=" TEE ", warehouse_id=warehouse_id, on_hand=7, note="aisle 4"
    )

    assert (level.on_hand, level.reserved) == (7, 0)
    assert store.levels[("TEE", warehouse_id)].on_hand == 7
    assert counts(store) == [("TEE", -3, "aisle 4")]
    (counted,) = [m for m in store.movements if m.kind is MovementKind.CYCLE_COUNT]
    assert counted.actor == "staff:counter"


async def test_a_count_of_an_unknown_sku_or_warehouse_writes_nothing(
    deps: Deps, store: FakeStore, warehouse_id: int
) -> None:
    with pytest.raises(NotFound) as sku:
        await set_inventory(deps, COUNTER, sku="NOPE", warehouse_id=warehouse_id, on_hand=1)
    with pytest.raises(NotFound) as warehouse:
        await set_inventory(deps, COUNTER, sku="TEE", warehouse_id=warehouse_id + 9, on_hand=1)

    assert (sku.value.field, warehouse.value.field) == (("sku",), ("warehouseId",))
    assert store.movements == []


async def test_counting_needs_inventory_write(deps: Deps, warehouse_id: int) -> None:
    with pytest.raises(Forbidden):
        await set_inventory(deps, VIEWER, sku="TEE", warehouse_id=warehouse_id, on_hand=1)
    with pytest.raises(Forbidden):
        await set_safety_stock(deps, VIEWER, sku="TEE", warehouse_id=warehouse_id, quantity=1)
    with pytest.raises(Forbidden):
        await set_low_stock_threshold(
            deps, VIEWER, sku="TEE", warehouse_id=warehouse_id, threshold=1
        )
    with pytest.raises(Forbidden):
        await set_inventory_levels(deps, VIEWER, rows=[RawCountRow("TEE", warehouse_id, 1)])


async def test_a_keyed_count_is_applied_once_and_answers_the_first_result_again(
    deps: Deps, store: FakeStore, warehouse_id: int
) -> None:
    await receive(deps, "TEE", warehouse_id, 10)

    first = await set_inventory(
        deps, COUNTER, sku="TEE", warehouse_id=warehouse_id, on_hand=4, idempotency_key="k1"
    )
    again = await set_inventory(
        deps, COUNTER, sku="TEE", warehouse_id=warehouse_id, on_hand=4, idempotency_key="k1"
    )

    assert again == first
    assert counts(store) == [("TEE", -6, None)]


async def test_safety_stock_and_a_threshold_are_kept_on_the_level(
    deps: Deps, store: FakeStore, warehouse_id: int
) -> None:
    await receive(deps, "TEE", warehouse_id, 10)

    held = await set_safety_stock(deps, COUNTER, sku="TEE", warehouse_id=warehouse_id, quantity=3)
    warned = await set_low_stock_threshold(
        deps, COUNTER, sku="TEE", warehouse_id=warehouse_id, threshold=4
    )
    cleared = await set_low_stock_threshold(
        deps, COUNTER, sku="TEE", warehouse_id=warehouse_id, threshold=None
    )

    assert (held.safety_stock, held.available, held.available_to_sell) == (3, 10, 7)
    assert warned.low_stock_threshold == 4
    assert cleared.low_stock_threshold is None
    with pytest.raises(InvalidInput):
        await set_safety_stock(deps, COUNTER, sku="TEE", warehouse_id=warehouse_id, quantity=-1)


async def test_a_batch_is_applied_in_full_and_answered_in_row_order(
    deps: Deps, store: FakeStore, warehouse_id: int
) -> None:
    await receive(deps, "TEE", warehouse_id, 10)

    levels = await set_inventory_levels(
        deps,
        COUNTER,
        rows=[RawCountRow("TEE", warehouse_id, 8), RawCountRow("MUG", warehouse_id, 5)],
        reason=AdjustmentReason.SHRINKAGE,
    )

    assert [(lv.sku, lv.on_hand) for lv in levels] == [("TEE", 8), ("MUG", 5)]
    assert sorted(counts(store)) == [("MUG", 5, "SHRINKAGE"), ("TEE", -2, "SHRINKAGE")]


async def test_a_batch_with_a_refused_row_writes_no_row_at_all(
    deps: Deps, store: FakeStore, warehouse_id: int
) -> None:
    await receive(deps, "TEE", warehouse_id, 10)
    movements_before = list(store.movements)
    levels_before = dict(store.levels)
    events_before = len(store.outbox)

    with pytest.raises(RowsRejected) as caught:
        await set_inventory_levels(
            deps,
            COUNTER,
            rows=[
                RawCountRow("MUG", warehouse_id, 5),  # fine, and rolled back with the rest
                RawCountRow("NOPE", warehouse_id, 1),
                RawCountRow("TEE", warehouse_id + 9, 1),
                RawCountRow("TEE", warehouse_id, -1),
            ],
        )

    assert [(e.field, e.code) for e in caught.value.errors] == [
        (("rows", "1", "sku"), "NOT_FOUND"),
        (("rows", "2", "warehouseId"), "NOT_FOUND"),
        (("rows", "3", "onHand"), "INVALID_QUANTITY"),
    ]
    assert store.movements == movements_before
    assert store.levels == levels_before
    assert len(store.outbox) == events_before


async def test_a_batch_row_below_what_is_reserved_is_insufficient_stock_on_that_row(
    deps: Deps, store: FakeStore, warehouse_id: int
) -> None:
    await receive(deps, "TEE", warehouse_id, 10)
    async with deps.uow() as uow:
        assert await stock_ledger.reserve(
            uow,
            sku="TEE",
            warehouse_id=warehouse_id,
            quantity=6,
            actor="test",
            reference="order:1",
            now=DEFAULT_NOW,
        )
        await uow.commit()

    with pytest.raises(RowsRejected) as caught:
        await set_inventory_levels(
            deps,
            COUNTER,
            rows=[RawCountRow("MUG", warehouse_id, 5), RawCountRow("TEE", warehouse_id, 5)],
        )

    (error,) = caught.value.errors
    assert isinstance(error, InsufficientStock)
    assert error.field == ("rows", "1", "onHand")
    assert counts(store) == []
