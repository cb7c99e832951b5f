"""Warehouse routing: which warehouses reserve which units of an order.

Preference is region match, then country match, then warehouse priority, then id. An order stays
in as few warehouses as possible: the most-preferred warehouse that can ship everything wins;
otherwise warehouses are added greedily (the one covering most of what is left, ties broken by
preference) and a line is split only when no single chosen warehouse holds all of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ordergraph.domain.catalog import Warehouse


@dataclass(frozen=True, slots=True)
class Destination:
    region: str | None
    country_code: str


@dataclass(frozen=True, slots=True)
class Allocation:
    sku: str
    warehouse_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class Candidate:
    """A warehouse as the router saw it, for the explanation."""

    warehouse_id: int
    code: str
    rank: int
    reason: str
    chosen: bool


@dataclass(frozen=True, slots=True)
class RoutingPlan:
    allocations: tuple[Allocation, ...]
    candidates: tuple[Candidate, ...]
    shortfall: Mapping[str, int] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.shortfall

    @property
    def warehouse_ids(self) -> tuple[int, ...]:
        return tuple(sorted({a.warehouse_id for a in self.allocations}))


def preference(warehouse: Warehouse, destination: Destination) -> tuple[int, int, int]:
    """Sort key: lower is better."""
    if destination.region and warehouse.region == destination.region:
        tier = 0
    elif warehouse.country_code == destination.country_code:
        tier = 1
    else:
        tier = 2
    assert warehouse.id is not None
    return (tier, warehouse.priority, warehouse.id)


def _reason(warehouse: Warehouse, destination: Destination) -> str:
    tier = preference(warehouse, destination)[0]
    where = ("same region", "same country", "other region")[tier]
    return f"{where} ({warehouse.region}, {warehouse.country_code}), priority {warehouse.priority}"


def plan_routing(
    demand: Mapping[str, int],
    available: Mapping[tuple[str, int], int],
    warehouses: Sequence[Warehouse],
    destination: Destination,
) -> RoutingPlan:
    """Allocate ``demand`` (sku → quantity) from ``available`` ((sku, warehouse id) → units).

    Inactive (deactivated) warehouses take no new orders: they are not even candidates."""
    ranked = sorted((w for w in warehouses if w.active), key=lambda w: preference(w, destination))
    ids = [w.id for w in ranked if w.id is not None]

    def stock(sku: str, warehouse_id: int) -> int:
        return max(0, available.get((sku, warehouse_id), 0))

    chosen: list[int] = []
    single = next((wid for wid in ids if all(stock(s, wid) >= q for s, q in demand.items())), None)
    if single is not None:
        chosen = [single]
    else:
        remaining = dict(demand)
        while any(q > 0 for q in remaining.values()):
            best = max(
                (wid for wid in ids if wid not in chosen),
                key=lambda wid: (
                    sum(min(stock(s, wid), q) for s, q in remaining.items()),
                    -ids.index(wid),
                ),
                default=None,
            )
            if best is None:
                break
            covered = sum(min(stock(s, best), q) for s, q in remaining.items())
            if covered == 0:
                break
            chosen.append(best)
            for s, q in remaining.items():
                remaining[s] = q - min(stock(s, best), q)

    allocations: list[Allocation] = []
    shortfall: dict[str, int] = {}
    order_of_preference = [wid for wid in ids if wid in chosen]
    for sku in sorted(demand):
        need = demand[sku]
        # keep the line whole where one chosen warehouse can ship it
        whole = next((wid for wid in order_of_preference if stock(sku, wid) >= need), None)
        sources = [whole] if whole is not None else order_of_preference
        for wid in sources:
            if need == 0:
                break
            take = min(stock(sku, wid), need)
            if take > 0:
                allocations.append(Allocation(sku, wid, take))
                need -= take
        if need > 0:
            shortfall[sku] = need

    used = {a.warehouse_id for a in allocations}
    candidates = tuple(
        Candidate(
            warehouse_id=w.id,
            code=w.code,
            rank=rank,
            reason=_reason(w, destination),
            chosen=w.id in used,
        )
        for rank, w in enumerate(ranked, start=1)
        if w.id is not None
    )
    return RoutingPlan(tuple(allocations), candidates, shortfall)
