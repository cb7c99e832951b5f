"""The pure maths of the operations figures: percentiles, stage durations, cover, fill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ordergraph.domain.operations_figures import (
    Fill,
    Stage,
    StageTimes,
    cover_days,
    fill,
    lead_times,
    percentile,
    stage_hours,
)

T0 = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([10.0, 0.0], 0.5) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.9) == pytest.approx(3.7)  # 3 + 0.7 (4 - 3)
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.0) == 1.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 1.0) == 4.0


def test_stage_hours_skip_steps_not_reached_or_out_of_order() -> None:
    times = StageTimes(placed=at(0), confirmed=at(2), picked=at(1), shipped=at(5), delivered=None)
    assert stage_hours(times) == {Stage.PLACED_TO_CONFIRMED: 2.0, Stage.PICKED_TO_SHIPPED: 4.0}


def test_lead_times_group_and_order_stages() -> None:
    full = StageTimes(at(0), at(1), at(3), at(6), at(30))
    rows = lead_times([("B", full), ("A", full), ("A", StageTimes(at(0), at(3), None, None, None))])
    assert [(r.group, r.stage, r.count) for r in rows[:2]] == [
        ("A", Stage.PLACED_TO_CONFIRMED, 2),
        ("A", Stage.CONFIRMED_TO_PICKED, 1),
    ]
    first = rows[0]
    assert first.p50_hours == 2.0
    assert first.p90_hours == pytest.approx(2.8)
    assert [r.stage for r in rows if r.group == "B"] == list(Stage)


def test_cover_days_is_null_without_demand_and_never_negative() -> None:
    assert cover_days(14, 7, 28) == 56.0
    assert cover_days(14, 0, 28) is None
    assert cover_days(-3, 7, 28) == 0.0


def test_fill_counts_only_lines_complete_in_the_first_parcel() -> None:
    assert fill([(1, 2), (2, 3)], [(1, 2), (2, 1), (2, 1)]) == Fill(5, 2)
    assert fill([], []).rate is None
