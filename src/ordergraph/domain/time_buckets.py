"""Time buckets of an analytics series in the caller's IANA timezone (pure; zoneinfo only).

A bucket starts at a local boundary: the hour (HOUR), local midnight (DAY), Monday's local
midnight (WEEK) or the first of the month's local midnight (MONTH). Boundaries are computed in
local wall time and converted to UTC one by one, so a day across a daylight-saving change is 23 or
25 hours long and the series stays aligned to local midnight. HOUR buckets step one real hour at
a time: the spring-forward day has 23 of them, the fall-back day 25 (two read 02:00 local, with
different offsets).

The first bucket is the one that holds ``start``; the last the one that holds the instant before
``end``. Each bucket also carries its *counted* window, the bucket clipped to [start, end), so a
partial first or last bucket counts only what lies inside the requested range.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.rounding import RoundingRule, round_units

MAX_BUCKETS = 2000


class Bucket(enum.StrEnum):
    HOUR = "HOUR"
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


@dataclass(frozen=True, slots=True)
class TimeBucket:
    start: datetime  # the bucket's local boundary, aware in the caller's timezone
    end: datetime
    counted_from: datetime  # UTC: max(start, range start)
    counted_to: datetime  # UTC: min(end, range end)


def zone(name: str, field: list[str] | None = None) -> ZoneInfo:
    """The IANA timezone ``name`` ("Europe/Amsterdam"), or InvalidInput INVALID_TIMEZONE."""
    cleaned = name.strip()
    try:
        if not cleaned:
            raise ValueError(name)
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise InvalidInput(
            f"{name!r} is not an IANA timezone name such as 'Europe/Amsterdam'",
            field=field or ["timezone"],
            code="INVALID_TIMEZONE",
        ) from exc


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    # a midnight skipped by a DST change (a few zones) resolves to the first instant after it
    naive = datetime.combine(day, time(0))
    return naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)


def _floor(moment: datetime, bucket: Bucket, tz: ZoneInfo) -> datetime:
    local = moment.astimezone(tz)
    if bucket is Bucket.HOUR:
        # local hour boundary; correct for half-hour offsets too, since it is taken in local time
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.date()
    if bucket is Bucket.WEEK:
        day -= timedelta(days=day.weekday())
    elif bucket is Bucket.MONTH:
        day = day.replace(day=1)
    return _local_midnight(day, tz)


def _next(boundary: datetime, bucket: Bucket, tz: ZoneInfo) -> datetime:
    if bucket is Bucket.HOUR:
        return (boundary.astimezone(UTC) + timedelta(hours=1)).astimezone(tz)
    day = boundary.astimezone(tz).date()
    if bucket is Bucket.DAY:
        following = day + timedelta(days=1)
    elif bucket is Bucket.WEEK:
        following = day + timedelta(days=7)
    else:
        following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return _local_midnight(following, tz)


def time_buckets(
    start: datetime,
    end: datetime,
    bucket: Bucket,
    timezone: str,
    *,
    max_buckets: int = MAX_BUCKETS,
) -> list[TimeBucket]:
    """The buckets that cover [start, end) in ``timezone``; InvalidInput for a bad request."""
    tz = zone(timezone)
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("from and to need a UTC offset", field=["from"], code="INVALID_RANGE")
    if end <= start:
        raise InvalidInput("to must be after from", field=["to"], code="INVALID_RANGE")
    start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
    buckets: list[TimeBucket] = []
    boundary = _floor(start_utc, bucket, tz)
    while boundary.astimezone(UTC) < end_utc:
        following = _next(boundary, bucket, tz)
        if len(buckets) == max_buckets:
            raise InvalidInput(
                f"the range holds more than {max_buckets} {bucket.value} buckets: "
                "narrow it or take a larger bucket",
                field=["bucket"],
                code="TOO_MANY_BUCKETS",
            )
        buckets.append(
            TimeBucket(
                start=boundary,
                end=following,
                counted_from=max(boundary.astimezone(UTC), start_utc),
                counted_to=min(following.astimezone(UTC), end_utc),
            )
        )
        boundary = following
    return buckets


@dataclass(frozen=True, slots=True)
class SeriesRow:
    """One aggregate row: a bucket (by index), a group value and a currency."""

    bucket: int
    group: str | None
    currency: str
    orders: int = 0
    units: int = 0
    revenue_minor: int = 0
    cancellations: int = 0
    refunds_minor: int = 0


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    bucket: TimeBucket
    group: str | None
    currency: str
    orders: int
    units: int
    revenue_minor: int
    cancellations: int
    refunds_minor: int

    @property
    def average_order_value_minor(self) -> int | None:
        """Revenue per (non-cancelled) order, half-even to the minor unit; None without orders."""
        if not self.orders:
            return None
        return round_units(Fraction(self.revenue_minor, self.orders), RoundingRule.HALF_EVEN)


def fill_series(
    buckets: Sequence[TimeBucket], rows: Iterable[SeriesRow], default_currency: str
) -> list[SeriesPoint]:
    """Every bucket for every (group, currency) series seen in ``rows``, zeros where a bucket has
    none, so a chart has no holes. Rows with the same key are added up. Without any row at all,
    one zero point per bucket (group None, ``default_currency``)."""
    totals: dict[tuple[int, str | None, str], list[int]] = {}
    for row in rows:
        figures = totals.setdefault((row.bucket, row.group, row.currency), [0, 0, 0, 0, 0])
        for i, value in enumerate(
            (row.orders, row.units, row.revenue_minor, row.cancellations, row.refunds_minor)
        ):
            figures[i] += value
    series = sorted(
        {(g, c) for _, g, c in totals}, key=lambda s: (s[0] is not None, s[0] or "", s[1])
    )
    if not series:
        series = [(None, default_currency)]
    points: list[SeriesPoint] = []
    for index, bucket in enumerate(buckets):
        for group, currency in series:
            orders, units, revenue, cancellations, refunds = totals.get(
                (index, group, currency), (0, 0, 0, 0, 0)
            )
            points.append(
                SeriesPoint(bucket, group, currency, orders, units, revenue, cancellations, refunds)
            )
    return points
