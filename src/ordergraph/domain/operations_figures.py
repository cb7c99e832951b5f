"""Pure maths behind the operations figures of ``analytics``: stage lead times, percentiles,
rates and stock cover. The read queries project rows; these functions turn them into figures
the same way on every database (SQLite has no ``percentile_cont``)."""

from __future__ import annotations

import enum
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime


class Stage(enum.StrEnum):
    PLACED_TO_CONFIRMED = "PLACED_TO_CONFIRMED"
    CONFIRMED_TO_PICKED = "CONFIRMED_TO_PICKED"
    PICKED_TO_SHIPPED = "PICKED_TO_SHIPPED"
    SHIPPED_TO_DELIVERED = "SHIPPED_TO_DELIVERED"
    PLACED_TO_DELIVERED = "PLACED_TO_DELIVERED"


@dataclass(frozen=True, slots=True)
class StageTimes:
    """When one order (in one warehouse or with one carrier) reached each step; None: not yet."""

    placed: datetime
    confirmed: datetime | None
    picked: datetime | None
    shipped: datetime | None
    delivered: datetime | None


@dataclass(frozen=True, slots=True)
class StageLeadTime:
    group: str
    stage: Stage
    count: int
    p50_hours: float
    p90_hours: float


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The ``fraction`` percentile with linear interpolation between the closest ranks: the
    same definition as PostgreSQL's ``percentile_cont``. None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None or end < start:
        return None  # a step not reached yet, or clocks that disagree: no duration to count
    return (end - start).total_seconds() / 3600


def stage_hours(times: StageTimes) -> dict[Stage, float]:
    """The duration of every stage whose both ends are known."""
    spans = {
        Stage.PLACED_TO_CONFIRMED: (times.placed, times.confirmed),
        Stage.CONFIRMED_TO_PICKED: (times.confirmed, times.picked),
        Stage.PICKED_TO_SHIPPED: (times.picked, times.shipped),
        Stage.SHIPPED_TO_DELIVERED: (times.shipped, times.delivered),
        Stage.PLACED_TO_DELIVERED: (times.placed, times.delivered),
    }
    found = {stage: _hours(start, end) for stage, (start, end) in spans.items()}
    return {stage: hours for stage, hours in found.items() if hours is not None}


def lead_times(rows: Iterable[tuple[str, StageTimes]]) -> list[StageLeadTime]:
    """p50 and p90 per group and stage, sorted by group then stage order; stages without a
    single duration are left out."""
    durations: dict[tuple[str, Stage], list[float]] = defaultdict(list)
    for group, times in rows:
        for stage, duration in stage_hours(times).items():
            durations[(group, stage)].append(duration)
    order = list(Stage)
    result = []
    for (group, stage), hours in sorted(
        durations.items(), key=lambda item: (item[0][0], order.index(item[0][1]))
    ):
        p50, p90 = percentile(hours, 0.5), percentile(hours, 0.9)
        assert p50 is not None
        assert p90 is not None
        result.append(StageLeadTime(group, stage, len(hours), p50, p90))
    return result


def ratio(hits: int, total: int) -> float | None:
    """hits / total, None when there is nothing to divide by."""
    return hits / total if total else None


def cover_days(available: int, units_demanded: int, days: int) -> float | None:
    """Days the available stock lasts at the average daily demand of the last ``days`` days;
    None without demand (stock that does not move has no cover to speak of)."""
    if units_demanded <= 0 or days <= 0:
        return None
    return max(available, 0) / (units_demanded / days)


@dataclass(frozen=True, slots=True)
class Fill:
    ordered_units: int
    filled_units: int

    @property
    def rate(self) -> float | None:
        return ratio(self.filled_units, self.ordered_units)


def fill(lines: Iterable[tuple[int, int]], first_parcel: Iterable[tuple[int, int]]) -> Fill:
    """Units ordered (``(order line id, quantity)``) against the units of lines that left
    complete in their order's first parcel (``(order line id, units in it)``): a line split
    over parcels, or left for later, is not filled."""
    shipped: dict[int, int] = defaultdict(int)
    for line_id, units in first_parcel:
        shipped[line_id] += units
    ordered = filled = 0
    for line_id, quantity in lines:
        ordered += quantity
        filled += quantity if shipped[line_id] >= quantity else 0
    return Fill(ordered, filled)
