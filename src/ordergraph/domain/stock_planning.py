"""Where to stock what: transfers that bring stock to the regions whose demand needs it.

Pure planning over hand-made numbers: demand per (SKU, region) for the horizon, available
stock per (SKU, warehouse), and the carrier lanes between regions. A region is served best by
an active warehouse in the same region, else by the one with the shortest lane to it. A
warehouse's *need* is the demand of the regions it serves best; what it holds beyond its need
is *surplus*. Units in transit to a warehouse count as held there (they are on the way), but
only unreserved units on hand can be sent. Every warehouse holding less than its need gets the
shortfall moved from the warehouses with surplus, largest surplus first.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ordergraph.domain.carrier_services import CarrierService
from ordergraph.domain.money import Money


@dataclass(frozen=True, slots=True)
class Site:
    """A warehouse as planning sees it (only active ones are given)."""

    warehouse_id: int
    code: str
    region: str


@dataclass(frozen=True, slots=True)
class Lane:
    """The fastest way from a region to a region: expected transit days, cheapest parcel."""

    days: float
    cost: Money | None


@dataclass(frozen=True, slots=True)
class Proposal:
    sku: str
    from_warehouse_id: int
    to_warehouse_id: int
    units: int
    demand_units: int  # the region's demand over the horizon
    region: str
    days_saved: float | None  # per parcel to the region; None when a lane is unknown
    shipping_saving: Money | None  # per unit, as one-unit parcels, times ``units``
    reason: str


@dataclass(frozen=True, slots=True)
class Stock:
    """Per (SKU, warehouse id): unreserved units on hand, and units in transit to it."""

    free: Mapping[tuple[str, int], int]
    in_transit: Mapping[tuple[str, int], int]


Lanes = Mapping[tuple[str, str], Lane]  # (origin region, destination region or country)


def lanes_from(services: Sequence[CarrierService]) -> dict[tuple[str, str], Lane]:
    """Per (origin, destination): the lane with the fewest expected days (the middle of its
    range) over the active services, priced at that service's lightest bracket."""
    best: dict[tuple[str, str], Lane] = {}
    for service in services:
        if not service.active:
            continue
        lightest = min(service.rates, key=lambda r: r.max_weight_grams, default=None)
        for lane in service.lanes:
            destination = lane.destination_region or lane.destination_country
            if destination is None:
                continue
            key = (lane.origin_region, destination)
            candidate = Lane(
                (lane.transit_days_min + lane.transit_days_max) / 2,
                lightest.price if lightest else None,
            )
            if key not in best or _faster(candidate, best[key]):
                best[key] = candidate
    return best


def _faster(a: Lane, b: Lane) -> bool:
    if a.days != b.days:
        return a.days < b.days
    return a.cost is not None and (b.cost is None or a.cost.minor_units < b.cost.minor_units)


def horizon_units(weekly: float, weeks: int) -> int:
    """Units the horizon needs: whole units, rounded up (a 0.2 unit week still needs one)."""
    return math.ceil(round(weekly * weeks, 6))


def best_site(region: str, sites: Sequence[Site], lanes: Lanes) -> Site | None:
    """The site in ``region`` (the first given), else the one with the shortest lane to it."""
    local = [s for s in sites if s.region == region]
    if local:
        return local[0]
    reachable = [
        (lanes[(s.region, region)].days, i)
        for i, s in enumerate(sites)
        if (s.region, region) in lanes
    ]
    return sites[min(reachable)[1]] if reachable else None


def plan_transfers(
    demand: Mapping[tuple[str, str], int],
    stock: Stock,
    sites: Sequence[Site],
    lanes: Lanes,
    weeks: int,
) -> list[Proposal]:
    """Transfers for ``demand`` (units per (SKU, region) over ``weeks``) from ``stock``;
    ordered by SKU, then the largest shortfall first."""
    by_id = {s.warehouse_id: s for s in sites}
    regions_of: dict[str, dict[str, int]] = defaultdict(dict)
    for (sku, region), units in demand.items():
        if units > 0:
            regions_of[sku][region] = units
    proposals: list[Proposal] = []
    for sku in sorted(regions_of):
        proposals += _plan_sku(sku, regions_of[sku], stock, sites, by_id, lanes, weeks)
    return proposals


def _plan_sku(
    sku: str,
    regions: Mapping[str, int],
    stock: Stock,
    sites: Sequence[Site],
    by_id: Mapping[int, Site],
    lanes: Lanes,
    weeks: int,
) -> list[Proposal]:
    served: dict[str, Site] = {}
    need: dict[int, int] = defaultdict(int)
    for region, units in regions.items():
        site = best_site(region, sites, lanes)
        if site is not None:
            served[region] = site
            need[site.warehouse_id] += units
    free = {s.warehouse_id: max(0, stock.free.get((sku, s.warehouse_id), 0)) for s in sites}
    held = {w: units + stock.in_transit.get((sku, w), 0) for w, units in free.items()}
    surplus = {w: min(held[w] - need[w], free[w]) for w in held if held[w] > need[w]}
    short = {w: need[w] - held[w] for w in need if need[w] > held[w]}
    proposals: list[Proposal] = []
    # the region with the largest demand speaks for a short warehouse serving several
    targets = sorted(short.items(), key=lambda item: (-item[1], item[0]))
    for to_id, missing in targets:
        region = max(
            (r for r, s in served.items() if s.warehouse_id == to_id),
            key=lambda r: (regions[r], r),
        )
        for from_id in sorted(surplus, key=lambda w: (-surplus[w], w)):
            if missing <= 0:
                break
            units = min(missing, surplus[from_id])
            if units <= 0:
                continue
            missing -= units
            surplus[from_id] -= units
            source, target = by_id[from_id], by_id[to_id]
            proposals.append(
                Proposal(
                    sku=sku,
                    from_warehouse_id=from_id,
                    to_warehouse_id=to_id,
                    units=units,
                    demand_units=regions[region],
                    region=region,
                    days_saved=_days_saved(source, target, region, lanes),
                    shipping_saving=_saving(source, target, region, lanes, units),
                    reason=(
                        f"{region} needs {need[to_id]} units of {sku} in {weeks} weeks; "
                        f"{target.code} holds {held[to_id]}, {source.code} "
                        f"{held[from_id]} against a need of {need[from_id]}"
                    ),
                )
            )
    return proposals


def _days_saved(source: Site, target: Site, region: str, lanes: Lanes) -> float | None:
    far, near = lanes.get((source.region, region)), lanes.get((target.region, region))
    return far.days - near.days if far and near else None


def _saving(source: Site, target: Site, region: str, lanes: Lanes, units: int) -> Money | None:
    far, near = lanes.get((source.region, region)), lanes.get((target.region, region))
    if not (far and near and far.cost and near.cost) or far.cost.currency != near.cost.currency:
        return None
    return Money((far.cost.minor_units - near.cost.minor_units) * units, far.cost.currency)
