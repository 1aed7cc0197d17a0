"""Measured demand of many substations (or circuits) from the belief store, as one array.

Sensors: on each registry asset, one sensor named ``demand`` in a power unit (MW,
kW, MVA...) with a resolution of half an hour or finer, and optionally one named
``reactive power`` (in a unit convertible to MVA). Where demand is real power
(W-based) and reactive power is measured, the apparent power
``sign(P) * sqrt(P² + Q²)`` is used (the sign keeps reverse power flow visible);
otherwise real power counts as apparent power (unity power factor, the unit
policy of `gridflex.units`). Values are the most recent belief per event.

Statistics are of half-hourly demand, as published heatmaps state them: finer
sensors (any whole fraction of half an hour) are averaged to half hours, and
energy per step (MWh) is read as the mean power over the step.

Reading a year of half-hourly data for a thousand substations is 17.5 million
beliefs, so they come from the store's bulk read (`iter_values_by_sensor`), each
sensor put on the grid as it arrives. Where every event has exactly one belief,
that belief is the most recent one by definition; a sensor with several beliefs
for an event is read through `gridflex.services.beliefs`, which applies the full
rule.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from gridflex.engines.beliefs.resample import downsample
from gridflex.engines.heatmap import DemandSeries
from gridflex.errors import ValidationError
from gridflex.services import beliefs
from gridflex.store.models import Sensor
from gridflex.store.queries import heatmap as queries
from gridflex.store.queries.beliefs import iter_values_by_sensor
from gridflex.timing import format_duration
from gridflex.units import convert, is_convertible

DEMAND, REACTIVE = "demand", "reactive power"
GRID = timedelta(minutes=30)  # the resolution of published demand statistics
MAX_CELLS = 100_000_000  # assets x half-hours held at once (800 MB of floats)
_READ_EVENTS = 1_000_000  # events per statement of the bulk read (bounds the rows held)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class MeasuredDemand:
    """Demand rows in the order of the assets asked for, and what could not be used."""

    series: DemandSeries | None
    sensors_used: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Use:
    row: int
    sensor: Sensor
    reactive: bool


def measured_demand(
    session: Session, asset_ids: Sequence[int], *, start: datetime, end: datetime
) -> MeasuredDemand:
    """Half-hourly apparent power [MVA] per asset over ``[start, end)``; NaN rows without data."""
    result = MeasuredDemand(series=None)
    uses = _pick_sensors(session, asset_ids, result.warnings)
    if not uses:
        return result
    first = _EPOCH + ((start - _EPOCH) // GRID) * GRID
    n_steps = -(-(end - first) // GRID)
    if len(asset_ids) * n_steps > MAX_CELLS:
        raise ValidationError(
            f"{len(asset_ids)} demand series of {n_steps} half-hours are more values than one "
            f"computation holds ({MAX_CELLS}); shorten the statistics window.",
            field="window",
        )
    real = np.full((len(asset_ids), n_steps), np.nan)
    reactive: dict[int, np.ndarray] = {}
    apparent = set()
    for use, native in _read(session, uses, first, first + n_steps * GRID):
        sensor = use.sensor
        mva = convert(native, sensor.unit, "MVA", resolution=sensor.event_resolution)
        # Finer data become half-hourly means, as published demand figures are.
        cells = downsample(mva, GRID // sensor.event_resolution, energy_like=False)
        if use.reactive:
            reactive[use.row] = cells
        else:
            real[use.row] = cells
            if "VA" in sensor.unit:
                apparent.add(use.row)
    for row, q in reactive.items():
        if row not in apparent:
            p = real[row]
            real[row] = np.where(np.isnan(q), p, np.copysign(np.hypot(p, q), p))
    result.series = DemandSeries(demand_mva=real, first_event_start=first, resolution=GRID)
    result.sensors_used = len(uses)
    return result


def _pick_sensors(session: Session, asset_ids: Sequence[int], warnings: list[str]) -> list[_Use]:
    """The demand and reactive-power sensor of each asset, if usable."""
    rows = {asset_id: i for i, asset_id in enumerate(asset_ids)}
    found = queries.sensors_named(session, list(rows), (DEMAND, REACTIVE))
    uses: dict[tuple[int, bool], _Use] = {}
    for sensor in found:
        reactive = sensor.name.lower() == REACTIVE
        key = (rows[sensor.generic_asset_id], reactive)
        problem = _unusable(sensor)
        if problem:
            warnings.append(f"Sensor {sensor.id} ({sensor.name}) not used: {problem}.")
        elif key in uses:
            warnings.append(
                f"Sensor {sensor.id} ({sensor.name}) not used: asset {sensor.generic_asset_id} "
                f"already has sensor {uses[key].sensor.id} of that name."
            )
        else:
            uses[key] = _Use(key[0], sensor, reactive)
    return list(uses.values())


def _unusable(sensor: Sensor) -> str | None:
    resolution = sensor.event_resolution
    if resolution <= timedelta(0) or GRID % resolution:
        return (
            f"its resolution ({format_duration(resolution)}) is not half-hourly or a whole "
            "fraction of half an hour"
        )
    if not is_convertible(sensor.unit, "MVA", resolution=resolution):
        return f"its unit {sensor.unit!r} is not a unit of power (or energy per step)"
    return None


def _read(
    session: Session, uses: list[_Use], first: datetime, end: datetime
) -> Iterator[tuple[_Use, np.ndarray]]:
    """Each sensor's most recent belief per event on its own grid from ``first`` (NaN gaps),
    as the bulk read delivers them (so the caller's work overlaps the reading)."""
    start_us = _us(first)
    end_us = _us(end)
    finest_us = min(use.sensor.event_resolution_s for use in uses) * 1_000_000
    per_read = _READ_EVENTS // max(1, (end_us - start_us) // finest_us)
    unread = {use.sensor.id: use for use in uses}
    for sensor_id, (starts, values) in iter_values_by_sensor(
        session, list(unread), start_us, end_us, sensors_per_read=per_read
    ):
        use = unread.pop(sensor_id)
        yield use, _native(session, use.sensor, starts, values, first, end)
    for use in unread.values():  # no beliefs in the window
        empty = (np.empty(0, np.int64), np.empty(0))
        yield use, _native(session, use.sensor, *empty, first, end)


def _native(
    session: Session,
    sensor: Sensor,
    starts: np.ndarray,
    values: np.ndarray,
    first: datetime,
    end: datetime,
) -> np.ndarray:
    """One sensor's values on its grid; several beliefs about one event: the full rule."""
    start_us, end_us = _us(first), _us(end)
    step_us = sensor.event_resolution_s * 1_000_000
    n = -(-(end_us - start_us) // step_us)
    native = _on_grid(starts, values, start_us, step_us, n)
    if native is None:
        native = beliefs.read_series(
            session, sensor, start=first, duration=sensor.event_resolution * n
        ).values
    return native


def _on_grid(
    starts: np.ndarray, values: np.ndarray, start_us: int, step_us: int, n: int
) -> np.ndarray | None:
    """Values placed on the grid, or None if an event has several beliefs or lies off the grid."""
    if len(starts) == n and n and starts[0] == start_us and np.all(np.diff(starts) == step_us):
        return values.astype(float)  # the common case: every step once, in order
    offsets = starts - start_us
    index = offsets // step_us
    if len(index) and (np.any(offsets % step_us) or np.bincount(index, minlength=n).max() > 1):
        return None
    grid = np.full(n, np.nan)
    grid[index] = values
    return grid


def _us(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)
