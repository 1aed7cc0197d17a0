"""Forecasts: trigger a forecasting job for one sensor, then fetch its result.

The flow is that of schedules: the trigger answers at once with the forecast's
id (the job's UUID); fetching it answers 202 while the job waits or runs, the
forecast as ``{values, start, duration, unit}`` when it is done, and 400
``UNKNOWN_FORECAST`` (with the reason) when it failed or is not known.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from gridflex.api.deps import (
    CurrentUser,
    ReadableSensor,
    SessionDep,
    SettingsDep,
    UpdatableSensor,
)
from gridflex.api.responses import JSON
from gridflex.api.schemas.forecasts import ForecastPublic, ForecastTrigger
from gridflex.jobs import expire_overdue, job_info
from gridflex.services import forecasting
from gridflex.timing import utcnow

router = APIRouter(prefix="/api/v3_0/sensors", tags=["forecasts"])

PROCESSED = {"status": "PROCESSED", "message": "Request has been processed."}
_TRIGGERED_EXAMPLE = {
    **PROCESSED,
    "forecast": "b3b6e1de-7a3c-4d8e-9a51-1a0f4c3e2d10",
    "job": "b3b6e1de-7a3c-4d8e-9a51-1a0f4c3e2d10",
    "urls": {
        "forecast": "/api/v3_0/sensors/4/forecasts/b3b6e1de-7a3c-4d8e-9a51-1a0f4c3e2d10",
        "job": "/api/v3_0/jobs/b3b6e1de-7a3c-4d8e-9a51-1a0f4c3e2d10",
    },
}
_FORECAST_EXAMPLE = {
    **PROCESSED,
    "values": [41.2, 40.8, 44.9, 52.3],
    "start": "2026-11-24T00:00:00+00:00",
    "duration": "PT1H",
    "unit": "kW",
    "resolution": "PT15M",
    "belief_time": "2026-11-23T21:40:12.204518+00:00",
    "source": 7,
    "model": "boosted+naive-weekly",
    "selection": {
        "chosen": "boosted+naive-weekly",
        "weights": {"boosted+naive-weekly": 1.0},
        "mae": {"persistence": 9.8, "naive-daily": 5.1, "naive-weekly": 4.2, "median-daily": 4.4,
                "boosted": 3.9, "boosted+naive-weekly": 3.6, "boosted+naive-daily": 3.8,
                "naive-daily+naive-weekly": 4.0, "boosted+median-daily": 3.7,
                "median-daily+naive-weekly": 4.1},
        "chosen_mae": 3.6,
        "skill": {"naive-daily": 0.294, "naive-weekly": 0.143, "persistence": 0.633},
        "first_run": "2026-11-10T02:45:00+00:00",
        "last_run": "2026-11-23T20:45:00+00:00",
        "runs": 56,
        "values": 224,
        "note": None,
    },
    "forecast": "b3b6e1de-7a3c-4d8e-9a51-1a0f4c3e2d10",
}  # fmt: skip


def _example(example: dict[str, Any], model: type | None = None) -> dict[int | str, dict[str, Any]]:
    answer: dict[str, Any] = {"content": {"application/json": {"example": example}}}
    if model is not None:
        answer["model"] = model
    return {200: answer}


@router.post(
    "/{id}/forecasts/trigger",
    summary="Trigger forecasting job for one sensor",
    responses=_example(_TRIGGERED_EXAMPLE),
)
def trigger_forecast(
    sensor: UpdatableSensor,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    trigger: Annotated[ForecastTrigger | None, Body()] = None,
) -> JSON:
    """Queue a forecast of this sensor's data; the answer carries its id (``forecast``, also ``job``).

    The forecast uses only data recorded at or before ``prior`` (default: now) and
    is stored as beliefs of a forecaster data source, with the moment it counts
    as made as their belief time. ``forecast-frequency`` (or a
    ``max-forecast-horizon`` shorter than the window) makes rolling forecasts
    over a past period in one job, each made at its own start, and scores them.
    Too little history is refused at once (422 ``INSUFFICIENT_DATA``) with the
    amount needed.
    """
    fields = (trigger or ForecastTrigger()).spec_fields()
    spec = forecasting.make_spec(sensor, now=utcnow(), **fields)
    job, _ = forecasting.trigger_forecast(session, settings, sensor, spec, user=user)
    return JSON(
        {
            **PROCESSED,
            "forecast": job.id,
            "job": job.id,
            "urls": {
                "forecast": f"{router.prefix}/{sensor.id}/forecasts/{job.id}",
                "job": f"/api/v3_0/jobs/{job.id}",
            },
        }
    )


@router.get(
    "/{id}/forecasts/{uuid}",
    summary="Check forecast job status for a sensor and fetch results",
    responses=_example(_FORECAST_EXAMPLE, ForecastPublic),
)
def read_forecast(
    uuid: str,
    sensor: ReadableSensor,
    session: SessionDep,
    unit: Annotated[
        str | None, Query(description="unit of the values (default: the sensor's)")
    ] = None,
) -> JSON:
    """202 while the job waits or runs; the forecast when done; 400 ``UNKNOWN_FORECAST`` otherwise.

    For rolling forecasts each event shows the latest run covering it; with
    ``probabilistic`` the 10/50/90 % quantiles come along as ``quantiles``.
    ``model`` names the model used; with ``auto`` (the default) ``selection``
    gives each candidate's error in the backtest that chose it and the chosen
    model's skill against each baseline.
    """
    expire_overdue(session)
    job = forecasting.forecast_job(session, sensor, uuid)
    if job is None:
        return _unknown(f"Forecast {uuid} is not known for sensor {sensor.id}.")
    if job.status in ("queued", "started"):
        info = job_info(job)
        return JSON(info.body, status_code=202)
    if job.status == "failed":
        return _unknown(f"Forecasting job failed: {job.error}")
    forecasting.check_unit(sensor, unit)
    values = forecasting.forecast_values(session, sensor, job, unit=unit)
    return JSON({**values, **PROCESSED, "forecast": job.id})


def _unknown(message: str) -> JSON:
    return JSON({"status": "UNKNOWN_FORECAST", "message": message, "result": "Rejected"}, 400)
