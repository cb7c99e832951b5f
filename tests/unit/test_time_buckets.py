"""Series buckets in local time (domain.time_buckets): hand-checked boundaries across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.time_buckets import Bucket, SeriesRow, fill_series, time_buckets


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def starts(buckets: list) -> list[str]:  # type: ignore[type-arg]
    return [b.start.isoformat() for b in buckets]


def test_an_amsterdam_spring_forward_day_is_23_hours_and_the_next_starts_at_midnight() -> None:
    days = time_buckets(
        at("2026-03-28T00:00+01:00"), at("2026-03-31T00:00+02:00"), Bucket.DAY, "Europe/Amsterdam"
    )
    assert starts(days) == [
        "2026-03-28T00:00:00+01:00",
        "2026-03-29T00:00:00+01:00",
        "2026-03-30T00:00:00+02:00",
    ]
    assert [(b.end - b.start) for b in days] == [timedelta(hours=24)] * 3  # wall clock
    assert [(b.counted_to - b.counted_from) / timedelta(hours=1) for b in days] == [24, 23, 24]


def test_an_amsterdam_fall_back_week_is_169_hours_from_monday_to_monday() -> None:
    (week,) = time_buckets(
        at("2026-10-21T12:00Z"), at("2026-10-21T13:00Z"), Bucket.WEEK, "Europe/Amsterdam"
    )
    assert (week.start.isoformat(), week.end.isoformat()) == (
        "2026-10-19T00:00:00+02:00",
        "2026-10-26T00:00:00+01:00",
    )
    assert week.end.astimezone(UTC) - week.start.astimezone(UTC) == timedelta(hours=169)
    # counted only inside the requested range
    assert (week.counted_from, week.counted_to) == (
        at("2026-10-21T12:00Z"),
        at("2026-10-21T13:00Z"),
    )


def test_new_york_hours_skip_two_am_in_spring_and_repeat_one_am_in_autumn() -> None:
    spring = time_buckets(
        at("2026-03-08T05:00Z"), at("2026-03-08T09:00Z"), Bucket.HOUR, "America/New_York"
    )
    assert starts(spring) == [
        "2026-03-08T00:00:00-05:00",
        "2026-03-08T01:00:00-05:00",
        "2026-03-08T03:00:00-04:00",
        "2026-03-08T04:00:00-04:00",
    ]
    autumn = time_buckets(
        at("2026-11-01T04:00Z"), at("2026-11-01T08:00Z"), Bucket.HOUR, "America/New_York"
    )
    assert starts(autumn) == [
        "2026-11-01T00:00:00-04:00",
        "2026-11-01T01:00:00-04:00",
        "2026-11-01T01:00:00-05:00",
        "2026-11-01T02:00:00-05:00",
    ]
    (day,) = time_buckets(
        at("2026-11-01T12:00Z"), at("2026-11-01T13:00Z"), Bucket.DAY, "America/New_York"
    )
    assert day.end.astimezone(UTC) - day.start.astimezone(UTC) == timedelta(hours=25)


def test_months_start_on_the_first_at_local_midnight() -> None:
    months = time_buckets(
        at("2026-01-15T00:00Z"), at("2026-04-01T00:00Z"), Bucket.MONTH, "Europe/Amsterdam"
    )
    assert starts(months) == [
        "2026-01-01T00:00:00+01:00",
        "2026-02-01T00:00:00+01:00",
        "2026-03-01T00:00:00+01:00",
        "2026-04-01T00:00:00+02:00",  # 2026-03-31T22:00Z is before the end
    ]


def test_half_hour_offsets_keep_local_hours() -> None:
    hours = time_buckets(
        at("2026-06-01T00:00Z"), at("2026-06-01T01:00Z"), Bucket.HOUR, "Asia/Kolkata"
    )
    assert starts(hours) == ["2026-06-01T05:00:00+05:30", "2026-06-01T06:00:00+05:30"]


@pytest.mark.parametrize(
    ("start", "end", "bucket", "zone", "code"),
    [
        ("2026-01-01T00:00Z", "2026-01-02T00:00Z", Bucket.DAY, "Mars/Olympus", "INVALID_TIMEZONE"),
        ("2026-01-01T00:00Z", "2026-01-02T00:00Z", Bucket.DAY, "", "INVALID_TIMEZONE"),
        ("2026-01-01T00:00Z", "2026-01-02T00:00Z", Bucket.DAY, "../etc/passwd", "INVALID_TIMEZONE"),
        ("2026-01-02T00:00Z", "2026-01-02T00:00Z", Bucket.DAY, "UTC", "INVALID_RANGE"),
        ("2026-01-02T00:00Z", "2026-01-01T00:00Z", Bucket.DAY, "UTC", "INVALID_RANGE"),
        ("2026-01-01T00:00Z", "2026-04-01T00:00Z", Bucket.HOUR, "UTC", "TOO_MANY_BUCKETS"),
    ],
)
def test_bad_requests_are_refused_with_a_code(
    start: str, end: str, bucket: Bucket, zone: str, code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        time_buckets(at(start), at(end), bucket, zone)
    assert refused.value.code == code


def test_exactly_the_cap_is_allowed() -> None:
    start = at("2026-01-01T00:00Z")
    assert len(time_buckets(start, start + timedelta(hours=2000), Bucket.HOUR, "UTC")) == 2000


def test_every_series_gets_every_bucket_and_rows_are_added_up() -> None:
    days = time_buckets(at("2026-01-01T00:00Z"), at("2026-01-04T00:00Z"), Bucket.DAY, "UTC")
    rows = [
        SeriesRow(0, "WEB", "EUR", orders=2, units=3, revenue_minor=1000),
        SeriesRow(2, None, "USD", orders=1, units=1, revenue_minor=500),
        SeriesRow(2, "WEB", "EUR", refunds_minor=250),
        SeriesRow(2, "WEB", "EUR", orders=3, revenue_minor=1000, cancellations=1),
    ]
    points = fill_series(days, rows, "EUR")
    assert [
        (
            p.bucket.start.day,
            p.group,
            p.currency,
            p.orders,
            p.revenue_minor,
            p.refunds_minor,
            p.average_order_value_minor,
        )
        for p in points
    ] == [
        (1, None, "USD", 0, 0, 0, None),
        (1, "WEB", "EUR", 2, 1000, 0, 500),
        (2, None, "USD", 0, 0, 0, None),
        (2, "WEB", "EUR", 0, 0, 0, None),
        (3, None, "USD", 1, 500, 0, 500),
        (3, "WEB", "EUR", 3, 1000, 250, 333),  # 333.33 rounded half-even
    ]
    assert [(p.group, p.currency) for p in fill_series(days, [], "GBP")] == [(None, "GBP")] * 3
