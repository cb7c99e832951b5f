"""``analytics.forecast`` over HTTP on PostgreSQL and SQLite, on histories placed as real orders.

Orders are placed in the past through the real services with a fixed clock (``History``), into
the live server's database; the server itself runs on the system clock, so every moment here is
counted back from the Monday of the current week (the forecast's first week).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from ordergraph.db.engine import create_engine
from ordergraph.domain.clock import FixedClock
from ordergraph.domain.forecasting import (
    Method,
    backtest,
    backtest_horizon,
    rolling_origins,
    seasonal_naive,
    smoothing_method,
    week_start,
)
from ordergraph.services.forecasting import MIN_TRAINING, ORIGINS, smoothing
from tests.support.forecast_data import History, synthetic_weeks
from tests.support.graphql import GraphQLClient
from tests.support.live import LiveApi

FORECAST = """
query($sku: String!, $region: String, $weeks: Int) {
  analytics {
    forecast(sku: $sku, region: $region, weeks: $weeks) {
      sku region method note
      weeks { weekStart units low high }
      backtest {
        method mase smape baselineMethod baselineMase baselineSmape horizonWeeks origins
      }
      history { weekStart units }
    }
  }
}"""

Z = 1.2816


def this_monday() -> date:
    return week_start(datetime.now(UTC))


def at(week: date, days: int = 1, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(week + timedelta(days=days), time(hour, minute), UTC)


@pytest.fixture
async def history(live: LiveApi) -> AsyncIterator[History]:
    engine = create_engine(live.database_url)
    try:
        yield History(engine, FixedClock(datetime(2000, 1, 1, tzinfo=UTC)))
    finally:
        await engine.dispose()


async def forecast(client: GraphQLClient, sku: str, **args: Any) -> dict[str, Any]:
    data = await client.data(FORECAST, {"sku": sku, **args})
    result = data["analytics"]["forecast"]
    assert isinstance(result, dict)
    return result


async def test_a_hand_built_history_and_its_naive_backtest(
    admin: GraphQLClient, history: History, unique: str
) -> None:
    sku = f"FC-{unique}"
    await history.stock(f"WF-{unique}", [sku])
    monday = this_monday()
    week = [monday - timedelta(weeks=k) for k in range(7)]  # week[k]: k weeks ago
    # six whole weeks, oldest first: 2 3 0 1 4 2
    await history.order(at(week[6], days=0, hour=0), {sku: 2})  # Monday 00:00 opens the week
    await history.order(at(week[5], days=6, hour=23, minute=59), {sku: 3})  # Sunday 23:59
    await history.order(at(week[4]), {sku: 7}, cancelled=True)  # cancelled: not demand
    await history.order(at(week[3]), {sku: 1})
    await history.order(at(week[2]), {sku: 1})
    await history.order(at(week[2], days=3), {sku: 3})
    await history.order(at(week[1]), {sku: 2})
    await history.order(at(week[1]), {sku: 9}, region="EU-EAST", country="DE")  # elsewhere
    await history.order(at(monday, days=0, hour=0), {sku: 50})  # this week: not yet history

    result = await forecast(admin, sku, region="EU-WEST", weeks=2)

    assert [(h["weekStart"], h["units"]) for h in result["history"]] == [
        (week[k].isoformat(), units)
        for k, units in zip(range(6, 0, -1), [2, 3, 0, 1, 4, 2], strict=True)
    ]
    # 6 weeks: 1 held out (a quarter of the history), origins at 4 and 5 weeks of training
    #   cut 4: naive 1 for 4, error 3, scale (1 + 3 + 1) / 3 -> MASE 1.8, sMAPE 200 * 3 / 5
    #   cut 5: naive 4 for 2, error 2, scale (1 + 3 + 1 + 3) / 4 -> MASE 1, sMAPE 200 * 2 / 6
    bt = result["backtest"]
    assert bt["baselineMethod"] == "NAIVE"
    assert (bt["horizonWeeks"], bt["origins"]) == (1, 2)
    assert bt["baselineMase"] == pytest.approx(1.4)
    assert bt["baselineSmape"] == pytest.approx((120 + 200 / 3) / 2)
    # simple exponential smoothing fits alpha ~ 0 on so short a series: the training mean
    #   cut 4: mean 1.5 for 4, error 2.5 -> MASE 2.5 / (5 / 3) = 1.5; cut 5: mean 2 for 2 -> 0
    # MASE 0.75 < 0.9 * 1.4: the model is used; it forecasts the mean of all six weeks, 2
    assert bt["method"] == "SIMPLE_ES"
    assert bt["mase"] == pytest.approx(0.75, abs=1e-3)
    assert bt["smape"] == pytest.approx(200 * 2.5 / 5.5 / 2, abs=1e-2)
    assert result["method"] == "SIMPLE_ES"
    # 80 % band from the model's one-week RMSE sqrt((2.5^2 + 0) / 2), widened by sqrt(2) after
    spread = Z * (2.5**2 / 2) ** 0.5
    assert result["weeks"] == [
        {
            "weekStart": monday.isoformat(),
            "units": pytest.approx(2, abs=1e-3),
            "low": 0,
            "high": pytest.approx(2 + spread, abs=1e-3),
        },
        {
            "weekStart": (monday + timedelta(weeks=1)).isoformat(),
            "units": pytest.approx(2, abs=1e-3),
            "low": 0,
            "high": pytest.approx(2 + spread * 2**0.5, abs=1e-3),
        },
    ]
    # every region: the 9 units to EU-EAST count too
    # a region is matched as stored: upper case
    assert (await forecast(admin, sku, region="eu-west", weeks=2))["history"] == result["history"]
    everywhere = await forecast(admin, sku, weeks=2)
    assert everywhere["region"] is None
    assert everywhere["history"][-1] == {"weekStart": week[1].isoformat(), "units": 11}


async def test_seasonal_history_uses_holt_winters_and_noise_falls_back(
    admin: GraphQLClient, history: History, unique: str
) -> None:
    trend_sku, noise_sku = f"FT-{unique}", f"FN-{unique}"
    await history.stock(f"WS-{unique}", [trend_sku, noise_sku])
    n = 130
    seasonal = synthetic_weeks(n, seed=7)
    noise = synthetic_weeks(n, seed=0, trend=0, amplitude=0, level=20, noise=5)
    monday = this_monday()
    for t in range(n):
        week = monday - timedelta(weeks=n - t)
        await history.order(at(week), {trend_sku: seasonal[t], noise_sku: noise[t]})

    first = [(monday + timedelta(weeks=i)).isoformat() for i in range(8)]
    horizon = backtest_horizon(8, n)
    cuts = rolling_origins(n, horizon, ORIGINS, MIN_TRAINING)
    assert smoothing_method(cuts[0]) is Method.HOLT_WINTERS
    model = smoothing(Method.HOLT_WINTERS)
    assert model is not None

    for sku, series in ((trend_sku, seasonal), (noise_sku, noise)):
        result = await forecast(admin, sku)
        assert [h["units"] for h in result["history"]] == series
        assert [w["weekStart"] for w in result["weeks"]] == first
        assert all(0 <= w["low"] <= w["units"] <= w["high"] for w in result["weeks"])
        # the backtest figures are what the domain functions give on the same history
        mine = backtest([float(u) for u in series], model, cuts, horizon)
        base = backtest([float(u) for u in series], seasonal_naive, cuts, horizon)
        bt = result["backtest"]
        assert (bt["method"], bt["baselineMethod"]) == ("HOLT_WINTERS", "SEASONAL_NAIVE")
        assert (bt["horizonWeeks"], bt["origins"]) == (8, 8)
        assert bt["mase"] == pytest.approx(mine.mase, rel=1e-6)
        assert bt["smape"] == pytest.approx(mine.smape, rel=1e-6)
        assert bt["baselineMase"] == pytest.approx(base.mase, rel=1e-9)
        assert bt["baselineSmape"] == pytest.approx(base.smape, rel=1e-9)
        if sku == trend_sku:
            assert result["method"] == "HOLT_WINTERS"
            assert bt["mase"] < 0.5 * bt["baselineMase"]
        else:
            # no pattern to find: the model does not beat the baseline by a tenth
            assert result["method"] == "SEASONAL_NAIVE"
            assert bt["mase"] >= 0.9 * bt["baselineMase"]
            # the same weeks a year earlier
            assert [w["units"] for w in result["weeks"]] == series[n - 52 : n - 44]


async def test_an_unknown_sku_has_an_empty_history_and_no_forecast(admin: GraphQLClient) -> None:
    result = await forecast(admin, "NO-SUCH-SKU")
    assert result["history"] == []
    assert result["weeks"] == []
    assert result["backtest"] is None
    assert result["method"] == "NAIVE"
    assert result["note"] == "no sales in the history"


@pytest.mark.parametrize(
    ("args", "message", "field", "reason"),
    [
        ({"sku": "X", "weeks": 0}, "weeks must be between 1 and 52", "weeks", "INVALID"),
        ({"sku": "X", "weeks": 53}, "weeks must be between 1 and 52", "weeks", "INVALID"),
        ({"sku": "  "}, "sku is required", "sku", "REQUIRED"),
        ({"sku": "X" * 65}, "sku must be at most 64 characters", "sku", "TOO_LONG"),
        ({"sku": "A\x01B"}, "sku must not contain control characters", "sku", "INVALID_CHARACTERS"),
        ({"sku": "X", "region": "EU WEST"}, None, "region", "INVALID"),
    ],
)
async def test_bad_arguments_are_bad_user_input(
    admin: GraphQLClient, args: dict[str, Any], message: str | None, field: str, reason: str
) -> None:
    refused = await admin.execute(FORECAST, args)
    assert refused.status == 200
    assert refused.error_codes == ["BAD_USER_INPUT"]
    (error,) = refused.errors
    assert (error["extensions"]["field"], error["extensions"]["reason"]) == (field, reason)
    assert error["message"].startswith(message or f"{field} ")


async def test_forecast_needs_orders_read(staff: GraphQLClient, storefront: GraphQLClient) -> None:
    assert (await forecast(staff, "NO-SUCH-SKU"))["history"] == []
    refused = await storefront.execute(FORECAST, {"sku": "X"})
    assert refused.error_codes == ["FORBIDDEN"]
