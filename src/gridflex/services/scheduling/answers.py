"""What the schedule GET answers, for every state of the job (the shapes existing clients understand).

- queued / running: 202 ``{"status": "QUEUED" | "STARTED", "message": ...}`` (poll again);
- failed: 400 ``UNKNOWN_SCHEDULE`` with the job's reason;
- unknown or malformed id, or not a scheduling job: 400 ``UNRECOGNIZED_UDI_EVENT``;
- finished, but not for this sensor: 400 ``UNKNOWN_SCHEDULE``;
- finished: 200 ``{values, start, duration, unit}`` plus the costs by term.

``duration`` defaults to 6 hours and is capped at the planning horizon and at the
end of the schedule. Values are in the sensor's sign convention (consumption
positive unless the sensor says ``consumption_is_positive: false``), or in the one
``sign-convention`` asks for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from gridflex.config import Settings
from gridflex.errors import NotFoundError, UnitError, ValidationError
from gridflex.jobs import expire_overdue, get_job
from gridflex.store.models import Job, Sensor
from gridflex.timing import format_duration, parse_datetime, parse_duration
from gridflex.units import is_convertible

from .flex_model import consumption_is_positive
from .job import FUNC_NAME
from .results import read_saved

DEFAULT_DURATION = timedelta(hours=6)
SIGN_CONVENTIONS = ("consumption-positive", "production-positive")
_PENDING = {
    "queued": "Scheduling job waiting to be processed.",
    "started": "Scheduling job in progress.",
}


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def _rejected(status: str, message: str) -> Answer:
    return Answer(400, {"message": message, "result": "Rejected", "status": status})


def _unknown(job_id: str) -> Answer:
    return _rejected(
        "UNRECOGNIZED_UDI_EVENT",
        f"Schedule {job_id} is not known: no scheduling job has this id.",
    )


def _scheduling_job(session: Session, job_id: str) -> Job | None:
    try:
        job = get_job(session, job_id)
    except (NotFoundError, ValidationError):
        return None
    return job if job.func_name == FUNC_NAME else None


def schedule_answer(
    session: Session,
    settings: Settings,
    sensor: Sensor,
    job_id: str,
    *,
    duration: timedelta | None = None,
    unit: str | None = None,
    sign_convention: str | None = None,
) -> Answer:
    """The answer to ``GET /sensors/{id}/schedules/{uuid}``."""
    expire_overdue(session)
    job = _scheduling_job(session, job_id)
    if job is None:
        return _unknown(job_id)
    if job.status in _PENDING:
        body = {"status": job.status.upper(), "message": _PENDING[job.status]}
        return Answer(202, body, {"Retry-After": "1"})
    if job.status == "failed":
        return _rejected(
            "UNKNOWN_SCHEDULE",
            f"No known schedule for this time period. Scheduling job failed: {job.error}",
        )
    result = job.result or {}
    if sensor.id not in result.get("sensors", []) and sensor.id not in result.get(
        "soc-sensors", []
    ):
        return _rejected(
            "UNKNOWN_SCHEDULE",
            f"No known schedule for sensor {sensor.id}: scheduling job {job.id} scheduled sensor(s) "
            f"{', '.join(str(i) for i in result.get('sensors', []))}.",
        )
    return _schedule(session, settings, sensor, result, duration, unit, sign_convention)


def _schedule(
    session: Session,
    settings: Settings,
    sensor: Sensor,
    result: dict[str, Any],
    duration: timedelta | None,
    unit: str | None,
    sign_convention: str | None,
) -> Answer:
    start = parse_datetime(result["start"])
    length = min(
        duration or DEFAULT_DURATION,
        settings.planning_horizon,
        parse_datetime(result["end"]) - start,
    )
    # Instantaneous sensors (SoC) are read at the schedule's step boundaries.
    step = sensor.event_resolution or parse_duration(result["resolution"], field="resolution")
    length = step * (length // step)
    if length <= timedelta(0):
        raise ValidationError(
            f"duration must cover at least one step of {format_duration(step)}.", field="duration"
        )
    unit = sensor.unit if unit is None else unit
    if not is_convertible(sensor.unit, unit, resolution=step):
        raise UnitError(
            f"The schedule is in {sensor.unit}; it cannot be given in {unit!r}.", field="unit"
        )
    values = read_saved(session, sensor, result, duration=length, unit=unit, resolution=step)
    is_power = sensor.id in result.get("sensors", [])
    if is_power and sign_convention is not None:
        wants_consumption_positive = sign_convention == "consumption-positive"
        if wants_consumption_positive != consumption_is_positive(sensor):
            values = -values + 0.0
    return Answer(
        200,
        {
            "values": values,
            "start": result["start"],
            "duration": format_duration(length),
            "unit": unit,
            "costs": result.get("costs", {}),
            "costs_unit": result.get("costs-unit"),
            "scheduler_info": {
                "scheduler": result.get("scheduler"),
                "model": result.get("model"),
                "version": result.get("version"),
                "solver_status": result.get("solver-status"),
                "breaches": result.get("breaches", {}),
            },
            "status": "PROCESSED",
            "message": "Request has been processed.",
        },
    )
