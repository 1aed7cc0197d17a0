"""Benchmark of the forecasting engine on one year of synthetic 15-minute load.

Prints
- train + predict time of one 48 h forecast made at the end of the year
  (boosted point and probabilistic, and the default ``auto``, which also
  backtests its candidates first; best and median of a few repeats, wall and CPU time);
- the skill (1 - MAE_model / MAE_baseline) of the default forecaster (``auto``)
  and of the boosted model over the seasonal-naive baselines in a backtest of
  4 weeks of daily 48 h forecasts (the last one cut at the end of the year),
  refitted (and, for ``auto``, chosen again) before every run.

Targets (2 cores): train + predict under 5 s; skill at least 15 %.
Measured series: ``benchmarks/forecasting_real.py``.
Run: ``.venv/bin/python benchmarks/forecasting.py``
"""

from __future__ import annotations

import os
import statistics
import time

import pandas as pd

from gridflex.engines.forecasting import backtest, forecast, skill, synthetic_load_kw
from gridflex.timing import format_duration

RESOLUTION = pd.Timedelta(minutes=15)
START = pd.Timestamp("2023-01-02", tz="UTC")
PERIODS = 365 * 96
HORIZON = pd.Timedelta(hours=48)
REPEATS = 3


def time_forecast(
    load: pd.Series, *, probabilistic: bool, model: str
) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of train + predict for a 48 h forecast after 50 weeks of history."""
    belief_time = START + pd.Timedelta(weeks=50)
    walls, cpus = [], []
    for _ in range(REPEATS):
        wall, cpu = time.perf_counter(), time.process_time()
        forecast(
            load,
            belief_time=belief_time,
            end=belief_time + HORIZON,
            probabilistic=probabilistic,
            model=model,
        )
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus


def main() -> None:
    load = synthetic_load_kw(START, PERIODS, RESOLUTION, seed=42)
    print(
        f"series: {len(load)} steps of {format_duration(RESOLUTION)}, mean {load.mean():.1f} kW, cores {os.cpu_count()}"
    )
    for model, probabilistic in (("boosted", False), ("boosted", True), ("auto", False)):
        walls, cpus = time_forecast(load, probabilistic=probabilistic, model=model)
        kind = f"{model}, " + ("probabilistic (p10/p50/p90)" if probabilistic else "point")
        print(
            f"48 h forecast, {kind}: train+predict best {min(walls):.2f} s, "
            f"median {statistics.median(walls):.2f} s wall ({statistics.median(cpus):.2f} s CPU)"
        )
    end = load.index[-1] + RESOLUTION
    start = end - pd.Timedelta(weeks=4)  # 28 runs; the last one cut at the end of the data
    runs = dict(start=start, end=end, horizon=HORIZON, frequency=pd.Timedelta(days=1))
    for model in ("auto", "boosted"):
        began = time.perf_counter()
        result = backtest(load, model=model, baseline="naive-weekly", **runs)
        print(
            f"\nbacktest of {model}, 28 daily 48 h forecasts ({time.perf_counter() - began:.1f} s):"
        )
        print(result.report())
        daily = result.baseline_scores["naive-daily"]
        assert result.metrics is not None and daily is not None
        print(
            f"naive-daily MAE {daily.mae:.4g}: skill vs naive-daily "
            f"{100 * skill(result.metrics.mae, daily.mae):.1f} %"
        )


if __name__ == "__main__":
    main()
