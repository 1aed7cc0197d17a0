"""Schedules as beliefs: saved on each device's power (and SoC) sensor by the scheduler source, and read back.

A schedule is recorded at one belief time: ``prior`` if the trigger gave one, else
the moment the job ran. If the scheduler already recorded a belief about the same
events at exactly that time (another schedule with the same ``prior``), the new one
is recorded one microsecond later, so both stay in the history and neither
replaces the other. Reading a schedule back asks for the scheduler's beliefs at or
before the job's belief time, which is that job's schedule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from gridflex.engines.scheduling import ScheduleResult
from gridflex.services import beliefs, sources
from gridflex.services.belief_checks import from_us, td_us, to_us
from gridflex.services.sensors import get_sensor
from gridflex.store.models import DataSource, Sensor
from gridflex.store.queries import beliefs as q
from gridflex.units import convert

from .flex_model import DeviceSpec, consumption_is_positive
from .loading import Window

SCHEDULER_NAME = "gridflex"
SCHEDULER_MODEL = "gridflex-scheduler"
SCHEDULER_VERSION = "1"


@dataclass
class Saved:
    source_id: int
    belief_time_us: int
    counts: dict[int, int] = field(default_factory=dict)  # sensor id -> beliefs written

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def scheduler_source(session: Session) -> DataSource:
    return sources.get_or_create_source(
        session,
        name=SCHEDULER_NAME,
        type="scheduler",
        model=SCHEDULER_MODEL,
        version=SCHEDULER_VERSION,
    )


def _free_belief_time(
    session: Session, source: DataSource, sensors: list[Sensor], window: Window, wanted_us: int
) -> int:
    """``wanted_us``, or the first microsecond after it at which this source said nothing about the window."""
    lo, hi = to_us(window.start), to_us(window.end) + td_us(window.resolution)
    belief_time = wanted_us
    for _ in range(1000):
        flt = q.BeliefFilter(source_ids=[source.id], belief_times_us=(belief_time, belief_time))
        if not any(len(q.beliefs_in(session, s.id, lo, hi, flt)) for s in sensors):
            break
        belief_time += 1
    return belief_time


def _clean(values: np.ndarray) -> np.ndarray:
    """Solver noise rounded away; -0.0 shown as 0.0."""
    return np.round(values, 9) + 0.0


def _power_frame(
    sensor: Sensor, window: Window, power_kw: np.ndarray, belief_time_us: int
) -> beliefs.BeliefFrame:
    """Setpoints at the sensor's own resolution, in its unit and sign convention."""
    step = sensor.event_resolution
    values = np.repeat(power_kw, int(window.resolution / step))
    if not consumption_is_positive(sensor):
        values = -values
    values = _clean(convert(values, "kW", sensor.unit, resolution=step))
    starts = to_us(window.start) + np.arange(len(values), dtype=np.int64) * td_us(step)
    return beliefs.BeliefFrame(starts, values, belief_time_us)


def _soc_frame(
    sensor: Sensor, window: Window, soc_kwh: np.ndarray, belief_time_us: int
) -> beliefs.BeliefFrame:
    """SoC at every step boundary (instantaneous sensor) or at the start of each of the sensor's events."""
    step = sensor.event_resolution
    if step <= timedelta(0):
        index = np.arange(window.n + 1)
    else:
        index = np.arange(0, window.n, int(step / window.resolution))
    values = _clean(convert(soc_kwh[index], "kWh", sensor.unit, resolution=step or None))
    starts = to_us(window.start) + index.astype(np.int64) * td_us(window.resolution)
    return beliefs.BeliefFrame(starts, values, belief_time_us)


def save_schedule(
    session: Session,
    window: Window,
    devices: list[tuple[DeviceSpec, Sensor]],
    result: ScheduleResult,
    *,
    belief_time_us: int,
) -> Saved:
    """Write every device's power schedule (and SoC, where a state-of-charge sensor is given)."""
    source = scheduler_source(session)
    frames: list[tuple[Sensor, beliefs.BeliefFrame]] = []
    for k, (spec, sensor) in enumerate(devices):
        frames.append((sensor, _power_frame(sensor, window, result.power_kw[k], 0)))
        if spec.soc_sensor_id is not None and k in result.soc_kwh:
            soc_sensor = get_sensor(session, spec.soc_sensor_id)
            frames.append((soc_sensor, _soc_frame(soc_sensor, window, result.soc_kwh[k], 0)))
    belief_time = _free_belief_time(session, source, [s for s, _ in frames], window, belief_time_us)
    saved = Saved(source.id, belief_time)
    for sensor, frame in frames:
        frame.belief_times_us = belief_time
        beliefs.write_beliefs(session, sensor, source, frame)
        saved.counts[sensor.id] = saved.counts.get(sensor.id, 0) + len(frame.values)
    return saved


def read_saved(
    session: Session,
    sensor: Sensor,
    result: dict[str, Any],
    *,
    duration: timedelta,
    unit: str,
    resolution: timedelta,
) -> np.ndarray:
    """The job's schedule for ``sensor`` over [start, start + duration), in ``unit`` (sensor's sign convention)."""
    start = from_us(int(result["start-us"]))
    prior = from_us(int(result["belief-time-us"]))
    source_ids = [int(result["source"])]

    def read(prior: datetime | None) -> np.ndarray:
        return beliefs.read_series(
            session,
            sensor,
            start=start,
            duration=duration,
            resolution=resolution,
            unit=unit,
            prior=prior,
            source_ids=source_ids,
        ).values

    values = read(prior)
    if np.isnan(values).any():
        # Values equal to the source's newest belief were not stored again (a schedule recorded
        # with a prior earlier than a newer one): they are that newer belief.
        newest = read(None)
        values = np.where(np.isnan(values), newest, values)
    return values
