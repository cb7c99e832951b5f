"""Stock adjustments: the rules that keep on-hand stock at or above what is reserved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordergraph.domain.errors import InsufficientStock, InvalidInput
from ordergraph.domain.inventory import (
    MAX_ADJUSTMENT,
    AdjustmentReason,
    InventoryLevel,
    MovementKind,
    StockAdjustment,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def adjustment(
    delta: int, reason: AdjustmentReason = AdjustmentReason.CORRECTION
) -> StockAdjustment:
    return StockAdjustment.create(sku="TEE", warehouse_id=1, delta=delta, reason=reason, note=None)


def level(on_hand: int, reserved: int) -> InventoryLevel:
    return InventoryLevel(
        sku="TEE", warehouse_id=1, on_hand=on_hand, reserved=reserved, updated_at=NOW
    )


def test_a_zero_adjustment_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        adjustment(0)
    assert caught.value.field == ("delta",)


@pytest.mark.parametrize("delta", [MAX_ADJUSTMENT + 1, -MAX_ADJUSTMENT - 1])
def test_an_adjustment_beyond_the_maximum_is_refused(delta: int) -> None:
    with pytest.raises(InvalidInput):
        adjustment(delta)
    assert (
        adjustment(delta // abs(delta) * MAX_ADJUSTMENT).delta
        == delta // abs(delta) * MAX_ADJUSTMENT
    )


def test_a_received_adjustment_must_add_stock() -> None:
    with pytest.raises(InvalidInput) as caught:
        adjustment(-1, AdjustmentReason.RECEIVED)
    assert caught.value.field == ("delta",)
    assert adjustment(5, AdjustmentReason.RECEIVED).delta == 5


def test_receiving_and_counting_have_their_own_movements_and_the_rest_are_adjustments() -> None:
    assert adjustment(5, AdjustmentReason.RECEIVED).movement_kind is MovementKind.RECEIVE
    assert adjustment(-1, AdjustmentReason.CYCLE_COUNT).movement_kind is MovementKind.CYCLE_COUNT
    own = {AdjustmentReason.RECEIVED, AdjustmentReason.CYCLE_COUNT}
    others = [r for r in AdjustmentReason if r not in own]
    assert {adjustment(-1, r).movement_kind for r in others} == {MovementKind.ADJUST}


def test_the_note_is_trimmed_and_a_blank_note_is_none() -> None:
    def with_note(note: str) -> StockAdjustment:
        return StockAdjustment.create(
            sku="TEE", warehouse_id=1, delta=1, reason=AdjustmentReason.OTHER, note=note
        )

    assert with_note("  pallet 7 ").note == "pallet 7"
    assert with_note("   ").note is None
    with pytest.raises(InvalidInput) as caught:
        with_note("x" * 501)
    assert caught.value.field == ("note",)


def test_applying_an_adjustment_changes_on_hand_and_the_timestamp_only() -> None:
    later = NOW + timedelta(hours=1)
    after = adjustment(-3).apply(level(10, 4), later)
    assert (after.on_hand, after.reserved, after.available) == (7, 4, 3)
    assert after.updated_at == later
    assert (after.sku, after.warehouse_id) == ("TEE", 1)


def test_stock_may_drop_exactly_to_the_reserved_amount() -> None:
    assert adjustment(-6).apply(level(10, 4), NOW).on_hand == 4


def test_stock_may_not_drop_below_the_reserved_amount() -> None:
    with pytest.raises(InsufficientStock) as caught:
        adjustment(-7).apply(level(10, 4), NOW)
    assert caught.value.code == "INSUFFICIENT_STOCK"
    assert caught.value.field == ("delta",)


def test_stock_may_not_go_negative() -> None:
    with pytest.raises(InsufficientStock):
        adjustment(-1).apply(level(0, 0), NOW)


@settings(database=None)
@given(
    on_hand=st.integers(0, 10_000),
    reserved_share=st.integers(0, 10_000),
    delta=st.integers(-20_000, 20_000).filter(lambda d: d != 0),
)
def test_applying_never_leaves_on_hand_below_reserved(
    on_hand: int, reserved_share: int, delta: int
) -> None:
    before = level(on_hand, min(reserved_share, on_hand))
    try:
        after = adjustment(delta).apply(before, NOW)
    except InsufficientStock:
        assert on_hand + delta < before.reserved
    else:
        assert after.on_hand == on_hand + delta
        assert after.on_hand >= after.reserved == before.reserved
        assert after.available >= 0
