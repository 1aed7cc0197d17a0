"""Measured carbon intensities as the carbon API answers them: latest, history, past, ranges, updates.

Every function first brings the window it answers about up to date
(``freshness``), then reads the stored results. ``latest`` and ``history``
keep a per-zone :class:`~.state.ZoneEntry` in the server's memory: within the
check interval a request costs a dict lookup; after it, one request compares
the entry with the store (one small query) while the others keep being answered.

Each intensity is answered with the fields of the current Electricity Maps
API: ``emissionFactorType`` (lifecycle or direct factors), ``isEstimated``
(always false: every figure is traced from reported data) and
``estimationMethod`` (null), ``createdAt`` and ``updatedAt`` (the first and
last computation of the period), and ``temporalGranularity``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from gridflex.engines.carbon import whole_numbers
from gridflex.errors import NotFoundError, ValidationError
from gridflex.services.belief_checks import td_us, to_us
from gridflex.services.carbon import naming, periods
from gridflex.services.carbon import store as zone_store
from gridflex.services.carbon.freshness import is_stale, refresh, sensor_id
from gridflex.services.carbon.registry import Registry, ZoneRecord
from gridflex.services.carbon.state import CarbonState, ZoneEntry
from gridflex.services.sensors import get_sensor
from gridflex.store.models import Sensor
from gridflex.store.queries import carbon as queries

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
MAX_RANGE_DAYS = {"fine": 31, "daily": 366, "calendar": 3660}  # past-range spans, by granularity
ESTIMATE = {"isEstimated": False, "estimationMethod": None}


def iso(moment_us: int) -> str:
    """The API's time format: UTC with milliseconds, e.g. ``2018-04-25T18:07:00.350Z``."""
    moment = EPOCH + timedelta(microseconds=int(moment_us))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def no_data(zone_id: str, what: str = "carbon intensity", when: str = "") -> NotFoundError:
    return NotFoundError(f"No {what} data for zone {zone_id!r}{when}.")


def recent(
    session: Session,
    cstate: CarbonState,
    registry: Registry,
    zone_id: str,
    *,
    now_us: int,
    whole_day: bool,
) -> tuple[ZoneEntry, int]:
    """The zone's up-to-date entry and the index of its latest event at or before now.

    ``whole_day`` checks the 24 hours of the history, else only from the latest event on.
    """
    entry = cstate.entry(zone_id)
    checked = cstate.clock()
    if entry is not None:
        at = _latest_index(entry, now_us)
        lo = entry.start_us if whole_day or at is None else int(entry.events_us[at])
        system = registry.system(zone_id)
        events, marks, counts = queries.watermarks(
            session, registry.asset_ids(system), naming.INPUTS, lo, None
        )
        stale = is_stale(
            events, marks, counts, entry.events_us, entry.stamp_counts, entry.updated_us
        )
        if at is not None and not np.any(stale):
            cstate.checked(zone_id, entry, checked, whole_day=whole_day)
            return entry, at
        wrote = refresh(session, registry, zone_id, lo, None)
    else:
        wrote = refresh(session, registry, zone_id, _recent_start(session, registry, zone_id), None)
    entry = load_entry(session, registry.get(zone_id), now_us)
    at = None if entry is None else _latest_index(entry, now_us)
    if entry is None or at is None:
        raise no_data(zone_id)
    if not wrote:  # cache only what is committed already
        cstate.put(zone_id, entry, checked)
    return entry, at


def _recent_start(session: Session, registry: Registry, zone_id: str) -> int | None:
    # The first time a zone is asked about, check the day before its last computed event
    # (or everything, if nothing was ever computed).
    stamp_id = sensor_id(session, registry.get(zone_id), naming.STAMP)
    last = None if stamp_id is None else queries.last_event_us(session, stamp_id)
    return None if last is None else last - 2 * DAY_US


def latest_index(entry: ZoneEntry, now_us: int) -> int | None:
    """The row of the latest event with an intensity at or before now."""
    return _latest_index(entry, now_us)


def _latest_index(entry: ZoneEntry, now_us: int) -> int | None:
    valid = entry.valid_rows
    if valid is None:  # events with an intensity, computed once per entry
        valid = entry.valid_rows = np.flatnonzero(~np.isnan(entry.intensity["lifecycle"]))
    upto = int(np.searchsorted(entry.events_us[valid], now_us, side="right")) if len(valid) else 0
    return int(valid[upto - 1]) if upto else None


def load_entry(session: Session, record: ZoneRecord, now_us: int) -> ZoneEntry | None:
    """The zone's results from 24 h before its latest event at or before now, to the last one."""
    stamp_id = sensor_id(session, record, naming.STAMP)
    reporter_id = zone_store.source_id(session, naming.REPORTER)
    intensity_id = sensor_id(session, record, naming.CONSUMPTION_INTENSITY)
    if intensity_id is None or stamp_id is None or reporter_id is None:
        return None
    latest = queries.last_value_event_us(session, intensity_id, reporter_id, now_us)
    if latest is None:
        return None
    resolution_us = td_us(get_sensor(session, stamp_id).event_resolution) or HOUR_US
    lo = latest - DAY_US + resolution_us
    stamps = queries.event_times(session, stamp_id, reporter_id, lo, None)
    intensity = {}
    for factor_type, name in naming.INTENSITY_BY_FACTOR_TYPE.items():
        values_id = sensor_id(session, record, name)
        values = queries.event_times(
            session, values_id if values_id is not None else -1, reporter_id, lo, None
        )
        intensity[factor_type] = _on_grid(stamps.events_us, values.events_us, values.values)
    return ZoneEntry(
        start_us=lo,
        resolution_us=resolution_us,
        events_us=stamps.events_us,
        intensity=intensity,
        stamp_counts=stamps.values,
        updated_us=stamps.updated_us,
        created_us=stamps.created_us,
    )


def _on_grid(grid_us: np.ndarray, events_us: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Values placed on the events of ``grid_us`` (NaN where an event has none)."""
    out = np.full(len(grid_us), np.nan)
    if len(grid_us) == 0:
        return out
    at = np.searchsorted(grid_us, events_us)
    ok = (at < len(grid_us)) & (grid_us[np.minimum(at, len(grid_us) - 1)] == events_us)
    out[at[ok]] = values[ok]
    return out


def _entry_value(entry: ZoneEntry, at: int, zone_id: str, factor_type: str) -> int:
    value = whole_numbers(entry.intensity[factor_type][at])[0]
    if value is None:  # computed before direct intensities were stored
        raise no_data(zone_id, f"{factor_type} carbon intensity", " (run gridflex carbon compute)")
    return value


def intensity_item(
    zone_id: str,
    value: int | None,
    event_us: int,
    created_us: int,
    updated_us: int,
    factor_type: str,
    granularity: str,
) -> dict[str, Any]:
    """One carbon intensity, with every field of the current API."""
    return {
        "zone": zone_id,
        "carbonIntensity": value,
        "datetime": iso(event_us),
        "updatedAt": iso(updated_us),
        "createdAt": iso(created_us),
        "emissionFactorType": factor_type,
        **ESTIMATE,
        "temporalGranularity": granularity,
    }


def latest_intensity(
    entry: ZoneEntry, at: int, zone_id: str, factor_type: str = "lifecycle"
) -> dict[str, Any]:
    """The latest event's intensity (shaped once per event and factor type)."""
    key = ("latest", factor_type)
    cached = entry.payloads.get(key)
    if isinstance(cached, tuple) and cached[0] == at:
        return cached[1]
    payload = intensity_item(
        zone_id,
        _entry_value(entry, at, zone_id, factor_type),
        int(entry.events_us[at]),
        int(entry.created_us[at]),
        int(entry.updated_us[at]),
        factor_type,
        periods.name_of(entry.resolution_us),
    )
    entry.payloads[key] = (at, payload)
    return payload


def intensity_history(
    entry: ZoneEntry, at: int, zone_id: str, factor_type: str = "lifecycle"
) -> dict[str, Any]:
    """The 24 hours ending with the latest event, at the zone's resolution."""
    key = ("history", factor_type)
    cached = entry.payloads.get(key)
    if isinstance(cached, tuple) and cached[0] == at:
        return cached[1]
    latest = int(entry.events_us[at])
    rows = np.flatnonzero((entry.events_us > latest - DAY_US) & (entry.events_us <= latest))
    _entry_value(entry, at, zone_id, factor_type)
    values = whole_numbers(entry.intensity[factor_type][rows])
    granularity = periods.name_of(entry.resolution_us)
    payload = {
        "zone": zone_id,
        "history": [
            intensity_item(
                zone_id,
                v,
                int(entry.events_us[i]),
                int(entry.created_us[i]),
                int(entry.updated_us[i]),
                factor_type,
                granularity,
            )
            for v, i in zip(values, rows, strict=True)
            if v is not None
        ],
        "temporalGranularity": granularity,
    }
    entry.payloads[key] = (at, payload)
    return payload


def history_window(entry: ZoneEntry, at: int) -> tuple[int, int]:
    """First event and number of steps of the 24-hour history ending with event ``at``."""
    latest = int(entry.events_us[at])
    n = DAY_US // entry.resolution_us
    return latest - (n - 1) * entry.resolution_us, n


def step_of(session: Session, registry: Registry, zone_id: str) -> int:
    """The resolution of the zone's results. [µs]"""
    stamp_id = sensor_id(session, registry.get(zone_id), naming.STAMP)
    sensor = None if stamp_id is None else session.get(Sensor, stamp_id)
    return (td_us(sensor.event_resolution) if sensor is not None else 0) or HOUR_US


def range_bounds(
    session: Session,
    registry: Registry,
    zone_id: str,
    start: datetime,
    end: datetime,
    granularity: str | None,
) -> tuple[int, int, str]:
    """Checked [start, end) of a past range, widened to whole periods, and the granularity."""
    lo, hi = to_us(start), to_us(end)
    if hi <= lo:
        raise ValidationError("end must be after start.", field="end")
    step = step_of(session, registry, zone_id)
    name = granularity or periods.name_of(step)
    periods.check(name, step, zone_id)
    tier = (
        "calendar"
        if name in periods.CALENDAR
        else "daily"
        if name in ("daily", "weekly")
        else "fine"
    )
    if hi - lo > MAX_RANGE_DAYS[tier] * DAY_US:
        raise ValidationError(
            f"The range may span at most {MAX_RANGE_DAYS[tier]} days at {name} granularity.",
            field="end",
        )
    return _period_of(lo, name, step), _period_end(hi, name, step), name


def period_bounds(
    session: Session, registry: Registry, zone_id: str, moment: datetime, granularity: str | None
) -> tuple[int, int, str]:
    """The period (default: the hour) containing ``moment``, checked against the zone's data."""
    name = granularity or "hourly"
    step = step_of(session, registry, zone_id)
    periods.check(name, step, zone_id)
    lo = _period_of(to_us(moment), name, step)
    return lo, periods.period_end_us(lo, name), name


def _period_of(moment_us: int, name: str, step_us: int) -> int:
    return periods.period_start_us(moment_us, name)


def _period_end(moment_us: int, name: str, step_us: int) -> int:
    """The end of the period holding the last moment before ``moment_us``."""
    return periods.period_end_us(periods.period_start_us(moment_us - 1, name), name)


def recent_bounds(
    entry: ZoneEntry, at: int, zone_id: str, granularity: str | None, *, whole_day: bool
) -> tuple[int, int, str]:
    """The period of the latest event, or the day of periods up to it, at ``granularity``."""
    name = granularity or periods.name_of(entry.resolution_us)
    periods.check(name, entry.resolution_us, zone_id, allowed=periods.RECENT)
    latest = int(entry.events_us[at])
    hi = periods.period_end_us(periods.period_start_us(latest, name), name)
    lo = periods.period_start_us(latest - DAY_US + entry.resolution_us, name) if whole_day else hi
    return (lo if whole_day else periods.period_start_us(latest, name)), hi, name


def intensity_periods(
    session: Session,
    registry: Registry,
    zone_id: str,
    lo: int,
    hi: int,
    *,
    factor_type: str,
    granularity: str,
) -> list[dict[str, Any]]:
    """Intensities of the periods in [lo, hi) that have one (means of their steps)."""
    refresh(session, registry, zone_id, lo, hi)
    record = registry.get(zone_id)
    stamp_id = sensor_id(session, record, naming.STAMP)
    values_id = sensor_id(session, record, naming.INTENSITY_BY_FACTOR_TYPE[factor_type])
    reporter_id = zone_store.source_id(session, naming.REPORTER)
    if stamp_id is None or values_id is None or reporter_id is None:
        return []
    stamps = queries.event_times(session, stamp_id, reporter_id, lo, hi)
    values = queries.event_times(session, values_id, reporter_id, lo, hi)
    intensity = _on_grid(stamps.events_us, values.events_us, values.values)
    known = ~np.isnan(intensity)
    starts, first = periods.groups(stamps.events_us[known], granularity)
    if len(starts) == 0:
        return []
    means = periods.mean_by_group(intensity[known], first)
    created = np.minimum.reduceat(stamps.created_us[known], first)
    updated = np.maximum.reduceat(stamps.updated_us[known], first)
    return [
        intensity_item(zone_id, v, int(t), int(c), int(u), factor_type, granularity)
        for v, t, c, u in zip(whole_numbers(means), starts, created, updated, strict=True)
    ]


def intensity_at(
    session: Session,
    registry: Registry,
    zone_id: str,
    moment: datetime,
    *,
    factor_type: str = "lifecycle",
    granularity: str | None = None,
) -> dict[str, Any]:
    """The period (default: the hour) containing ``moment``: the mean of its steps."""
    lo, hi, name = period_bounds(session, registry, zone_id, moment, granularity)
    found = intensity_periods(
        session, registry, zone_id, lo, hi, factor_type=factor_type, granularity=name
    )
    if not found:
        raise no_data(zone_id, when=f" at {iso(lo)}")
    return found[0]


def intensity_range(
    session: Session,
    registry: Registry,
    zone_id: str,
    start: datetime,
    end: datetime,
    *,
    factor_type: str = "lifecycle",
    granularity: str | None = None,
) -> dict[str, Any]:
    """Every period in [start, end) (default: the zone's resolution)."""
    lo, hi, name = range_bounds(session, registry, zone_id, start, end, granularity)
    data = intensity_periods(
        session, registry, zone_id, lo, hi, factor_type=factor_type, granularity=name
    )
    if not data:
        raise no_data(zone_id, when=f" between {iso(lo)} and {iso(hi)}")
    return {"zone": zone_id, "data": data, "temporalGranularity": name}


def updated_since(
    session: Session,
    registry: Registry,
    zone_id: str,
    *,
    since: datetime,
    start: datetime | None,
    end: datetime | None,
    limit: int,
    threshold: timedelta,
    threshold_text: str,
) -> dict[str, Any]:
    """Events whose figures were (re)computed after ``since``, by event, at most ``limit``.

    An event counts when the time between its first and its last computation is
    at least ``threshold`` (so the default, zero, includes events computed once).
    """
    lo = None if start is None else to_us(start)
    hi = None if end is None else to_us(end)
    if lo is not None and hi is not None and hi <= lo:
        raise ValidationError("end must be after start.", field="end")
    if threshold < timedelta(0):
        raise ValidationError("threshold must not be negative.", field="threshold")
    refresh(session, registry, zone_id, lo, hi)
    stamp_id = sensor_id(session, registry.get(zone_id), naming.STAMP)
    reporter_id = zone_store.source_id(session, naming.REPORTER)
    events = updates = np.empty(0, dtype=np.int64)
    if stamp_id is not None and reporter_id is not None:
        events, updates = queries.updated_events(
            session,
            stamp_id,
            reporter_id,
            start_us=lo,
            end_us=hi,
            since_us=to_us(since),
            threshold_us=td_us(threshold),
            limit=limit,
        )
    return {
        "zone": zone_id,
        "updates": [
            {"updated_at": iso(u), "datetime": iso(e)}
            for e, u in zip(events[:limit].tolist(), updates[:limit].tolist(), strict=True)
        ],
        "threshold": threshold_text,
        "limit": limit,
        "limitReached": bool(len(events) > limit),
    }
