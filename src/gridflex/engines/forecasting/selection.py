"""Model selection: the candidate that forecast this sensor best on the data known before the forecast.

For a forecast made at origin ``T`` covering leads ``l0..L``, the candidates
are backtested on the :data:`VALIDATION_DAYS` days before ``T``: runs made at
``T - L - k * S`` (``S`` a day, or the horizon when shorter) that cover the same
leads, so every forecast of the backtest ends before ``T``. Each run uses only
data known at its own origin, and the whole backtest works on a copy of the
data with everything from ``T`` on removed: the selection cannot see the
future of the forecast it chooses for. The boosted model is fitted at the
first run and refitted every :data:`REFIT_DAYS` days, as a forecaster that
retrains weekly would be.

The candidates: persistence, seasonal-naive daily and weekly, the median of
the same time on the last two weeks (at a solar site also its clear-sky-scaled
form), the boosted model, and the mean of each pair in :data:`BLENDS`
(averaging two models with different errors often beats both). They are ranked
by mean absolute error (a tie goes to the simpler one). One more candidate is
the mean of the :data:`COMBINE_TOP` best, each weighted by the inverse of its
error: which of a few close candidates wins a backtest is partly chance, and
their combination is often steadier than the single winner. The combination
is used when its own backtest error is lower than the best single candidate's
(so a candidate that clearly dominates, or has no error at all, is used
alone). A candidate that cannot forecast part of the backtest (last week's value
does not exist yet) is left out, unless that leaves less than a day of values
to compare on.

The backtest covers :data:`VALIDATION_DAYS` (four weeks): a day's error of a
weather-driven series varies so much that two weeks ranked the candidates
less reliably.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gridflex.engines.forecasting import components
from gridflex.engines.forecasting.components import BASE_MODELS, Fitted, Workspace
from gridflex.engines.forecasting.errors import InsufficientHistoryError
from gridflex.engines.forecasting.features import FloatArray
from gridflex.engines.forecasting.metrics import skill
from gridflex.engines.forecasting.options import training_window

VALIDATION_DAYS = 28
#: How many of the best candidates the forecast combines.
COMBINE_TOP = 3
REFIT_DAYS = 7
MAX_RUNS = 56
BLENDS: tuple[tuple[str, str], ...] = (
    ("boosted", "naive-weekly"),
    ("boosted", "naive-daily"),
    ("naive-daily", "naive-weekly"),
    ("boosted", "median-daily"),
    ("median-daily", "naive-weekly"),
    ("boosted", "clearsky-median"),
)
#: The simple forecasts a chosen model is compared with.
BASELINES = ("naive-daily", "naive-weekly", "persistence")
FALLBACK = "boosted"


@dataclass(frozen=True)
class Selection:
    """The outcome of a model selection.

    Attributes
    ----------
    chosen : str
        The model used: a base model, a blend ``a+b``, or a combination of
        candidates ``a | b+c | d`` (see ``weights``).
    weights : dict of str to float
        The candidates combined and their weights (sum 1), best first.
    mae : dict of str to float
        Mean absolute error of each candidate over the backtest. [unit of the sensor]
    chosen_mae : float or None
        Mean absolute error of the forecast used (the combination) over the backtest. [unit of the sensor]
    skill : dict of str to float or None
        ``1 - chosen_mae / MAE_baseline`` for each baseline in the backtest. [-]
    first_run, last_run : Timestamp or None
        Origins (belief times) of the first and last backtest run.
    n_runs, n_values : int
        Backtest runs, and forecast values compared per candidate.
    note : str or None
        Why no comparison was made, when none was.
    """

    chosen: str
    weights: dict[str, float]
    mae: dict[str, float]
    chosen_mae: float | None
    skill: dict[str, float | None]
    first_run: pd.Timestamp | None
    last_run: pd.Timestamp | None
    n_runs: int
    n_values: int
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form, for job results."""
        return {
            "chosen": self.chosen,
            "weights": self.weights,
            "mae": self.mae,
            "chosen_mae": self.chosen_mae,
            "skill": self.skill,
            "first_run": None if self.first_run is None else self.first_run.isoformat(),
            "last_run": None if self.last_run is None else self.last_run.isoformat(),
            "runs": self.n_runs,
            "values": self.n_values,
            "note": self.note,
        }


def blend_name(parts: tuple[str, ...]) -> str:
    return "+".join(parts)


CANDIDATES = (*BASE_MODELS, *(blend_name(pair) for pair in BLENDS))


def candidates(*, solar: bool) -> tuple[str, ...]:
    """The candidates compared for a sensor (the clear-sky ones only at a solar site)."""
    return tuple(name for name in CANDIDATES if solar or "clearsky" not in name)


def select_model(ws: Workspace, *, origin: int, leads: tuple[int, int]) -> Selection:
    """Backtest the candidates before ``origin`` and return the best (see the module docstring)."""
    known = ws.known_at(origin)
    runs = _run_origins(known, origin=origin, leads=leads)
    if not runs:
        return _fallback(ws, origin, "too little history before the forecast to compare models")
    actual, predictions = _backtest(known, runs, leads)
    complete = _comparable(actual, predictions, min_values=ws.grid.steps_per_day)
    if complete is None:
        return _fallback(ws, origin, "less than a day of backtest values to compare models on")
    mask, names = complete
    for pair in BLENDS:
        if all(part in names for part in pair):
            predictions[blend_name(pair)] = np.mean([predictions[p] for p in pair], axis=0)
            names.append(blend_name(pair))
    errors = {n: float(np.mean(np.abs(predictions[n][mask] - actual[mask]))) for n in names}
    ranked = sorted(names, key=lambda n: (errors[n], CANDIDATES.index(n)))
    weights, chosen_mae = {ranked[0]: 1.0}, errors[ranked[0]]
    top = combine(ranked, errors)
    if len(top) > 1:  # the combination is one more candidate: used if it beats the best alone
        combined = np.sum([w * predictions[n][mask] for n, w in top.items()], axis=0)
        combined_mae = float(np.mean(np.abs(combined - actual[mask])))
        if combined_mae < chosen_mae:
            weights, chosen_mae = top, combined_mae
    return Selection(
        chosen=" | ".join(weights),
        weights=weights,
        mae=errors,
        chosen_mae=chosen_mae,
        skill={b: skill(chosen_mae, errors[b]) for b in BASELINES if b in errors},
        first_run=_time(ws, runs[0]),
        last_run=_time(ws, runs[-1]),
        n_runs=len(runs),
        n_values=int(mask.sum()),
    )


def combine(ranked: list[str], errors: dict[str, float]) -> dict[str, float]:
    """Weights of the :data:`COMBINE_TOP` best of ``ranked`` (best first): inverse error, sum 1.

    A candidate without error (a perfect fit to the backtest) is used alone.
    """
    top = ranked[:COMBINE_TOP]
    if errors[top[0]] <= 0.0:
        return {top[0]: 1.0}
    inverse = {n: 1.0 / errors[n] for n in top}
    total = sum(inverse.values())
    return {n: v / total for n, v in inverse.items()}


def parts(weights: dict[str, float]) -> dict[str, float]:
    """The base models of a combination and their summed weights (a blend's parts share its weight)."""
    out: dict[str, float] = {}
    for name, weight in weights.items():
        members = name.split("+")
        for member in members:
            out[member] = out.get(member, 0.0) + weight / len(members)
    return out


def _run_origins(ws: Workspace, *, origin: int, leads: tuple[int, int]) -> list[int]:
    """Origins of the backtest runs with enough known history to train on, oldest first."""
    day = ws.grid.steps_per_day
    spacing = max(min(day, leads[1]), -(-VALIDATION_DAYS * day // MAX_RUNS))
    count = VALIDATION_DAYS * day // spacing
    needed = components.min_train_values(ws.grid.resolution)
    runs = []
    for k in range(count):
        run = origin - leads[1] - k * spacing
        window = training_window(ws.options, _time(ws, run))
        if run > 0 and len(components.known_rows(ws, origin=run, window=window)) >= needed:
            runs.append(run)
    return sorted(runs)


def _backtest(
    ws: Workspace, runs: list[int], leads: tuple[int, int]
) -> tuple[FloatArray, dict[str, FloatArray]]:
    """Actual values and each base model's forecasts over all runs, concatenated."""
    actual: list[FloatArray] = []
    names = components.base_models(ws)
    out: dict[str, list[FloatArray]] = {name: [] for name in names}
    none = np.zeros(0, dtype=np.int64)
    models: dict[str, Fitted | None] = {
        name: components.fit(ws, name, origin=runs[0], rows=none, leads=leads)[0]
        for name in names
        if name != "boosted"
    }
    fitted_at = runs[0]
    for run in runs:
        window = training_window(ws.options, _time(ws, run))
        first = max(0, ws.grid.ceil_position(window[0]))
        rows = np.arange(run + leads[0] - 1, run + leads[1], dtype=np.int64)
        if "boosted" not in models or run - fitted_at >= REFIT_DAYS * ws.grid.steps_per_day:
            models["boosted"] = _fit_boosted(ws, run, window, leads)
            fitted_at = run
        actual.append(ws.grid.target[rows])
        for name in names:
            model = models[name]
            if model is None:
                out[name].append(np.full(len(rows), np.nan))
                continue
            try:
                values = components.predict(ws, model, origin=run, rows=rows, first=first)[0]
            except InsufficientHistoryError:  # a regressor without values in this run
                values = np.full(len(rows), np.nan)
            out[name].append(values)
    return np.concatenate(actual), {name: np.concatenate(v) for name, v in out.items()}


def _fit_boosted(
    ws: Workspace, run: int, window: tuple[pd.Timestamp, pd.Timestamp], leads: tuple[int, int]
) -> Fitted | None:
    """The boosted model fitted at ``run``; None when a regressor has no values that early."""
    rows = components.known_rows(ws, origin=run, window=window)
    try:
        return components.fit(ws, "boosted", origin=run, rows=rows, leads=leads)[0]
    except InsufficientHistoryError:
        return None


def _comparable(
    actual: FloatArray, predictions: dict[str, FloatArray], *, min_values: int
) -> tuple[np.ndarray, list[str]] | None:
    """Values where every kept candidate has a forecast, and the kept candidates.

    Drops the candidate with the most missing forecasts while fewer than
    ``min_values`` remain; ``None`` when no set of candidates reaches it.
    """
    known = ~np.isnan(actual)
    names = [name for name in BASE_MODELS if name in predictions]
    while names:
        mask = known & np.all([~np.isnan(predictions[n]) for n in names], axis=0)
        if mask.sum() >= min_values:
            return mask, names
        missing = {n: int(np.isnan(predictions[n][known]).sum()) for n in names}
        worst = max(names, key=lambda n: missing[n])
        if missing[worst] == 0:
            return None
        names.remove(worst)
    return None


def _fallback(ws: Workspace, origin: int, reason: str) -> Selection:
    return Selection(
        chosen=FALLBACK,
        weights={FALLBACK: 1.0},
        mae={},
        chosen_mae=None,
        skill={},
        first_run=None,
        last_run=None,
        n_runs=0,
        n_values=0,
        note=f"{reason} (as of {_time(ws, origin).isoformat()}); {FALLBACK} used",
    )


def _time(ws: Workspace, position: int) -> pd.Timestamp:
    return ws.grid.index[0] + position * ws.grid.resolution
