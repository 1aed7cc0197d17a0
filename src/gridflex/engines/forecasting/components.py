"""The base models on a prepared grid: fit one at an origin, predict from any later origin.

Base models are ``persistence``, ``naive-daily``, ``naive-weekly`` and
``boosted``; :mod:`.pipeline` combines them (blends, ``auto``) and
:mod:`.selection` compares them. Positions are grid positions; the origin is
the first step whose event starts at or after the belief time, so "known"
means "at a position before the origin".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from gridflex.engines.forecasting.errors import InsufficientHistoryError
from gridflex.engines.forecasting.features import (
    FeatureSpec,
    FloatArray,
    IntArray,
    SunPath,
    calendar_features,
    feature_matrix,
    known_history,
)
from gridflex.engines.forecasting.grid import SeriesGrid
from gridflex.engines.forecasting.models import (
    BoostedModel,
    Persistence,
    SeasonalMedian,
    SeasonalNaive,
)
from gridflex.engines.forecasting.options import MIN_TRAIN_PERIOD, ForecastOptions
from gridflex.engines.forecasting.solar import clear_sky
from gridflex.timing import format_duration

#: The models every other model is made of, simplest first (ties go to the simpler one).
#: ``clearsky-median`` needs the clear sky of a solar site.
BASE_MODELS = (
    "persistence",
    "naive-daily",
    "naive-weekly",
    "median-daily",
    "clearsky-median",
    "boosted",
)
SEASONS = {"naive-daily": timedelta(days=1), "naive-weekly": timedelta(days=7)}
#: Days whose same-time values the median models take the middle of.
MEDIAN_DAYS = 14

Fitted = BoostedModel | SeasonalNaive | SeasonalMedian | Persistence


@dataclass(frozen=True)
class Workspace:
    """A grid with its calendar features, feature spec and (solar) sun path, built once per call."""

    grid: SeriesGrid
    calendar: FloatArray
    spec: FeatureSpec
    options: ForecastOptions
    sun: SunPath | None = None

    def known_at(self, origin: int) -> Workspace:
        """The same workspace with the target and past regressors unknown from ``origin`` on.

        Model selection works on this copy, so that its backtest cannot read an
        actual value at or after the forecast's own origin.
        """
        grid = self.grid
        target = grid.target.copy()
        target[max(origin, 0) :] = np.nan
        past = {name: values.copy() for name, values in grid.past.items()}
        for values in past.values():
            values[max(origin, 0) :] = np.nan
        return replace(self, grid=replace(grid, target=target, past=past))


def base_models(ws: Workspace) -> tuple[str, ...]:
    """The base models this workspace can run (the clear-sky one only at a solar site)."""
    return tuple(name for name in BASE_MODELS if name != "clearsky-median" or ws.sun is not None)


def make_workspace(grid: SeriesGrid, options: ForecastOptions) -> Workspace:
    spec = FeatureSpec(
        steps_per_day=grid.steps_per_day,
        step_h=grid.resolution / pd.Timedelta(hours=1),
        timezone=options.timezone,
        past_names=tuple(grid.past),
        future_names=tuple(grid.future),
        solar=options.solar_site is not None,
    )
    sun = None
    if options.solar_site is not None:
        ghi, elevation = clear_sky(grid.index, grid.resolution, options.solar_site)
        sun = SunPath.make(ghi, elevation, grid.steps_per_day)
    return Workspace(grid, calendar_features(grid.index, options.timezone), spec, options, sun)


def known_rows(
    ws: Workspace, *, origin: int, window: tuple[pd.Timestamp, pd.Timestamp]
) -> IntArray:
    """Positions of known target values in ``window`` that start before ``origin``."""
    grid = ws.grid
    first = max(0, grid.ceil_position(window[0]))
    last = min(origin, grid.ceil_position(window[1]))
    rows = np.arange(first, max(first, last), dtype=np.int64)
    return rows[~np.isnan(grid.target[rows])]


def fit(
    ws: Workspace, name: str, *, origin: int, rows: IntArray, leads: tuple[int, int]
) -> tuple[Fitted, dict[str, Any]]:
    """Fit base model ``name`` on the known target at ``rows``; also its data-source settings."""
    if name == "persistence":
        return Persistence(), {}
    if name in ("median-daily", "clearsky-median"):
        clear = None if name == "median-daily" or ws.sun is None else ws.sun.ghi
        model = SeasonalMedian(ws.grid.steps_per_day, MEDIAN_DAYS, clear_sky=clear)
        return model, {"season": "P1D", "cycles": MEDIAN_DAYS}
    if name in SEASONS:
        season = SEASONS[name]
        return SeasonalNaive(int(pd.Timedelta(season) // ws.grid.resolution)), {
            "season": format_duration(season)
        }
    grid, options = ws.grid, ws.options
    check_regressors(ws, rows, where="the training window")
    history = known_history(grid.target, grid.past, origin=origin, spec=ws.spec)
    rng = np.random.default_rng(options.seed)
    lead = rng.integers(leads[0], leads[1] + 1, size=len(rows), dtype=np.int64)
    features = feature_matrix(
        history,
        calendar=ws.calendar,
        future=grid.future,
        rows=rows,
        lead=lead,
        spec=ws.spec,
        sun=ws.sun,
    )
    quantiles = options.quantiles if options.probabilistic else None
    boosted = BoostedModel(quantiles=quantiles, params=options.model_params)
    boosted.fit(features, grid.target[rows])
    names = ws.spec.names()
    used = [n for n, keep in zip(names, boosted.used_columns, strict=True) if keep]
    return boosted, {**boosted.describe(), "features": used, "leads": list(leads)}


def predict(
    ws: Workspace, model: Fitted, *, origin: int, rows: IntArray, first: int
) -> tuple[FloatArray, dict[float, FloatArray] | None]:
    """Values (and quantiles, if fitted for them) for target positions ``rows`` >= ``origin``.

    ``first`` is the earliest position a naive model may copy (the training
    window's start). Naive models give NaN where they have nothing to copy.
    """
    grid = ws.grid
    lead = rows - origin + 1
    if isinstance(model, SeasonalNaive | SeasonalMedian | Persistence):
        known = grid.target.copy()
        known[max(origin, 0) :] = np.nan
        return model.predict(known, rows=rows, lead=lead, first=first), None
    check_regressors(ws, rows, where="the forecast window", past=False)
    history = known_history(grid.target, grid.past, origin=origin, spec=ws.spec)
    features = feature_matrix(
        history,
        calendar=ws.calendar,
        future=grid.future,
        rows=rows,
        lead=lead,
        spec=ws.spec,
        sun=ws.sun,
    )
    if model.quantiles is None:
        return model.predict(features), None
    quantiles = model.predict_quantiles(features)
    return quantiles[0.5], quantiles


def check_history(n_found: int, *, resolution: pd.Timedelta, belief: pd.Timestamp) -> None:
    """Refuse to train on fewer than :data:`MIN_TRAIN_PERIOD` worth of known values."""
    needed = min_train_values(resolution)
    if n_found >= needed:
        return
    raise InsufficientHistoryError(
        f"Forecasting needs at least {MIN_TRAIN_PERIOD.days} days of history before the belief "
        f"time {belief.isoformat()}: {needed} values at {format_duration(resolution)}; "
        f"found {n_found} known value(s) ({format_duration(n_found * resolution)}) "
        f"in the training window."
    )


def min_train_values(resolution: pd.Timedelta) -> int:
    return int(pd.Timedelta(MIN_TRAIN_PERIOD) // resolution)


def check_regressors(ws: Workspace, rows: IntArray, *, where: str, past: bool = True) -> None:
    """Refuse regressors without any value at ``rows`` (past ones only when ``past``)."""
    groups = [("future", ws.grid.future)] + ([("past", ws.grid.past)] if past else [])
    for kind, arrays in groups:
        for name, values in arrays.items():
            if len(rows) and np.isnan(values[rows]).all():
                raise InsufficientHistoryError(
                    f"The {kind} regressor {name!r} has no values in {where} "
                    f"({ws.grid.index[rows[0]].isoformat()} to "
                    f"{(ws.grid.index[rows[-1]] + ws.grid.resolution).isoformat()})."
                )
