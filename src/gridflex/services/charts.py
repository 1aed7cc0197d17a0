"""What an asset's charts and KPIs show: panels of sensors, their beliefs, daily KPIs.

An asset's ``sensors_to_show`` lists its chart panels. Each entry is one of:

- a sensor id: ``7``;
- ``{"title": "Prices", "sensor": 7}`` or ``{"title": ..., "sensors": [9, 8]}``;
- ``{"title": ..., "plots": [...]}`` where each plot is ``{"sensor": 7}``,
  ``{"sensors": [9, 8]}``, or a reference into an asset's flex-context or
  flex-model, ``{"asset": 5, "flex-context": "consumption-price"}``, which counts
  when that field names a sensor (``{"sensor": 7}``).

An empty list shows every sensor of the asset, one panel per unit. Sensors the
user may not read are left out (a chart never leaks what the API would refuse).

``sensors_to_show_as_kpis`` lists KPIs: ``{"title": ..., "sensor": id,
"function": "sum" | "mean" | "min" | "max"}`` (default ``sum``), each computed
over the most recent beliefs in the requested window.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from gridflex import permissions
from gridflex.errors import ValidationError
from gridflex.services.belief_checks import to_us
from gridflex.store.models import Asset, DataSource, Sensor, User
from gridflex.store.queries import beliefs as q
from gridflex.timing import format_duration

MAX_RECORDS = 200_000  # beliefs in one chart_data answer
KPI_FUNCTIONS: dict[str, Callable[[NDArray[np.float64]], Any]] = {
    "sum": np.sum,
    "mean": np.mean,
    "min": np.min,
    "max": np.max,
}


@dataclass(frozen=True)
class Panel:
    title: str
    sensors: list[Sensor]


def panels(session: Session, asset: Asset, user: User) -> list[Panel]:
    """The asset's chart panels with the sensors the user may read (empty panels dropped)."""
    entries = asset.sensors_to_show or []
    if not entries:
        own = session.scalars(
            sa.select(Sensor).where(Sensor.generic_asset_id == asset.id).order_by(Sensor.id)
        ).all()
        by_unit: dict[str, list[Sensor]] = {}
        for sensor in own:
            by_unit.setdefault(sensor.unit, []).append(sensor)
        found = [Panel(unit or "dimensionless", group) for unit, group in by_unit.items()]
    else:
        found = [
            Panel(_title(entry, i), _sensors(session, _ids(session, entry)))
            for i, entry in enumerate(entries)
        ]
    readable = [
        Panel(p.title, [s for s in p.sensors if permissions.can_access_sensor(user, s, "read")])
        for p in found
    ]
    return [p for p in readable if p.sensors]


def _title(entry: Any, i: int) -> str:
    if isinstance(entry, dict) and entry.get("title"):
        return str(entry["title"])
    return f"Panel {i + 1}"


def _ids(session: Session, entry: Any) -> list[int]:
    """Sensor ids named by one ``sensors_to_show`` entry (or one of its plots)."""
    if isinstance(entry, int) and not isinstance(entry, bool):
        return [entry]
    if not isinstance(entry, dict):
        return []
    ids: list[int] = []
    if isinstance(entry.get("sensor"), int):
        ids.append(entry["sensor"])
    ids += [i for i in entry.get("sensors") or [] if isinstance(i, int)]
    for plot in entry.get("plots") or []:
        ids += _ids(session, plot)
    if isinstance(entry.get("asset"), int):
        ids += _referenced(session, entry)
    return ids


def _referenced(session: Session, plot: dict[str, Any]) -> list[int]:
    asset = session.get(Asset, plot["asset"])
    if asset is None:
        return []
    for key, fields in (("flex-context", asset.flex_context), ("flex-model", asset.flex_model)):
        name = plot.get(key)
        value = (fields or {}).get(name) if name else None
        if isinstance(value, dict) and isinstance(value.get("sensor"), int):
            return [value["sensor"]]
    return []


def _sensors(session: Session, ids: Iterable[int]) -> list[Sensor]:
    ids = list(dict.fromkeys(ids))
    found = {s.id: s for s in session.scalars(sa.select(Sensor).where(Sensor.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


@dataclass(frozen=True)
class Window:
    """Which beliefs to show: events in [starts_after, ends_before), recorded in [after, before]."""

    event_starts_after: datetime
    event_ends_before: datetime
    beliefs_after: datetime | None = None
    beliefs_before: datetime | None = None
    most_recent_only: bool = True

    def check(self) -> None:
        if self.event_ends_before <= self.event_starts_after:
            raise ValidationError(
                "event_ends_before must be later than event_starts_after.",
                field="event_ends_before",
            )
        if self.beliefs_after and self.beliefs_before and self.beliefs_before < self.beliefs_after:
            raise ValidationError(
                "beliefs_before must not be earlier than beliefs_after.", field="beliefs_before"
            )

    def filter(self) -> q.BeliefFilter:
        lo = to_us(self.beliefs_after) if self.beliefs_after else None
        hi = to_us(self.beliefs_before) if self.beliefs_before else None
        if lo is None and hi is None:
            return q.BeliefFilter()
        return q.BeliefFilter(belief_times_us=(lo or -(2**62), hi or 2**62))


def chart_records(
    session: Session, sensors: list[Sensor], window: Window
) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    """Belief records (times in ms since the epoch, horizons in s) plus the sensors and
    sources they refer to, by id. A sensor shown in several panels counts once."""
    window.check()
    sensors = list({s.id: s for s in sensors}.values())
    records: list[dict[str, Any]] = []
    sources: set[int] = set()
    lo, flt = to_us(window.event_starts_after), window.filter()
    for sensor in sensors:
        step_us = max(sensor.event_resolution_s, 0) * 1_000_000
        # events ending at or before the window's end: start <= end - resolution
        hi = to_us(window.event_ends_before) - step_us + 1
        if window.most_recent_only:
            picked = q.most_recent(session, sensor.id, lo, hi, flt)
            rows = zip(
                picked.starts_us.tolist(),
                picked.values.tolist(),
                picked.source_ids.tolist(),
                [None] * len(picked.starts_us),
                [0.5] * len(picked.starts_us),
                strict=True,
            )
        else:
            found = q.beliefs_in(session, sensor.id, lo, hi, flt)
            rows = zip(
                found["event_start_us"].tolist(),
                found["event_value"].tolist(),
                found["source_id"].tolist(),
                found["belief_horizon_us"].tolist(),
                found["cumulative_probability"].tolist(),
                strict=True,
            )
        for start_us, value, source_id, horizon_us, probability in rows:
            record = {
                "event_start": start_us // 1000,
                "event_end": (start_us + step_us) // 1000,
                "event_value": None if value != value else value,  # NaN -> null
                "sensor": sensor.id,
                "source": source_id,
            }
            if horizon_us is not None:
                record["belief_horizon"] = horizon_us / 1e6
                record["cumulative_probability"] = probability
            records.append(record)
            sources.add(source_id)
        if len(records) > MAX_RECORDS:
            raise ValidationError(
                f"More than {MAX_RECORDS} beliefs in this window; ask for a shorter window "
                "(event_starts_after, event_ends_before) or the most recent beliefs only.",
                field="event_ends_before",
            )
    sensor_info = {
        s.id: {
            "id": s.id,
            "name": s.name,
            "unit": s.unit,
            "event_resolution": format_duration(s.event_resolution),
            "asset_id": s.generic_asset_id,
        }
        for s in sensors
    }
    source_info = {
        src.id: {"id": src.id, "name": src.name, "type": src.type, "model": src.model}
        for src in session.scalars(sa.select(DataSource).where(DataSource.id.in_(sources)))
    }
    return records, sensor_info, source_info


def kpis(
    session: Session, asset: Asset, user: User, *, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """One figure per entry of the asset's ``sensors_to_show_as_kpis`` over [start, end)."""
    if end <= start:
        raise ValidationError("end must be later than start.", field="end")
    out = []
    for i, entry in enumerate(asset.sensors_to_show_as_kpis or []):
        if not isinstance(entry, dict) or not isinstance(entry.get("sensor"), int):
            raise ValidationError(
                f"Entry {i} of sensors_to_show_as_kpis needs a sensor id.",
                field="sensors_to_show_as_kpis",
            )
        function = str(entry.get("function", entry.get("downsample_function", "sum"))).lower()
        if function not in KPI_FUNCTIONS:
            raise ValidationError(
                f"Entry {i} of sensors_to_show_as_kpis: function {function!r} is not one of "
                f"{sorted(KPI_FUNCTIONS)}.",
                field="sensors_to_show_as_kpis",
            )
        sensor = session.get(Sensor, entry["sensor"])
        if sensor is None or not permissions.can_access_sensor(user, sensor, "read"):
            continue
        picked = q.most_recent(session, sensor.id, to_us(start), to_us(end))  # starts in window
        values = picked.values[~np.isnan(picked.values)]
        value = float(KPI_FUNCTIONS[function](values)) if len(values) else 0.0
        out.append(
            {
                "sensor": sensor.id,
                "title": str(entry.get("title") or sensor.name),
                "unit": sensor.unit,
                "downsample_value": round(value, 2),
                "downsample_function": function,
            }
        )
    return out


def default_window(now: datetime) -> tuple[datetime, datetime]:
    """The last week up to the end of tomorrow (schedules and forecasts included), in UTC days."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=6), today + timedelta(days=2)
