"""Warehouse routing: preference, fewest warehouses, splits only when needed, explanations."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from ordergraph.domain.catalog import Warehouse
from ordergraph.domain.routing import Allocation, Destination, plan_routing
from tests.unit.fakes import DEFAULT_NOW

AMSTERDAM = Destination(region="EU-WEST", country_code="NL")


def warehouse(
    warehouse_id: int, region: str = "US-EAST", country_code: str = "US", priority: int = 100
) -> Warehouse:
    return Warehouse(
        id=warehouse_id,
        code=f"W{warehouse_id}",
        name=f"Warehouse {warehouse_id}",
        region=region,
        country_code=country_code,
        priority=priority,
        created_at=DEFAULT_NOW,
    )


def test_one_warehouse_that_can_ship_everything_wins_over_a_closer_split() -> None:
    near, far = warehouse(1, "EU-WEST", "NL"), warehouse(2, "US-EAST", "US")
    available = {("TEE", 1): 5, ("TEE", 2): 5, ("MUG", 2): 1}
    plan = plan_routing({"TEE": 2, "MUG": 1}, available, [near, far], AMSTERDAM)
    assert set(plan.allocations) == {Allocation("TEE", 2, 2), Allocation("MUG", 2, 1)}
    assert plan.warehouse_ids == (2,)
    assert plan.complete


def test_the_most_preferred_warehouse_ships_an_order_any_of_them_could() -> None:
    near, far = warehouse(1, "EU-WEST", "NL"), warehouse(2, "US-EAST", "US", priority=1)
    available = {("TEE", 1): 5, ("TEE", 2): 5}
    plan = plan_routing({"TEE": 2}, available, [far, near], AMSTERDAM)
    assert plan.allocations == (Allocation("TEE", 1, 2),)


def test_a_region_match_beats_a_country_match() -> None:
    same_region = warehouse(2, "EU-WEST", "BE", priority=500)
    same_country = warehouse(1, "NL-NORTH", "NL", priority=1)
    available = {("TEE", 1): 5, ("TEE", 2): 5}
    plan = plan_routing({"TEE": 1}, available, [same_country, same_region], AMSTERDAM)
    assert plan.warehouse_ids == (2,)


def test_a_country_match_beats_priority() -> None:
    same_country = warehouse(2, "NL-NORTH", "NL", priority=500)
    elsewhere = warehouse(1, "US-EAST", "US", priority=1)
    available = {("TEE", 1): 5, ("TEE", 2): 5}
    plan = plan_routing({"TEE": 1}, available, [elsewhere, same_country], AMSTERDAM)
    assert plan.warehouse_ids == (2,)


def test_priority_beats_warehouse_id() -> None:
    first, urgent = warehouse(1, priority=20), warehouse(2, priority=10)
    available = {("TEE", 1): 5, ("TEE", 2): 5}
    plan = plan_routing({"TEE": 1}, available, [first, urgent], AMSTERDAM)
    assert plan.warehouse_ids == (2,)


def test_the_lower_id_breaks_a_tie_in_everything_else() -> None:
    later, earlier = warehouse(7), warehouse(3)
    available = {("TEE", 7): 5, ("TEE", 3): 5}
    plan = plan_routing({"TEE": 1}, available, [later, earlier], AMSTERDAM)
    assert plan.warehouse_ids == (3,)


def test_warehouses_are_added_greedily_by_coverage_to_keep_their_number_small() -> None:
    # By preference alone it would take all three; the one holding most comes first instead.
    best = warehouse(1, "EU-WEST", "NL")
    second = warehouse(2, "EU-WEST", "NL", priority=200)
    broad = warehouse(3, "US-EAST", "US")
    available = {("A", 1): 1, ("B", 2): 1, ("B", 3): 1, ("C", 3): 1}
    plan = plan_routing({"A": 1, "B": 1, "C": 1}, available, [best, second, broad], AMSTERDAM)
    assert plan.complete
    assert plan.warehouse_ids == (1, 3)
    assert set(plan.allocations) == {
        Allocation("A", 1, 1),
        Allocation("B", 3, 1),
        Allocation("C", 3, 1),
    }


def test_a_line_is_split_when_no_single_warehouse_holds_all_of_it() -> None:
    near, far = warehouse(1, "EU-WEST", "NL"), warehouse(2)
    available = {("TEE", 1): 6, ("TEE", 2): 6}
    plan = plan_routing({"TEE": 10}, available, [near, far], AMSTERDAM)
    assert plan.allocations == (Allocation("TEE", 1, 6), Allocation("TEE", 2, 4))
    assert plan.complete


def test_a_line_stays_whole_in_one_chosen_warehouse_that_holds_all_of_it() -> None:
    # Both warehouses are needed (only 1 has A), but B need not be split between them.
    near, far = warehouse(1, "EU-WEST", "NL"), warehouse(2)
    available = {("A", 1): 5, ("B", 1): 2, ("B", 2): 5}
    plan = plan_routing({"A": 5, "B": 5}, available, [near, far], AMSTERDAM)
    assert plan.allocations == (Allocation("A", 1, 5), Allocation("B", 2, 5))


def test_what_no_warehouse_can_supply_is_reported_as_shortfall() -> None:
    near, far = warehouse(1, "EU-WEST", "NL"), warehouse(2)
    available = {("TEE", 1): 4, ("TEE", 2): 3}
    plan = plan_routing({"TEE": 10, "GHOST": 2}, available, [near, far], AMSTERDAM)
    assert not plan.complete
    assert dict(plan.shortfall) == {"TEE": 3, "GHOST": 2}
    assert set(plan.allocations) == {Allocation("TEE", 1, 4), Allocation("TEE", 2, 3)}


def test_zero_and_negative_availability_are_ignored() -> None:
    oversold, empty, stocked = warehouse(1, "EU-WEST", "NL"), warehouse(2, "EU-WEST"), warehouse(3)
    available = {("TEE", 1): -2, ("TEE", 2): 0, ("TEE", 3): 5}
    plan = plan_routing({"TEE": 5}, available, [oversold, empty, stocked], AMSTERDAM)
    assert plan.allocations == (Allocation("TEE", 3, 5),)
    assert [c.warehouse_id for c in plan.candidates if c.chosen] == [3]


def test_negative_availability_does_not_cancel_out_stock_elsewhere() -> None:
    oversold, stocked = warehouse(1, "EU-WEST", "NL"), warehouse(2)
    available = {("TEE", 1): -3, ("TEE", 2): 3}
    plan = plan_routing({"TEE": 3}, available, [oversold, stocked], AMSTERDAM)
    assert plan.complete
    assert plan.allocations == (Allocation("TEE", 2, 3),)


def test_candidates_are_ranked_by_preference_with_a_reason_and_whether_chosen() -> None:
    warehouses = [
        warehouse(1, "US-EAST", "US", priority=5),
        warehouse(2, "NL-NORTH", "NL", priority=9),
        warehouse(3, "EU-WEST", "BE", priority=50),
    ]
    available = {("TEE", 1): 9, ("TEE", 2): 9}
    plan = plan_routing({"TEE": 1}, available, warehouses, AMSTERDAM)
    assert [(c.rank, c.warehouse_id, c.code, c.chosen) for c in plan.candidates] == [
        (1, 3, "W3", False),
        (2, 2, "W2", True),
        (3, 1, "W1", False),
    ]
    reasons = [c.reason for c in plan.candidates]
    assert reasons[0].startswith("same region (EU-WEST, BE)")
    assert reasons[1].startswith("same country (NL-NORTH, NL)")
    assert reasons[2].startswith("other region (US-EAST, US)")
    assert all(r.endswith(f"priority {w}") for r, w in zip(reasons, [50, 9, 5], strict=True))


def test_without_a_destination_region_only_the_country_counts() -> None:
    same_country = warehouse(2, "", "NL", priority=50)
    elsewhere = warehouse(1, "", "US", priority=1)
    available = {("TEE", 1): 1, ("TEE", 2): 1}
    plan = plan_routing({"TEE": 1}, available, [elsewhere, same_country], Destination(None, "NL"))
    assert plan.warehouse_ids == (2,)


REGIONS = st.sampled_from(["EU-WEST", "EU-CENTRAL", "US-EAST"])
COUNTRIES = st.sampled_from(["NL", "DE", "US"])
SKUS = ["A", "B", "C"]


@st.composite
def routing_problems(
    draw: st.DrawFn,
) -> tuple[dict[str, int], dict[tuple[str, int], int], list[Warehouse], Destination]:
    count = draw(st.integers(min_value=1, max_value=5))
    warehouses = [
        warehouse(
            i,
            draw(REGIONS),
            draw(COUNTRIES),
            draw(st.integers(min_value=0, max_value=3)),
        )
        for i in range(1, count + 1)
    ]
    available = {
        (sku, w.id): draw(st.integers(min_value=-3, max_value=10))
        for sku in SKUS
        for w in warehouses
        if w.id is not None and draw(st.booleans())
    }
    skus = draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=3, unique=True))
    demand = {sku: draw(st.integers(min_value=1, max_value=20)) for sku in skus}
    return demand, available, warehouses, Destination(draw(REGIONS), draw(COUNTRIES))


@settings(max_examples=300, deadline=None)
@given(routing_problems())
def test_allocations_never_exceed_availability_and_meet_demand_when_stock_suffices(
    problem: tuple[dict[str, int], dict[tuple[str, int], int], list[Warehouse], Destination],
) -> None:
    demand, available, warehouses, destination = problem
    plan = plan_routing(demand, available, warehouses, destination)

    taken: Counter[tuple[str, int]] = Counter()
    for a in plan.allocations:
        assert a.quantity > 0
        taken[(a.sku, a.warehouse_id)] += a.quantity
    for key, quantity in taken.items():
        assert quantity <= available.get(key, 0)

    per_sku: Counter[str] = Counter()
    for (sku, _), quantity in taken.items():
        per_sku[sku] += quantity
    for sku, wanted in demand.items():
        assert per_sku[sku] + plan.shortfall.get(sku, 0) == wanted
        supply = sum(max(0, n) for (s, _), n in available.items() if s == sku)
        if supply >= wanted:
            assert sku not in plan.shortfall
            assert per_sku[sku] == wanted
    assert set(per_sku) <= set(demand)

    chosen = {c.warehouse_id for c in plan.candidates if c.chosen}
    assert chosen == set(plan.warehouse_ids)
    assert [c.rank for c in plan.candidates] == list(range(1, len(warehouses) + 1))
