"""Weekly demand forecast for one SKU (and region): exponential smoothing against a baseline.

The model is statsmodels' ``ExponentialSmoothing`` (Holt-Winters), an optional extra
(``pip install 'ordergraph[forecast]'``), imported only when a forecast is asked for. Which
variant depends on how much history the shortest backtest window has
(``domain.forecasting.smoothing_method``). Both the model and the seasonal naive baseline are
backtested on the same rolling origins; the model's forecast is returned only when its MASE is
at least 10 % lower than the baseline's (``domain.forecasting.beats``), otherwise the
baseline's is (``Forecast.method`` says which).
Without statsmodels the baseline is used and ``note`` says why.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ordergraph.domain.forecasting import (
    Forecaster,
    Method,
    backtest,
    backtest_horizon,
    baseline_method,
    beats,
    interval,
    rolling_origins,
    seasonal_naive,
    smoothing_method,
)

ORIGINS = 8  # rolling origins, one week apart
MIN_TRAINING = 4  # weeks of history before the first origin
MISSING = "statsmodels is not installed (pip install 'ordergraph[forecast]'): baseline only"


@dataclass(frozen=True, slots=True)
class ForecastWeek:
    week_start: date
    units: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class Backtest:
    method: Method | None  # the model tried against the baseline (None: none could be fitted)
    mase: float | None
    smape: float | None
    baseline_method: Method
    baseline_mase: float | None
    baseline_smape: float
    horizon_weeks: int
    origins: int


@dataclass(frozen=True, slots=True)
class Forecast:
    method: Method
    weeks: list[ForecastWeek]
    backtest: Backtest | None
    note: str | None


def smoothing(method: Method) -> Forecaster | None:
    """A forecaster fitting ``method`` with statsmodels; None when statsmodels is missing."""
    try:
        from statsmodels.tsa.holtwinters import ExponentialSmoothing
    except ImportError:
        return None

    def forecast(training: Sequence[float], horizon: int) -> list[float]:
        if method is Method.HOLT_WINTERS:
            model = ExponentialSmoothing(
                list(training),
                trend="add",
                seasonal="add",
                seasonal_periods=52,
                initialization_method="heuristic",
            )
        elif method is Method.DAMPED_TREND:
            model = ExponentialSmoothing(
                list(training), trend="add", damped_trend=True, initialization_method="estimated"
            )
        else:
            model = ExponentialSmoothing(list(training), initialization_method="estimated")
        with warnings.catch_warnings():
            # convergence and "no frequency" notices: the backtest judges the fit, not these
            warnings.simplefilter("ignore")
            fitted = model.fit()
            return [float(value) for value in fitted.forecast(horizon)]

    return forecast


def forecast_weeks(history: Sequence[int], weeks: int, first_week: date) -> Forecast:
    """Forecast ``weeks`` weeks from ``first_week`` (a Monday) after the weekly ``history``."""
    series = [float(units) for units in history]
    baseline = baseline_method(len(series))
    if not series:
        return Forecast(baseline, [], None, "no sales in the history")
    horizon = backtest_horizon(weeks, len(series))
    cuts = rolling_origins(len(series), horizon, ORIGINS, MIN_TRAINING)
    if not cuts:
        return _result(baseline, seasonal_naive(series, weeks), (), first_week, None, None)
    base = backtest(series, seasonal_naive, cuts, horizon)
    candidate = smoothing_method(cuts[0])
    model = smoothing(candidate) if candidate is not None else None
    note = MISSING if candidate is not None and model is None else None
    score = backtest(series, model, cuts, horizon) if model is not None else None
    summary = Backtest(
        method=candidate if model is not None else None,
        mase=score.mase if score else None,
        smape=score.smape if score else None,
        baseline_method=baseline,
        baseline_mase=base.mase,
        baseline_smape=base.smape,
        horizon_weeks=horizon,
        origins=len(cuts),
    )
    if model is not None and candidate is not None and score is not None and beats(score, base):
        return _result(candidate, model(series, weeks), score.step_rmse, first_week, summary, note)
    return _result(
        baseline, seasonal_naive(series, weeks), base.step_rmse, first_week, summary, note
    )


def _result(
    method: Method,
    point: Sequence[float],
    step_rmse: Sequence[float],
    first_week: date,
    summary: Backtest | None,
    note: str | None,
) -> Forecast:
    rows = [
        ForecastWeek(first_week + timedelta(weeks=i), units, low, high)
        for i, (units, low, high) in enumerate(interval(point, step_rmse))
    ]
    return Forecast(method, rows, summary, note)
