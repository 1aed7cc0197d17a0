"""Benchmark of the default forecaster (model ``auto``) on measured series shipped in PyPI packages.

Series (see ``measured_series.py`` for the package, file and licence of each):
8 weeks of 15-minute AC power of a PV system, 12 weeks of half-hourly national
electricity demand, 8 weeks of 15-minute PV module temperature. Nothing is
downloaded: the data packages are dev dependencies (``pip install -e '.[dev]'``).

Protocol: rolling day-ahead forecasts, one a day at local midnight for the next
24 hours, each made only from the data before it. ``auto`` chooses its model at
each fit from a backtest of the four weeks before (never later data). Scored:

- A: the last week, the model chosen again every day;
- B: the last four weeks, the model chosen again every week.

Printed per series: MAE of the forecaster and of each baseline (same time
yesterday, same time last week, the last value), the skill ``1 - MAE/MAE_baseline``
against each and against the best of them, the models chosen; for A also the
best any fixed daily profile could do on that week, chosen in hindsight (the
per-step median of the week's own values): for the weather-driven series, a
ceiling for forecasts without weather information. For the PV series, B is also run without the clear-sky
inputs, and once with the measured satellite irradiance of the forecast days as
a future regressor: a perfect weather forecast, so an upper bound for a
forecast with weather inputs, not a result.

Validation beyond the one scored week: :data:`PV_WINDOWS` weeks spread over
2011-2013 of the same PV system (another file of the same package), each
forecast as in A from the eight weeks before it. Printed per week and in total
(skill of the summed MAE against the summed MAE of each week's best baseline).

Last, the time of one train + predict (24 h ahead, 8 weeks of 15-minute
data), wall and CPU.

Run: ``.venv/bin/python benchmarks/forecasting_real.py`` (about four minutes on 2 cores, two of
them for the 12 validation weeks)
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np
import pandas as pd
from measured_series import (
    MeasuredSeries,
    all_series,
    serf_east_ac_power,
    serf_east_satellite_ghi,
    system_50_ac_power,
)

from gridflex.engines.forecasting import backtest, forecast, skill
from gridflex.engines.forecasting.solar import SolarSite

DAY = pd.Timedelta(days=1)
BASELINES = ("naive-daily", "naive-weekly", "persistence")
REPEATS = 3
PV_WINDOWS = 12
HISTORY_WEEKS = 8


def site_of(series: MeasuredSeries) -> SolarSite | None:
    if series.latitude is None or series.longitude is None:
        return None
    return SolarSite(series.latitude, series.longitude)


def run(
    series: MeasuredSeries,
    weeks: int,
    retrain: pd.Timedelta,
    *,
    solar: bool = True,
    values: pd.Series | None = None,
    future_regressors: dict[str, pd.Series] | None = None,
):
    values = series.values if values is None else values
    end = values.index[-1] + (values.index[1] - values.index[0])
    return backtest(
        values,
        future_regressors=future_regressors,
        start=end - weeks * 7 * DAY,
        end=end,
        horizon=DAY,
        frequency=DAY,
        retrain_frequency=retrain,
        timezone=series.timezone,
        solar_site=site_of(series) if solar else None,
    )


def report(label: str, result, unit: str) -> float:
    """Print one scored protocol; return the skill against the best baseline."""
    maes = {name: result.baseline_scores[name].mae for name in BASELINES}
    best = min(maes, key=maes.get)
    best_skill = skill(result.metrics.mae, maes[best])
    counts = pd.Series(result.chosen).value_counts()
    print(f"  {label}: {len(result.runs)} runs, {len(result.pairs)} values [{unit}]")
    print(
        f"    MAE auto {result.metrics.mae:.4g} | "
        + " | ".join(f"{n} {m:.4g}" for n, m in maes.items())
    )
    print(
        "    skill "
        + ", ".join(f"vs {n} {100 * result.skills[n]:+.1f} %" for n in BASELINES)
        + f"; vs the best ({best}) {100 * best_skill:+.1f} %"
    )
    print("    chosen: " + ", ".join(f"{n} ({c})" for n, c in counts.items()))
    return best_skill


def hindsight_ceiling(series: MeasuredSeries, result) -> tuple[float, float]:
    """MAE of the best fixed daily profile for the scored week (its own per-step median), and its
    skill against the best baseline."""
    pairs = result.pairs
    local = pd.DatetimeIndex(pairs["event_start"]).tz_convert(series.timezone)
    step = local.hour * 60 + local.minute
    profile = pairs.groupby(step)["actual"].transform("median")
    mae = float(np.mean(np.abs(profile - pairs["actual"])))
    best = min(result.baseline_scores[n].mae for n in BASELINES)
    return mae, skill(mae, best)


def best_baseline_mae(result) -> float:
    return min(result.baseline_scores[n].mae for n in BASELINES)


def pv_windows() -> tuple[float, int, int]:
    """Protocol A on :data:`PV_WINDOWS` weeks of 2011-2013; total skill and weeks >= 0."""
    series = system_50_ac_power()
    values = series.values
    week = 7 * DAY
    n_weeks = int((values.index[-1] - values.index[0]) // week)
    print(
        f"\n{series.name}: {PV_WINDOWS} weeks from {n_weeks}, each forecast as A from the "
        f"{HISTORY_WEEKS} weeks before it; {series.source}"
    )
    total, total_best, at_least_zero = 0.0, 0.0, 0
    for w in np.linspace(HISTORY_WEEKS, n_weeks - 1, PV_WINDOWS).round().astype(int):
        first = values.index[0] + (w - HISTORY_WEEKS) * week
        part = values[first : first + (HISTORY_WEEKS + 1) * week - pd.Timedelta(minutes=1)]
        result = run(series, 1, DAY, values=part)
        best = best_baseline_mae(result)
        week_skill = skill(result.metrics.mae, best)
        total += result.metrics.mae
        total_best += best
        at_least_zero += week_skill >= 0
        chosen = pd.Series(result.chosen).value_counts().index[0]
        print(
            f"  week of {part.index[-1].tz_convert(series.timezone):%Y-%m-%d}: MAE auto "
            f"{result.metrics.mae:6.1f}, best baseline {best:6.1f}, skill {100 * week_skill:+6.1f} %"
            f" (mostly {chosen})"
        )
    overall = 1 - total / total_best
    print(
        f"  all {PV_WINDOWS} weeks: skill of the summed MAE vs each week's best baseline "
        f"{100 * overall:+.1f} %; weeks with skill >= 0: {at_least_zero} of {PV_WINDOWS}"
    )
    return overall, at_least_zero, PV_WINDOWS


def with_perfect_weather(series: MeasuredSeries) -> None:
    """B with the measured irradiance of the forecast days as a future regressor (an upper bound)."""
    ghi = serf_east_satellite_ghi()
    result = run(series, 4, 7 * DAY, future_regressors={"ghi": ghi})
    best = best_baseline_mae(result)
    print(
        f"    B with a perfect weather forecast (the satellite GHI measured on the forecast days "
        f"as a regressor; an upper bound, not a forecast): MAE {result.metrics.mae:.4g}, skill "
        f"vs the best baseline {100 * skill(result.metrics.mae, best):+.1f} %"
    )


def time_forecast() -> None:
    series = serf_east_ac_power()
    values = series.values
    end = values.index[-1] + (values.index[1] - values.index[0])
    for model in ("auto", "boosted"):
        walls, cpus = [], []
        for _ in range(REPEATS):
            wall, cpu = time.perf_counter(), time.process_time()
            result = forecast(
                values,
                belief_time=end,
                n_steps=96,
                model=model,
                timezone=series.timezone,
                solar_site=site_of(series),
            )
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        print(
            f"  {model:8s} ({result.model}): best {min(walls):.2f} s, median "
            f"{statistics.median(walls):.2f} s wall ({statistics.median(cpus):.2f} s CPU)"
        )


def main() -> None:
    print(f"cores {os.cpu_count()}")
    summary = []
    for series in all_series():
        values = series.values
        print(
            f"\n{series.name} ({series.kind}): {len(values)} values from "
            f"{values.index[0].tz_convert(series.timezone)}, {series.source}"
        )
        began = time.perf_counter()
        last_week = run(series, 1, DAY)
        a = report("A, last week", last_week, series.unit)
        if site_of(series) is not None:  # weather-driven: no weekly pattern to know in advance
            ceiling, ceiling_skill = hindsight_ceiling(series, last_week)
            print(
                f"    ceiling without weather data: best fixed daily profile in hindsight MAE "
                f"{ceiling:.4g}, skill vs the best baseline {100 * ceiling_skill:+.1f} %"
            )
        b = report("B, last 4 weeks", run(series, 4, 7 * DAY), series.unit)
        if site_of(series) is not None:
            plain = run(series, 4, 7 * DAY, solar=False)
            print(f"    B without clear-sky inputs: MAE {plain.metrics.mae:.4g}")
        if series.kind == "solar":
            with_perfect_weather(series)
        print(f"  ({time.perf_counter() - began:.0f} s)")
        summary.append((series.kind, a, b))
    began = time.perf_counter()
    overall, good, n = pv_windows()
    print(f"  ({time.perf_counter() - began:.0f} s)")
    print("\nskill against the best baseline (A last week / B last 4 weeks):")
    for kind, a, b in summary:
        print(f"  {kind:12s} {100 * a:+6.1f} % / {100 * b:+6.1f} %")
    print(
        f"  PV, {n} weeks 2011-2013 (A): {100 * overall:+.1f} % in total, {good} of {n} weeks >= 0"
    )
    print("\ntrain + predict, one 24 h forecast, 8 weeks of 15-min PV data:")
    time_forecast()


if __name__ == "__main__":
    main()
