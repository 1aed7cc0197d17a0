"""Measured results as the carbon API answers them: latest, history, past, ranges, updates.

Every function first brings the window it answers about up to date
(``freshness``), then reads the stored results. ``latest`` and ``history``
keep a per-zone :class:`~.state.ZoneEntry` in the server's memory: within the
check interval a request costs a dict lookup; after it, one request compares
the entry with the store (one small query) while the others keep being answered.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from gridflex.engines.carbon import whole_numbers
from gridflex.errors import NotFoundError, ValidationError
from gridflex.services import beliefs
from gridflex.services.belief_checks import td_us, to_us
from gridflex.services.carbon import naming, queries
from gridflex.services.carbon import store as zone_store
from gridflex.services.carbon.freshness import is_stale, refresh, sensor_id
from gridflex.services.carbon.registry import Registry, ZoneRecord
from gridflex.services.carbon.state import CarbonState, ZoneEntry
from gridflex.store.models import Sensor

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY_US = 86_400_000_000
HOUR = timedelta(hours=1)
MAX_RANGE = timedelta(days=31)
CHECK_TIMEOUT_S = 5.0  # a check that takes longer than this lets another request try


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
    checked = time.monotonic()
    if entry is not None:
        at = _latest_index(entry, now_us)
        lo = entry.start_us if whole_day or at is None else int(entry.events_us[at])
        system = registry.system(zone_id)
        events, marks, counts = queries.watermarks(session, registry.asset_ids(system), lo, None)
        stale = is_stale(
            events, marks, counts, entry.events_us, entry.stamp_counts, entry.updated_us
        )
        if at is not None and not np.any(stale):
            _checked(entry, checked, whole_day)
            return entry, at
        wrote = refresh(session, registry, zone_id, lo, None)
    else:
        wrote = refresh(session, registry, zone_id, _recent_start(session, registry, zone_id), None)
    entry = load_entry(session, registry.get(zone_id), now_us)
    at = None if entry is None else _latest_index(entry, now_us)
    if entry is None or at is None:
        raise no_data(zone_id)
    if not wrote:  # cache only what is committed already
        _checked(entry, checked, True)
        cstate.put(zone_id, entry)
    return entry, at


def cached_recent(
    cstate: CarbonState, zone_id: str, *, now_us: int, whole_day: bool
) -> tuple[ZoneEntry, int] | None:
    """The zone's entry if it was compared with the store less than the check interval ago.

    This is the hot path of ``latest`` and ``history``: no database at all. Data
    written by other processes show within ``check_interval_s``; writes of the
    compute service in this process drop the entry at once.
    """
    entry = cstate.entry(zone_id)
    if entry is None:
        return None
    checked = (
        entry.checked_day_at if whole_day else max(entry.checked_latest_at, entry.checked_day_at)
    )
    now = time.monotonic()
    if now - checked >= cstate.check_interval_s and now - entry.check_started_at > CHECK_TIMEOUT_S:
        # One request compares with the store; the others keep answering from the entry
        # meanwhile, instead of all queueing for the database at once.
        entry.check_started_at = now
        return None
    at = _latest_index(entry, now_us)
    return None if at is None else (entry, at)


def _checked(entry: ZoneEntry, moment: float, whole_day: bool) -> None:
    entry.check_started_at = 0.0
    if whole_day:
        entry.checked_day_at = moment
    else:
        entry.checked_latest_at = moment


def _recent_start(session: Session, registry: Registry, zone_id: str) -> int | None:
    # The first time a zone is asked about, check the day before its last computed event
    # (or everything, if nothing was ever computed).
    stamp_id = sensor_id(session, registry.get(zone_id), naming.STAMP)
    last = None if stamp_id is None else queries.last_event_us(session, stamp_id)
    return None if last is None else last - 2 * DAY_US


def _latest_index(entry: ZoneEntry, now_us: int) -> int | None:
    valid = entry.valid_rows
    if valid is None:  # events with an intensity, computed once per entry
        valid = entry.valid_rows = np.flatnonzero(~np.isnan(entry.intensity))
    upto = int(np.searchsorted(entry.events_us[valid], now_us, side="right")) if len(valid) else 0
    return int(valid[upto - 1]) if upto else None


def load_entry(session: Session, record: ZoneRecord, now_us: int) -> ZoneEntry | None:
    """The zone's results from 24 h before its latest event at or before now, to the last one."""
    intensity_id = sensor_id(session, record, naming.CONSUMPTION_INTENSITY)
    stamp_id = sensor_id(session, record, naming.STAMP)
    reporter_id = zone_store.source_id(session, naming.REPORTER)
    if intensity_id is None or stamp_id is None or reporter_id is None:
        return None
    latest = queries.last_value_event_us(session, intensity_id, reporter_id, now_us)
    if latest is None:
        return None
    resolution_us = td_us(session.get(Sensor, stamp_id).event_resolution) or HOUR_US
    lo = latest - DAY_US + resolution_us
    stamps = queries.event_times(session, stamp_id, reporter_id, lo, None)
    values = queries.event_times(session, intensity_id, reporter_id, lo, None)
    intensity = np.full(len(stamps.events_us), np.nan)
    at = np.searchsorted(stamps.events_us, values.events_us)
    ok = (at < len(stamps.events_us)) & (
        stamps.events_us[np.minimum(at, len(stamps.events_us) - 1)] == values.events_us
    )
    intensity[at[ok]] = values.values[ok]
    return ZoneEntry(
        start_us=lo,
        resolution_us=resolution_us,
        events_us=stamps.events_us,
        intensity=intensity,
        stamp_counts=stamps.values,
        updated_us=stamps.updated_us,
        created_us=stamps.created_us,
    )


HOUR_US = 3_600_000_000


def latest_intensity(entry: ZoneEntry, at: int, zone_id: str) -> dict[str, Any]:
    key = ("carbon-intensity/latest", at)
    cached = entry.payloads.get("latest")
    if isinstance(cached, tuple) and cached[0] == key:
        return cached[1]
    payload = {
        "zone": zone_id,
        "carbonIntensity": whole_numbers(entry.intensity[at])[0],
        "datetime": iso(entry.events_us[at]),
        "updatedAt": iso(entry.updated_us[at]),
    }
    entry.payloads["latest"] = (key, payload)
    return payload


def intensity_history(entry: ZoneEntry, at: int, zone_id: str) -> dict[str, Any]:
    """The 24 hours ending with the latest event, at the zone's resolution."""
    cached = entry.payloads.get("history")
    if isinstance(cached, tuple) and cached[0] == at:
        return cached[1]
    payload = _history(entry, at, zone_id)
    entry.payloads["history"] = (at, payload)
    return payload


def _history(entry: ZoneEntry, at: int, zone_id: str) -> dict[str, Any]:
    latest = int(entry.events_us[at])
    rows = np.flatnonzero((entry.events_us > latest - DAY_US) & (entry.events_us <= latest))
    values = whole_numbers(entry.intensity[rows])
    return {
        "zone": zone_id,
        "history": [
            {"carbonIntensity": v, "datetime": iso(entry.events_us[i])}
            for v, i in zip(values, rows, strict=True)
        ],
    }


def history_window(entry: ZoneEntry, at: int) -> tuple[int, int]:
    """First event and number of steps of the 24-hour history ending with event ``at``."""
    latest = int(entry.events_us[at])
    n = DAY_US // entry.resolution_us
    return latest - (n - 1) * entry.resolution_us, n


def intensity_at(
    session: Session, registry: Registry, zone_id: str, moment: datetime
) -> dict[str, Any]:
    """The hour containing ``moment`` (mean of its steps when the data are finer)."""
    lo = to_us(moment) - to_us(moment) % HOUR_US
    refresh(session, registry, zone_id, lo, lo + HOUR_US)
    series, times = _intensity_series(session, registry.get(zone_id), lo, lo + HOUR_US, HOUR)
    if series is None or np.isnan(series.values[0]):
        raise no_data(zone_id, when=f" at {iso(lo)}")
    return {
        "zone": zone_id,
        "carbonIntensity": whole_numbers(series.values[0])[0],
        "datetime": iso(lo),
        "updatedAt": iso(int(times.updated_us.max())),
    }


def intensity_range(
    session: Session, registry: Registry, zone_id: str, start: datetime, end: datetime
) -> dict[str, Any]:
    """Every step in [start, end) at the zone's resolution (at most 31 days)."""
    lo, hi = to_us(start), to_us(end)
    if hi <= lo:
        raise ValidationError("end must be after start.", field="end")
    if hi - lo > td_us(MAX_RANGE):
        raise ValidationError(f"The range may span at most {MAX_RANGE.days} days.", field="end")
    refresh(session, registry, zone_id, lo, hi)
    record = registry.get(zone_id)
    stamp_id = sensor_id(session, record, naming.STAMP)
    reporter_id = zone_store.source_id(session, naming.REPORTER)
    if stamp_id is None or reporter_id is None:
        raise no_data(zone_id)
    step = td_us(session.get(Sensor, stamp_id).event_resolution) or HOUR_US
    lo, hi = lo - lo % step, -(-hi // step) * step
    series, times = _intensity_series(session, record, lo, hi, timedelta(microseconds=step))
    if series is None or np.all(np.isnan(series.values)):
        raise no_data(zone_id, when=f" between {iso(lo)} and {iso(hi)}")
    updated = dict(zip(times.events_us.tolist(), times.updated_us.tolist(), strict=True))
    values = whole_numbers(series.values)
    data = [
        {
            "carbonIntensity": v,
            "datetime": iso(lo + i * step),
            "updatedAt": iso(updated[lo + i * step]),
        }
        for i, v in enumerate(values)
        if v is not None and lo + i * step in updated
    ]
    return {"zone": zone_id, "data": data}


def _intensity_series(
    session: Session, record: ZoneRecord, lo: int, hi: int, resolution: timedelta
) -> tuple[beliefs.Series | None, queries.EventTimes]:
    intensity_id = sensor_id(session, record, naming.CONSUMPTION_INTENSITY)
    stamp_id = sensor_id(session, record, naming.STAMP)
    reporter_id = zone_store.source_id(session, naming.REPORTER)
    empty = queries.EventTimes(*(np.empty(0, dtype=np.int64),) * 4)
    if intensity_id is None or stamp_id is None or reporter_id is None:
        return None, empty
    times = queries.event_times(session, stamp_id, reporter_id, lo, hi)
    if len(times.events_us) == 0:
        return None, empty
    series = beliefs.read_series(
        session,
        session.get(Sensor, intensity_id),
        start=EPOCH + timedelta(microseconds=lo),
        duration=timedelta(microseconds=hi - lo),
        resolution=resolution,
        source_ids=[reporter_id],
    )
    return series, times


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
