"""``seed --demo`` history on real databases: months of orders replayed through the use cases,
with their timelines back-dated, the ledger in balance, and a second seed that adds nothing.

The expected figures are counted here from the raw rows, independently of the analytics code.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from ordergraph.db.engine import create_engine
from ordergraph.db.queries.inventory_audit import audit_levels
from ordergraph.db.tables import (
    order_feedback,
    order_lines,
    orders,
    outbox,
    refunds,
    return_lines,
    returns,
    shipment_lines,
    shipments,
)
from ordergraph.db.uow import SqlUnitOfWork
from ordergraph.domain.clock import FixedClock, ReplayClock
from ordergraph.services.deps import Deps
from ordergraph.services.seed import SeedSummary, seed_demo
from tests.e2e.test_cli import row_counts
from tests.support.aio import run_sync
from tests.support.databases import Databases
from tests.support.graphql import GraphQLClient
from tests.support.live import live_api

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HISTORY_ORDERS = 150
DEMO_ORDERS = 12  # seed_demo's own orders, placed at NOW


def seed(url: str, now: datetime) -> SeedSummary:
    async def run() -> SeedSummary:
        engine = create_engine(url, pool_size=2)
        clock = ReplayClock(FixedClock(now))
        try:
            deps = Deps(uow=lambda: SqlUnitOfWork(engine, clock), clock=clock)
            return await seed_demo(deps, history_orders=HISTORY_ORDERS)
        finally:
            await engine.dispose()

    return run_sync(run)


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def seeded(request: pytest.FixtureRequest, databases: Databases) -> Iterator[tuple[str, str]]:
    backend: str = request.param
    url = databases.new(backend)
    try:
        summary = seed(url, NOW)
        assert summary.history_orders == HISTORY_ORDERS
        assert not summary.history_skipped
        yield backend, url
    finally:
        if backend == "postgresql":
            databases.drop_postgres(url)


def rows(url: str, query: sa.Select[Any]) -> list[Any]:
    async def read() -> list[Any]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                return list((await conn.execute(query)).all())
        finally:
            await engine.dispose()

    return run_sync(read)


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def history(url: str) -> list[Any]:
    """The back-dated orders: everything placed before the demo's own orders at NOW."""
    o = orders.c
    found = rows(url, sa.select(orders).order_by(o.id))
    return [r for r in found if aware(r.created_at) < NOW - timedelta(minutes=1)]


def test_the_history_spans_five_months_of_channels_regions_and_carriers(
    seeded: tuple[str, str],
) -> None:
    _, url = seeded
    placed = history(url)
    assert len(placed) == HISTORY_ORDERS
    first, last = min(aware(r.created_at) for r in placed), max(aware(r.created_at) for r in placed)
    assert last - first >= timedelta(days=150)
    assert first >= NOW - timedelta(days=183)
    assert len({r.channel for r in placed}) >= 5
    assert {r.shipping_region for r in placed} == {
        "EU-WEST",
        "EU-CENTRAL",
        "UK",
        "US-EAST",
        "US-WEST",
    }
    carriers = Counter(r.carrier for r in rows(url, sa.select(shipments.c.carrier)))
    assert len(carriers) >= 4, carriers
    statuses = Counter(r.status for r in placed)
    assert statuses["DELIVERED"] > HISTORY_ORDERS // 2
    assert statuses["CANCELLED"] >= 1
    # the last days' orders are still on their way: steps after now are left for later
    assert sum(statuses[s] for s in ("CONFIRMED", "PROCESSING", "SHIPPED", "PLACED")) >= 1


def test_some_deliveries_are_late_some_come_back_and_some_are_rated(
    seeded: tuple[str, str],
) -> None:
    _, url = seeded
    delivered = [r for r in history(url) if r.status == "DELIVERED"]
    late = [r for r in delivered if aware(r.delivered_at) > aware(r.promised_delivery_at)]
    assert all(r.promised_delivery_at is not None for r in delivered)
    assert 0 < len(late) < len(delivered) // 3
    assert len(rows(url, sa.select(returns.c.id))) >= 3
    refunded = rows(url, sa.select(refunds.c.order_id, refunds.c.created_at))
    assert len(refunded) >= 3
    assert all(aware(r.created_at) < NOW for r in refunded)
    ratings = [r.rating for r in rows(url, sa.select(order_feedback.c.rating))]
    assert len(ratings) >= 5
    assert min(ratings) < max(ratings)


def test_every_timeline_runs_forward_in_time_and_ends_before_now(
    seeded: tuple[str, str],
) -> None:
    _, url = seeded
    placed = {r.id: r for r in history(url)}
    o = outbox.c
    events = rows(url, sa.select(o.order_id, o.type, o.occurred_at).order_by(o.id))
    by_order: dict[int, list[tuple[str, datetime]]] = {}
    for e in events:
        if e.order_id in placed:
            by_order.setdefault(e.order_id, []).append((e.type, aware(e.occurred_at)))
    assert set(by_order) == set(placed)
    for order_id, timeline in by_order.items():
        moments = [at for _, at in timeline]
        assert moments == sorted(moments), order_id
        assert moments[-1] <= NOW
        assert timeline[0] == ("order.placed", aware(placed[order_id].created_at))
    for r in placed.values():
        if r.status == "DELIVERED":
            assert aware(r.created_at) < aware(r.confirmed_at) < aware(r.delivered_at) <= NOW


def test_the_stock_ledger_agrees_with_every_level(seeded: tuple[str, str]) -> None:
    _, url = seeded

    async def audit() -> Any:
        engine = create_engine(url)
        try:
            return await audit_levels(engine)
        finally:
            await engine.dispose()

    report = run_sync(audit)
    assert report.levels_checked >= 150
    assert report.drift == []


def test_one_sku_sells_mostly_in_one_region_and_sales_grow(seeded: tuple[str, str]) -> None:
    _, url = seeded
    o, ol = orders.c, order_lines.c
    hoodie = rows(
        url,
        sa.select(o.shipping_region, ol.quantity)
        .select_from(orders.join(order_lines, ol.order_id == o.id))
        .where(ol.sku == "HOODIE-FOR", o.created_at < NOW - timedelta(minutes=1)),
    )
    units = Counter[str]()
    for region, quantity in hoodie:
        units[region] += quantity
    assert units["US-WEST"] > 0.6 * sum(units.values())
    placed = [aware(r.created_at) for r in history(url)]
    start = min(placed)
    early = sum(1 for at in placed if at < start + timedelta(days=60))
    late = sum(1 for at in placed if at >= NOW - timedelta(days=60))
    assert late > early


def test_a_second_seed_days_later_adds_nothing(seeded: tuple[str, str]) -> None:
    _, url = seeded
    before = row_counts(url)

    again = seed(url, NOW + timedelta(days=3))

    assert again.history_skipped
    assert again.history_orders == HISTORY_ORDERS
    assert row_counts(url) == before


ANALYTICS = """{
  analytics {
    demandByRegion { key orders units }
    onTimeRate { total hits rate }
    returnRate { total hits rate }
  }
}"""


async def test_the_analytics_fields_show_the_history(seeded: tuple[str, str]) -> None:
    backend, url = seeded
    counted = [r for r in rows(url, sa.select(orders)) if r.status != "CANCELLED"]
    regions = Counter(r.shipping_region for r in counted)
    unpaid = Counter(r.shipping_region for r in counted if r.status == "PLACED")
    delivered = [r for r in counted if r.status == "DELIVERED"]
    on_time = sum(1 for r in delivered if aware(r.delivered_at) <= aware(r.promised_delivery_at))
    s, sl, rl = shipments.c, shipment_lines.c, return_lines.c
    shipped_units = sum(
        q
        for (q,) in rows(
            url,
            sa.select(sl.quantity)
            .select_from(shipment_lines.join(shipments, s.id == sl.shipment_id))
            .where(s.status == "DELIVERED"),
        )
    )
    returned_units = sum(
        q
        for (q,) in rows(
            url,
            sa.select(rl.quantity)
            .select_from(return_lines.join(returns, returns.c.id == rl.return_id))
            .where(returns.c.status != "REJECTED"),
        )
    )
    with live_api(backend, url) as live:
        async with httpx.AsyncClient(base_url=live.base_url, timeout=30) as http:
            data = await GraphQLClient(http, live.admin_token).data(ANALYTICS)

    analytics = data["analytics"]
    got = {r["key"]: r["orders"] for r in analytics["demandByRegion"]}
    assert set(got) == set(regions)
    for region, upper in regions.items():
        # the server's unpaid-order sweep may cancel the still unpaid ones at any moment
        assert upper - unpaid[region] <= got[region] <= upper, region
    assert analytics["onTimeRate"] == {
        "total": len(delivered),
        "hits": on_time,
        "rate": pytest.approx(on_time / len(delivered)),
    }
    assert 0.6 < analytics["onTimeRate"]["rate"] < 0.97
    assert analytics["returnRate"]["total"] == shipped_units
    assert analytics["returnRate"]["hits"] == returned_units > 0
    assert 0 < analytics["returnRate"]["rate"] < 0.2


def counts_that_matter(url: str) -> dict[str, int]:
    """Rows the history writes; tokens and mail are not among them."""
    counts = row_counts(url)
    return {
        name: counts[name]
        for name in (
            "orders",
            "order_lines",
            "shipments",
            "returns",
            "refunds",
            "order_feedback",
            "inventory_movements",
            "outbox",
        )
    }


def test_an_interrupted_seed_resumes_to_the_same_history(databases: Databases) -> None:
    whole, interrupted = databases.new_sqlite(), databases.new_sqlite()
    seed(whole, NOW)

    async def stop_early() -> None:
        engine = create_engine(interrupted, pool_size=2)
        clock = ReplayClock(FixedClock(NOW))
        deps = Deps(uow=lambda: SqlUnitOfWork(engine, clock), clock=clock)
        task = asyncio.current_task()
        assert task is not None
        commits = 0

        def count(_conn: object) -> None:
            nonlocal commits
            commits += 1
            if commits == 700:  # well into the history: the base seed commits ~300 times
                task.cancel()  # as Ctrl-C would, at the next await

        sa.event.listen(engine.sync_engine, "commit", count)
        try:
            await seed_demo(deps, history_orders=HISTORY_ORDERS)
        except asyncio.CancelledError:
            task.uncancel()
        finally:
            await engine.dispose()

    run_sync(stop_early)
    cut_short = row_counts(interrupted)["orders"]
    assert DEMO_ORDERS < cut_short < DEMO_ORDERS + HISTORY_ORDERS

    resumed = seed(interrupted, NOW)

    assert resumed.history_orders == HISTORY_ORDERS
    assert counts_that_matter(interrupted) == counts_that_matter(whole)
