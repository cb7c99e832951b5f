"""The forecast's backtest table: the model against the seasonal naive baseline, per series.

    .venv/bin/python -m bench.forecast_backtest [--weeks 8]

Runs ``ordergraph.services.forecasting.forecast_weeks`` (the function behind
``analytics.forecast``) on a demo-like set of made-up weekly histories (fixed seeds, see
``tests.support.forecast_data.synthetic_weeks``) and prints, per series, the method used and
the rolling-origin backtest's MASE and sMAPE for the model and the baseline. No database: the
weekly aggregate is tested on both backends in tests/api/test_forecast_api.py.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from ordergraph.services.forecasting import forecast_weeks
from tests.support.forecast_data import synthetic_weeks

# (name, weeks of history, synthetic_weeks keyword arguments)
SERIES: list[tuple[str, int, dict[str, float]]] = [
    ("seasonal+trend", 130, {"level": 40, "trend": 0.25, "amplitude": 15, "noise": 3}),
    ("seasonal, noisy", 130, {"level": 30, "trend": 0.0, "amplitude": 10, "noise": 6}),
    ("seasonal, low volume", 120, {"level": 6, "trend": 0.0, "amplitude": 4, "noise": 1.5}),
    ("pure noise", 130, {"level": 20, "trend": 0.0, "amplitude": 0, "noise": 5}),
    ("trend, 1 year", 52, {"level": 10, "trend": 0.6, "amplitude": 0, "noise": 2}),
    ("flat, 1 year", 52, {"level": 25, "trend": 0.0, "amplitude": 0, "noise": 4}),
    ("new product, 12 w", 12, {"level": 8, "trend": 1.0, "amplitude": 0, "noise": 1}),
    ("intermittent", 80, {"level": 1, "trend": 0.0, "amplitude": 0, "noise": 1.2}),
]


def _f(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=8, help="weeks to forecast (1-52)")
    args = parser.parse_args()
    header = (
        f"{'series':<22} {'hist':>4} {'used':<14} {'model':<13} {'MASE':>6} {'sMAPE':>7} "
        f"{'baseline':<14} {'MASE':>6} {'sMAPE':>7} {'h':>2} {'orig':>4} {'sec':>5}"
    )
    print(header)
    print("-" * len(header))
    for seed, (name, weeks, shape) in enumerate(SERIES, start=1):
        series = synthetic_weeks(weeks, seed=seed, **shape)
        started = time.perf_counter()
        result = forecast_weeks(series, args.weeks, date(2026, 1, 5))
        seconds = time.perf_counter() - started
        bt = result.backtest
        if bt is None:
            print(f"{name:<22} {weeks:>4} {result.method.value:<14} (no backtest)")
            continue
        print(
            f"{name:<22} {weeks:>4} {result.method.value:<14} "
            f"{(bt.method.value if bt.method else '-'):<13} {_f(bt.mase):>6} "
            f"{(f'{bt.smape:.1f}' if bt.smape is not None else '-'):>7} "
            f"{bt.baseline_method.value:<14} {_f(bt.baseline_mase):>6} {bt.baseline_smape:>7.1f} "
            f"{bt.horizon_weeks:>2} {bt.origins:>4} {seconds:>5.2f}"
        )


if __name__ == "__main__":
    main()
