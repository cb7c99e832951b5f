"""Use case: adjusting on-hand stock, with a ledger line and an event per change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordergraph.domain.clock import FixedClock
from ordergraph.domain.errors import Forbidden, InsufficientStock, InvalidInput, NotFound
from ordergraph.domain.inventory import AdjustmentReason, LevelField, MovementKind
from ordergraph.domain.principals import Principal, Role, Scope, scopes_for
from ordergraph.services.catalog import create_product, create_warehouse
from ordergraph.services.deps import Deps
from ordergraph.services.inventory import adjust_inventory
from tests.unit.fakes import DEFAULT_NOW, FakeStore, delta_of, fake_deps

ON_HAND, RESERVED = LevelField.ON_HAND, LevelField.RESERVED


ADMIN = Principal(role=Role.ADMIN, scopes=scopes_for(Role.ADMIN, None), name="ops", token_id=1)
PICKER = Principal(
    role=Role.STAFF, scopes=frozenset({Scope.INVENTORY_WRITE}), name="picker", token_id=2
)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DEFAULT_NOW)


@pytest.fixture
async def deps(store: FakeStore, clock: FixedClock) -> Deps:
    deps = fake_deps(store, clock)
    await create_warehouse(deps, ADMIN, code="AMS-1", name="A", region="EU", country_code="NL")
    await create_product(deps, ADMIN, sku="TEE", name="Tee", price_amount="9", price_currency="EUR")
    return deps


@pytest.fixture
def warehouse_id(deps: Deps, store: FakeStore) -> int:
    [warehouse] = store.warehouses
    assert warehouse.id is not None
    return warehouse.id


async def test_receiving_stock_raises_on_hand_and_writes_a_receive_movement(
    deps: Deps, store: FakeStore, clock: FixedClock, warehouse_id: int
) -> None:
    clock.advance(timedelta(hours=2))
    level = await adjust_inventory(
        deps,
        PICKER,
        sku="TEE",
        warehouse_id=warehouse_id,
        delta=12,
        reason=AdjustmentReason.RECEIVED,
        note=" pallet 7 ",
    )
    assert (level.on_hand, level.reserved, level.available) == (12, 0, 12)
    assert level.updated_at == clock.now()
    assert store.levels[("TEE", warehouse_id)] == level
    [movement] = store.movements
    assert movement.kind is MovementKind.RECEIVE
    assert (movement.sku, movement.warehouse_id) == ("TEE", warehouse_id)
    assert (delta_of(movement, ON_HAND), delta_of(movement, RESERVED)) == (12, 0)
    assert movement.note == "RECEIVED: pallet 7"
    assert movement.actor == "staff:picker"
    assert movement.created_at == clock.now()


async def test_an_adjustment_records_an_inventory_adjusted_event_after_commit(
    deps: Deps, store: FakeStore, warehouse_id: int
) -> None:
    events_before = len(store.outbox)
    await adjust_inventory(
        deps, PICKER, sku="TEE", warehouse_id=warehouse_id, delta=5, reason=AdjustmentReason.OTHER
    )
    changed, event = store.outbox[events_before:]
    assert (changed.type, changed.payload["onHandDelta"]) == ("inventory.changed", 5)
    assert event.type == "inventory.adjusted"
    assert event.actor == "staff:picker"
    assert event.payload == {
        "sku": "TEE",
        "warehouseId": warehouse_id,
        "delta": 5,
        "reason": "OTHER",
        "onHand": 5,
        "reserved": 0,
    }


async def test_a_correction_without_a_note_is_an_adjust_movement_with_the_bare_reason(
    deps: Deps, store: FakeStore, warehouse_id: int
) -> None:
    for delta in (10, -4):
        await adjust_inventory(
            deps,
            PICKER,
            sku="TEE",
            warehouse_id=warehouse_id,
            delta=delta,
            reason=AdjustmentReason.CORRECTION,
        )
    assert [(m.kind, delta_of(m, ON_HAND), m.note) for m in store.movements] == [
        (MovementKind.ADJUST, 10, "CORRECTION"),
        (MovementKind.ADJUST, -4, "CORRECTION"),
    ]
    assert store.levels[("TEE", warehouse_id)].on_hand == 6
    assert sum(delta_of(m, ON_HAND) for m in store.movements) == 6


async def test_an_unknown_sku_is_not_found_and_nothing_is_written(
    deps: Deps, store: FakeStore, warehouse_id: int
) -> None:
    events_before = len(store.outbox)
    with pytest.raises(NotFound) as caught:
        await adjust_inventory(
            deps,
            PICKER,
            sku="NOPE",
            warehouse_id=warehouse_id,
            delta=1,
            reason=AdjustmentReason.RECEIVED,
        )
    assert caught.value.field == ("sku",)
    assert store.levels == {}
    assert store.movements == []
    assert len(store.outbox) == events_before


async def test_an_unknown_warehouse_is_not_found_and_nothing_is_written(
    deps: Deps, store: FakeStore, warehouse_id: int
) -> None:
    events_before = len(store.outbox)
    with pytest.raises(NotFound) as caught:
        await adjust_inventory(
            deps,
            PICKER,
            sku="TEE",
            warehouse_id=warehouse_id + 1000,
            delta=1,
            reason=AdjustmentReason.RECEIVED,
        )
    assert caught.value.field == ("warehouseId",)
    assert store.levels == {}
    assert store.movements == []
    assert len(store.outbox) == events_before


async def test_removing_more_than_is_on_hand_is_refused_and_nothing_is_written(
    deps: Deps, store: FakeStore, warehouse_id: int
) -> None:
    await adjust_inventory(
        deps, PICKER, sku="TEE", warehouse_id=warehouse_id, delta=3, reason=AdjustmentReason.OTHER
    )
    events_before = len(store.outbox)
    with pytest.raises(InsufficientStock):
        await adjust_inventory(
            deps,
            PICKER,
            sku="TEE",
            warehouse_id=warehouse_id,
            delta=-4,
            reason=AdjustmentReason.DAMAGED,
        )
    assert store.levels[("TEE", warehouse_id)].on_hand == 3
    assert len(store.movements) == 1
    assert len(store.outbox) == events_before


async def test_a_negative_received_adjustment_is_invalid(
    deps: Deps, store: FakeStore, warehouse_id: int
) -> None:
    with pytest.raises(InvalidInput) as caught:
        await adjust_inventory(
            deps,
            PICKER,
            sku="TEE",
            warehouse_id=warehouse_id,
            delta=-1,
            reason=AdjustmentReason.RECEIVED,
        )
    assert caught.value.field == ("delta",)
    assert store.movements == []


async def test_adjusting_stock_needs_the_inventory_write_scope(
    deps: Deps, store: FakeStore, warehouse_id: int
) -> None:
    viewer = Principal(role=Role.STAFF, scopes=scopes_for(Role.STAFF, None), name="viewer")
    with pytest.raises(Forbidden):
        await adjust_inventory(
            deps,
            viewer,
            sku="TEE",
            warehouse_id=warehouse_id,
            delta=1,
            reason=AdjustmentReason.RECEIVED,
        )
    assert store.movements == []
