"""One forecast: train on the history known at a belief time, predict the steps after it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from gridflex.engines.forecasting import pipeline
from gridflex.engines.forecasting.errors import ForecastConfigError
from gridflex.engines.forecasting.features import FeatureSpec
from gridflex.engines.forecasting.grid import (
    build_grid,
    check_resolution,
    infer_resolution,
    to_utc_series,
)
from gridflex.engines.forecasting.options import (
    DEFAULT_MAX_TRAINING_PERIOD,
    QUANTILES,
    make_options,
    to_timestamp,
    training_window,
)
from gridflex.engines.forecasting.selection import VALIDATION_DAYS, Selection
from gridflex.engines.forecasting.solar import SolarSite


@dataclass(frozen=True)
class ForecastResult:
    """A forecast made at one belief time.

    Attributes
    ----------
    values : Series
        Forecast per event start (UTC): the median when probabilistic, else
        the point forecast (mean for ``boosted``, the copied value for naive).
    quantiles : dict of float to Series, or None
        Forecast per cumulative probability (0.1, 0.5, 0.9 by default), ordered
        so that lower probabilities never exceed higher ones.
    belief_time : Timestamp
        When the forecast counts as made; only data before it was used.
    resolution : Timedelta
        Step of the forecast (the target's resolution).
    model, model_version : str
        The model used (for ``auto``: the one chosen, e.g. ``boosted`` or the blend
        ``boosted+naive-weekly``) and the recipe version, for the data-source record.
    model_params : dict
        JSON-friendly settings of the fitted model, for the data-source record.
    train_start, train_end : Timestamp
        The training window ``[train_start, train_end)``.
    n_train_values : int
        Known target values in the training window.
    selection : Selection or None
        For ``auto``: the candidates' errors in the backtest before the belief
        time, the one chosen and its skill against each baseline.
    """

    values: pd.Series
    quantiles: dict[float, pd.Series] | None
    belief_time: pd.Timestamp
    resolution: pd.Timedelta
    model: str
    model_version: str
    model_params: dict[str, Any]
    train_start: pd.Timestamp
    train_end: pd.Timestamp
    n_train_values: int
    selection: Selection | None = None

    def to_beliefs(self) -> pd.DataFrame:
        """One row per belief: ``event_start, belief_time, cumulative_probability, event_value``.

        Without quantiles every value is stored at probability 0.5.
        """
        parts = self.quantiles.items() if self.quantiles else [(0.5, self.values)]
        frames = [
            pd.DataFrame(
                {
                    "event_start": series.index,
                    "belief_time": self.belief_time,
                    "cumulative_probability": probability,
                    "event_value": series.to_numpy(),
                }
            )
            for probability, series in parts
        ]
        return pd.concat(frames, ignore_index=True)


def forecast(
    target: pd.Series,
    *,
    belief_time: datetime | pd.Timestamp,
    start: datetime | pd.Timestamp | None = None,
    n_steps: int | None = None,
    end: datetime | pd.Timestamp | None = None,
    resolution: timedelta | pd.Timedelta | None = None,
    model: str = "auto",
    train_start: datetime | pd.Timestamp | None = None,
    train_period: timedelta | pd.Timedelta | None = None,
    max_training_period: timedelta | pd.Timedelta = DEFAULT_MAX_TRAINING_PERIOD,
    past_regressors: Mapping[str, pd.Series] | None = None,
    future_regressors: Mapping[str, pd.Series] | None = None,
    probabilistic: bool = False,
    quantiles: Sequence[float] = QUANTILES,
    timezone: str = "UTC",
    model_params: Mapping[str, Any] | None = None,
    seed: int = 0,
    solar_site: SolarSite | None = None,
) -> ForecastResult:
    """Forecast ``target`` for the steps ``[start, end)`` as known at ``belief_time``.

    Parameters
    ----------
    target : Series
        History of the sensor on a tz-aware DatetimeIndex of event starts at
        a fixed resolution, NaN (or absent) for gaps. Values with an event
        start at or after ``belief_time`` are ignored, whatever they are.
    belief_time : datetime
        Moment the forecast is made (aware).
    start : datetime, optional
        First event start to forecast, on the target's grid and not before
        ``belief_time``; default: the first grid step at or after it.
    n_steps, end : int or datetime
        How far to forecast: a number of steps, or the end (exclusive) of the
        last step. Give exactly one.
    resolution : timedelta, optional
        Step of the target; inferred from its index when absent.
    model : {"auto", "boosted", "naive-daily", "naive-weekly", "persistence"}
        ``auto`` backtests the others (and blends of two) on the history
        before ``belief_time`` and uses the best; see :mod:`.selection`.
        With ``probabilistic`` it uses ``boosted``.
    train_start, train_period, max_training_period
        The training window, see :func:`~.options.training_window`.
        ``train_period`` and ``max_training_period`` are at least 2 days.
    past_regressors : mapping of str to Series, optional
        Other sensors known only up to the belief time (lagged like the target).
    future_regressors : mapping of str to Series, optional
        Other sensors known over the forecast window too, e.g. a weather
        forecast made before ``belief_time``; read at each step itself.
    probabilistic : bool
        Also forecast ``quantiles`` (then ``values`` is the 0.5 quantile).
    quantiles : sequence of float
        Cumulative probabilities to forecast when ``probabilistic``.
    timezone : str
        Timezone for the hour-of-day and weekday features.
    model_params : mapping, optional
        Overrides of the gradient-boosting settings (``max_iter``, ...).
    seed : int
        Seed for drawing the training leads (the model itself is deterministic).
    solar_site : SolarSite, optional
        Location of a solar asset: adds clear-sky irradiance and sun elevation
        features (see :mod:`.features`).

    Returns
    -------
    ForecastResult

    Raises
    ------
    ForecastConfigError
        Inconsistent options or input series (names the field).
    InsufficientHistoryError
        Less than 2 days of known history, or too little for the naive season,
        or a regressor without values where they are needed.
    """
    options = make_options(
        model=model,
        probabilistic=probabilistic,
        quantiles=quantiles,
        train_start=train_start,
        train_period=train_period,
        max_training_period=max_training_period,
        timezone=timezone,
        model_params=model_params,
        seed=seed,
        solar_site=solar_site,
    )
    series, res = prepare_target(target, resolution=resolution)
    belief = to_timestamp(belief_time, field="belief_time")
    origin_time = ceil_to_grid(belief, series.index[0], res)
    first_time = origin_time if start is None else to_timestamp(start, field="start")
    if first_time < belief:
        raise ForecastConfigError(
            f"start {first_time.isoformat()} is before the belief time {belief.isoformat()}.",
            field="start",
        )
    end_time = _end_time(first_time, n_steps=n_steps, end=end, resolution=res)
    if series.index[0] >= belief:  # nothing at all before the belief time
        pipeline.check_history(0, resolution=res, belief=belief)
    window = training_window(options, origin_time)
    n_leads = int((end_time - origin_time) // res)
    grid = build_grid(
        series,
        resolution=res,
        first=window[0] - lookback(n_leads, res) * res,
        end=end_time,
        past_regressors=past_regressors or {},
        future_regressors=future_regressors or {},
    )
    ws = pipeline.make_workspace(grid, options)
    origin = grid.ceil_position(belief)
    rows = np.arange(grid.position(first_time, field="start"), len(grid.index), dtype=np.int64)
    trained = pipeline.train(
        ws, origin=origin, window=window, leads=(int(rows[0] - origin + 1), n_leads)
    )
    values, quantile_values = pipeline.predict(ws, trained, origin=origin, rows=rows)
    return make_result(
        ws, trained, belief=belief, rows=rows, values=values, quantiles=quantile_values
    )


def prepare_target(
    target: pd.Series, *, resolution: timedelta | pd.Timedelta | None
) -> tuple[pd.Series, pd.Timedelta]:
    """The target in UTC with its checked resolution; an empty target is refused."""
    series = to_utc_series(target, field="target")
    if series.dropna().empty:
        raise ForecastConfigError("target holds no values to learn from.", field="target")
    res = infer_resolution(series, field="target") if resolution is None else resolution
    return series, check_resolution(res)


def ceil_to_grid(
    moment: pd.Timestamp, anchor: pd.Timestamp, resolution: pd.Timedelta
) -> pd.Timestamp:
    """The first step of the grid ``anchor + k * resolution`` starting at or after ``moment``."""
    return anchor + (-(-(moment - anchor) // resolution)) * resolution


def lookback(n_leads: int, resolution: pd.Timedelta) -> int:
    """Grid steps before the training window that the lag features may read.

    Model selection trains its backtest runs up to ``n_leads`` steps plus
    :data:`~.selection.VALIDATION_DAYS` before the origin; the grid starts
    early enough for their features too.
    """
    steps_per_day = int(pd.Timedelta(days=1) // resolution)
    features = FeatureSpec(steps_per_day, 0.0).lookback_steps(max(1, n_leads))
    return features + max(1, n_leads) + VALIDATION_DAYS * steps_per_day


def make_result(
    ws: pipeline.Workspace,
    trained: pipeline.TrainedModel,
    *,
    belief: pd.Timestamp,
    rows: np.ndarray,
    values: np.ndarray,
    quantiles: dict[float, np.ndarray] | None,
) -> ForecastResult:
    """Wrap arrays for target positions ``rows`` into a :class:`ForecastResult`."""
    index = ws.grid.index[rows]
    return ForecastResult(
        values=pd.Series(values, index=index, name="forecast"),
        quantiles=None
        if quantiles is None
        else {
            q: pd.Series(v, index=index, name=f"p{round(q * 100):g}") for q, v in quantiles.items()
        },
        belief_time=belief,
        resolution=ws.grid.resolution,
        model=trained.name,
        model_version=pipeline.MODEL_VERSION,
        model_params=trained.params,
        train_start=trained.train_start,
        train_end=trained.train_end,
        n_train_values=trained.n_train_values,
        selection=trained.selection,
    )


def _end_time(
    start: pd.Timestamp, *, n_steps: int | None, end: Any, resolution: pd.Timedelta
) -> pd.Timestamp:
    if (n_steps is None) == (end is None):
        raise ForecastConfigError("Give exactly one of n_steps and end.", field="n_steps")
    if n_steps is not None:
        if int(n_steps) < 1:
            raise ForecastConfigError(
                f"n_steps must be at least 1; got {n_steps}.", field="n_steps"
            )
        return start + int(n_steps) * resolution
    end_time = to_timestamp(end, field="end")
    if end_time <= start or (end_time - start) % resolution != pd.Timedelta(0):
        raise ForecastConfigError(
            f"end {end_time.isoformat()} must come a whole number of {resolution} steps after "
            f"start {start.isoformat()}.",
            field="end",
        )
    return end_time
