"""Carrier services: who carries a parcel on which lane, at what price, and by when.

A service (``DHL EXPRESS``) has lanes from a warehouse region to a destination country and/or
region with transit days (min-max, in the service's working days), a rate table by weight, a
daily cut-off per warehouse, and working days plus holidays. Working days and holidays belong to
the *service* (a carrier collects and delivers on its own calendar); the cut-off belongs to the
(service, warehouse) pair, as the time that carrier's truck leaves that warehouse.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ordergraph.domain.money import Money

DEFAULT_CUTOFF = time(16, 0)
HISTORY_MIN_SAMPLE = 20  # deliveries on a lane before history replaces the static window
HISTORY_CONFIDENCE = 0.9  # the window's end is the p90: nine in ten parcels arrived by then


@dataclass(frozen=True, slots=True)
class CarrierLane:
    """From ``origin_region`` to a country, a region, or a region of a country."""

    origin_region: str
    destination_country: str | None
    destination_region: str | None
    transit_days_min: int
    transit_days_max: int

    def serves(self, origin_region: str, region: str | None, country_code: str) -> bool:
        if self.origin_region != origin_region:
            return False
        if self.destination_country is not None and self.destination_country != country_code:
            return False
        return self.destination_region is None or self.destination_region == region

    @property
    def specificity(self) -> int:
        """Lower is more specific: a region of a country, a region, then a whole country."""
        return (self.destination_region is None) * 2 + (self.destination_country is None)

    @property
    def key(self) -> str:
        return f"{self.origin_region}>{self.destination_region or self.destination_country}"


@dataclass(frozen=True, slots=True)
class RateBracket:
    """Parcels up to ``max_weight_grams`` cost ``price``; free from ``free_over`` subtotal."""

    max_weight_grams: int
    price: Money
    free_over: Money | None = None


@dataclass(frozen=True, slots=True)
class Cutoff:
    """The carrier's daily pickup at one warehouse, in the warehouse's local time."""

    warehouse_id: int
    local_time: time
    timezone: str


@dataclass(slots=True)
class CarrierService:
    id: int | None
    carrier: str
    service: str
    active: bool
    lanes: list[CarrierLane]
    rates: list[RateBracket]
    cutoffs: list[Cutoff] = field(default_factory=list)
    working_days: frozenset[int] = frozenset({1, 2, 3, 4, 5})  # ISO weekdays, Monday = 1
    holidays: frozenset[date] = frozenset()
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def name(self) -> str:
        return f"{self.carrier} {self.service}"

    def lane_for(self, origin_region: str, region: str | None, country_code: str) -> CarrierLane:
        """The most specific lane serving the route; ``NoLane`` if none does."""
        lanes = [lane for lane in self.lanes if lane.serves(origin_region, region, country_code)]
        if not lanes:
            raise NoLane(self.name, origin_region)
        return min(lanes, key=lambda lane: lane.specificity)

    def serves(self, origin_region: str, region: str | None, country_code: str) -> bool:
        return any(lane.serves(origin_region, region, country_code) for lane in self.lanes)

    def price(self, weight_grams: int, subtotal: Money) -> Money | None:
        """The smallest bracket that holds the weight, in the order's currency; None if none."""
        fitting = [
            r
            for r in self.rates
            if r.price.currency == subtotal.currency and r.max_weight_grams >= weight_grams
        ]
        if not fitting:
            return None
        bracket = min(fitting, key=lambda r: r.max_weight_grams)
        if bracket.free_over is not None and subtotal.minor_units >= bracket.free_over.minor_units:
            return Money(0, subtotal.currency)
        return bracket.price

    def is_working_day(self, day: date) -> bool:
        return day.isoweekday() in self.working_days and day not in self.holidays

    def add_working_days(self, day: date, days: int) -> date:
        """``days`` working days after ``day`` (0: ``day`` itself)."""
        for _ in range(days):
            day = self.next_working_day(day + timedelta(days=1))
        return day

    def next_working_day(self, day: date) -> date:
        for _ in range(366):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        return day  # a calendar with no working day at all: give up rather than loop

    def cutoff_at(self, warehouse_id: int) -> Cutoff:
        found = next((c for c in self.cutoffs if c.warehouse_id == warehouse_id), None)
        return found or Cutoff(warehouse_id, DEFAULT_CUTOFF, "UTC")

    def pickup(self, warehouse_id: int, ready_at: datetime) -> datetime:
        """When the parcel leaves: the cut-off of the first working day whose cut-off is not
        before ``ready_at`` (ready after today's cut-off, or on a day off: the next one)."""
        cutoff = self.cutoff_at(warehouse_id)
        zone = ZoneInfo(cutoff.timezone)
        local = ready_at.astimezone(zone)
        day = local.date()
        if local.time() > cutoff.local_time:
            day += timedelta(days=1)
        day = self.next_working_day(day)
        return datetime.combine(day, cutoff.local_time, zone).astimezone(UTC)


class NoLane(Exception):
    """A service does not serve a route (not a user error: the service is simply no option)."""

    def __init__(self, service: str, origin_region: str) -> None:
        super().__init__(f"{service} has no lane from {origin_region}")


class WindowBasis(enum.StrEnum):
    STATIC = "STATIC"  # the lane's configured min-max transit days
    HISTORY = "HISTORY"  # p50-p90 of delivered shipments on the lane


@dataclass(frozen=True, slots=True)
class TransitStats:
    """Transit times (days, shipped → delivered) of delivered shipments on one lane."""

    sample_size: int
    p50_days: float
    p90_days: float


@dataclass(frozen=True, slots=True)
class DeliveryWindow:
    earliest: datetime
    latest: datetime
    basis: WindowBasis
    sample_size: int = 0
    confidence: float | None = None

    def widened(self, other: DeliveryWindow) -> DeliveryWindow:
        """Both parcels arrive: the later of each end, the weaker basis."""
        history = self.basis is WindowBasis.HISTORY and other.basis is WindowBasis.HISTORY
        return DeliveryWindow(
            max(self.earliest, other.earliest),
            max(self.latest, other.latest),
            WindowBasis.HISTORY if history else WindowBasis.STATIC,
            min(self.sample_size, other.sample_size),
            HISTORY_CONFIDENCE if history else None,
        )


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks: PostgreSQL's ``percentile_cont``."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def stats_from(days: Sequence[float]) -> TransitStats:
    return TransitStats(len(days), percentile(days, 0.5), percentile(days, 0.9))


def delivery_window(
    service: CarrierService,
    lane: CarrierLane,
    pickup_at: datetime,
    history: TransitStats | None = None,
    *,
    timezone: str = "UTC",
) -> DeliveryWindow:
    """From the pickup: p50-p90 of history once ``HISTORY_MIN_SAMPLE`` deliveries exist,
    otherwise the lane's min-max in the service's working days, counted on the calendar of
    ``timezone`` (the warehouse's) and at the pickup's local time of day."""
    if history is not None and history.sample_size >= HISTORY_MIN_SAMPLE:
        return DeliveryWindow(
            pickup_at + timedelta(days=history.p50_days),
            pickup_at + timedelta(days=history.p90_days),
            WindowBasis.HISTORY,
            history.sample_size,
            HISTORY_CONFIDENCE,
        )
    sample = history.sample_size if history is not None else 0
    zone = ZoneInfo(timezone)
    local = pickup_at.astimezone(zone)

    def after(days: int) -> datetime:
        day = service.add_working_days(local.date(), days)
        return datetime.combine(day, local.time(), zone).astimezone(UTC)

    return DeliveryWindow(
        after(lane.transit_days_min), after(lane.transit_days_max), WindowBasis.STATIC, sample
    )


class CarrierPolicy(enum.StrEnum):
    """How ``shipFulfillment`` picks a carrier service when it is given none."""

    CHEAPEST = "cheapest"  # the cheapest that meets the order's promise (else the fastest)
    FASTEST = "fastest"  # the earliest estimated delivery, whatever it costs


@dataclass(frozen=True, slots=True)
class CarrierCandidate:
    service: CarrierService
    price: Money
    estimated_delivery_at: datetime
    meets_promise: bool


@dataclass(frozen=True, slots=True)
class CarrierChoice:
    policy: str
    chosen: CarrierCandidate
    candidates: tuple[tuple[CarrierCandidate, str], ...]  # each with its reason


def choose_carrier(
    candidates: Iterable[CarrierCandidate],
    policy: CarrierPolicy,
    *,
    preferred_service_id: int | None = None,
    preferred_by: str = "the customer at checkout",
) -> CarrierChoice | None:
    """Pick one candidate and say why each was or was not taken; None if there are none.

    A service the customer chose at checkout (or a rule chose since: ``preferred_by``) wins
    when it serves the lane."""
    found = list(candidates)
    if not found:
        return None

    def cheapest(c: CarrierCandidate) -> tuple[int, datetime, str]:
        return (c.price.minor_units, c.estimated_delivery_at, c.service.name)

    def fastest(c: CarrierCandidate) -> tuple[datetime, int, str]:
        return (c.estimated_delivery_at, c.price.minor_units, c.service.name)

    preferred = next((c for c in found if c.service.id == preferred_service_id), None)
    meeting = [c for c in found if c.meets_promise]
    if preferred is not None:
        chosen, why = preferred, f"chosen by {preferred_by}"
    elif policy is CarrierPolicy.FASTEST:
        chosen, why = min(found, key=fastest), "fastest estimated delivery"
    elif meeting:
        chosen, why = min(meeting, key=cheapest), "cheapest that meets the promise"
    else:
        chosen, why = min(found, key=fastest), "none meets the promise: fastest instead"

    def reason(c: CarrierCandidate) -> str:
        if c is chosen:
            return why
        if not c.meets_promise and policy is CarrierPolicy.CHEAPEST and meeting:
            return "misses the promised delivery"
        if policy is CarrierPolicy.FASTEST or not meeting:
            return f"slower than {chosen.service.name}"
        return f"dearer than {chosen.service.name}"

    ordered = sorted(found, key=fastest if policy is CarrierPolicy.FASTEST else cheapest)
    return CarrierChoice(policy.value, chosen, tuple((c, reason(c)) for c in ordered))


class ChosenBy(enum.StrEnum):
    CUSTOMER = "CUSTOMER"  # placeOrder got its shippingOptionId
    CHEAPEST = "CHEAPEST"  # placeOrder got none and took the cheapest option
    RULE = "RULE"  # an automation rule chose it (chooseCarrierService); the price stays


@dataclass(frozen=True, slots=True)
class OrderShippingOption:
    """The carrier service an order was placed with, its price and the window promised."""

    carrier_service_id: int
    carrier: str
    service: str
    chosen_by: ChosenBy
    price: Money
    window: DeliveryWindow
