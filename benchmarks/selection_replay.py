"""Replay of ``auto``'s selection rule over 2.7 years of measured PV output: many more weeks than
``forecasting_real.py`` can afford to forecast one by one.

Each candidate's day-ahead forecast (made at local midnight from the data before it) is computed
once for every day of PVDAQ system 50 (SERF East, April 2011 to December 2013; see
``measured_series.py``), the boosted model refitted weekly on the eight weeks before. Then the
selection rules are replayed day by day on those forecasts, each choosing from the days before:

- recipe 2: the single best candidate of a 14-day backtest;
- recipe 3 (now): a 28-day backtest, the inverse-error weighted mean of the three best used when it
  backtests better than the best alone (:func:`gridflex.engines.forecasting.selection.combine`).

Scored like ``forecasting_real.py``: against each week's (or four weeks') best baseline in
hindsight, in total (summed MAE) and how many periods reach skill >= 0. The replay differs from
the engine's own backtest only in when the boosted model is refitted.

Run: ``.venv/bin/python benchmarks/selection_replay.py`` (under a minute on 2 cores).
"""

from __future__ import annotations

import time

import numpy as np
from measured_series import system_50_ac_power

from gridflex.engines.forecasting import components
from gridflex.engines.forecasting.components import make_workspace
from gridflex.engines.forecasting.grid import build_grid
from gridflex.engines.forecasting.options import make_options
from gridflex.engines.forecasting.selection import BASELINES, BLENDS, CANDIDATES, combine
from gridflex.engines.forecasting.solar import SolarSite

TRAIN_DAYS = 56
#: First scored day: four weeks of backtest and a week for naive-weekly before it.
FIRST_DAY = 36
FloatArray = np.ndarray


def day_ahead_forecasts() -> tuple[dict[str, FloatArray], FloatArray]:
    """Per candidate, its forecast of every day (days x steps), and the actual values."""
    series = system_50_ac_power()
    values = series.values
    resolution = values.index[1] - values.index[0]
    site = SolarSite(series.latitude, series.longitude)  # type: ignore[arg-type]
    options = make_options(timezone=series.timezone, solar_site=site)
    grid = build_grid(
        values,
        resolution=resolution,
        first=values.index[0],
        end=values.index[-1] + resolution,
        past_regressors={},
        future_regressors={},
    )
    ws = make_workspace(grid, options)
    day = grid.steps_per_day
    n_days = len(grid.index) // day
    leads = (1, day)
    names = components.base_models(ws)
    none = np.zeros(0, dtype=np.int64)
    simple = {
        n: components.fit(ws, n, origin=0, rows=none, leads=leads)[0]
        for n in names
        if n != "boosted"
    }
    out = {n: np.full((n_days, day), np.nan) for n in names}
    actual = np.full((n_days, day), np.nan)
    boosted, fitted_at = None, -(10**9)
    for d in range(2, n_days):
        origin = d * day
        rows = np.arange(origin, origin + day, dtype=np.int64)
        first = max(0, origin - TRAIN_DAYS * day)
        actual[d] = grid.target[rows]
        known = grid.target.copy()
        known[origin:] = np.nan
        for name, model in simple.items():
            out[name][d] = model.predict(known, rows=rows, lead=rows - origin + 1, first=first)
        if origin - fitted_at >= 7 * day:
            window = (grid.index[first], grid.index[origin])
            train_rows = components.known_rows(ws, origin=origin, window=window)
            if len(train_rows) >= 2 * day:
                boosted = components.fit(
                    ws, "boosted", origin=origin, rows=train_rows, leads=leads
                )[0]
                fitted_at = origin
        if boosted is not None:
            out["boosted"][d] = components.predict(
                ws, boosted, origin=origin, rows=rows, first=first
            )[0]
    for a, b in BLENDS:
        out[f"{a}+{b}"] = (out[a] + out[b]) / 2
    return out, actual


def choose(
    forecasts: dict[str, FloatArray], actual: FloatArray, day: int, days: int, combined: bool
) -> dict[str, float]:
    """Weights of the candidates a rule uses for ``day``, from the ``days`` before it."""
    past = slice(max(9, day - days), day)
    known = ~np.isnan(actual[past])
    names = [n for n in forecasts if not np.isnan(forecasts[n][past][known]).any()]
    errors = {
        n: float(np.mean(np.abs(forecasts[n][past][known] - actual[past][known]))) for n in names
    }
    ranked = sorted(names, key=lambda n: (errors[n], CANDIDATES.index(n)))
    best = {ranked[0]: 1.0}
    top = combine(ranked, errors) if combined else best
    if len(top) == 1:
        return best
    mix = np.sum([w * forecasts[n][past][known] for n, w in top.items()], axis=0)
    return top if np.mean(np.abs(mix - actual[past][known])) < errors[ranked[0]] else best


def replay(
    forecasts: dict[str, FloatArray], actual: FloatArray, days: int, combined: bool, every: int
) -> FloatArray:
    out = np.full_like(actual, np.nan)
    weights: dict[str, float] = {}
    for day in range(FIRST_DAY, len(actual)):
        if (day - FIRST_DAY) % every == 0:
            weights = choose(forecasts, actual, day, days, combined)
        out[day] = np.sum([w * forecasts[n][day] for n, w in weights.items()], axis=0)
    return out


def score(forecasts: dict[str, FloatArray], actual: FloatArray, out: FloatArray, length: int):
    """Total skill vs each period's best baseline, and the share of periods with skill >= 0."""
    n_days = len(actual)
    mae, best, good = 0.0, 0.0, []
    for start in range(n_days - length, FIRST_DAY - 1, -length):
        period = slice(start, start + length)
        ok = ~np.isnan(actual[period]) & ~np.isnan(out[period])
        for b in BASELINES:
            ok &= ~np.isnan(forecasts[b][period])
        if ok.sum() < actual[period].size / 2:
            continue
        m = float(np.mean(np.abs(out[period][ok] - actual[period][ok])))
        b = min(
            float(np.mean(np.abs(forecasts[n][period][ok] - actual[period][ok]))) for n in BASELINES
        )
        mae, best = mae + m, best + b
        good.append(m <= b)
    return 1 - mae / best, sum(good), len(good)


def main() -> None:
    began = time.perf_counter()
    forecasts, actual = day_ahead_forecasts()
    print(f"day-ahead forecasts of {len(actual)} days ({time.perf_counter() - began:.0f} s)")
    rules = {"recipe 2 (14 days, best)": (14, False), "recipe 3 (28 days, top-3 mean)": (28, True)}
    for label, (days, combined) in rules.items():
        cells = []
        for length, every in ((7, 1), (28, 7)):
            out = replay(forecasts, actual, days, combined, every)
            total, good, n = score(forecasts, actual, out, length)
            cells.append(f"{length}-day periods {100 * total:+.1f} %, {good} of {n} >= 0")
        print(f"  {label}: " + "; ".join(cells))


if __name__ == "__main__":
    main()
