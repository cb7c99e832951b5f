"""The pure transfer planning behind ``stockRecommendations``, on hand-built numbers."""

from __future__ import annotations

from ordergraph.domain.carrier_services import CarrierLane, CarrierService, RateBracket
from ordergraph.domain.money import Money
from ordergraph.domain.stock_planning import (
    Lane,
    Site,
    Stock,
    best_site,
    horizon_units,
    lanes_from,
    plan_transfers,
)

WEST = Site(1, "AMS", "EU-WEST")
EAST = Site(2, "WAW", "EU-EAST")
NORTH = Site(3, "STO", "EU-NORTH")
EUR = "EUR"


def eur(minor: int) -> Money:
    return Money(minor, EUR)


LANES = {
    ("EU-WEST", "EU-WEST"): Lane(1, eur(500)),
    ("EU-EAST", "EU-WEST"): Lane(4, eur(900)),
    ("EU-EAST", "EU-EAST"): Lane(1, eur(400)),
    ("EU-WEST", "EU-EAST"): Lane(3, eur(800)),
    ("EU-NORTH", "EU-WEST"): Lane(2.5, eur(700)),
}


def stock(
    free: dict[tuple[str, int], int], moving: dict[tuple[str, int], int] | None = None
) -> Stock:
    return Stock(free, moving or {})


def test_horizon_units_round_up_whole_units() -> None:
    assert horizon_units(2, 4) == 8
    assert horizon_units(0.2, 1) == 1
    assert horizon_units(0.25, 4) == 1  # exactly 1.0, not 2 from float noise
    assert horizon_units(0, 4) == 0


def test_a_region_is_served_by_its_own_warehouse_else_the_shortest_lane() -> None:
    assert best_site("EU-WEST", [EAST, WEST], LANES) == WEST
    # no warehouse in EU-SOUTH and no lane there: nobody serves it
    assert best_site("EU-SOUTH", [EAST, WEST], LANES) is None
    lanes = {("EU-EAST", "EU-SOUTH"): Lane(5, None), ("EU-WEST", "EU-SOUTH"): Lane(2, None)}
    assert best_site("EU-SOUTH", [EAST, WEST], lanes) == WEST


def test_the_shortfall_of_a_region_comes_from_the_warehouse_with_surplus() -> None:
    # EU-WEST needs 8 and holds 3; EU-EAST needs 2 of its 50: 48 spare
    demand = {("A", "EU-WEST"): 8, ("A", "EU-EAST"): 2}
    result = plan_transfers(demand, stock({("A", 1): 3, ("A", 2): 50}), [WEST, EAST], LANES, 4)
    assert len(result) == 1
    (p,) = result
    assert (p.sku, p.from_warehouse_id, p.to_warehouse_id, p.units) == ("A", 2, 1, 5)
    assert (p.region, p.demand_units) == ("EU-WEST", 8)
    assert p.days_saved == 3  # 4 days from EU-EAST, 1 locally
    assert p.shipping_saving == eur((900 - 500) * 5)
    assert "EU-WEST needs 8 units of A in 4 weeks" in p.reason
    assert "AMS holds 3" in p.reason


def test_nothing_is_proposed_when_the_local_stock_covers_the_demand() -> None:
    demand = {("A", "EU-WEST"): 8}
    assert plan_transfers(demand, stock({("A", 1): 8, ("A", 2): 50}), [WEST, EAST], LANES, 4) == []


def test_units_in_transit_count_as_held_but_cannot_be_sent() -> None:
    demand = {("A", "EU-WEST"): 8}
    # 5 of the 8 are on their way to AMS: only 3 short
    moving = stock({("A", 1): 0, ("A", 2): 50}, {("A", 1): 5})
    (p,) = plan_transfers(demand, moving, [WEST, EAST], LANES, 4)
    assert p.units == 3
    # WAW holds 10 but 9 of them only in transit: one unit can leave
    (q,) = plan_transfers(
        demand, stock({("A", 1): 0, ("A", 2): 1}, {("A", 2): 9}), [WEST, EAST], LANES, 4
    )
    assert (q.from_warehouse_id, q.units) == (2, 1)


def test_a_shortfall_is_split_over_sources_largest_surplus_first() -> None:
    demand = {("A", "EU-WEST"): 10}
    sites = [WEST, EAST, NORTH]
    result = plan_transfers(demand, stock({("A", 1): 0, ("A", 2): 4, ("A", 3): 7}), sites, LANES, 2)
    assert [(p.from_warehouse_id, p.units) for p in result] == [(3, 7), (2, 3)]
    assert [p.days_saved for p in result] == [1.5, 3]


def test_a_source_never_gives_away_its_own_regions_demand() -> None:
    # EU-EAST needs 6 of its 7: only 1 spare for EU-WEST's shortfall of 4
    demand = {("A", "EU-WEST"): 4, ("A", "EU-EAST"): 6}
    (p,) = plan_transfers(demand, stock({("A", 2): 7}), [WEST, EAST], LANES, 4)
    assert (p.from_warehouse_id, p.to_warehouse_id, p.units) == (2, 1, 1)


def test_unknown_lanes_or_mixed_currencies_give_no_gain() -> None:
    demand = {("A", "EU-WEST"): 2}
    lanes = {("EU-WEST", "EU-WEST"): Lane(1, eur(500)), ("EU-EAST", "EU-WEST"): Lane(3, None)}
    (p,) = plan_transfers(demand, stock({("A", 2): 5}), [WEST, EAST], lanes, 1)
    assert (p.days_saved, p.shipping_saving) == (2, None)
    mixed = {**lanes, ("EU-EAST", "EU-WEST"): Lane(3, Money(900, "USD"))}
    (q,) = plan_transfers(demand, stock({("A", 2): 5}), [WEST, EAST], mixed, 1)
    assert q.shipping_saving is None
    (r,) = plan_transfers(demand, stock({("A", 2): 5}), [WEST, EAST], {}, 1)
    assert (r.days_saved, r.shipping_saving) == (None, None)


def test_skus_are_planned_separately_and_in_order() -> None:
    demand = {("B", "EU-WEST"): 2, ("A", "EU-WEST"): 1}
    free = {("A", 2): 5, ("B", 2): 5, ("B", 1): 1}
    result = plan_transfers(demand, stock(free), [WEST, EAST], LANES, 1)
    assert [(p.sku, p.units) for p in result] == [("A", 1), ("B", 1)]


def service(
    name: str, lanes: list[CarrierLane], price: int, *, active: bool = True
) -> CarrierService:
    return CarrierService(
        id=None,
        carrier="DHL",
        service=name,
        active=active,
        lanes=lanes,
        rates=[RateBracket(5000, eur(price * 2)), RateBracket(1000, eur(price))],
    )


def test_lanes_keep_the_fastest_active_service_and_its_lightest_rate() -> None:
    slow = service("ECO", [CarrierLane("EU-EAST", None, "EU-WEST", 4, 6)], 900)
    fast = service("EXP", [CarrierLane("EU-EAST", "NL", "EU-WEST", 2, 4)], 1200)
    off = service("OFF", [CarrierLane("EU-EAST", None, "EU-WEST", 0, 1)], 100, active=False)
    country = service("NL", [CarrierLane("EU-WEST", "NL", None, 1, 1)], 500)
    lanes = lanes_from([slow, fast, off, country])
    assert lanes == {
        ("EU-EAST", "EU-WEST"): Lane(3, eur(1200)),
        ("EU-WEST", "NL"): Lane(1, eur(500)),
    }
