"""Carrier services, pure: lanes, rate brackets, pickups around cut-offs and days off,
delivery windows (static and from history), percentiles and the carrier choice policy."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from ordergraph.domain.carrier_services import (
    HISTORY_CONFIDENCE,
    HISTORY_MIN_SAMPLE,
    CarrierCandidate,
    CarrierLane,
    CarrierPolicy,
    CarrierService,
    Cutoff,
    NoLane,
    RateBracket,
    TransitStats,
    WindowBasis,
    choose_carrier,
    delivery_window,
    percentile,
    stats_from,
)
from ordergraph.domain.money import Money

WAREHOUSE = 7
# 2026-12-03 is a Thursday; Christmas 2026 is a Friday
THURSDAY = date(2026, 12, 3)


def service(
    name: str = "STANDARD",
    *,
    service_id: int = 1,
    lanes: list[CarrierLane] | None = None,
    holidays: frozenset[date] = frozenset(),
    rates: list[RateBracket] | None = None,
) -> CarrierService:
    return CarrierService(
        id=service_id,
        carrier="POSTNL",
        service=name,
        active=True,
        lanes=lanes or [CarrierLane("EU-WEST", "NL", None, 1, 2)],
        rates=rates
        or [
            RateBracket(2000, Money(495, "EUR")),
            RateBracket(10000, Money(695, "EUR"), free_over=Money(7500, "EUR")),
        ],
        cutoffs=[Cutoff(WAREHOUSE, time(15, 0), "Europe/Amsterdam")],
        holidays=holidays,
    )


def amsterdam(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo("Europe/Amsterdam"))


def test_the_most_specific_lane_serves_a_route() -> None:
    country = CarrierLane("EU-WEST", "NL", None, 2, 3)
    region = CarrierLane("EU-WEST", None, "EU-WEST", 1, 2)
    both = CarrierLane("EU-WEST", "NL", "EU-WEST", 1, 1)
    s = service(lanes=[country, region, both])
    assert s.lane_for("EU-WEST", "EU-WEST", "NL") == both
    assert s.lane_for("EU-WEST", None, "NL") == country
    assert s.lane_for("EU-WEST", "EU-WEST", "BE") == region
    assert not s.serves("UK", "EU-WEST", "NL")
    with pytest.raises(NoLane):
        s.lane_for("UK", "EU-WEST", "NL")


def test_the_smallest_bracket_that_holds_the_weight_prices_the_parcel() -> None:
    s = service()
    assert s.price(500, Money(1000, "EUR")) == Money(495, "EUR")
    assert s.price(2000, Money(1000, "EUR")) == Money(495, "EUR")
    assert s.price(2001, Money(1000, "EUR")) == Money(695, "EUR")
    assert s.price(2001, Money(7500, "EUR")) == Money(0, "EUR")  # free over 75.00
    assert s.price(10001, Money(1000, "EUR")) is None  # too heavy for this service
    assert s.price(500, Money(1000, "USD")) is None  # no rates in that currency


def test_ready_before_the_cut_off_leaves_the_same_day() -> None:
    pickup = service().pickup(WAREHOUSE, amsterdam(THURSDAY, 14, 59))
    assert pickup == amsterdam(THURSDAY, 15).astimezone(UTC)


def test_ready_after_the_cut_off_leaves_the_next_working_day() -> None:
    s = service()
    assert s.pickup(WAREHOUSE, amsterdam(THURSDAY, 15, 1)) == amsterdam(THURSDAY + timedelta(1), 15)
    friday_late = amsterdam(THURSDAY + timedelta(1), 18)
    assert s.pickup(WAREHOUSE, friday_late) == amsterdam(THURSDAY + timedelta(4), 15)  # Monday


def test_holidays_are_no_pickup_days() -> None:
    s = service(holidays=frozenset({date(2026, 12, 25), date(2026, 12, 28)}))
    christmas_eve_late = amsterdam(date(2026, 12, 24), 16)
    assert s.pickup(WAREHOUSE, christmas_eve_late) == amsterdam(date(2026, 12, 29), 15)


def test_a_warehouse_without_a_cut_off_uses_four_pm_utc() -> None:
    pickup = service().pickup(99, datetime(2026, 12, 3, 10, tzinfo=UTC))
    assert pickup == datetime(2026, 12, 3, 16, tzinfo=UTC)


def test_a_static_window_counts_working_days_across_the_weekend() -> None:
    s = service(holidays=frozenset({date(2026, 12, 7)}))
    lane = CarrierLane("EU-WEST", "NL", None, 1, 2)
    pickup = amsterdam(date(2026, 12, 4), 15).astimezone(UTC)  # a Friday
    window = delivery_window(s, lane, pickup)
    assert window.basis is WindowBasis.STATIC
    assert window.confidence is None
    # Monday the 7th is a holiday: Tuesday, then Wednesday
    assert window.earliest == amsterdam(date(2026, 12, 8), 15)
    assert window.latest == amsterdam(date(2026, 12, 9), 15)


def test_history_replaces_the_static_window_once_there_is_enough() -> None:
    s = service()
    lane = CarrierLane("EU-WEST", "NL", None, 1, 2)
    pickup = datetime(2026, 12, 3, 15, tzinfo=UTC)
    few = TransitStats(HISTORY_MIN_SAMPLE - 1, 0.5, 0.8)
    assert delivery_window(s, lane, pickup, few).basis is WindowBasis.STATIC
    assert delivery_window(s, lane, pickup, few).sample_size == HISTORY_MIN_SAMPLE - 1
    enough = TransitStats(HISTORY_MIN_SAMPLE, 1.5, 3.25)
    window = delivery_window(s, lane, pickup, enough)
    assert window.basis is WindowBasis.HISTORY
    assert window.confidence == HISTORY_CONFIDENCE
    assert window.earliest == pickup + timedelta(days=1.5)
    assert window.latest == pickup + timedelta(days=3.25)


def test_percentiles_interpolate_like_percentile_cont() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.9) == pytest.approx(3.7)
    assert percentile([5.0], 0.9) == 5.0
    stats = stats_from([float(d) for d in range(1, 21)])
    assert (stats.sample_size, stats.p50_days) == (20, 10.5)
    assert stats.p90_days == pytest.approx(18.1)
    with pytest.raises(ValueError, match="no values"):
        percentile([], 0.5)


def candidate(name: str, price: int, days: int, meets: bool, sid: int) -> CarrierCandidate:
    return CarrierCandidate(
        service(name, service_id=sid),
        Money(price, "EUR"),
        datetime(2026, 12, 3, tzinfo=UTC) + timedelta(days=days),
        meets,
    )


CHEAP_SLOW = candidate("ECONOMY", 395, 5, False, 1)
MIDDLE = candidate("STANDARD", 495, 2, True, 2)
DEAR_FAST = candidate("EXPRESS", 1495, 1, True, 3)


def test_cheapest_takes_the_cheapest_that_meets_the_promise() -> None:
    choice = choose_carrier([CHEAP_SLOW, MIDDLE, DEAR_FAST], CarrierPolicy.CHEAPEST)
    assert choice is not None
    assert choice.chosen is MIDDLE
    reasons = {c.service.service: why for c, why in choice.candidates}
    assert reasons == {
        "ECONOMY": "misses the promised delivery",
        "STANDARD": "cheapest that meets the promise",
        "EXPRESS": "dearer than POSTNL STANDARD",
    }
    assert [c.service.service for c, _ in choice.candidates] == ["ECONOMY", "STANDARD", "EXPRESS"]


def test_cheapest_falls_back_to_the_fastest_when_none_meets_the_promise() -> None:
    late = candidate("LATE", 100, 9, False, 4)
    choice = choose_carrier([CHEAP_SLOW, late], CarrierPolicy.CHEAPEST)
    assert choice is not None
    assert choice.chosen is CHEAP_SLOW
    assert dict((c.service.service, why) for c, why in choice.candidates)["ECONOMY"] == (
        "none meets the promise: fastest instead"
    )


def test_fastest_takes_the_earliest_delivery_whatever_it_costs() -> None:
    choice = choose_carrier([CHEAP_SLOW, MIDDLE, DEAR_FAST], CarrierPolicy.FASTEST)
    assert choice is not None
    assert choice.chosen is DEAR_FAST
    assert choice.policy == "fastest"


def test_the_service_the_customer_chose_wins() -> None:
    choice = choose_carrier(
        [CHEAP_SLOW, MIDDLE, DEAR_FAST], CarrierPolicy.CHEAPEST, preferred_service_id=3
    )
    assert choice is not None
    assert choice.chosen is DEAR_FAST
    assert choose_carrier([], CarrierPolicy.CHEAPEST) is None


def test_working_days_are_counted_on_the_warehouse_calendar_not_utc() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    lane = CarrierLane("APAC", "JP", None, 1, 1)
    s = service(lanes=[lane])
    # Friday 08:00 in Tokyo is still Thursday in UTC
    pickup = datetime(2026, 12, 4, 8, tzinfo=tokyo).astimezone(UTC)
    window = delivery_window(s, lane, pickup, timezone="Asia/Tokyo")
    assert window.latest == datetime(2026, 12, 7, 8, tzinfo=tokyo)  # Monday, not Saturday
