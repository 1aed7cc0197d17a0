"""Train a model at one origin and predict from any later origin, on a prepared grid.

Shared by :func:`~.forecast.forecast` (one train, one predict) and
:func:`~.backtest.backtest` (a train every ``retrain_frequency``, a predict per
run). Positions are grid positions; the origin is the first step whose event
starts at or after the belief time, so "known" means "at a position before
the origin".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gridflex.engines.forecasting.errors import InsufficientHistoryError
from gridflex.engines.forecasting.features import (
    FeatureSpec,
    FloatArray,
    IntArray,
    calendar_features,
    feature_matrix,
    known_history,
)
from gridflex.engines.forecasting.grid import SeriesGrid
from gridflex.engines.forecasting.models import BoostedModel, SeasonalNaive
from gridflex.engines.forecasting.options import MIN_TRAIN_PERIOD, ForecastOptions
from gridflex.timing import format_duration

#: Version of the feature set and model recipe; goes into the data-source record.
MODEL_VERSION = "1"


@dataclass(frozen=True)
class Workspace:
    """A grid with its calendar features and feature spec, built once per call."""

    grid: SeriesGrid
    calendar: FloatArray
    spec: FeatureSpec
    options: ForecastOptions


@dataclass(frozen=True)
class TrainedModel:
    """A model fitted at one origin, with what the data-source record needs."""

    model: BoostedModel | SeasonalNaive
    train_start: pd.Timestamp
    train_end: pd.Timestamp
    first: int
    n_train_values: int
    params: dict[str, Any]


def make_workspace(grid: SeriesGrid, options: ForecastOptions) -> Workspace:
    spec = FeatureSpec(
        steps_per_day=grid.steps_per_day,
        step_h=grid.resolution / pd.Timedelta(hours=1),
        timezone=options.timezone,
        past_names=tuple(grid.past),
        future_names=tuple(grid.future),
    )
    return Workspace(grid, calendar_features(grid.index, options.timezone), spec, options)


def train(
    ws: Workspace,
    *,
    origin: int,
    window: tuple[pd.Timestamp, pd.Timestamp],
    leads: tuple[int, int],
) -> TrainedModel:
    """Fit the chosen model on the known target in ``window`` (event starts before ``origin``).

    Raises
    ------
    InsufficientHistoryError
        Fewer than two days of known target values in the window, or a
        regressor without any value in it.
    """
    grid, options = ws.grid, ws.options
    first = max(0, grid.ceil_position(window[0]))
    last = min(origin, grid.ceil_position(window[1]))
    rows = np.arange(first, max(first, last), dtype=np.int64)
    rows = rows[~np.isnan(grid.target[rows])]
    belief = grid.index[0] + origin * grid.resolution
    check_history(len(rows), resolution=grid.resolution, belief=belief)
    params = {
        "model": options.model,
        "version": MODEL_VERSION,
        "train_start": window[0].isoformat(),
        "train_end": window[1].isoformat(),
        "timezone": options.timezone,
    }
    if options.season is not None:
        season_steps = int(pd.Timedelta(options.season) // grid.resolution)
        params["season"] = format_duration(options.season)
        return TrainedModel(SeasonalNaive(season_steps), *window, first, len(rows), params)
    _check_regressors(ws, rows, where="the training window")
    history = known_history(grid.target, grid.past, origin=origin, spec=ws.spec)
    rng = np.random.default_rng(options.seed)
    lead = rng.integers(leads[0], leads[1] + 1, size=len(rows), dtype=np.int64)
    features = feature_matrix(
        history, calendar=ws.calendar, future=grid.future, rows=rows, lead=lead, spec=ws.spec
    )
    quantiles = options.quantiles if options.probabilistic else None
    boosted = BoostedModel(quantiles=quantiles, params=options.model_params)
    boosted.fit(features, grid.target[rows])
    names = ws.spec.names()
    used = [name for name, keep in zip(names, boosted.used_columns, strict=True) if keep]
    params.update(boosted.describe(), features=used, leads=list(leads))
    return TrainedModel(boosted, *window, first, len(rows), params)


def predict(
    ws: Workspace, trained: TrainedModel, *, origin: int, rows: IntArray
) -> tuple[FloatArray, dict[float, FloatArray] | None]:
    """Values (and quantiles, if fitted for them) for target positions ``rows`` >= ``origin``."""
    grid = ws.grid
    lead = rows - origin + 1
    model = trained.model
    if isinstance(model, SeasonalNaive):
        known = known_history(grid.target, {}, origin=origin, spec=ws.spec).target
        values = model.predict(known, rows=rows, lead=lead, first=trained.first)
        _check_naive(ws, values, rows, trained)
        return values, None
    _check_regressors(ws, rows, where="the forecast window", past=False)
    history = known_history(grid.target, grid.past, origin=origin, spec=ws.spec)
    features = feature_matrix(
        history, calendar=ws.calendar, future=grid.future, rows=rows, lead=lead, spec=ws.spec
    )
    if model.quantiles is None:
        return model.predict(features), None
    quantiles = model.predict_quantiles(features)
    return quantiles[0.5], quantiles


def check_history(n_found: int, *, resolution: pd.Timedelta, belief: pd.Timestamp) -> None:
    """Refuse to train on fewer than :data:`MIN_TRAIN_PERIOD` worth of known values."""
    needed = int(pd.Timedelta(MIN_TRAIN_PERIOD) // resolution)
    if n_found >= needed:
        return
    raise InsufficientHistoryError(
        f"Forecasting needs at least {MIN_TRAIN_PERIOD.days} days of history before the belief "
        f"time {belief.isoformat()}: {needed} values at {format_duration(resolution)}; "
        f"found {n_found} known value(s) ({format_duration(n_found * resolution)}) "
        f"in the training window."
    )


def _check_regressors(ws: Workspace, rows: IntArray, *, where: str, past: bool = True) -> None:
    groups = [("future", ws.grid.future)] + ([("past", ws.grid.past)] if past else [])
    for kind, arrays in groups:
        for name, values in arrays.items():
            if len(rows) and np.isnan(values[rows]).all():
                raise InsufficientHistoryError(
                    f"The {kind} regressor {name!r} has no values in {where} "
                    f"({ws.grid.index[rows[0]].isoformat()} to "
                    f"{(ws.grid.index[rows[-1]] + ws.grid.resolution).isoformat()})."
                )


def _check_naive(ws: Workspace, values: FloatArray, rows: IntArray, trained: TrainedModel) -> None:
    missing = np.flatnonzero(np.isnan(values))
    if not len(missing):
        return
    season = ws.options.season
    assert season is not None
    raise InsufficientHistoryError(
        f"Model {ws.options.model} copies the value {format_duration(season)} earlier and needs "
        f"at least {season.days} day(s) of history before the forecast; no known value to copy "
        f"for {ws.grid.index[rows[missing[0]]].isoformat()} within the training window "
        f"{trained.train_start.isoformat()} to {trained.train_end.isoformat()}."
    )
