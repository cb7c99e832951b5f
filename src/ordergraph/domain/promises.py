"""Delivery promises: handling time at the warehouse plus transit time between regions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Lane:
    region: str | None
    country_code: str


@dataclass(frozen=True, slots=True)
class TransitTimes:
    """Days in transit from a warehouse to an address.

    ``overrides`` maps (from region, to region) to days; otherwise the same region takes
    ``same_region_days``, the same country ``same_country_days``, anywhere else ``default_days``.
    """

    overrides: Mapping[tuple[str, str], int] = field(default_factory=dict)
    same_region_days: int = 2
    same_country_days: int = 3
    default_days: int = 5

    def days(self, origin: Lane, destination: Lane) -> int:
        if origin.region and destination.region:
            override = self.overrides.get((origin.region, destination.region))
            if override is not None:
                return override
            if origin.region == destination.region:
                return self.same_region_days
        if origin.country_code == destination.country_code:
            return self.same_country_days
        return self.default_days


def promised_delivery(start: datetime, handling: timedelta, transit_days: int) -> datetime:
    """When the customer is told to expect the parcel."""
    return start + handling + timedelta(days=transit_days)


def promise_from(
    start: datetime,
    origins: Iterable[Lane],
    destination: Lane,
    transit: TransitTimes,
    handling: timedelta,
) -> datetime:
    """The promise for a parcel leaving from ``origins``: handling plus the slowest lane.

    ``placeOrder`` and the storefront's ``availability`` both ask here, so what a shop shows
    before checkout is what the order promises after it."""
    slowest = max(transit.days(origin, destination) for origin in origins)
    return promised_delivery(start, handling, slowest)
