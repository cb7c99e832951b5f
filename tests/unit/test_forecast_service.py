"""``forecast_weeks``: which forecast comes back, with or without statsmodels."""

from __future__ import annotations

import sys
from datetime import date, timedelta

import pytest

from ordergraph.domain.forecasting import Method, seasonal_naive
from ordergraph.services.forecasting import MISSING, forecast_weeks, smoothing
from tests.support.forecast_data import synthetic_weeks

MONDAY = date(2026, 1, 5)


def test_a_trend_and_season_use_holt_winters_and_beat_the_baseline() -> None:
    result = forecast_weeks(synthetic_weeks(130, seed=7), 12, MONDAY)
    assert result.method is Method.HOLT_WINTERS
    assert result.note is None
    assert [w.week_start for w in result.weeks] == [MONDAY + timedelta(weeks=i) for i in range(12)]
    bt = result.backtest
    assert bt is not None
    assert bt.mase is not None
    assert bt.baseline_mase is not None
    assert bt.mase < 0.9 * bt.baseline_mase


def test_without_statsmodels_the_baseline_is_used_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # None in sys.modules makes ``import statsmodels...`` raise ImportError, as if not installed
    monkeypatch.setitem(sys.modules, "statsmodels.tsa.holtwinters", None)
    assert smoothing(Method.HOLT_WINTERS) is None
    series = synthetic_weeks(130, seed=7)
    result = forecast_weeks(series, 4, MONDAY)
    assert result.method is Method.SEASONAL_NAIVE
    assert result.note == MISSING
    assert result.backtest is not None
    assert (result.backtest.method, result.backtest.mase) == (None, None)
    assert [w.units for w in result.weeks] == seasonal_naive([float(u) for u in series], 4)


def test_too_short_a_history_for_a_backtest_is_the_naive_forecast() -> None:
    result = forecast_weeks([3, 5, 4], 2, MONDAY)
    assert result.method is Method.NAIVE
    assert result.backtest is None
    assert [(w.units, w.low, w.high) for w in result.weeks] == [(4, 4, 4), (4, 4, 4)]
