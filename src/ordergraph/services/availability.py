"""What storefronts see about stock: ``availability(skus, countryCode)``.

Two statements for the whole list (the stock of every SKU in every active warehouse, and —
only when some SKU needs one — the restocks on their way), then plain arithmetic: the band,
the promise from the warehouse routing would pick (the same ``promise_from`` ``placeOrder``
uses), and for a backorderable SKU that is out, the earliest restock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from ordergraph.domain.availability import (
    MAX_SKUS,
    Restock,
    SkuAvailability,
    StockSnapshot,
    band,
)
from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.ports import AvailabilityReader
from ordergraph.domain.principals import Principal, Scope
from ordergraph.domain.promises import Lane, TransitTimes, promise_from
from ordergraph.domain.routing import Destination, plan_routing
from ordergraph.domain.validation import clean_code, clean_country, clean_sku
from ordergraph.services.deps import Deps, OrderPolicy


def _distinct_skus(skus: Sequence[str]) -> list[str]:
    if len(skus) > MAX_SKUS:
        raise InvalidInput(
            f"at most {MAX_SKUS} SKUs per request", field=["skus"], code="TOO_MANY_SKUS"
        )
    seen: dict[str, None] = {}
    for i, sku in enumerate(skus):
        seen.setdefault(clean_sku(sku, ["skus", str(i)]), None)
    return list(seen)


async def check_availability(
    deps: Deps,
    actor: Principal,
    reader: AvailabilityReader,
    *,
    skus: Sequence[str],
    country_code: str,
    region: str | None = None,
) -> list[SkuAvailability]:
    """One answer per distinct SKU, in the order asked; unknown SKUs are simply out of stock."""
    actor.require(Scope.CATALOG_READ)
    wanted = _distinct_skus(skus)
    destination = Destination(
        clean_code(region, ["region"]) if region else None,
        clean_country(country_code, ["countryCode"]),
    )
    if not wanted:
        return []
    snapshot = await reader.stock(wanted)
    waiting = [
        sku for sku in wanted if snapshot.backorderable.get(sku) and snapshot.total(sku) <= 0
    ]
    restocks = await reader.restocks(waiting) if waiting else []
    now = deps.clock.now()
    return [
        _assess(deps, snapshot, [r for r in restocks if r.sku == sku], sku, destination, now)
        for sku in wanted
    ]


def _assess(
    deps: Deps,
    snapshot: StockSnapshot,
    restocks: list[Restock],
    sku: str,
    to: Destination,
    now: datetime,
) -> SkuAvailability:
    policy = deps.policy
    units = snapshot.total(sku)
    backorderable = bool(snapshot.backorderable.get(sku))
    promised: datetime | None = None
    back: datetime | None = None
    if units > 0:
        promised = _promise_from_stock(policy, snapshot, sku, to, now)
    elif backorderable:
        back, promised = _back_in_stock(policy, snapshot, restocks, to, now)
    return SkuAvailability(
        sku=sku,
        in_stock=units > 0,
        band=band(units, policy.availability),
        backorderable=backorderable,
        quantity=max(0, units) if policy.availability.exact else None,
        promised_delivery_at=promised,
        back_in_stock_at=back,
    )


def _lanes(snapshot: StockSnapshot) -> dict[int, Lane]:
    return {w.id: Lane(w.region, w.country_code) for w in snapshot.warehouses if w.id}


def _promise_from_stock(
    policy: OrderPolicy, snapshot: StockSnapshot, sku: str, to: Destination, now: datetime
) -> datetime:
    """Route one unit as ``placeOrder`` would, and promise from the warehouse it picks."""
    in_stock = {k: v for k, v in snapshot.available.items() if k[0] == sku and v > 0}
    plan = plan_routing({sku: 1}, in_stock, snapshot.warehouses, to)
    lanes = _lanes(snapshot)
    return promise_from(
        now,
        (lanes[i] for i in plan.warehouse_ids),
        Lane(to.region, to.country_code),
        policy.transit,
        policy.handling_time,
    )


def _back_in_stock(
    policy: OrderPolicy,
    snapshot: StockSnapshot,
    restocks: list[Restock],
    to: Destination,
    now: datetime,
) -> tuple[datetime | None, datetime | None]:
    """The earliest restock at an active warehouse (never in the past: a late supplier is
    "any moment now"), and the promise counted from it; (None, None) if nothing is coming."""
    lanes = _lanes(snapshot)
    arrivals = [
        (_arrival(r, lanes, policy.transit), r.warehouse_id)
        for r in restocks
        if r.warehouse_id in lanes
    ]
    if not arrivals:
        return None, None
    at, warehouse_id = min(arrivals)
    back = max(at, now)
    destination = Lane(to.region, to.country_code)
    promised = promise_from(
        back, [lanes[warehouse_id]], destination, policy.transit, policy.handling_time
    )
    return back, promised


def _arrival(restock: Restock, lanes: dict[int, Lane], transit: TransitTimes) -> datetime:
    """An inbound line arrives when expected; a transfer after its lane's transit time (the
    default when its source is no longer active)."""
    if restock.source_warehouse_id is None:
        return restock.at
    source = lanes.get(restock.source_warehouse_id)
    days = (
        transit.days(source, lanes[restock.warehouse_id])
        if source is not None
        else transit.default_days
    )
    return restock.at + timedelta(days=days)
