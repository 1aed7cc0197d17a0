"""The scheduling job: read the inputs, solve, save the schedule as beliefs, report costs.

``make_schedule`` is a job function (``fn(session, **json_kwargs)``): the trigger
stored everything it needs in its arguments (the effective flex-models and
flex-context, the planning window), and it runs in its own transaction, so a
failure (missing prices, an infeasible request) leaves no beliefs behind.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from gridflex.engines import scheduling as engine  # the solver loads on first use
from gridflex.errors import NotFoundError, ValidationError
from gridflex.services.belief_checks import to_us
from gridflex.services.sensors import get_sensor
from gridflex.store.models import Sensor
from gridflex.timing import format_duration, parse_datetime, parse_duration, utcnow

from .flex_context import build_context, parse_context
from .flex_model import build_device, parse_device
from .loading import Loader, Window
from .results import SCHEDULER_MODEL, SCHEDULER_NAME, SCHEDULER_VERSION, save_schedule
from .values import Parser

FUNC_NAME = "gridflex.services.scheduling:make_schedule"


def window_from(start: str, end: str, resolution: str, prior: str | None) -> Window:
    return Window(
        start=parse_datetime(start),
        end=parse_datetime(end, field="end"),
        resolution=parse_duration(resolution, field="resolution"),
        prior=parse_datetime(prior, field="prior") if prior else None,
    )


def _sensors(session: Session, devices: list[dict[str, Any]]) -> list[Sensor]:
    found = []
    for device in devices:
        try:  # with asset and owner: the flex-model reads the asset's attributes
            found.append(get_sensor(session, device["sensor"]))
        except NotFoundError:
            raise ValidationError(
                f"Sensor {device['sensor']} no longer exists.", field="sensor"
            ) from None
    return found


def make_schedule(
    session: Session,
    *,
    start: str,
    end: str,
    resolution: str,
    devices: list[dict[str, Any]],
    flex_context: dict[str, Any],
    prior: str | None = None,
    sequential: bool = False,
    time_limit_s: float | None = None,
    **_where: Any,  # asset_id / sensor_id: what the job is about, for the record
) -> dict[str, Any]:
    """Compute and store a schedule; returns what the job record keeps (costs, what was written)."""
    window = window_from(start, end, resolution, prior)
    sensors = _sensors(session, devices)
    refs: list = []
    specs = [
        parse_device(Parser(session, refs=refs), s, d)
        for s, d in zip(sensors, devices, strict=True)
    ]
    context_spec = parse_context(Parser(session, refs=refs), flex_context, {s.id for s in sensors})
    loader = Loader(session, window)
    engine_devices = [build_device(spec, loader, s) for spec, s in zip(specs, sensors, strict=True)]
    result = engine.solve_schedule(
        engine_devices,
        build_context(context_spec, loader),
        resolution_h=window.resolution_h,
        sequential=sequential,
        time_limit_s=time_limit_s,
    )
    saved = save_schedule(
        session,
        window,
        list(zip(specs, sensors, strict=True)),
        result,
        belief_time_us=to_us(window.prior or utcnow()),
    )
    return {
        "num-beliefs": saved.total,
        "scheduler": SCHEDULER_NAME,
        "model": SCHEDULER_MODEL,
        "version": SCHEDULER_VERSION,
        "source": saved.source_id,
        "start": start,
        "start-us": to_us(window.start),
        "end": end,
        "resolution": format_duration(window.resolution),
        "belief-time-us": saved.belief_time_us,
        "sensors": [s.id for s in sensors],
        "soc-sensors": [spec.soc_sensor_id for spec in specs if spec.soc_sensor_id is not None],
        "costs": result.costs,
        "costs-unit": context_spec.currency,
        "solver-status": result.status,
        "breaches": {name: float(values.max()) for name, values in result.breaches.items()},
    }
