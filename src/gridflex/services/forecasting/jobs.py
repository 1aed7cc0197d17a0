"""Forecasting as background jobs: trigger (check, then enqueue), the job function, and its results.

The job function is ``gridflex.services.forecasting:make_forecast``; it runs in
its own transaction (a failed forecast stores nothing) on the ``forecasting``
queue, in a server thread or an RQ worker.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from gridflex.config import Settings
from gridflex.errors import NotFoundError, ValidationError
from gridflex.jobs import enqueue
from gridflex.jobs.service import check_rate_limit
from gridflex.services.belief_checks import td_us, to_us
from gridflex.services.forecasting.data import check_history, regressor_sensors
from gridflex.services.forecasting.run import describe, run_plan
from gridflex.services.forecasting.site import WEATHER_ATTRIBUTE, weather_sensors
from gridflex.services.forecasting.spec import ForecastSpec, resolve
from gridflex.store.models import Job, Sensor, User
from gridflex.store.queries import beliefs as q
from gridflex.timing import parse_datetime, utcnow
from gridflex.units import convert, is_convertible

QUEUE = "forecasting"
JOB_FUNC = "gridflex.services.forecasting:make_forecast"


def make_forecast(session: Session, **kwargs: Any) -> dict[str, Any]:
    """Job function: make the forecast described by ``ForecastSpec.to_kwargs()`` and store it."""
    spec = ForecastSpec.from_kwargs(kwargs)
    sensor = session.get(Sensor, spec.sensor_id)
    if sensor is None:
        raise NotFoundError(f"Sensor {spec.sensor_id} not found (deleted after the trigger?).")
    plan = resolve(spec, sensor, now=utcnow())
    return describe(run_plan(session, sensor, plan), sensor)


def trigger_forecast(
    session: Session,
    settings: Settings,
    sensor: Sensor,
    spec: ForecastSpec,
    *,
    user: User | None = None,
    rate_limit: bool = True,
) -> tuple[Job, bool]:
    """Check what can be checked now (regressors, enough history), then enqueue; (job, reused?).

    Too little history is refused here with the amount needed, rather than
    in a job that fails later.
    """
    linked = tuple(weather_sensors(sensor))
    for ids, field in (
        (linked, WEATHER_ATTRIBUTE),
        (spec.past_regressors, "config.past-regressors"),
        (spec.future_regressors, "config.future-regressors"),
    ):
        regressor_sensors(session, ids, field=field, user=user)
    check_history(session, sensor, resolve(spec, sensor, now=utcnow()))
    if rate_limit and user is not None and settings.trigger_rate_limit:
        check_rate_limit(
            session, account_id=user.account_id, queue=QUEUE, limit=settings.trigger_rate_limit
        )
    return enqueue(
        session,
        settings,
        queue=QUEUE,
        func_name=JOB_FUNC,
        kwargs=spec.to_kwargs(),
        asset_id=sensor.generic_asset_id,
        sensor_id=sensor.id,
        account_id=sensor.asset.account_id or (user.account_id if user else None),
        reuse=spec.belief_time is not None,  # open specs (refresh) are new every time
    )


def forecast_job(session: Session, sensor: Sensor, job_id: str) -> Job | None:
    """The forecasting job ``job_id`` of this sensor, or None."""
    job = session.get(Job, str(job_id)[:36])
    if job is None or job.queue != QUEUE or job.sensor_id != sensor.id:
        return None
    return job


def forecast_values(
    session: Session, sensor: Sensor, job: Job, *, unit: str | None = None
) -> dict[str, Any]:
    """A finished job's forecast, read back from the belief store (seed 003 series notation).

    Per event: the most recent belief of the job's data source recorded at or
    before the job's last belief time (for rolling runs: the latest run covering
    the event). Quantiles, when made, come along as ``quantiles``; ``model`` and
    ``selection`` say which model made the (last run of the) forecast and how the
    candidates did before it; rolling runs add ``skills`` against each baseline.
    """
    result = job.result or {}
    start = parse_datetime(result["start"])
    end = parse_datetime(result["end"])
    resolution = sensor.event_resolution
    rows = q.beliefs_in(
        session,
        sensor.id,
        to_us(start),
        to_us(end),
        q.BeliefFilter(
            prior_us=to_us(parse_datetime(result["belief_time"], field="belief_time")),
            source_ids=[int(result["source"])],
        ),
    )
    n = (end - start) // resolution
    out_unit = sensor.unit if unit is None else unit
    per_probability = {
        float(p): convert(
            _latest_per_event(rows, float(p), to_us(start), td_us(resolution), n),
            sensor.unit,
            out_unit,
            resolution=resolution,
        )
        for p in result.get("quantiles", [0.5])
    }
    answer: dict[str, Any] = {
        "values": per_probability[0.5],
        "start": result["start"],
        "duration": result["duration"],
        "unit": out_unit,
        "resolution": result["resolution"],
        "belief_time": result["belief_time"],
        "source": result["source"],
    }
    if len(per_probability) > 1:
        answer["quantiles"] = {f"{p:g}": values for p, values in per_probability.items()}
    # Which model made it and how it did against the baselines (``auto``'s choice).
    answer["model"] = result.get("model")
    answer["selection"] = result.get("selection")
    if "skills" in result:
        answer["skills"] = result["skills"]
    return answer


def _latest_per_event(
    rows: np.ndarray, probability: float, start_us: int, step_us: int, n: int
) -> np.ndarray:
    """Values of the latest belief per event at one cumulative probability, NaN where none."""
    mine = rows[np.isclose(rows["cumulative_probability"], probability)]
    values = np.full(n, np.nan)
    if len(mine):
        frame = pd.DataFrame(
            {"s": mine["event_start_us"], "b": mine["belief_time_us"], "v": mine["event_value"]}
        )
        latest = frame.sort_values(["s", "b"]).groupby("s", sort=True).last()
        positions = (latest.index.to_numpy() - start_us) // step_us
        values[positions] = latest["v"].to_numpy()
    return values


def check_unit(sensor: Sensor, unit: str | None) -> None:
    if unit is not None and not is_convertible(
        unit, sensor.unit, resolution=sensor.event_resolution
    ):
        raise ValidationError(
            f"Unit {unit!r} cannot be converted from the sensor's unit {sensor.unit!r}.",
            field="unit",
        )
