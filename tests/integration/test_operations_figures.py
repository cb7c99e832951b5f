"""Operations figures on the hand-built history of ``tests/support/operations_data.py``, on
PostgreSQL and SQLite; every expected value is worked out by hand in the comments."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ordergraph.db.queries import operations as ops
from ordergraph.domain.operations_figures import Fill, Stage, StageLeadTime, percentile
from tests.support.operations_data import MARCH, add_split_order, build_operations_data

WINDOW = ops.Window(*MARCH)
NOW = datetime(2026, 12, 1, tzinfo=UTC)
S = Stage


def table(rows: list[StageLeadTime]) -> dict[tuple[str, Stage], tuple[int, float, float]]:
    return {
        (r.group, r.stage): (r.count, round(r.p50_hours, 6), round(r.p90_hours, 6)) for r in rows
    }


async def test_lead_times_per_warehouse(engine: AsyncEngine, unique: str) -> None:
    data = await build_operations_data(engine, unique)
    found = table(await ops.stage_lead_times(engine, WINDOW, "WAREHOUSE"))
    # AMS: O1, O2, O4. p90 of three values x0<=x1<=x2 is x1 + 0.8 (x2 - x1)
    assert found == {
        (data.ams, S.PLACED_TO_CONFIRMED): (3, 3.0, 4.6),  # 1 3 5
        (data.ams, S.CONFIRMED_TO_PICKED): (3, 2.0, 3.6),  # 2 4 1 -> 1 2 4
        (data.ams, S.PICKED_TO_SHIPPED): (3, 3.0, 3.0),  # 2 3 3
        (data.ams, S.SHIPPED_TO_DELIVERED): (3, 24.0, 52.8),  # 24 60 24
        (data.ams, S.PLACED_TO_DELIVERED): (3, 33.0, 62.6),  # 29 70 33
        # LON: O3 only, not delivered yet
        (data.lon, S.PLACED_TO_CONFIRMED): (1, 2.0, 2.0),
        (data.lon, S.CONFIRMED_TO_PICKED): (1, 2.0, 2.0),
        (data.lon, S.PICKED_TO_SHIPPED): (1, 4.0, 4.0),
    }


async def test_lead_times_per_carrier_in_stage_order(engine: AsyncEngine, unique: str) -> None:
    await build_operations_data(engine, unique)
    rows = await ops.stage_lead_times(engine, WINDOW, "CARRIER")
    assert [(r.group, r.stage) for r in rows][:5] == [("DHL", s) for s in Stage]
    # two values: p50 the mean, p90 = x0 + 0.9 (x1 - x0)
    assert table(rows) == {
        ("DHL", S.PLACED_TO_CONFIRMED): (2, 2.0, 2.8),  # 1 3
        ("DHL", S.CONFIRMED_TO_PICKED): (2, 3.0, 3.8),  # 2 4
        ("DHL", S.PICKED_TO_SHIPPED): (2, 2.5, 2.9),  # 2 3
        ("DHL", S.SHIPPED_TO_DELIVERED): (2, 42.0, 56.4),  # 24 60
        ("DHL", S.PLACED_TO_DELIVERED): (2, 49.5, 65.9),  # 29 70
        ("UPS", S.PLACED_TO_CONFIRMED): (2, 3.5, 4.7),  # O3 2, O4 5
        ("UPS", S.CONFIRMED_TO_PICKED): (2, 1.5, 1.9),  # 2 1
        ("UPS", S.PICKED_TO_SHIPPED): (2, 3.5, 3.9),  # 4 3
        ("UPS", S.SHIPPED_TO_DELIVERED): (1, 24.0, 24.0),  # O4 only
        ("UPS", S.PLACED_TO_DELIVERED): (1, 33.0, 33.0),
    }


async def test_a_window_without_orders_has_no_lead_times(engine: AsyncEngine, unique: str) -> None:
    await build_operations_data(engine, unique)
    empty = ops.Window(datetime(2026, 4, 1, tzinfo=UTC), None)
    assert await ops.stage_lead_times(engine, empty, "CARRIER") == []
    assert await ops.on_time_rates(engine, empty, "REGION") == []


async def test_on_time_rates_per_carrier_and_region(engine: AsyncEngine, unique: str) -> None:
    await build_operations_data(engine, unique)
    by_carrier = await ops.on_time_rates(engine, WINDOW, "CARRIER")
    # S1 29h <= 48h; S2 70h > 48h; S4 33h <= the order's 40h
    assert [(r.group, r.total, r.hits, r.rate) for r in by_carrier] == [
        ("DHL", 2, 1, 0.5),
        ("UPS", 1, 1, 1.0),
    ]
    by_region = await ops.on_time_rates(engine, WINDOW, "REGION")
    # O4 has no region: its country
    assert [(r.group, r.total, r.hits) for r in by_region] == [("BE", 1, 1), ("NL-NH", 2, 1)]


async def test_late_and_at_risk_count_open_orders_in_the_window(
    engine: AsyncEngine, unique: str
) -> None:
    await build_operations_data(engine, unique)
    # late: O3 (O6 cancelled, O7 outside the window); at risk: O3 and O5
    assert await ops.late_orders(engine, WINDOW, NOW) == 1
    assert await ops.at_risk_orders(engine, WINDOW) == 2
    # before O3's promise (T0 + 24h) nothing is late yet
    assert await ops.late_orders(engine, WINDOW, datetime(2026, 3, 3, tzinfo=UTC)) == 0
    assert await ops.late_orders(engine, ops.Window(), NOW) == 2  # O7 counts without a window


async def test_returns_by_sku(engine: AsyncEngine, unique: str) -> None:
    data = await build_operations_data(engine, unique)
    rows = await ops.returns_by(engine, WINDOW, "SKU")
    # delivered A: 4 + 2 + 1, B: 1; returned A: 2 + 1 (the rejected one left out), B: 1
    assert [(r.key, r.units_returned, r.units_delivered, r.refunded) for r in rows] == [
        (data.sku_a, 3, 7, {"EUR": 3000, "USD": 1200}),
        (data.sku_b, 1, 1, {"EUR": 1500}),
    ]
    assert rows[0].rate == pytest.approx(3 / 7)
    assert rows[1].rate == 1.0


async def test_returns_by_reason(engine: AsyncEngine, unique: str) -> None:
    await build_operations_data(engine, unique)
    rows = await ops.returns_by(engine, WINDOW, "REASON")
    # 8 units delivered in all; O4's USD refund has no return, so no reason
    assert [(r.key, r.units_returned, r.units_delivered, r.refunded) for r in rows] == [
        ("DAMAGED", 3, 8, {"EUR": 3500}),
        ("WRONG_ITEM", 1, 8, {"EUR": 1000}),
    ]
    assert [r.rate for r in rows] == [3 / 8, 1 / 8]


async def test_feedback_score_over_responses_in_the_window(
    engine: AsyncEngine, unique: str
) -> None:
    await build_operations_data(engine, unique)
    assert await ops.feedback_score(engine, WINDOW) == ops.FeedbackScore(2, 3.5)
    assert await ops.feedback_score(engine, ops.Window()) == ops.FeedbackScore(3, 11 / 3)
    later = ops.Window(datetime(2027, 1, 1, tzinfo=UTC), None)
    assert await ops.feedback_score(engine, later) == ops.FeedbackScore(0, None)


async def test_stock_cover_at_recent_demand(engine: AsyncEngine, unique: str) -> None:
    data = await build_operations_data(engine, unique)
    end = datetime(2026, 3, 15, tzinfo=UTC)
    rows = await ops.stock_cover(engine, end, 28)
    found = [(r.level.sku, r.warehouse_code, r.level.available, r.units_demanded) for r in rows]
    # A@AMS: O1 4 + O2 2 + O4 1 (O6 cancelled, O7 before Feb 15); B@LON: O2 1 + O3 3
    assert found == [
        (data.sku_a, data.ams, 14, 7),
        (data.sku_a, data.lon, 8, 0),
        (data.sku_b, data.lon, 2, 4),
    ]
    assert [r.level.is_low for r in rows] == [False, False, True]
    # O7 (Feb 10) is inside 40 days before Mar 15
    longer = await ops.stock_cover(engine, end, 40)
    assert longer[0].units_demanded == 16


async def test_fill_rate_counts_lines_complete_in_the_first_parcel(
    engine: AsyncEngine, unique: str
) -> None:
    data = await build_operations_data(engine, unique)
    # O1 4, O2 2 + 1, O3 3, O4 1: each in one parcel; O5 has none, O6 is cancelled
    assert await ops.fill_rate(engine, WINDOW) == Fill(11, 11)
    await add_split_order(engine, unique, data)
    # O8's first parcel (by time) carries one B of two, and no A: 11 of 15
    assert await ops.fill_rate(engine, WINDOW) == Fill(15, 11)
    assert (await ops.fill_rate(engine, WINDOW)).rate == pytest.approx(11 / 15)


async def test_percentile_is_postgresql_percentile_cont(pg_engine: AsyncEngine) -> None:
    samples = [[5.0], [1.0, 3.0], [29.0, 70.0, 33.0], [0.5, 9.0, 2.25, 7.0, 7.0, 100.0]]
    async with pg_engine.connect() as conn:
        for values in samples:
            listed = sa.values(sa.column("x", sa.Float), name="v").data([(v,) for v in values])
            x = listed.c.x
            p50, p90 = (
                await conn.execute(
                    sa.select(
                        sa.func.percentile_cont(0.5).within_group(x),
                        sa.func.percentile_cont(0.9).within_group(x),
                    ).select_from(listed)
                )
            ).one()
            assert (percentile(values, 0.5), percentile(values, 0.9)) == pytest.approx((p50, p90))
