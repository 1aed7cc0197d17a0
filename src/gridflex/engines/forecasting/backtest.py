"""Rolling forecasts over a period, each from the data known at its own belief time.

One call serves a forecasting trigger with a ``forecast-frequency``: a run
starts every ``frequency``, is made at its start (its belief time) and covers
``horizon`` (cut at ``end``). The model is refitted when ``retrain_frequency``
has passed since its last fit; in between, it predicts from newer data with
the weights it has; for ``auto`` each fit also chooses the model again, from a
backtest of the data known at that run (see :mod:`.selection`). Where actuals
exist, the runs are scored against them and against the baselines run the same
way: the main ``baseline`` (seasonal-naive weekly by default) and every one of
:data:`~.selection.BASELINES`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from gridflex.engines.forecasting import components, pipeline
from gridflex.engines.forecasting.errors import ForecastConfigError
from gridflex.engines.forecasting.forecast import (
    ForecastResult,
    lookback,
    make_result,
    prepare_target,
)
from gridflex.engines.forecasting.grid import build_grid
from gridflex.engines.forecasting.metrics import Metrics, evaluate, skill
from gridflex.engines.forecasting.options import (
    DEFAULT_MAX_TRAINING_PERIOD,
    QUANTILES,
    ForecastOptions,
    make_options,
    to_timedelta,
    to_timestamp,
    training_window,
)
from gridflex.engines.forecasting.selection import BASELINES
from gridflex.engines.forecasting.solar import SolarSite
from gridflex.timing import format_duration


@dataclass(frozen=True)
class BacktestResult:
    """Rolling forecasts and, where actuals are known, their scores.

    Attributes
    ----------
    runs, baseline_runs : list of ForecastResult
        One forecast per run, by the model and by the baseline.
    pairs : DataFrame
        One row per forecast step with a known actual: ``belief_time,
        event_start, actual, forecast, baseline``.
    metrics, baseline_metrics : Metrics or None
        Scores of the model and the baseline over ``pairs`` (None without actuals).
    skill_frac : float or None
        ``1 - MAE_model / MAE_baseline``. [-]
    n_trainings : int
        How many times the model was fitted.
    chosen : list of str
        The model each run used (for ``auto``: the one chosen at its last fit).
    baseline_scores : dict of str to Metrics or None
        Each of :data:`~.selection.BASELINES` over the steps where it and the
        model both forecast (None where it never does).
    skills : dict of str to float or None
        ``1 - MAE_model / MAE_baseline`` over those same steps, per baseline. [-]
    """

    runs: list[ForecastResult]
    baseline_runs: list[ForecastResult]
    pairs: pd.DataFrame
    metrics: Metrics | None
    baseline_metrics: Metrics | None
    skill_frac: float | None
    n_trainings: int
    model: str
    baseline: str
    chosen: list[str]
    baseline_scores: dict[str, Metrics | None]
    skills: dict[str, float | None]

    def report(self) -> str:
        """A short text table of the scores, for the CLI and logs."""
        lines = [
            f"{len(self.runs)} runs, {self.n_trainings} trainings, {len(self.pairs)} scored steps"
        ]
        if self.metrics is None or self.baseline_metrics is None:
            return "\n".join([*lines, "no actual values to score against"])
        width = max(len(self.model), len(self.baseline), 5)
        lines.append(f"{'model':<{width}}  {'MAE':>10}  {'RMSE':>10}  {'MAPE':>8}")
        for name, m in ((self.model, self.metrics), (self.baseline, self.baseline_metrics)):
            mape = "n/a" if m.mape_frac is None else f"{100 * m.mape_frac:.2f} %"
            lines.append(f"{name:<{width}}  {m.mae:>10.4g}  {m.rmse:>10.4g}  {mape:>8}")
        if self.skill_frac is not None:
            lines.append(
                f"skill vs {self.baseline} (1 - MAE/MAE_baseline): {100 * self.skill_frac:.1f} %"
            )
        others = [
            f"{name} {100 * value:.1f} %"
            for name, value in self.skills.items()
            if value is not None and name != self.baseline
        ]
        if others:
            lines.append("skill vs " + ", ".join(others))
        if self.model == "auto":
            counts = pd.Series(self.chosen).value_counts()
            lines.append("chosen: " + ", ".join(f"{n} ({c} runs)" for n, c in counts.items()))
        return "\n".join(lines)


def backtest(
    target: pd.Series,
    *,
    start: datetime | pd.Timestamp,
    end: datetime | pd.Timestamp,
    horizon: timedelta | pd.Timedelta,
    frequency: timedelta | pd.Timedelta | None = None,
    retrain_frequency: timedelta | pd.Timedelta | None = None,
    resolution: timedelta | pd.Timedelta | None = None,
    model: str = "auto",
    baseline: str = "naive-weekly",
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
    on_progress: Callable[[int, int], None] | None = None,
) -> BacktestResult:
    """Forecast ``[start, end)`` in rolling runs and score them against the actuals.

    Parameters
    ----------
    target : Series
        The sensor's data including the period (actuals where known).
    start, end : datetime
        First run's belief time and start (on the target's grid), and the
        end of the period (exclusive).
    horizon : timedelta
        Length of each run (``max-forecast-horizon``).
    frequency : timedelta, optional
        Time between run starts (``forecast-frequency``); default ``horizon``.
    retrain_frequency : timedelta, optional
        Refit the model when this much time has passed since the last fit;
        default: every run.
    baseline : {"naive-weekly", "naive-daily", "persistence"}
        Main model to compare against (``pairs``, ``baseline_metrics``, ``skill_frac``);
        it must forecast every step. ``skills`` compares with each baseline.
    on_progress : callable, optional
        Called as ``on_progress(done, total)`` after each run.

    The other parameters are those of :func:`~.forecast.forecast`.

    Raises
    ------
    ForecastConfigError, InsufficientHistoryError
        As :func:`~.forecast.forecast`, for the first run that fails.
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
    if baseline not in BASELINES:
        raise ForecastConfigError(
            f"baseline must be one of {', '.join(BASELINES)}; got {baseline!r}.", field="baseline"
        )
    base_options = make_options(
        model=baseline,
        train_start=train_start,
        train_period=train_period,
        max_training_period=max_training_period,
        timezone=timezone,
    )
    series, res = prepare_target(target, resolution=resolution)
    period = _Period.make(start, end, horizon, frequency, retrain_frequency, res)
    first = (
        min(training_window(o, period.start)[0] for o in (options, base_options))
        - lookback(period.horizon_steps, res) * res
    )
    grid = build_grid(
        series,
        resolution=res,
        first=first,
        end=period.end,
        past_regressors=past_regressors or {},
        future_regressors=future_regressors or {},
    )
    ws = pipeline.make_workspace(grid, options)
    base_ws = pipeline.make_workspace(grid, base_options)
    runs, base_runs, n_trainings = _run_all(ws, base_ws, period, on_progress)
    others = _baseline_values(base_ws, runs)
    result = _score(runs, base_runs, grid.target, grid.index, n_trainings, options, base_options)
    return _score_baselines(result, others, pd.Series(grid.target, index=grid.index))


@dataclass(frozen=True)
class _Period:
    start: pd.Timestamp
    end: pd.Timestamp
    horizon: pd.Timedelta
    frequency: pd.Timedelta
    retrain: pd.Timedelta
    horizon_steps: int

    @classmethod
    def make(
        cls, start: Any, end: Any, horizon: Any, frequency: Any, retrain: Any, res: pd.Timedelta
    ) -> _Period:
        begin, finish = to_timestamp(start, field="start"), to_timestamp(end, field="end")
        if finish <= begin:
            raise ForecastConfigError("end must come after start.", field="end")
        steps = to_timedelta(horizon, field="horizon")
        every = steps if frequency is None else to_timedelta(frequency, field="frequency")
        refit = every if retrain is None else to_timedelta(retrain, field="retrain_frequency")
        for name, value in (("horizon", steps), ("frequency", every)):
            if value % res != pd.Timedelta(0):
                raise ForecastConfigError(
                    f"{name} {format_duration(value)} is not a whole number of "
                    f"{format_duration(res)} steps.",
                    field=name,
                )
        return cls(begin, finish, steps, every, refit, int(steps // res))

    def origins(self) -> list[pd.Timestamp]:
        count = -(-(self.end - self.start) // self.frequency)
        return [self.start + k * self.frequency for k in range(count)]


def _run_all(
    ws: pipeline.Workspace,
    base_ws: pipeline.Workspace,
    period: _Period,
    on_progress: Callable[[int, int], None] | None,
) -> tuple[list[ForecastResult], list[ForecastResult], int]:
    grid = ws.grid
    origins = period.origins()
    runs: list[ForecastResult] = []
    base_runs: list[ForecastResult] = []
    trained: pipeline.TrainedModel | None = None
    trained_at = period.start
    n_trainings = 0
    end_position = len(grid.index)
    for done, origin_time in enumerate(origins, start=1):
        origin = grid.position(origin_time, field="start")
        rows = np.arange(origin, min(origin + period.horizon_steps, end_position), dtype=np.int64)
        if trained is None or origin_time - trained_at >= period.retrain:
            window = training_window(ws.options, origin_time)
            trained = pipeline.train(
                ws, origin=origin, window=window, leads=(1, period.horizon_steps)
            )
            trained_at, n_trainings = origin_time, n_trainings + 1
        for workspace, model, out in ((ws, trained, runs), (base_ws, None, base_runs)):
            if model is None:
                window = training_window(workspace.options, origin_time)
                model = pipeline.train(workspace, origin=origin, window=window, leads=(1, 1))
            values, quantiles = pipeline.predict(workspace, model, origin=origin, rows=rows)
            out.append(
                make_result(
                    workspace,
                    model,
                    belief=origin_time,
                    rows=rows,
                    values=values,
                    quantiles=quantiles,
                )
            )
        if on_progress is not None:
            on_progress(done, len(origins))
    return runs, base_runs, n_trainings


def _baseline_values(
    base_ws: pipeline.Workspace, runs: list[ForecastResult]
) -> dict[str, list[np.ndarray]]:
    """Every baseline's forecast for each run's steps (NaN where it has nothing to copy)."""
    grid = base_ws.grid
    none = np.zeros(0, dtype=np.int64)
    models = {
        name: components.fit(base_ws, name, origin=0, rows=none, leads=(1, 1))[0]
        for name in BASELINES
    }
    out: dict[str, list[np.ndarray]] = {name: [] for name in BASELINES}
    for run in runs:
        origin = grid.position(run.belief_time, field="start")
        rows = origin + np.arange(len(run.values), dtype=np.int64)
        window = training_window(base_ws.options, run.belief_time)
        first = max(0, grid.ceil_position(window[0]))
        for name, model in models.items():
            values, _ = components.predict(base_ws, model, origin=origin, rows=rows, first=first)
            out[name].append(values)
    return out


def _score_baselines(
    result: BacktestResult, others: dict[str, list[np.ndarray]], actual: pd.Series
) -> BacktestResult:
    """``result`` with each baseline scored on the steps where it and the model both forecast."""
    forecast = np.concatenate([run.values.to_numpy() for run in result.runs])
    observed = np.concatenate([actual.reindex(run.values.index).to_numpy() for run in result.runs])
    scores: dict[str, Metrics | None] = {}
    skills: dict[str, float | None] = {}
    for name, parts in others.items():
        values = np.concatenate(parts)
        ok = ~(np.isnan(values) | np.isnan(forecast) | np.isnan(observed))
        score = evaluate(observed[ok], values[ok]) if ok.any() else None
        scores[name] = score
        skills[name] = (
            None
            if score is None
            else skill(float(np.mean(np.abs(forecast[ok] - observed[ok]))), score.mae)
        )
    return replace(result, baseline_scores=scores, skills=skills)


def _score(
    runs: list[ForecastResult],
    base_runs: list[ForecastResult],
    target: np.ndarray,
    index: pd.DatetimeIndex,
    n_trainings: int,
    options: ForecastOptions,
    base_options: ForecastOptions,
) -> BacktestResult:
    actual = pd.Series(target, index=index)
    frames = [
        pd.DataFrame(
            {
                "belief_time": run.belief_time,
                "event_start": run.values.index,
                "actual": actual.reindex(run.values.index).to_numpy(),
                "forecast": run.values.to_numpy(),
                "baseline": base.values.to_numpy(),
            }
        )
        for run, base in zip(runs, base_runs, strict=True)
    ]
    pairs = pd.concat(frames, ignore_index=True).dropna().reset_index(drop=True)
    metrics = base_metrics = None
    skill_frac = None
    if len(pairs):
        metrics = evaluate(pairs["actual"], pairs["forecast"])
        base_metrics = evaluate(pairs["actual"], pairs["baseline"])
        skill_frac = skill(metrics.mae, base_metrics.mae)
    return BacktestResult(
        runs=runs,
        baseline_runs=base_runs,
        pairs=pairs,
        metrics=metrics,
        baseline_metrics=base_metrics,
        skill_frac=skill_frac,
        n_trainings=n_trainings,
        model=options.model,
        baseline=base_options.model,
        chosen=[run.model for run in runs],
        baseline_scores={},
        skills={},
    )
