"""Never oversell: many concurrent ``place_order`` calls against real PostgreSQL.

Every test races N orders for a limited stock and then checks the database itself: how many
orders exist, what each reserved, the levels, the movement ledger, and PostgreSQL's own count of
deadlocks in the test's database.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.engine import create_engine
from ordergraph.db.tables import inventory_levels, inventory_movements, order_allocations, orders
from ordergraph.domain.customers import AddressFields
from ordergraph.domain.inventory import AdjustmentReason
from ordergraph.domain.orders import Channel, Order, OrderStatus, OutOfStock, RequestedLine
from ordergraph.domain.principals import SYSTEM
from ordergraph.services.deps import Deps
from ordergraph.services.inventory import adjust_inventory
from ordergraph.services.orders import place_order
from tests.integration.conftest import deps_for, make_product, make_warehouse

POOL_SIZE = 20  # 20 + 20 overflow connections: at N=256 most callers queue for one

ADDRESS: AddressFields = {
    "name": "Race Tester",
    "line1": "Damrak 1",
    "line2": None,
    "city": "Amsterdam",
    "region": "EU-WEST",
    "postal_code": "1012 LG",
    "country_code": "NL",
    "phone": None,
}

Level = tuple[str, int]  # (sku, warehouse id)


@pytest.fixture
async def race_engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(pg_url, pool_size=POOL_SIZE)
    try:
        yield engine
    finally:
        await engine.dispose()


@dataclass
class Race:
    """What a batch of concurrent orders came to."""

    requested: list[dict[str, int]]  # per caller: sku -> units asked for (merged)
    outcomes: list[Order | BaseException]

    @property
    def placed(self) -> dict[int, Order]:
        """Caller index -> the order it placed."""
        return {i: o for i, o in enumerate(self.outcomes) if isinstance(o, Order)}

    @property
    def refused(self) -> list[int]:
        return [i for i, o in enumerate(self.outcomes) if isinstance(o, OutOfStock)]

    def unexpected(self) -> list[BaseException]:
        return [
            o
            for o in self.outcomes
            if isinstance(o, BaseException) and not isinstance(o, OutOfStock)
        ]


async def race(deps: Deps, orders_lines: Sequence[Sequence[tuple[str, int]]]) -> Race:
    """Place every order at once; each caller's result or exception, in caller order."""

    async def one(index: int, lines: Sequence[tuple[str, int]]) -> Order:
        return await place_order(
            deps,
            SYSTEM,
            channel=Channel.WEB,
            lines=[RequestedLine(sku, quantity) for sku, quantity in lines],
            shipping_address=ADDRESS,
            email=f"guest{index}@example.com",
        )

    outcomes = await asyncio.gather(
        *(one(i, lines) for i, lines in enumerate(orders_lines)), return_exceptions=True
    )
    requested: list[dict[str, int]] = []
    for lines in orders_lines:
        merged: dict[str, int] = defaultdict(int)
        for sku, quantity in lines:
            merged[sku] += quantity
        requested.append(dict(merged))
    return Race(requested, list(outcomes))


async def stock(deps: Deps, sku: str, warehouse_id: int, units: int) -> None:
    """Give the level ``units`` on hand; at 0 the level row (and its ledger) still exists."""
    if units == 0:
        await stock(deps, sku, warehouse_id, 1)
        await adjust_inventory(
            deps,
            SYSTEM,
            sku=sku,
            warehouse_id=warehouse_id,
            delta=-1,
            reason=AdjustmentReason.SHRINKAGE,
        )
        return
    await adjust_inventory(
        deps,
        SYSTEM,
        sku=sku,
        warehouse_id=warehouse_id,
        delta=units,
        reason=AdjustmentReason.RECEIVED,
    )


async def new_warehouse(deps: Deps, code: str) -> int:
    warehouse = await make_warehouse(deps, code)
    assert warehouse.id is not None
    return warehouse.id


@dataclass(frozen=True)
class Stored:
    levels: dict[Level, tuple[int, int]]  # (on_hand, reserved)
    ledger: dict[Level, tuple[int, int]]  # (sum of ON_HAND deltas, of RESERVED deltas)
    order_ids: set[int]
    allocations: dict[int, dict[Level, int]]  # order id -> level -> units

    def units_of(self, order_id: int) -> dict[str, int]:
        """sku -> units an order reserved, over all warehouses."""
        totals: dict[str, int] = defaultdict(int)
        for (sku, _), units in self.allocations.get(order_id, {}).items():
            totals[sku] += units
        return dict(totals)

    def warehouses_of(self, order_id: int) -> set[int]:
        return {warehouse_id for _, warehouse_id in self.allocations.get(order_id, {})}


async def stored_state(engine: AsyncEngine) -> Stored:
    t, m, a = inventory_levels.c, inventory_movements.c, order_allocations.c
    async with engine.connect() as conn:
        levels = {
            (r.sku, r.warehouse_id): (r.on_hand, r.reserved)
            for r in await conn.execute(sa.select(t.sku, t.warehouse_id, t.on_hand, t.reserved))
        }
        ledger = {
            (r.sku, r.warehouse_id): (int(r.on_hand), int(r.reserved))
            for r in await conn.execute(
                sa.select(
                    m.sku,
                    m.warehouse_id,
                    sa.func.sum(sa.case((m.field == "ON_HAND", m.delta), else_=0)).label("on_hand"),
                    sa.func.sum(sa.case((m.field == "RESERVED", m.delta), else_=0)).label(
                        "reserved"
                    ),
                ).group_by(m.sku, m.warehouse_id)
            )
        }
        order_ids = set((await conn.execute(sa.select(orders.c.id))).scalars())
        allocations: dict[int, dict[Level, int]] = defaultdict(lambda: defaultdict(int))
        for r in await conn.execute(sa.select(a.order_id, a.sku, a.warehouse_id, a.quantity)):
            allocations[r.order_id][(r.sku, r.warehouse_id)] += r.quantity
    return Stored(levels, ledger, order_ids, {k: dict(v) for k, v in allocations.items()})


async def deadlocks_detected(url: str, engine: AsyncEngine) -> int:
    """PostgreSQL's count of deadlocks detected in this database during the test.

    Backends report statistics lazily but always as they exit: close the engine's connections,
    wait until their backends are gone, then read the counter.
    """
    await engine.dispose()
    dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + 10
        while await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ):
            assert time.monotonic() < deadline, "the engine's backends did not exit"
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)  # a backend leaves pg_stat_activity just before its last flush
        deadlocks = await conn.fetchval(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
        )
    finally:
        await conn.close()
    return int(deadlocks)


def check_books(state: Stored, result: Race) -> None:
    """Invariants every race must leave behind, whatever the stock layout."""
    assert result.unexpected() == [], result.unexpected()[:3]
    placed = result.placed
    # Levels: available never negative, and the ledger adds up to each level exactly.
    for level, (on_hand, reserved) in state.levels.items():
        assert 0 <= reserved <= on_hand, (level, on_hand, reserved)
        assert state.ledger.get(level, (0, 0)) == (on_hand, reserved), level
    assert set(state.ledger) <= set(state.levels)
    # Exactly the successful orders exist, and each reserved precisely what it asked for.
    assert state.order_ids == {o.id for o in placed.values()}
    for index, order in placed.items():
        assert order.id is not None
        assert order.status is OrderStatus.PLACED
        assert {line.sku: line.quantity for line in order.lines} == result.requested[index]
        assert state.units_of(order.id) == result.requested[index], order.number
    assert len({o.number for o in placed.values()}) == len(placed)
    # Every reserved unit belongs to a placed order: refused orders hold nothing.
    allocated: dict[Level, int] = defaultdict(int)
    for per_level in state.allocations.values():
        for level, units in per_level.items():
            allocated[level] += units
    for level, (_, reserved) in state.levels.items():
        assert reserved == allocated.get(level, 0), level


def available_by_sku(state: Stored) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for (sku, _), (on_hand, reserved) in state.levels.items():
        totals[sku] += on_hand - reserved
    return dict(totals)


def stock_cases() -> list[Any]:
    """Callers and units; the 256-caller cases run in `make test-slow` (marker scale)."""
    return [
        pytest.param(n, s, marks=[pytest.mark.scale] if n >= 256 else [])
        for n in (2, 16, 64, 256)
        for s in sorted({0, 1, n // 2})
    ]


@pytest.mark.parametrize(("callers", "units"), stock_cases(), ids=lambda v: str(v))
async def test_concurrent_orders_for_one_sku_never_oversell(
    race_engine: AsyncEngine, pg_url: str, callers: int, units: int
) -> None:
    deps = deps_for(race_engine)
    sku = "HOT-1"
    warehouse_id = await new_warehouse(deps, "W-HOT")
    await make_product(deps, sku)
    await stock(deps, sku, warehouse_id, units)

    result = await race(deps, [[(sku, 1)]] * callers)

    assert result.unexpected() == [], result.unexpected()[:3]
    assert (len(result.placed), len(result.refused)) == (
        min(callers, units),
        callers - min(callers, units),
    )
    state = await stored_state(race_engine)
    check_books(state, result)
    assert state.levels[(sku, warehouse_id)] == (units, min(callers, units))
    assert await deadlocks_detected(pg_url, race_engine) == 0


@pytest.mark.parametrize(("callers", "units"), stock_cases(), ids=lambda v: str(v))
async def test_two_lines_of_one_sku_are_merged_and_reserved_together(
    race_engine: AsyncEngine, pg_url: str, callers: int, units: int
) -> None:
    deps = deps_for(race_engine)
    sku = "HOT-2"
    warehouse_id = await new_warehouse(deps, "W-TWO")
    await make_product(deps, sku)
    await stock(deps, sku, warehouse_id, units)

    result = await race(deps, [[(sku, 1), (sku, 1)]] * callers)

    winners = min(callers, units // 2)
    assert result.unexpected() == [], result.unexpected()[:3]
    assert (len(result.placed), len(result.refused)) == (winners, callers - winners)
    assert all(len(o.lines) == 1 and o.lines[0].quantity == 2 for o in result.placed.values())
    state = await stored_state(race_engine)
    check_books(state, result)
    assert state.levels[(sku, warehouse_id)] == (units, 2 * winners)
    assert await deadlocks_detected(pg_url, race_engine) == 0


@pytest.mark.parametrize("callers", [16, 64, pytest.param(256, marks=pytest.mark.scale)])
@pytest.mark.parametrize("sizes", [(2,), (3,), (2, 3)], ids=["2-units", "3-units", "2-or-3-units"])
async def test_orders_split_across_warehouses_reserve_all_or_nothing(
    race_engine: AsyncEngine, pg_url: str, callers: int, sizes: tuple[int, ...]
) -> None:
    """Stock of 1 + 1 + the rest: the last orders only fit by taking units from several."""
    deps = deps_for(race_engine)
    sku = "SPLIT-1"
    await make_product(deps, sku)
    total = callers
    layout = {
        await new_warehouse(deps, code): units
        for code, units in (("W-A", 1), ("W-B", 1), ("W-C", total - 2))
    }
    for warehouse_id, units in layout.items():
        await stock(deps, sku, warehouse_id, units)
    quantities = [sizes[i % len(sizes)] for i in range(callers)]

    result = await race(deps, [[(sku, q)] for q in quantities])

    assert result.unexpected() == [], result.unexpected()[:3]
    assert len(result.placed) + len(result.refused) == callers
    state = await stored_state(race_engine)
    check_books(state, result)
    reserved = sum(quantities[i] for i in result.placed)
    assert sum(r for _, r in state.levels.values()) == reserved <= total
    # No spurious refusal: every refused order really could not fit in what is left.
    left = available_by_sku(state)[sku]
    assert all(left < quantities[i] for i in result.refused), (left, len(result.refused))
    if len(sizes) == 1:
        assert len(result.placed) == min(callers, total // sizes[0])
    # The single units in W-A and W-B can only be sold by splitting an order.
    split = [o for o in result.placed.values() if len(state.warehouses_of(o.id or 0)) > 1]
    assert split, "no order was split across warehouses"
    assert await deadlocks_detected(pg_url, race_engine) == 0


@pytest.mark.parametrize("callers", [64, pytest.param(256, marks=pytest.mark.scale)])
async def test_orders_naming_two_skus_in_opposite_order_do_not_deadlock(
    race_engine: AsyncEngine, pg_url: str, callers: int
) -> None:
    deps = deps_for(race_engine)
    first, second = "PAIR-A", "PAIR-B"
    units = callers // 2
    near = await new_warehouse(deps, "W-NEAR")
    far = await new_warehouse(deps, "W-FAR")
    for sku in (first, second):
        await make_product(deps, sku)
        # Both SKUs in two warehouses, so orders lock up to four rows each.
        await stock(deps, sku, near, units // 2)
        await stock(deps, sku, far, units - units // 2)
    forward = [(first, 1), (second, 1)]
    backward = [(second, 1), (first, 1)]

    result = await race(deps, [forward if i % 2 == 0 else backward for i in range(callers)])

    assert result.unexpected() == [], result.unexpected()[:3]
    assert (len(result.placed), len(result.refused)) == (units, callers - units)
    state = await stored_state(race_engine)
    check_books(state, result)
    assert available_by_sku(state) == {first: 0, second: 0}
    assert await deadlocks_detected(pg_url, race_engine) == 0
