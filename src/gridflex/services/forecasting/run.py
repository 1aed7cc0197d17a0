"""Make a planned forecast: load the inputs, call the engine, write the beliefs, describe the outcome.

One forecast run becomes beliefs with its belief time (the moment it counts as
made) and, when probabilistic, one belief per quantile (cumulative probability
0.1, 0.5 and 0.9). Rolling runs are one engine backtest: each run is made at its
own start, and where actual values are known they are scored against them and
against the baselines (seasonal-naive daily and weekly, persistence). With
model ``auto`` (the default) each run uses the model that did best in a backtest
of the data known before it; the job result names it, with its skills.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from gridflex.engines.forecasting import (
    MODEL_VERSION,
    BacktestResult,
    ForecastResult,
    InsufficientHistoryError,
    Metrics,
    backtest,
    forecast,
)
from gridflex.services import beliefs
from gridflex.services.forecasting.data import Inputs, load_inputs
from gridflex.services.forecasting.site import solar_site
from gridflex.services.forecasting.spec import ForecastSpec, Plan
from gridflex.store.models import DataSource, Sensor
from gridflex.timing import format_duration, to_utc

SOURCE_NAME = "gridflex forecaster"
BASELINES = ("naive-weekly", "naive-daily")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Outcome:
    """What one forecasting request made: the engine's runs, their scores, and what was stored."""

    plan: Plan
    runs: list[ForecastResult]
    backtest: BacktestResult | None
    source: DataSource | None
    stored: int
    already_known: int


def forecaster_source(
    session: Session, spec: ForecastSpec, *, as_of: datetime | None = None
) -> DataSource:
    """The data source of forecasts made with this configuration (model, version, parameters).

    Forecasts of one configuration share a source; another configuration
    (say another training period or regressor) gets its own, so that beliefs of
    different models made at the same moment never collide. Forecasts of the
    past made with data known later (``as_of``, the data cut-off, after the
    moment they count as made) also record that cut-off, and are kept apart from
    forecasts that really were made at their belief time.
    """
    config = spec.config
    if as_of is not None:
        config["data-known-at"] = to_utc(as_of).isoformat()
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]
    candidates = session.scalars(
        sa.select(DataSource)
        .where(
            DataSource.type == "forecaster",
            DataSource.name == SOURCE_NAME,
            DataSource.model == spec.model,
            DataSource.version == MODEL_VERSION,
        )
        .order_by(DataSource.id)
    )
    for source in candidates:
        if (source.attributes or {}).get("config-hash") == digest:
            return source
    source = DataSource(
        name=SOURCE_NAME,
        type="forecaster",
        model=spec.model,
        version=MODEL_VERSION,
        attributes={"config-hash": digest, "config": config},
    )
    session.add(source)
    session.flush()
    return source


def run_plan(
    session: Session,
    sensor: Sensor,
    plan: Plan,
    *,
    save: bool = True,
    baseline: str | None = None,
    on_progress: Progress | None = None,
) -> Outcome:
    """Make the plan's runs from the data known at its cut-off and (``save``) store them as beliefs."""
    inputs = load_inputs(session, sensor, plan)
    result = None
    if plan.rolling:
        result = _rolling(inputs, sensor, plan, baseline=baseline, on_progress=on_progress)
        runs = result.runs
    else:
        runs = [_single(inputs, sensor, plan)]
        if on_progress is not None:
            on_progress(1, 1)
    if not save:
        return Outcome(plan, runs, result, None, 0, 0)
    hindcast = plan.made_at[0] < plan.cutoff
    source = forecaster_source(session, plan.spec, as_of=plan.cutoff if hindcast else None)
    frame = pd.concat([run.to_beliefs() for run in runs], ignore_index=True)
    written = beliefs.write_beliefs(
        session,
        sensor,
        source,
        beliefs.BeliefFrame(
            _us(frame["event_start"]),
            frame["event_value"].to_numpy(dtype=float),
            _us(frame["belief_time"]),
            frame["cumulative_probability"].to_numpy(dtype=float),
        ),
    )
    return Outcome(plan, runs, result, source, written.stored, written.already_known)


def _engine_kwargs(inputs: Inputs, sensor: Sensor, plan: Plan) -> dict[str, Any]:
    spec = plan.spec
    return {
        "resolution": pd.Timedelta(plan.resolution),
        "model": spec.model,
        "train_start": spec.train_start,
        "train_period": spec.train_period,
        "max_training_period": spec.max_training_period,
        "past_regressors": inputs.past,
        "future_regressors": inputs.future,
        "probabilistic": spec.probabilistic,
        "timezone": sensor.timezone or "UTC",
        "solar_site": solar_site(sensor),
    }


def _single(inputs: Inputs, sensor: Sensor, plan: Plan) -> ForecastResult:
    return forecast(
        inputs.target,
        belief_time=plan.made_at[0],
        start=plan.start,
        end=plan.end,
        **_engine_kwargs(inputs, sensor, plan),
    )


def _rolling(
    inputs: Inputs,
    sensor: Sensor,
    plan: Plan,
    *,
    baseline: str | None,
    on_progress: Progress | None,
) -> BacktestResult:
    """One engine backtest; the weekly baseline needs a week of history, else the daily one is used."""
    kwargs = dict(
        start=plan.start,
        end=plan.end,
        horizon=plan.horizon,
        frequency=plan.frequency,
        retrain_frequency=plan.spec.retrain_frequency,
        on_progress=on_progress,
        **_engine_kwargs(inputs, sensor, plan),
    )
    choices = (baseline,) if baseline else BASELINES
    for i, name in enumerate(choices):
        try:
            return backtest(inputs.target, baseline=name, **kwargs)
        except InsufficientHistoryError:
            if i == len(choices) - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _us(column: pd.Series) -> np.ndarray:
    stamps = pd.DatetimeIndex(column).tz_convert("UTC")
    return stamps.as_unit("us").asi8.astype(np.int64)


def describe(outcome: Outcome, sensor: Sensor) -> dict[str, Any]:
    """The job's JSON result: window, belief times, source, model and (rolling) scores."""
    plan, last = outcome.plan, outcome.runs[-1]
    out: dict[str, Any] = {
        "sensor": sensor.id,
        "source": None if outcome.source is None else outcome.source.id,
        "unit": sensor.unit,
        "start": _iso(plan.start),
        "end": _iso(plan.end),
        "duration": format_duration(plan.end - plan.start),
        "resolution": format_duration(plan.resolution),
        "prior": _iso(plan.cutoff),
        "belief_time": _iso(last.belief_time.to_pydatetime()),
        "first_belief_time": _iso(outcome.runs[0].belief_time.to_pydatetime()),
        "runs": len(outcome.runs),
        "quantiles": sorted(last.quantiles) if last.quantiles else [0.5],
        "model": last.model,
        "requested_model": plan.spec.model,
        "selection": None if last.selection is None else _jsonable(last.selection.to_dict()),
        "solar_site": last.model_params.get("solar_site"),
        "regressors": {
            "past": list(plan.spec.past_regressors),
            "future": list(plan.spec.future_regressors),
        },
        "model_version": last.model_version,
        "model_params": _jsonable(last.model_params),
        "train_start": _iso(last.train_start.to_pydatetime()),
        "train_end": _iso(last.train_end.to_pydatetime()),
        "n_train_values": last.n_train_values,
        "stored": outcome.stored,
        "already_known": outcome.already_known,
    }
    if outcome.backtest is not None:
        result = outcome.backtest
        out["baseline"] = result.baseline
        out["metrics"] = _metrics(result.metrics)
        out["baseline_metrics"] = _metrics(result.baseline_metrics)
        out["skill"] = result.skill_frac
        out["skills"] = result.skills
        out["baselines"] = {n: _metrics(m) for n, m in result.baseline_scores.items()}
        out["chosen_models"] = dict(Counter(result.chosen))
        out["n_trainings"] = result.n_trainings
    return out


def _metrics(metrics: Metrics | None) -> dict[str, Any] | None:
    if metrics is None:
        return None
    return {"mae": metrics.mae, "rmse": metrics.rmse, "mape": metrics.mape_frac, "n": metrics.n}


def _iso(moment: datetime) -> str:
    return to_utc(moment).isoformat()


def _jsonable(value: Any) -> Any:
    """Numpy scalars and other oddities as plain JSON values (the job result is stored as JSON)."""
    return json.loads(json.dumps(value, default=_plain))


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, datetime | pd.Timestamp):
        return value.isoformat()
    return str(value)
