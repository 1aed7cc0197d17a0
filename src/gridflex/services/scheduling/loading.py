"""Turn value specs into per-step arrays over the planning window, reading sensors from the store.

Two grids: per-step fields (prices, capacities, gains) take the value of each step
[t, t + resolution); SoC fields take the value at each step END, because SoC limits
apply after a step (see the scheduling engine). A sensor is read through
`gridflex.services.beliefs.read_series`, resampled to the scheduling resolution and
converted to the canonical unit, with the knowledge cut-off ``prior``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from gridflex.errors import InsufficientDataError
from gridflex.services import beliefs
from gridflex.services.belief_checks import DAY_US, from_us, td_us, to_us
from gridflex.services.sensors import get_sensor
from gridflex.store.models import Sensor

from .values import Fixed, FromSensor, Segments, Spec, Total


@dataclass(frozen=True)
class Window:
    """The planning window: ``n`` steps of ``resolution`` from ``start``; inputs known by ``prior``."""

    start: datetime
    end: datetime
    resolution: timedelta
    prior: datetime | None = None

    @property
    def n(self) -> int:
        return int((self.end - self.start) / self.resolution)

    @property
    def resolution_h(self) -> float:
        return self.resolution.total_seconds() / 3600

    def step_starts(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start.astimezone(UTC), periods=self.n, freq=self.resolution)


def _floor_to_grid(moment: datetime, step: timedelta, timezone: str) -> datetime:
    """The latest moment at or before ``moment`` on the sensor's grid (UTC grid, or local midnights)."""
    step_us = td_us(step)
    if DAY_US % step_us == 0:
        us = to_us(moment)
        return from_us(us - us % step_us)
    local = pd.Timestamp(moment).tz_convert(timezone).normalize()
    return local.to_pydatetime()


def read_on_grid(
    session: Session,
    sensor: Sensor,
    *,
    start: datetime,
    n: int,
    resolution: timedelta,
    unit: str,
    prior: datetime | None,
) -> np.ndarray:
    """``n`` values of ``sensor`` from ``start`` at ``resolution`` in ``unit``, NaN where unknown.

    A sensor coarser than the schedule (hourly prices for 15-minute steps) is read
    from the start of its own event, so that a window starting mid-event works.
    """
    native = sensor.event_resolution
    first = start
    if native > resolution:
        first = _floor_to_grid(start, native, sensor.timezone)
    skip = int((start - first) / resolution)
    total = skip + n
    if native > resolution:  # read whole native events, then cut out the window
        per = int(native / resolution)
        total = -(-total // per) * per
    series = beliefs.read_series(
        session,
        sensor,
        start=first,
        duration=resolution * total,
        resolution=resolution,
        unit=unit,
        prior=prior,
    )
    return series.values[skip : skip + n]


class Loader:
    """Resolves specs for one window; caches sensor reads (a price sensor is often used twice)."""

    def __init__(self, session: Session, window: Window) -> None:
        self.session = session
        self.window = window
        self._cache: dict[tuple[int, str, bool], np.ndarray] = {}

    def steps(self, spec: Spec | None, *, default: float = np.nan) -> np.ndarray:
        """One value per step [t, t + resolution)."""
        return self._array(spec, at_ends=False, default=default)

    def ends(self, spec: Spec | None, *, default: float = np.nan) -> np.ndarray:
        """One value per step end (SoC limits)."""
        return self._array(spec, at_ends=True, default=default)

    def _array(self, spec: Spec | None, *, at_ends: bool, default: float) -> np.ndarray:
        n = self.window.n
        if spec is None:
            return np.full(n, default)
        if isinstance(spec, Fixed):
            return np.full(n, spec.value)
        if isinstance(spec, FromSensor):
            out = self._sensor(spec, at_ends).copy()
        elif isinstance(spec, Segments):
            out = self._segments(spec, at_ends)
        else:
            assert isinstance(spec, Total)
            parts = [
                np.nan_to_num(self._array(p, at_ends=at_ends, default=0.0)) for p in spec.parts
            ]
            out = np.sum(parts, axis=0)
        out[np.isnan(out)] = default
        return out

    def sensor_series(self, sensor: Sensor, unit: str, *, at_ends: bool = False) -> np.ndarray:
        key = (sensor.id, unit, at_ends)
        if key not in self._cache:
            w = self.window
            self._cache[key] = read_on_grid(
                self.session,
                sensor,
                start=w.start + (w.resolution if at_ends else timedelta(0)),
                n=w.n,
                resolution=w.resolution,
                unit=unit,
                prior=w.prior,
            )
        return self._cache[key]

    def _sensor(self, spec: FromSensor, at_ends: bool) -> np.ndarray:
        return self.sensor_series(
            get_sensor(self.session, spec.sensor_id), spec.unit, at_ends=at_ends
        )

    def _segments(self, spec: Segments, at_ends: bool) -> np.ndarray:
        w = self.window
        times = w.step_starts() + (w.resolution if at_ends else timedelta(0))
        out = np.full(w.n, np.nan)
        for item in spec.items:  # later segments override earlier ones
            lo, hi = pd.Timestamp(item.start), pd.Timestamp(item.end)
            inside = (times >= lo) & ((times <= hi) if at_ends else (times < hi))
            out[np.asarray(inside)] = item.value
        return out

    def value_at_start(self, sensor: Sensor, unit: str) -> float:
        """The sensor's value for the moment the window starts (NaN if unknown)."""
        w = self.window
        step = max(w.resolution, sensor.event_resolution)
        values = read_on_grid(
            self.session, sensor, start=w.start, n=1, resolution=step, unit=unit, prior=w.prior
        )
        return float(values[0])


def require_known(values: np.ndarray, window: Window, what: str, field: str) -> np.ndarray:
    """Refuse a series with gaps: the schedule would silently treat them as zero."""
    missing = np.flatnonzero(np.isnan(values))
    if missing.size:
        first = window.step_starts()[missing[0]].isoformat()
        known = f", as known at the prior {window.prior.isoformat()}" if window.prior else ""
        raise InsufficientDataError(
            f"{what} unknown for {missing.size} of {window.n} steps of the planning window "
            f"(first at {first}{known}); post the missing data or shorten the schedule.",
            field=field,
        )
    return values
