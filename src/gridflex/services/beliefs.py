"""The belief store's Python interface, used by the API, the CLI, jobs and every engine's service.

Write a frame of beliefs in one call (``write_beliefs``), post a regular series as
clients send it (``post_series``: units, resolution, belief timing), and read one or
many sensors over a window with the belief filters, already resampled and converted
(``read_series``, ``read_frame``). The caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from gridflex.engines.beliefs.knowledge import knowledge_times_us
from gridflex.engines.beliefs.resample import downsample, upsample
from gridflex.errors import InvalidReplacementError, ResolutionError, ValidationError
from gridflex.store.models import DataSource, Sensor
from gridflex.store.queries import beliefs as q
from gridflex.timing import to_utc, utcnow
from gridflex.units import convert, is_energy_unit

US = 1_000_000
_RTOL = 1e-9  # values equal up to float noise from unit conversion count as the same


def to_us(moment: datetime) -> int:
    delta = to_utc(moment) - datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


def td_us(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


@dataclass
class BeliefFrame:
    """Beliefs to write: one entry per (event, belief time, probability)."""

    event_starts_us: np.ndarray
    values: np.ndarray
    belief_times_us: np.ndarray
    cumulative_probabilities: np.ndarray | None = None  # default 0.5 everywhere


@dataclass
class WriteResult:
    stored: int
    already_known: int

    @property
    def nothing_new(self) -> bool:
        return self.stored == 0 and self.already_known > 0


@dataclass
class Series:
    """A regular series read from the store: ``values[i]`` is the event starting at ``start + i * resolution``."""

    start: datetime
    resolution: timedelta
    values: np.ndarray  # NaN where no belief
    unit: str
    source_ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    @property
    def duration(self) -> timedelta:
        return self.resolution * len(self.values)

    def to_pandas(self) -> pd.Series:
        index = pd.date_range(self.start, periods=len(self.values), freq=self.resolution, tz="UTC")
        return pd.Series(self.values, index=index)


def write_beliefs(
    session: Session, sensor: Sensor, source: DataSource, frame: BeliefFrame
) -> WriteResult:
    """Store what is new; refuse (and store nothing) if a belief would be replaced by another value.

    New means: not equal to this source's most recent belief about the event, and
    not already stored with the same event, belief time, source and probability.
    """
    n = len(frame.values)
    if n == 0:
        return WriteResult(0, 0)
    starts = np.asarray(frame.event_starts_us, dtype=np.int64)
    values = np.asarray(frame.values, dtype=float)
    belief_times = np.broadcast_to(np.asarray(frame.belief_times_us, dtype=np.int64), (n,))
    probs = np.broadcast_to(
        np.asarray(
            0.5 if frame.cumulative_probabilities is None else frame.cumulative_probabilities,
            dtype=float,
        ),
        (n,),
    )
    lo, hi = int(starts.min()), int(starts.max()) + 1
    keep = np.ones(n, dtype=bool)
    if np.all(probs == 0.5):  # probabilistic frames are compared by their own keys only
        ex_starts, ex_values, _ = q.most_recent(
            session, sensor.id, lo, hi, q.BeliefFilter(source_ids=[source.id])
        )
        keep &= ~_matches(ex_starts, ex_values, starts, values)
    keep &= ~_same_key_checked(
        session, sensor.id, source.id, starts, belief_times, probs, values, keep, lo, hi
    )
    rows = np.empty(
        int(keep.sum()),
        dtype=[
            (c, "f8" if c in ("cumulative_probability", "event_value") else "i8") for c in q.COLUMNS
        ],
    )
    if len(rows):
        known = knowledge_times_us(
            starts[keep], resolution=sensor.event_resolution, spec=sensor.knowledge_horizon
        )
        rows["sensor_id"] = sensor.id
        rows["event_start_us"] = starts[keep]
        rows["belief_time_us"] = belief_times[keep]
        rows["source_id"] = source.id
        rows["cumulative_probability"] = probs[keep]
        rows["belief_horizon_us"] = known - belief_times[keep]
        rows["event_value"] = values[keep]
        q.insert(session, rows)
    return WriteResult(len(rows), n - len(rows))


def _matches(
    ex_starts: np.ndarray, ex_values: np.ndarray, starts: np.ndarray, values: np.ndarray
) -> np.ndarray:
    """Which new (start, value) pairs equal the existing most recent value of their event."""
    if len(ex_starts) == 0:
        return np.zeros(len(starts), dtype=bool)
    idx = np.clip(np.searchsorted(ex_starts, starts), 0, len(ex_starts) - 1)
    found = ex_starts[idx] == starts
    return found & np.isclose(ex_values[idx], values, rtol=_RTOL, atol=0.0)


def _same_key_checked(
    session: Session,
    sensor_id: int,
    source_id: int,
    starts: np.ndarray,
    belief_times: np.ndarray,
    probs: np.ndarray,
    values: np.ndarray,
    candidates: np.ndarray,
    lo: int,
    hi: int,
) -> np.ndarray:
    """Mark candidates already stored under the same key; raise if one holds another value."""
    already = np.zeros(len(starts), dtype=bool)
    if not candidates.any():
        return already
    bt = belief_times[candidates]
    flt = q.BeliefFilter(source_ids=[source_id])
    existing = [
        row
        for row in q.beliefs_in(session, sensor_id, lo, hi, flt)
        if bt.min() <= row[1] <= bt.max()
    ]
    if not existing:
        return already
    stored = {(row[0], row[1], row[3]): row[5] for row in existing}
    for i in np.flatnonzero(candidates):
        key = (int(starts[i]), int(belief_times[i]), float(probs[i]))
        if key in stored:
            if not np.isclose(stored[key], values[i], rtol=_RTOL, atol=0.0):
                moment = pd.Timestamp(key[0], unit="us", tz="UTC").isoformat()
                raise InvalidReplacementError(
                    f"A belief about the event at {moment} with the same belief time and source already "
                    f"holds {stored[key]!r}; post changed values with a later belief time instead. "
                    "Nothing of this request was stored."
                )
            already[i] = True
    return already


def resolution_factor(posted: timedelta, required: timedelta) -> tuple[str, int]:
    """How posted data map onto the sensor's resolution: ("same"|"up"|"down", factor)."""
    if required == timedelta(0) or posted == required:
        return "same", 1
    ratio = posted / required
    if ratio > 1 and abs(ratio - round(ratio)) < 1e-9:
        return "up", round(ratio)
    inverse = required / posted
    if inverse > 1 and abs(inverse - round(inverse)) < 1e-9:
        return "down", round(inverse)
    raise ResolutionError(
        f"Resolution of {posted} is incompatible with the sensor's required resolution of {required}.",
        field="duration",
    )


def check_alignment(
    moment: datetime, resolution: timedelta, timezone: str, *, field: str = "start"
) -> None:
    """Refuse a start that is off the resolution grid (counted from local midnight for sub-daily steps)."""
    seconds = resolution.total_seconds()
    if seconds <= 0 or 86_400 % seconds:
        return
    local = moment.astimezone(ZoneInfo(timezone))
    utc = to_utc(moment)
    since_local_midnight = (
        local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / US
    )
    since_utc_midnight = utc.hour * 3600 + utc.minute * 60 + utc.second + utc.microsecond / US
    if since_local_midnight % seconds and since_utc_midnight % seconds:
        raise ValidationError(
            f"Start {moment.isoformat()} is not aligned to the resolution of {resolution} "
            f"(use e.g. {_floor(moment, resolution).isoformat()}).",
            field=field,
        )


def _floor(moment: datetime, resolution: timedelta) -> datetime:
    step = td_us(resolution)
    floored = to_us(moment) // step * step
    return pd.Timestamp(floored, unit="us", tz="UTC").tz_convert(moment.tzinfo).to_pydatetime()


def check_signs(sensor: Sensor, values: np.ndarray) -> None:
    """Pure producers/consumers refuse values of the wrong sign (consumption positive)."""
    attributes = sensor.attributes or {}
    flip = attributes.get("consumption_is_positive") is False
    signed = -values if flip else values
    if attributes.get("is_pure_consumer") and np.any(signed < 0):
        raise ValidationError(
            f"Sensor {sensor.id} measures a pure consumer: production (negative) values are refused.",
            field="values",
        )
    if attributes.get("is_pure_producer") and np.any(signed > 0):
        raise ValidationError(
            f"Sensor {sensor.id} measures a pure producer: consumption (positive) values are refused.",
            field="values",
        )


def post_series(
    session: Session,
    sensor: Sensor,
    source: DataSource,
    *,
    values: list[float | None] | np.ndarray,
    start: datetime,
    duration: timedelta,
    unit: str,
    prior: datetime | None = None,
    horizon: timedelta | None = None,
    now: datetime | None = None,
) -> WriteResult:
    """Store a regular series the way clients post it (seed 003: values, start, duration, prior, horizon)."""
    data = np.array([np.nan if v is None else v for v in values], dtype=float)
    if len(data) == 0:
        raise ValidationError("values must contain at least one value.", field="values")
    if duration <= timedelta(0):
        raise ValidationError("duration must be positive.", field="duration")
    posted_resolution = duration / len(data)
    required = sensor.event_resolution
    direction, factor = resolution_factor(posted_resolution, required)
    check_alignment(
        start, required if required > timedelta(0) else posted_resolution, sensor.timezone
    )
    converted = convert(data, unit, sensor.unit, resolution=posted_resolution)
    if direction != "same":
        energy = is_energy_unit(sensor.unit)
        converted = (
            upsample(converted, factor, energy_like=energy)
            if direction == "up"
            else downsample(converted, factor, energy_like=energy)
        )
    step = required if required > timedelta(0) else posted_resolution
    starts = to_us(start) + np.arange(len(converted), dtype=np.int64) * td_us(step)
    present = ~np.isnan(converted)
    starts, converted = starts[present], converted[present]
    check_signs(sensor, converted)
    belief_times = belief_times_for(
        sensor, starts, prior=prior, horizon=horizon, now=now or utcnow()
    )
    return write_beliefs(session, sensor, source, BeliefFrame(starts, converted, belief_times))


def belief_times_for(
    sensor: Sensor,
    starts_us: np.ndarray,
    *,
    prior: datetime | None,
    horizon: timedelta | None,
    now: datetime,
) -> np.ndarray:
    """Seed 003: prior -> that time; horizon -> knowledge time - horizon per event; both -> the earliest."""
    if prior is None and horizon is None:
        return np.full(len(starts_us), to_us(now), dtype=np.int64)
    candidates = []
    if prior is not None:
        candidates.append(np.full(len(starts_us), to_us(prior), dtype=np.int64))
    if horizon is not None:
        known = knowledge_times_us(
            starts_us, resolution=sensor.event_resolution, spec=sensor.knowledge_horizon
        )
        candidates.append(known - td_us(horizon))
    return np.minimum.reduce(candidates)


def read_series(
    session: Session,
    sensor: Sensor,
    *,
    start: datetime,
    duration: timedelta,
    resolution: timedelta | None = None,
    unit: str | None = None,
    prior: datetime | None = None,
    horizon: timedelta | None = None,
    source_ids: list[int] | None = None,
) -> Series:
    """The most recent belief per event in [start, start + duration), resampled and converted."""
    native = (
        sensor.event_resolution
        if sensor.event_resolution > timedelta(0)
        else (resolution or timedelta(minutes=15))
    )
    target = resolution or native
    direction, factor = resolution_factor(target, native)
    check_alignment(start, native, sensor.timezone)
    n = int(duration / native)
    if n * native != duration:
        raise ValidationError(
            f"duration {duration} is not a whole number of {native} steps.", field="duration"
        )
    flt = q.BeliefFilter(
        prior_us=None if prior is None else to_us(prior),
        min_horizon_us=None if horizon is None else td_us(horizon),
        source_ids=source_ids,
    )
    start_us = to_us(start)
    starts, values, sources = q.most_recent(
        session, sensor.id, start_us, start_us + n * td_us(native), flt
    )
    grid = np.full(n, np.nan)
    slots = (starts - start_us) // td_us(native)
    on_grid = (starts - start_us) % td_us(native) == 0
    grid[slots[on_grid]] = values[on_grid]
    energy = is_energy_unit(sensor.unit)
    if direction == "up":  # asking for a coarser resolution than stored
        if n % factor:
            raise ValidationError(
                f"duration is not a whole number of {target} steps.", field="resolution"
            )
        grid = downsample(grid, factor, energy_like=energy)
    elif direction == "down":
        grid = upsample(grid, factor, energy_like=energy)
    out_unit = unit or sensor.unit
    grid = convert(grid, sensor.unit, out_unit, resolution=target)
    return Series(
        start=to_utc(start),
        resolution=target,
        values=grid,
        unit=out_unit,
        source_ids=np.unique(sources),
    )


def read_frame(
    session: Session,
    sensors: list[Sensor],
    *,
    start: datetime,
    duration: timedelta,
    resolution: timedelta,
    prior: datetime | None = None,
    horizon: timedelta | None = None,
) -> pd.DataFrame:
    """Several sensors at once on one time grid (columns by sensor id), each in its own unit."""
    columns = {
        sensor.id: read_series(
            session,
            sensor,
            start=start,
            duration=duration,
            resolution=resolution,
            prior=prior,
            horizon=horizon,
        ).values
        for sensor in sensors
    }
    index = pd.date_range(to_utc(start), periods=int(duration / resolution), freq=resolution)
    return pd.DataFrame(columns, index=index)


def delete_data(session: Session, sensor: Sensor) -> int:
    return q.delete_sensor_data(session, sensor.id)
