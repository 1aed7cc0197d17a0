"""The belief store's Python interface, used by the API, the CLI, jobs and every engine's service.

Write a frame of beliefs in one call (``write_beliefs``), post a regular series as
clients send it (``post_series``: units, resolution, belief timing), and read one or
many sensors over a window with the belief filters, already resampled and converted
(``read_series``, ``read_frame``). The caller owns the transaction: a request that
fails half-way leaves nothing behind once its transaction is rolled back.

Which belief counts as "most recent" is defined once, in ``gridflex.store.queries.beliefs``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import psycopg
from sqlalchemy.orm import Session

from gridflex.engines.beliefs.knowledge import knowledge_times_us
from gridflex.engines.beliefs.resample import bin_events, downsample, upsample
from gridflex.errors import ConflictError, InvalidReplacementError, ValidationError
from gridflex.metrics import BELIEFS_READ, BELIEFS_WRITTEN
from gridflex.services import audit
from gridflex.services.belief_checks import (  # noqa: F401 - part of this module's interface
    check_alignment,
    check_magnitudes,
    check_signs,
    from_us,
    is_extensive,
    misaligned,
    resolution_factor,
    td_us,
    to_us,
)
from gridflex.store.compression import lock_sensor
from gridflex.store.models import DataSource, Sensor, User
from gridflex.store.queries import beliefs as q
from gridflex.timing import format_duration, to_utc, utcnow
from gridflex.units import convert

_RTOL = 1e-9  # values equal up to float noise from unit conversion count as the same
INSTANT_READ_STEP = timedelta(
    minutes=15
)  # grid for reading instantaneous sensors without a resolution
MAX_VALUES = 2_000_000  # per read: a bigger grid asks for a coarser resolution


@dataclass
class BeliefFrame:
    """Beliefs to write: one entry per (event, belief time, probability); NaN values are skipped."""

    event_starts_us: np.ndarray
    values: np.ndarray
    belief_times_us: np.ndarray | int
    cumulative_probabilities: np.ndarray | float | None = None  # default 0.5 everywhere


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
    session: Session,
    sensor: Sensor,
    source: DataSource,
    frame: BeliefFrame,
    *,
    retry_race: bool = True,
) -> WriteResult:
    """Store what is new; refuse (and store nothing) if a belief would be replaced by another value.

    New means: not equal to this source's most recent belief about the event (for
    median beliefs, cumulative probability 0.5), and not already stored under the
    same event, belief time, source and probability. The same key with another
    value raises ``InvalidReplacementError``: history is never overwritten.
    """
    starts, values, belief_times, probs = _normalised(frame)
    n = len(values)
    if n == 0:
        return WriteResult(0, 0)
    lo, hi = int(starts.min()), int(starts.max()) + 1
    step = td_us(sensor.event_resolution)
    lock_sensor(session, [sensor.id])  # before the checks: compression waits (store.compression)
    picked = q.most_recent(
        session,
        sensor.id,
        lo,
        hi,
        q.BeliefFilter(source_ids=[source.id]),
        max_events=(hi - 1 - lo) // step + 1 if step else None,
    )
    new = np.ones(n, dtype=bool)
    median = probs == 0.5
    if median.any():
        new[median] = ~_unchanged(picked, starts[median], values[median])
    if new.any() and len(picked.starts_us):  # a source without beliefs here cannot collide
        new &= ~_same_key_stored(
            session, sensor, source, starts, belief_times, probs, values, new, lo, hi
        )
    keep = np.flatnonzero(new)
    rows = np.empty(len(keep), dtype=q.ROW_DTYPE)
    if len(rows):
        known = knowledge_times_us(
            starts[keep],
            resolution=sensor.event_resolution,
            spec=sensor.knowledge_horizon,
            timezone=sensor.timezone,
        )
        rows["sensor_id"] = sensor.id
        rows["event_start_us"] = starts[keep]
        rows["belief_time_us"] = belief_times[keep]
        rows["source_id"] = source.id
        rows["cumulative_probability"] = probs[keep]
        rows["belief_horizon_us"] = known - belief_times[keep]
        rows["event_value"] = values[keep]
        try:
            with session.begin_nested():  # a savepoint: a lost race undoes only this insert
                q.insert(session, rows)
        except (sqlite3.IntegrityError, psycopg.IntegrityError) as exc:
            # Another request stored beliefs with the same key and committed first: decide
            # again against what it stored (the same values: nothing new; others: refused).
            if retry_race:
                return write_beliefs(session, sensor, source, frame, retry_race=False)
            raise ConflictError(
                "Another request stored beliefs with the same event, belief time and source at the same "
                "moment; nothing of this request was stored. Please retry."
            ) from exc
    BELIEFS_WRITTEN.inc(len(rows))
    return WriteResult(len(rows), n - len(rows))


def _normalised(frame: BeliefFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Arrays of equal length without NaN values and without repeated keys."""
    values = np.asarray(frame.values, dtype=float)
    n = len(values)
    starts = np.asarray(frame.event_starts_us, dtype=np.int64)
    belief_times = np.broadcast_to(np.asarray(frame.belief_times_us, dtype=np.int64), (n,))
    probs = np.broadcast_to(
        np.asarray(
            0.5 if frame.cumulative_probabilities is None else frame.cumulative_probabilities,
            dtype=float,
        ),
        (n,),
    )
    check_magnitudes(values)
    present = ~np.isnan(values)
    starts, values, belief_times, probs = (
        starts[present],
        values[present],
        belief_times[present],
        probs[present],
    )
    order = np.lexsort((probs, belief_times, starts))
    starts, values, belief_times, probs = (
        starts[order],
        values[order],
        belief_times[order],
        probs[order],
    )
    repeated = (np.diff(starts) == 0) & (np.diff(belief_times) == 0) & (np.diff(probs) == 0)
    if repeated.any():
        clash = repeated & ~np.isclose(values[1:], values[:-1], rtol=_RTOL, atol=0.0)
        if clash.any():
            i = int(np.flatnonzero(clash)[0])
            raise ValidationError(
                f"The data hold two different values ({float(values[i])!r} and {float(values[i + 1])!r}) for the event at "
                f"{from_us(starts[i]).isoformat()} with the same belief time.",
                field="values",
            )
        unique = np.concatenate([[True], ~repeated])
        starts, values, belief_times, probs = (
            starts[unique],
            values[unique],
            belief_times[unique],
            probs[unique],
        )
    return starts, values, belief_times, probs


def _unchanged(picked: q.Picked, starts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Which new values (sorted by event, then belief time) repeat the value believed just before.

    That is the stored most recent value for the first new belief about an event,
    and the previous new belief for later ones (a frame may hold a history).
    """
    unchanged = np.zeros(len(starts), dtype=bool)
    if len(picked.starts_us):
        idx = np.clip(np.searchsorted(picked.starts_us, starts), 0, len(picked.starts_us) - 1)
        found = picked.starts_us[idx] == starts
        unchanged = found & np.isclose(picked.values[idx], values, rtol=_RTOL, atol=0.0)
    follows = np.r_[False, starts[1:] == starts[:-1]]
    if follows.any():
        previous = np.r_[np.nan, values[:-1]]
        unchanged[follows] = np.isclose(previous[follows], values[follows], rtol=_RTOL, atol=0.0)
    return unchanged


def _same_key_stored(
    session: Session,
    sensor: Sensor,
    source: DataSource,
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
    bt = belief_times[candidates]
    flt = q.BeliefFilter(source_ids=[source.id], belief_times_us=(int(bt.min()), int(bt.max())))
    existing = q.beliefs_in(session, sensor.id, lo, hi, flt)
    if len(existing) == 0:
        return already
    index = np.flatnonzero(candidates)
    mine = pd.DataFrame(
        {"s": starts[index], "b": belief_times[index], "p": probs[index], "i": index}
    )
    theirs = pd.DataFrame(
        {
            "s": existing["event_start_us"],
            "b": existing["belief_time_us"],
            "p": existing["cumulative_probability"],
            "v": existing["event_value"],
        }
    )
    both = mine.merge(theirs, on=["s", "b", "p"], how="inner")
    if both.empty:
        return already
    i, stored = both["i"].to_numpy(), both["v"].to_numpy()
    differs = ~np.isclose(stored, values[i], rtol=_RTOL, atol=0.0)
    if differs.any():
        k = int(np.flatnonzero(differs)[0])
        raise InvalidReplacementError(
            f"A belief about the event at {from_us(starts[i[k]], sensor.timezone).isoformat()} with the same "
            f"belief time ({from_us(belief_times[i[k]], sensor.timezone).isoformat()}) and source already holds "
            f"{float(stored[k])!r}, not {float(values[i[k]])!r}; post changed values with a later belief time instead. "
            "Nothing of this request was stored."
        )
    already[i] = True
    return already


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
    """Store a regular series the way clients post it (seed 003: values, start, duration, prior, horizon).

    The posted resolution (duration / number of values) must equal the sensor's,
    or be a whole multiple of it (upsampled) or a whole divisor (downsampled);
    ``null`` values are skipped.
    """
    data = np.array([np.nan if v is None else v for v in values], dtype=float)
    if len(data) == 0:
        raise ValidationError("values must contain at least one value.", field="values")
    if duration <= timedelta(0):
        raise ValidationError("duration must be positive.", field="duration")
    posted = duration / len(data)
    required = sensor.event_resolution
    kind, factor = resolution_factor(posted, required)
    instantaneous = required <= timedelta(0)
    step = posted if instantaneous else required
    if not instantaneous:  # a state (e.g. of charge) may be measured at any instant
        check_alignment(start, step, sensor.timezone)
    converted = convert(data, unit, sensor.unit, resolution=posted)
    extensive = is_extensive(sensor.unit)
    if kind == "coarser":
        converted = upsample(converted, factor, energy_like=extensive)
    elif kind == "finer":
        if len(converted) % factor:
            raise ValidationError(
                f"{len(converted)} values of {format_duration(posted)} do not fill whole steps of the sensor's "
                f"resolution ({format_duration(required)}); send a multiple of {factor} values.",
                field="values",
            )
        converted = downsample(converted, factor, energy_like=extensive)
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
    """Seed 003: neither -> now; prior -> that time; horizon -> knowledge time - horizon per event; both -> the earliest."""
    if prior is None and horizon is None:
        return np.full(len(starts_us), to_us(now), dtype=np.int64)
    candidates = []
    if prior is not None:
        candidates.append(np.full(len(starts_us), to_us(prior), dtype=np.int64))
    if horizon is not None:
        known = knowledge_times_us(
            starts_us,
            resolution=sensor.event_resolution,
            spec=sensor.knowledge_horizon,
            timezone=sensor.timezone,
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
    """The most recent belief per event in [start, start + duration), resampled and converted.

    ``horizon`` keeps beliefs recorded at least that long before their event's
    knowledge time; ``prior`` keeps beliefs recorded at or before that moment.
    """
    native = sensor.event_resolution
    target = resolution or (native if native > timedelta(0) else INSTANT_READ_STEP)
    kind, factor = resolution_factor(target, native) if native > timedelta(0) else ("same", 1)
    if native > timedelta(0):  # instantaneous values are binned from ``start``, wherever it is
        check_alignment(start, target, sensor.timezone)
    if kind == "finer":
        check_alignment(start, native, sensor.timezone)
    n = _steps(duration, target, "resolution" if resolution else "duration")
    flt = q.BeliefFilter(
        prior_us=None if prior is None else to_us(prior),
        min_horizon_us=None if horizon is None else td_us(horizon),
        source_ids=source_ids,
    )
    start_us, extensive = to_us(start), is_extensive(sensor.unit)
    end_us = start_us + n * td_us(target)
    if native <= timedelta(0):
        picked = q.most_recent(session, sensor.id, start_us, end_us, flt)
        grid = bin_events(
            picked.starts_us - start_us,
            picked.values,
            step_us=td_us(target),
            n=n,
            energy_like=extensive,
        )
    else:
        n_native = _steps(duration, native, "duration")
        picked = q.most_recent(session, sensor.id, start_us, end_us, flt, max_events=n_native)
        grid = np.full(n_native, np.nan)
        offsets = picked.starts_us - start_us
        on_grid = offsets % td_us(native) == 0
        grid[offsets[on_grid] // td_us(native)] = picked.values[on_grid]
        if kind == "coarser":  # asking for a coarser resolution than stored
            grid = downsample(grid, factor, energy_like=extensive)
        elif kind == "finer":
            grid = upsample(grid, factor, energy_like=extensive)
    BELIEFS_READ.inc(len(picked.starts_us))
    out_unit = unit or sensor.unit
    grid = convert(grid, sensor.unit, out_unit, resolution=target)
    return Series(
        start=to_utc(start),
        resolution=target,
        values=grid,
        unit=out_unit,
        source_ids=np.unique(picked.source_ids),
    )


def _steps(duration: timedelta, step: timedelta, name: str) -> int:
    if td_us(duration) % td_us(step):
        raise ValidationError(
            f"duration {format_duration(duration)} is not a whole number of {format_duration(step)} steps.",
            field=name,
        )
    n = td_us(duration) // td_us(step)
    if n > MAX_VALUES:
        raise ValidationError(
            f"{n} values of {format_duration(step)} are more than one request returns ({MAX_VALUES}); "
            "ask for a shorter duration or a coarser resolution.",
            field=name,
        )
    return n


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
    index = pd.date_range(
        to_utc(start), periods=td_us(duration) // td_us(resolution), freq=resolution
    )
    return pd.DataFrame(columns, index=index)


def delete_data(
    session: Session,
    sensor: Sensor,
    *,
    start: datetime | None = None,
    until: datetime | None = None,
    source_ids: list[int] | None = None,
    beliefs_after: datetime | None = None,
    beliefs_before: datetime | None = None,
    actor: User | None = None,
) -> int:
    """Delete the sensor's beliefs that match every filter given (all of them without filters).

    Events count when they lie wholly in [start, until): a filter never deletes part of
    what an event was believed to be outside the window (an instantaneous event at
    ``until`` lies within, so ``start == until`` deletes the values at that instant).
    Beliefs count when recorded in [beliefs_after, beliefs_before] (both inclusive).
    Returns how many were deleted.
    """
    if start and until and until - start < sensor.event_resolution:
        raise ValidationError(
            "until must lie at least one resolution "
            f"({format_duration(sensor.event_resolution)}) after start.",
            field="until",
        )
    if beliefs_after and beliefs_before and beliefs_before < beliefs_after:
        raise ValidationError(
            "beliefs_before must not be earlier than beliefs_after.", field="beliefs_before"
        )
    resolution_us = td_us(sensor.event_resolution)
    start_us = to_us(start) if start else -(2**62)
    # Events [e, e + resolution) within the window: e + resolution <= until.
    end_us = 2**62 if until is None else to_us(until) - resolution_us + 1
    flt = q.BeliefFilter(
        source_ids=source_ids,
        belief_times_us=None
        if beliefs_after is None and beliefs_before is None
        else (
            to_us(beliefs_after) if beliefs_after else -(2**62),
            to_us(beliefs_before) if beliefs_before else 2**62,
        ),
    )
    deleted = q.delete_beliefs(session, sensor.id, start_us, end_us, flt)
    filtered = any(x is not None for x in (start, until, source_ids, beliefs_after, beliefs_before))
    audit.record(
        session,
        f"{deleted} beliefs of sensor {sensor.name} (id {sensor.id}) deleted"
        + (" (filtered)" if filtered else ""),
        actor=actor,
        account_id=sensor.asset.account_id,
        asset_id=sensor.generic_asset_id,
    )
    return deleted


def delete_orphans(session: Session) -> int:
    """Remove beliefs of deleted sensors or sources (for code paths that delete those in bulk)."""
    return q.delete_orphans(session)


def event_extent_us(session: Session, sensor_ids: Sequence[int]) -> tuple[int, int] | None:
    """First and last event start [µs] over these sensors' beliefs (any source), or None."""
    return q.extent_us(session, sensor_ids)


def source_extent_us(
    session: Session, sensor_ids: Sequence[int], source_id: int
) -> tuple[int, int] | None:
    """First and last event start [µs] of one source's beliefs over these sensors, or None."""
    return q.source_extent_us(session, sensor_ids, source_id)


def latest_belief_time_of_source_type(
    session: Session, sensor_id: int, source_type: str
) -> int | None:
    """The latest belief time [µs] about the sensor among sources of this type, or None."""
    return q.latest_belief_time_of_source_type(session, sensor_id, source_type)


def has_beliefs_from_source_type(session: Session, sensor_id: int, source_type: str) -> bool:
    """Whether any belief about the sensor comes from a source of this type (``forecaster``)."""
    return q.has_beliefs_from_source_type(session, sensor_id, source_type)
