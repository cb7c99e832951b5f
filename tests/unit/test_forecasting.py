"""The forecast maths on short series whose answers are worked out by hand in the comments."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime

import pytest

from ordergraph.domain.forecasting import (
    Method,
    Score,
    backtest,
    backtest_horizon,
    baseline_method,
    beats,
    dense_weeks,
    interval,
    mae,
    mase,
    naive_scale,
    rolling_origins,
    seasonal_naive,
    smape,
    smoothing_method,
    week_start,
)


def test_week_start_is_the_monday_of_the_iso_week() -> None:
    # 2026-01-01 is a Thursday; its ISO week (2026-W01) starts on Monday 2025-12-29
    assert week_start(date(2026, 1, 1)) == date(2025, 12, 29)
    assert week_start(datetime(2026, 1, 4, 23, 59, tzinfo=UTC)) == date(2025, 12, 29)  # Sunday
    assert week_start(datetime(2026, 1, 5, 0, 0, tzinfo=UTC)) == date(2026, 1, 5)  # Monday


def test_dense_weeks_fill_weeks_without_sales_with_zero() -> None:
    sold = {date(2026, 1, 5): 3, date(2026, 1, 19): 2}
    assert dense_weeks(sold, date(2026, 1, 5), date(2026, 1, 26)) == [
        (date(2026, 1, 5), 3),
        (date(2026, 1, 12), 0),
        (date(2026, 1, 19), 2),
        (date(2026, 1, 26), 0),
    ]


def test_seasonal_naive_repeats_the_last_season() -> None:
    # season 4: the last season is 5 6 7 8; eight weeks ahead repeat it twice
    assert seasonal_naive([1, 2, 3, 4, 5, 6, 7, 8], 6, season=4) == [5, 6, 7, 8, 5, 6]
    # no whole season plus one week: naive, the last value
    assert seasonal_naive([1, 2, 3, 4], 3, season=4) == [4, 4, 4]
    assert seasonal_naive([], 2, season=4) == [0, 0]


def test_naive_scale_is_the_in_sample_mae_of_the_seasonal_naive() -> None:
    # season 2 over 1 3 2 6: |2 - 1| = 1, |6 - 3| = 3 -> 2
    assert naive_scale([1, 3, 2, 6], season=2) == 2
    # too short for a season: lag 1, |3-1| + |2-3| = 3 over 2 -> 1.5
    assert naive_scale([1, 3, 2], season=4) == 1.5
    assert naive_scale([5], season=4) == 0


def test_mae_mase_and_smape_by_hand() -> None:
    actual, predicted = [10, 20, 0], [12, 15, 0]
    # |10-12| + |20-15| + 0 = 7 over 3
    assert mae(actual, predicted) == pytest.approx(7 / 3)
    # training 4 6 5 9 with lag 1: |6-4| + |5-6| + |9-5| = 7 over 3 -> scale 7/3 -> MASE 1
    assert mase(actual, predicted, [4, 6, 5, 9], season=52) == pytest.approx(1.0)
    # 200*2/22 = 18.1818..., 200*5/35 = 28.5714..., 0 (both zero) -> mean 15.5844...
    assert smape(actual, predicted) == pytest.approx((400 / 22 + 1000 / 35) / 3)
    # a constant training series has no naive error to scale by
    assert mase(actual, predicted, [3, 3, 3], season=52) is None
    with pytest.raises(ValueError, match="same"):
        smape([1], [1, 2])


def test_rolling_origins_end_at_the_end_of_the_history() -> None:
    # 10 weeks, 2 held out, 3 origins: training sizes 6, 7, 8 (the last one scores weeks 9-10)
    assert rolling_origins(10, 2, 3, min_training=4) == [6, 7, 8]
    # origins with less training than asked for are dropped
    assert rolling_origins(10, 2, 3, min_training=7) == [7, 8]
    assert rolling_origins(5, 2, 3, min_training=4) == []


def last_value(training: Sequence[float], horizon: int) -> list[float]:
    return [float(training[-1])] * horizon


def test_backtest_averages_the_origins_and_keeps_the_error_per_step() -> None:
    history = [2, 4, 6, 8, 10, 12]
    # cuts 4 and 5 with horizon 1, naive (lag 1) scale 2 in both windows:
    #   cut 4: train 2 4 6 8, forecast 8 for 10: |error| 2, MASE 1, sMAPE 200*2/18
    #   cut 5: train ... 10, forecast 10 for 12: |error| 2, MASE 1, sMAPE 200*2/22
    score = backtest(history, last_value, [4, 5], 1, season=52)
    assert score.mase == pytest.approx(1.0)
    assert score.smape == pytest.approx((400 / 18 + 400 / 22) / 2)
    assert score.origins == 2
    assert score.step_rmse == pytest.approx((2.0,))


def test_a_perfect_forecaster_scores_zero() -> None:
    history = [float(t) for t in range(12)]

    def line(training: Sequence[float], horizon: int) -> list[float]:
        return [float(len(training) + step) for step in range(horizon)]

    score = backtest(history, line, rolling_origins(12, 3, 4, 4), 3, season=52)
    assert (score.mase, score.smape, score.step_rmse) == (0.0, 0.0, (0.0, 0.0, 0.0))


def test_the_model_must_beat_the_baseline_by_a_tenth() -> None:
    baseline = Score(mase=1.0, smape=10, origins=3, step_rmse=(1.0,))
    assert beats(Score(0.89, 9, 3, (1.0,)), baseline)
    assert not beats(Score(0.95, 9, 3, (1.0,)), baseline)  # a near tie goes to the baseline
    assert not beats(Score(None, 9, 3, (1.0,)), baseline)
    assert not beats(Score(0.1, 9, 3, (1.0,)), Score(None, 9, 3, (1.0,)))


def test_interval_widens_past_the_backtest_horizon_and_never_goes_below_zero() -> None:
    rows = interval([10.0, 10.0, 10.0, -1.0], [1.0, 2.0])
    # step 1: spread 1; step 2: 2; step 3: 2 * sqrt(3/2); step 4: 2 * sqrt(4/2); z = 1.2816
    z = 1.2816
    assert rows[0] == pytest.approx((10, 10 - z, 10 + z))
    assert rows[1] == pytest.approx((10, 10 - 2 * z, 10 + 2 * z))
    assert rows[2] == pytest.approx((10, 10 - 2 * z * math.sqrt(1.5), 10 + 2 * z * math.sqrt(1.5)))
    assert rows[3] == pytest.approx((0, 0, 2 * z * math.sqrt(2)))
    assert interval([3.0], []) == [(3.0, 3.0, 3.0)]


def test_which_method_the_history_can_carry() -> None:
    assert smoothing_method(104) is Method.HOLT_WINTERS
    assert smoothing_method(103) is Method.DAMPED_TREND
    assert smoothing_method(10) is Method.DAMPED_TREND
    assert smoothing_method(9) is Method.SIMPLE_ES
    assert smoothing_method(3) is None
    assert baseline_method(53) is Method.SEASONAL_NAIVE
    assert baseline_method(52) is Method.NAIVE
    assert backtest_horizon(8, 100) == 8
    assert backtest_horizon(8, 12) == 3
    assert backtest_horizon(8, 2) == 1
