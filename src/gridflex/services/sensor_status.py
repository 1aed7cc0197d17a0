"""How a sensor's data stand: summary statistics per source, and staleness per source type.

Stats are computed over each source's most recent belief per event (so revised
values count once). Staleness follows the reference platform's rules:

- measurements (any source type but forecasters and schedulers) are stale when
  the knowledge time of their latest event lies more than ``max_staleness``
  in the past (default: two sensor resolutions; one day for sensors whose data
  are known at a date, like day-ahead prices);
- forecasts and schedules are stale when their latest event starts less than
  ``max_future_staleness`` ahead (default 12 hours), or when they have no future
  events at all.

A sensor overrides the defaults with the attribute
``{"status_specs": {"max_staleness": "PT1H", "max_future_staleness": "PT6H"}}``.
Only beliefs recorded up to now count.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from gridflex.engines.beliefs.knowledge import knowledge_times_us, validate_knowledge_horizon
from gridflex.errors import ValidationError
from gridflex.services.belief_checks import from_us, td_us, to_us
from gridflex.store.models import DataSource, Sensor
from gridflex.store.queries import beliefs as q
from gridflex.timing import parse_duration, utcnow

FUTURE_TYPES = ("forecaster", "scheduler")
DEFAULT_MAX_FUTURE_STALENESS = timedelta(hours=12)
STAT_KEYS = (
    "First event start",
    "Last event end",
    "Last recorded",
    "Min value",
    "Max value",
    "Mean value",
    "Sum over values",
    "Number of values",
)


def sensor_stats(
    session: Session,
    sensor: Sensor,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    sort_keys: bool = True,
) -> dict[str, dict[str, Any]]:
    """Per source (keyed ``"<description> (ID: <id>)"``): the seed's summary of its values."""
    lo = -(2**62) if start is None else to_us(start)
    hi = 2**62 if end is None else to_us(end)
    if hi <= lo:
        raise ValidationError(
            "event_end_time must lie after event_start_time.", field="event_end_time"
        )
    out: dict[str, dict[str, Any]] = {}
    resolution_us = td_us(sensor.event_resolution)
    for row in q.stats_per_source(session, sensor.id, lo, hi):
        source_id, first, last, recorded, low, high, mean, total, count = row
        source = session.get(DataSource, source_id)
        key = f"{source.description if source else 'unknown source'} (ID: {source_id})"
        values = [
            from_us(first, sensor.timezone).isoformat(),
            from_us(last + resolution_us, sensor.timezone).isoformat(),
            from_us(recorded, sensor.timezone).isoformat(),
            float(low),
            float(high),
            float(mean),
            float(total),
            int(count),
        ]
        stats = dict(zip(STAT_KEYS, values, strict=True))
        out[key] = dict(sorted(stats.items())) if sort_keys else stats
    return dict(sorted(out.items())) if sort_keys else out


def _limits(sensor: Sensor) -> tuple[timedelta, timedelta]:
    specs = (sensor.attributes or {}).get("status_specs") or {}
    try:
        if "max_staleness" in specs:
            max_staleness = parse_duration(str(specs["max_staleness"]), field="status_specs")
        elif validate_knowledge_horizon(sensor.knowledge_horizon or {})["fnc"] == "at_date":
            max_staleness = timedelta(days=1)
        else:
            max_staleness = 2 * sensor.event_resolution
        ahead = specs.get("max_future_staleness")
        max_ahead = (
            DEFAULT_MAX_FUTURE_STALENESS
            if ahead is None
            else abs(parse_duration(str(ahead), field="status_specs"))
        )
    except ValidationError as exc:
        raise ValidationError(
            f"Sensor {sensor.id} has invalid status_specs: {exc.message}", field="status_specs"
        ) from None
    return max_staleness, max_ahead


def sensor_status(
    session: Session, sensor: Sensor, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """One status per source type that recorded data on the sensor (seed 004's shape)."""
    now = now or utcnow()
    now_us = to_us(now)
    max_staleness, max_ahead = _limits(sensor)
    latest: dict[str, int] = {}
    for source_id, event_start_us in q.latest_event_per_source(session, sensor.id, now_us):
        source = session.get(DataSource, source_id)
        kind = source.type if source else "unknown"
        latest[kind] = max(latest.get(kind, event_start_us), event_start_us)
    base = {
        "id": sensor.id,
        "name": sensor.name,
        "resolution": natural_duration(sensor.event_resolution),
        "asset_name": sensor.asset.name,
        "relation": "sensor belongs to this asset",
    }
    if not latest:
        return [
            {
                "staleness": None,
                "stale": True,
                "staleness_since": None,
                "reason": "no data recorded",
                "source_type": None,
                **base,
            }
        ]
    statuses = []
    for kind in sorted(latest):
        status = _status(sensor, kind, latest[kind], now_us, max_staleness, max_ahead)
        statuses.append({**status, "source_type": kind, **base})
    return statuses


def _status(
    sensor: Sensor,
    kind: str,
    event_start_us: int,
    now_us: int,
    max_staleness: timedelta,
    max_ahead: timedelta,
) -> dict[str, Any]:
    if kind in FUTURE_TYPES:
        since_us = event_start_us
        if since_us <= now_us:
            return {
                "staleness": None,
                "stale": True,
                "staleness_since": _iso(since_us, sensor),
                "reason": "found no future data, which this source should have",
            }
    else:
        since_us = int(
            knowledge_times_us(
                np.array([event_start_us]),
                resolution=sensor.event_resolution,
                spec=sensor.knowledge_horizon,
                timezone=sensor.timezone,
            )[0]
        )
    age = timedelta(microseconds=now_us - since_us)
    if age > timedelta(0):
        stale = age > max_staleness
        reason = (
            f"most recent data is {natural_duration(age)} old, "
            f"{'but should not be' if stale else 'which is not'} more than {natural_duration(max_staleness)} old"
        )
    else:
        stale = -age < max_ahead
        reason = (
            f"most recent data is {natural_duration(-age)} in the future, "
            f"{'but should be more' if stale else 'which is not less'} than {natural_duration(max_ahead)} "
            "in the future"
        )
    return {
        "staleness": natural_duration(abs(age)),
        "stale": bool(stale),
        "staleness_since": _iso(since_us, sensor),
        "reason": reason,
    }


def _iso(moment_us: int, sensor: Sensor) -> str:
    return from_us(moment_us, sensor.timezone).isoformat()


def natural_duration(delta: timedelta) -> str:
    """A duration in words, to the largest whole unit: '15 minutes', '2 hours', '1 day', 'instantaneous'."""
    seconds = int(abs(delta.total_seconds()))
    if seconds == 0:
        return "instantaneous"
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return "instantaneous"
