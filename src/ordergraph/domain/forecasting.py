"""Weekly demand forecasting maths: baselines, error measures and a rolling-origin backtest.

Pure functions over plain lists of weekly unit counts (oldest first). The fitted model itself
(statsmodels' exponential smoothing) lives in ``ordergraph.services.forecasting``; whatever
produces forecasts is passed in here as a ``Forecaster``: ``(training, horizon) -> forecasts``.

- ``seasonal_naive``: each future week repeats the same week one season (52 weeks) earlier; with
  less than one season of history it is the plain naive forecast (the last week, repeated).
- ``mase``: mean absolute error scaled by the in-sample MAE of the (seasonal) naive forecast on
  the training part (Hyndman & Koehler 2006); ``None`` when that scale is 0 (a constant series).
- ``smape``: symmetric MAPE in percent, ``200 * |F - A| / (|A| + |F|)``; a week where both are 0
  counts as no error.
- ``backtest``: rolling origin — the forecaster is trained on the history up to each origin and
  scored on the ``horizon`` weeks after it; the scores are averaged over the origins.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

SEASON = 52  # weeks in a yearly season
# a model must cut the baseline's backtest MASE by at least 10 % to be used instead of it
MARGIN = 0.9
Z_80 = 1.2816  # the 80 % two-sided normal quantile: low/high are the 10th and 90th percentiles

Forecaster = Callable[[Sequence[float], int], list[float]]


def week_start(moment: datetime | date) -> date:
    """The Monday (UTC) of the ISO week a moment or a day falls in."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def dense_weeks(units: Mapping[date, int], first: date, last: date) -> list[tuple[date, int]]:
    """Every week from ``first`` to ``last`` (both Mondays), 0 where nothing was sold."""
    weeks = []
    week = first
    while week <= last:
        weeks.append((week, units.get(week, 0)))
        week += timedelta(days=7)
    return weeks


def season_for(length: int, season: int = SEASON) -> int:
    """The lag the naive baseline looks back: a season when there is one, else 1 week."""
    return season if length > season else 1


def seasonal_naive(history: Sequence[float], horizon: int, season: int = SEASON) -> list[float]:
    """``y[T + h] = y[T + h - m * k]``, k the smallest that reaches back into the history.

    With no whole season of history m is 1: the naive forecast.
    """
    if not history:
        return [0.0] * horizon
    lag = season_for(len(history), season)
    n = len(history)
    return [float(history[n - lag + (step % lag)]) for step in range(horizon)]


def naive_scale(training: Sequence[float], season: int = SEASON) -> float:
    """The in-sample MAE of the (seasonal) naive one-step forecast: MASE's denominator."""
    lag = season_for(len(training), season)
    diffs = [abs(training[t] - training[t - lag]) for t in range(lag, len(training))]
    return sum(diffs) / len(diffs) if diffs else 0.0


def mae(actual: Sequence[float], predicted: Sequence[float]) -> float:
    _same_length(actual, predicted)
    return sum(abs(a - p) for a, p in zip(actual, predicted, strict=True)) / len(actual)


def mase(
    actual: Sequence[float],
    predicted: Sequence[float],
    training: Sequence[float],
    season: int = SEASON,
) -> float | None:
    scale = naive_scale(training, season)
    return mae(actual, predicted) / scale if scale > 0 else None


def smape(actual: Sequence[float], predicted: Sequence[float]) -> float:
    _same_length(actual, predicted)
    terms = [
        200 * abs(p - a) / (abs(a) + abs(p)) if abs(a) + abs(p) > 0 else 0.0
        for a, p in zip(actual, predicted, strict=True)
    ]
    return sum(terms) / len(terms)


def _same_length(actual: Sequence[float], predicted: Sequence[float]) -> None:
    if not actual or len(actual) != len(predicted):
        raise ValueError("actual and predicted need the same, non-zero length")


def rolling_origins(length: int, horizon: int, origins: int, min_training: int) -> list[int]:
    """Cut points (training sizes), oldest first: the last ends exactly at the end of the history.

    Consecutive origins are one week apart; origins whose training would be shorter than
    ``min_training`` are dropped (so the list may be empty).
    """
    last = length - horizon
    return [cut for cut in range(last - origins + 1, last + 1) if cut >= max(min_training, 1)]


@dataclass(frozen=True, slots=True)
class Score:
    mase: float | None  # None: no origin had a non-zero naive scale
    smape: float
    origins: int
    # root mean squared error per step ahead (index 0: one week ahead), over the origins
    step_rmse: tuple[float, ...]


def backtest(
    history: Sequence[float],
    forecaster: Forecaster,
    cuts: Sequence[int],
    horizon: int,
    season: int = SEASON,
) -> Score:
    if not cuts:
        raise ValueError("a backtest needs at least one origin")
    mases: list[float] = []
    smapes: list[float] = []
    squared: list[list[float]] = [[] for _ in range(horizon)]
    for cut in cuts:
        training, actual = history[:cut], history[cut : cut + horizon]
        predicted = forecaster(training, horizon)
        value = mase(actual, predicted, training, season)
        if value is not None:
            mases.append(value)
        smapes.append(smape(actual, predicted))
        for step, (a, p) in enumerate(zip(actual, predicted, strict=True)):
            squared[step].append((a - p) ** 2)
    return Score(
        mase=sum(mases) / len(mases) if mases else None,
        smape=sum(smapes) / len(smapes),
        origins=len(cuts),
        step_rmse=tuple(math.sqrt(sum(s) / len(s)) for s in squared),
    )


def beats(candidate: Score, baseline: Score, margin: float = MARGIN) -> bool:
    """The candidate wins only when its MASE is below ``margin`` times the baseline's.

    A near-tie goes to the baseline: on a series without a pattern (noise), a fitted model can
    edge the seasonal naive forecast by luck of the origins without knowing anything more.
    """
    if candidate.mase is None or baseline.mase is None:
        return False
    return candidate.mase < margin * baseline.mase


def interval(
    point: Sequence[float], step_rmse: Sequence[float]
) -> list[tuple[float, float, float]]:
    """(units, low, high) per week: an 80 % band from the backtest's error at that step ahead.

    Steps beyond the backtest's horizon widen with the square root of the step. Forecasts and
    bounds are never below 0 units.
    """
    rows = []
    for step, value in enumerate(point):
        if step_rmse:
            known = min(step, len(step_rmse) - 1)
            spread = step_rmse[known] * math.sqrt((step + 1) / (known + 1))
        else:
            spread = 0.0
        units = max(0.0, value)
        rows.append((units, max(0.0, units - Z_80 * spread), units + Z_80 * spread))
    return rows


class Method(enum.StrEnum):
    """How a forecast was made (the GraphQL ``ForecastMethod`` enum's values)."""

    HOLT_WINTERS = "HOLT_WINTERS"  # additive trend and additive yearly seasonality
    DAMPED_TREND = "DAMPED_TREND"  # Holt's additive damped trend, no seasonality
    SIMPLE_ES = "SIMPLE_ES"  # simple exponential smoothing (level only)
    SEASONAL_NAIVE = "SEASONAL_NAIVE"  # the same week a year earlier
    NAIVE = "NAIVE"  # the last week, repeated


def baseline_method(length: int, season: int = SEASON) -> Method:
    return Method.SEASONAL_NAIVE if season_for(length, season) > 1 else Method.NAIVE


def smoothing_method(shortest_training: int, season: int = SEASON) -> Method | None:
    """Which exponential smoothing the shortest training window can carry (None: too short).

    Seasonality needs two whole seasons; a trend needs ten weeks; a level alone needs four.
    """
    if shortest_training >= 2 * season:
        return Method.HOLT_WINTERS
    if shortest_training >= 10:
        return Method.DAMPED_TREND
    if shortest_training >= 4:
        return Method.SIMPLE_ES
    return None


def backtest_horizon(weeks: int, length: int) -> int:
    """The weeks held out per origin: the requested horizon, at most a quarter of the history."""
    return max(1, min(weeks, length // 4))
