"""Counted stock, the pure rules: quantities, thresholds, notes, and a batch of counts."""

from __future__ import annotations

import pytest

from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.inventory import MAX_ADJUSTMENT, AdjustmentReason
from ordergraph.domain.stock_counts import (
    MAX_COUNT_ROWS,
    CountRow,
    RawCountRow,
    RowsRejected,
    check_count_rows,
    count_note,
    count_quantity,
    low_stock_threshold,
    rejected,
    row_index,
)


def test_a_count_is_a_whole_number_from_zero_to_the_adjustment_limit() -> None:
    assert count_quantity(0, ["onHand"]) == 0
    assert count_quantity(MAX_ADJUSTMENT, ["onHand"]) == MAX_ADJUSTMENT
    for bad in (-1, MAX_ADJUSTMENT + 1):
        with pytest.raises(InvalidInput) as caught:
            count_quantity(bad, ["onHand"])
        assert caught.value.code == "INVALID_QUANTITY"
        assert caught.value.field == ("onHand",)


def test_a_threshold_of_none_clears_and_a_negative_one_is_refused() -> None:
    assert low_stock_threshold(None) is None
    assert low_stock_threshold(5) == 5
    with pytest.raises(InvalidInput) as caught:
        low_stock_threshold(-1)
    assert caught.value.field == ("threshold",)


def test_a_cycle_count_keeps_its_note_and_another_reason_is_written_into_it() -> None:
    assert count_note(AdjustmentReason.CYCLE_COUNT, " aisle 4 ") == "aisle 4"
    assert count_note(AdjustmentReason.CYCLE_COUNT, None) is None
    assert count_note(AdjustmentReason.DAMAGED, "forklift") == "DAMAGED: forklift"
    assert count_note(AdjustmentReason.SHRINKAGE, None) == "SHRINKAGE"


def test_rows_come_back_in_sku_and_warehouse_order_with_their_request_index() -> None:
    rows = [RawCountRow("TEE-B", 2, 3), RawCountRow("TEE-A", 9, 1), RawCountRow("TEE-A", 1, 0)]

    assert check_count_rows(rows) == (
        [CountRow(2, "TEE-A", 1, 0), CountRow(1, "TEE-A", 9, 1), CountRow(0, "TEE-B", 2, 3)],
        [],
    )


def test_every_bad_row_is_reported_with_its_index_and_field() -> None:
    bad_id = InvalidInput("not a Warehouse ID", field=["rows", "2", "warehouseId"])
    rows = [
        RawCountRow("TEE", 1, 5),
        RawCountRow("TEE", 1, -3),
        RawCountRow("TEE", bad_id, 1),
        RawCountRow(" ", 1, 1),
        RawCountRow("TEE", 1, 7),
    ]

    valid, errors = check_count_rows(rows)

    assert valid == [CountRow(0, "TEE", 1, 5)]
    assert [(e.field, e.code) for e in errors] == [
        (("rows", "1", "onHand"), "INVALID_QUANTITY"),
        (("rows", "2", "warehouseId"), "INVALID"),
        (("rows", "3", "sku"), "REQUIRED"),
        (("rows", "4", "sku"), "DUPLICATE"),
    ]


def test_an_empty_batch_and_one_over_the_limit_are_refused_as_a_whole() -> None:
    with pytest.raises(InvalidInput) as empty:
        check_count_rows([])
    assert empty.value.code == "REQUIRED"

    too_many = [RawCountRow(f"SKU-{i}", 1, 1) for i in range(MAX_COUNT_ROWS + 1)]
    with pytest.raises(InvalidInput) as caught:
        check_count_rows(too_many)
    assert caught.value.code == "TOO_MANY_LINES"
    assert caught.value.field == ("rows",)
    assert len(check_count_rows(too_many[:MAX_COUNT_ROWS])[0]) == MAX_COUNT_ROWS


def test_a_rejected_batch_lists_its_row_errors_in_row_order() -> None:
    errors = [
        InvalidInput("b", field=["rows", "10", "sku"]),
        InvalidInput("a", field=["rows", "2", "onHand"]),
    ]

    batch = rejected(errors)

    assert isinstance(batch, RowsRejected)
    assert [e.message for e in batch.errors] == ["a", "b"]
    assert [row_index(e) for e in batch.errors] == [2, 10]
    assert batch.field == ("rows",)
