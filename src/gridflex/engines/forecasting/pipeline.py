"""Train the requested model at one origin and predict from any later origin, on a prepared grid.

Shared by :func:`~.forecast.forecast` (one train, one predict) and
:func:`~.backtest.backtest` (a train every ``retrain_frequency``, a predict per
run). The model is a base model (:mod:`.components`), a blend of two (the mean
of their forecasts), or, for ``auto``, the weighted mean of those that
:mod:`.selection` finds best on the data known at the origin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gridflex.engines.forecasting.components import (
    SEASONS,
    Fitted,
    Workspace,
    check_history,
    check_regressors,
    fit,
    known_rows,
    make_workspace,
)
from gridflex.engines.forecasting.components import predict as predict_one
from gridflex.engines.forecasting.errors import InsufficientHistoryError
from gridflex.engines.forecasting.features import FloatArray, IntArray
from gridflex.engines.forecasting.selection import Selection, parts, select_model
from gridflex.timing import format_duration

#: Version of the feature set and model recipe; goes into the data-source record.
#: 2: model selection (``auto``), persistence, blends, clear-sky features for solar sites.
#: 3: ``auto`` combines the three best candidates of a four-week backtest.
MODEL_VERSION = "3"

__all__ = ["MODEL_VERSION", "TrainedModel", "Workspace", "make_workspace", "predict", "train"]


@dataclass(frozen=True)
class TrainedModel:
    """A model fitted at one origin, with what the data-source record needs.

    ``name`` is the model used (``boosted``, ``naive-daily``, a blend such as
    ``boosted+naive-weekly``, a combination ``a | b+c | d`` chosen by ``auto``);
    ``components`` its fitted base models; ``weights`` theirs in the forecast
    (sum 1); ``selection`` how ``auto`` chose them.
    """

    name: str
    components: dict[str, Fitted]
    weights: dict[str, float]
    train_start: pd.Timestamp
    train_end: pd.Timestamp
    first: int
    n_train_values: int
    params: dict[str, Any]
    selection: Selection | None = None


def train(
    ws: Workspace,
    *,
    origin: int,
    window: tuple[pd.Timestamp, pd.Timestamp],
    leads: tuple[int, int],
) -> TrainedModel:
    """Fit the requested model on the known target in ``window`` (event starts before ``origin``).

    Raises
    ------
    InsufficientHistoryError
        Fewer than two days of known target values in the window, or a
        regressor without any value in it.
    """
    grid, options = ws.grid, ws.options
    rows = known_rows(ws, origin=origin, window=window)
    belief = grid.index[0] + origin * grid.resolution
    check_history(len(rows), resolution=grid.resolution, belief=belief)
    selection = None
    name = options.model
    chosen = {name: 1.0}
    if name == "auto":
        if options.probabilistic:
            name = "boosted"  # the one model that forecasts quantiles
            chosen = {name: 1.0}
        else:
            selection = select_model(ws, origin=origin, leads=leads)
            name, chosen = selection.chosen, selection.weights
    fitted: dict[str, Fitted] = {}
    params: dict[str, Any] = {
        "model": name,
        "version": MODEL_VERSION,
        "train_start": window[0].isoformat(),
        "train_end": window[1].isoformat(),
        "timezone": options.timezone,
    }
    if options.solar_site is not None:
        site = options.solar_site
        params["solar_site"] = [site.latitude, site.longitude]
    weights = parts(chosen)
    if len(chosen) > 1:
        params["weights"] = chosen
    for part in weights:
        fitted[part], part_params = fit(ws, part, origin=origin, rows=rows, leads=leads)
        if len(weights) == 1:
            params.update(part_params)
        else:
            params.setdefault("components", {})[part] = part_params
    first = max(0, grid.ceil_position(window[0]))
    return TrainedModel(name, fitted, weights, *window, first, len(rows), params, selection)


def predict(
    ws: Workspace, trained: TrainedModel, *, origin: int, rows: IntArray
) -> tuple[FloatArray, dict[float, FloatArray] | None]:
    """Values (and quantiles, if fitted for them) for target positions ``rows`` >= ``origin``.

    A blend or combination is the weighted mean of its parts where they
    forecast (the weights of those that do, rescaled to sum 1).
    A future regressor without values at ``rows`` is refused whichever model
    was chosen: the request counted on it.
    """
    if ws.options.model in ("auto", "boosted"):
        check_regressors(ws, rows, where="the forecast window", past=False)
    outputs = [
        predict_one(ws, model, origin=origin, rows=rows, first=trained.first)
        for model in trained.components.values()
    ]
    if len(outputs) == 1:
        values, quantiles = outputs[0]
    else:
        stacked = np.vstack([values for values, _ in outputs])
        values, quantiles = _mean_known(stacked, np.array(list(trained.weights.values()))), None
    _check_complete(ws, trained, values, rows)
    return values, quantiles


def _mean_known(stacked: FloatArray, weights: FloatArray) -> FloatArray:
    """Weighted mean over the rows of ``stacked`` per column, of the known values only (NaN if none)."""
    known = ~np.isnan(stacked)
    w = np.where(known, weights[:, None], 0.0)
    total = (np.where(known, stacked, 0.0) * w).sum(axis=0)
    count = w.sum(axis=0)
    return np.divide(total, count, out=np.full(stacked.shape[1], np.nan), where=count > 0)


def _check_complete(
    ws: Workspace, trained: TrainedModel, values: FloatArray, rows: IntArray
) -> None:
    """Refuse a forecast with holes: a naive model without a value to copy."""
    missing = np.flatnonzero(np.isnan(values))
    if not len(missing):
        return
    season = SEASONS.get(trained.name)
    what = (
        f"copies the value {format_duration(season)} earlier and needs at least "
        f"{season.days} day(s) of history before the forecast"
        if season is not None
        else "needs a known value before the forecast"
    )
    raise InsufficientHistoryError(
        f"Model {trained.name} {what}; no known value to copy for "
        f"{ws.grid.index[rows[missing[0]]].isoformat()} within the training window "
        f"{trained.train_start.isoformat()} to {trained.train_end.isoformat()}."
    )
