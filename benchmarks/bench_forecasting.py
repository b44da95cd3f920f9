"""Times the demand forecasting (python_ml.forecasting.forecast_demand: classification,
rolling-origin backtest of every candidate method, final forecasts) on N synthetic daily
series shaped like the UCI products (default 4,000: ~7% erratic, ~17% intermittent, the rest
lumpy, 300 regular trading weekdays each, 6 a week) on 2 worker processes, and prints series
per second. Not a test: timings depend on the machine and on what else runs on it.

    .venv/bin/python -m benchmarks.bench_forecasting [--series N] [--workers W] [--seed S]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from python_ml.forecasting import forecast_demand

DAYS = 300
WEEKLY_PATTERN = np.array([1.3, 1.1, 1.0, 1.2, 0.9, 0.5])


def make_series(count: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`count` product series (one row each, as int_demand_series_collected_to_arrays holds
    them) on the regular trading weekdays (no Saturdays) before a fixed date, plus a 28-day
    forecast calendar. Erratic series sell most days with a weekly
    pattern; intermittent ones sell a steady size on some days; lumpy ones sell a
    heavy-tailed size on few days."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(end="2024-06-29", periods=DAYS * 7 // 6 + 7, freq="D")
    dates = dates[dates.day_of_week != 5][-DAYS:]
    kind = rng.choice(3, size=count, p=[0.07, 0.17, 0.76])
    weekly = np.resize(WEEKLY_PATTERN, DAYS)
    demand = np.empty((count, DAYS))
    erratic, intermittent, lumpy = kind == 0, kind == 1, kind == 2
    demand[erratic] = rng.negative_binomial(2, 2 / (2 + 20 * weekly), size=(erratic.sum(), DAYS))
    demand[intermittent] = (rng.random((intermittent.sum(), DAYS)) < 0.3) * rng.poisson(6, (intermittent.sum(), DAYS))
    demand[lumpy] = (rng.random((lumpy.sum(), DAYS)) < 0.15) * rng.lognormal(2.0, 1.0, (lumpy.sum(), DAYS)).round()
    series = pd.DataFrame({
        "series_type": "product",
        "series_key": [f"P{index:06d}" for index in range(count)],
        "demands": list(demand),
        "trading_days": [np.ones(DAYS, dtype=bool)] * count,
    })
    horizon = pd.date_range(dates[-1] + pd.Timedelta(days=1), periods=28, freq="D")
    calendar = pd.DataFrame({
        "calendar_date": horizon,
        "is_regular_trading_weekday": horizon.day_of_week != 5,
        "is_trading_day": horizon.day_of_week != 5,
    })
    return series, calendar


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    series, calendar = make_series(args.series, args.seed)
    started, cpu_started = time.perf_counter(), time.process_time()
    results = forecast_demand(series, calendar, workers=args.workers)
    seconds = time.perf_counter() - started
    classes = results.classes["demand_class"].value_counts().sort_index().to_dict()
    methods = results.classes["selected_method"].value_counts().sort_index().to_dict()
    print(f"{args.series} series x {DAYS} days on {args.workers} workers: {seconds:.1f} s wall "
          f"({time.process_time() - cpu_started:.1f} s CPU in the parent), "
          f"{args.series / seconds:.0f} series/s")
    print(f"demand classes: {classes}")
    print(f"selected methods: {methods}")


if __name__ == "__main__":
    main()
