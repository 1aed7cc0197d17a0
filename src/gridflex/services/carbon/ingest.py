"""Ingest zones (GeoJSON) and power data (CSV) into zone assets, then trace what changed.

Production CSV: ``datetime,zone,type,mw`` with ``type`` one of the production
types (``hydro discharge`` and ``battery discharge`` for storage) or
``hydro charge`` / ``battery charge``, and ``mw`` >= 0. Exchange CSV:
``datetime,from_zone,to_zone,mw``, positive when power flows from
``from_zone`` to ``to_zone`` (rows for both directions of a pair add up to
one net flow). Datetimes are ISO 8601 with an offset. Each (zone, type) or
zone pair is one series at the smallest step between its datetimes (one hour
or a divisor of it). Nothing is stored unless every row is valid; the caller
owns the transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO, Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from gridflex.engines.carbon import PRODUCTION_TYPES, load_default_zones, parse_zones_geojson
from gridflex.errors import ValidationError
from gridflex.services import beliefs
from gridflex.services.belief_checks import from_us
from gridflex.services.carbon import naming, state
from gridflex.services.carbon import store as zone_store
from gridflex.services.carbon.compute import recompute
from gridflex.services.carbon.registry import (
    ensure_zone_assets,
    load_registry,
    save_zone,
    zone_assets_by_id,
)
from gridflex.services.sources import get_or_create_source
from gridflex.timing import utcnow

Progress = Callable[[str], None]
HOUR_US = 3_600_000_000
_OFFSET = re.compile(r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$")
INPUT_TYPES = (*PRODUCTION_TYPES, *naming.CHARGE_TYPES)
IMPORT_SOURCE: naming.SourceSpec = {
    "name": "gridflex carbon import",
    "type": "user",
    "model": None,
    "version": None,
}


@dataclass
class ImportReport:
    series: int = 0
    stored: int = 0
    computed: int = 0
    zones: tuple[str, ...] = ()


def read_production_csv(file: str | IO[Any]) -> pd.DataFrame:
    """Rows ``datetime_us, zone, type, mw``, checked; errors name the line."""
    frame = _read(file, ("datetime", "zone", "type", "mw"))
    unknown = ~frame["type"].isin(INPUT_TYPES)
    if unknown.any():
        line = _line(frame, unknown)
        raise ValidationError(
            f"line {line}: unknown type {frame['type'][unknown].iloc[0]!r}; expected one of "
            f"{', '.join(INPUT_TYPES)}.",
            field="type",
        )
    negative = frame["mw"] < 0
    if negative.any():
        raise ValidationError(
            f"line {_line(frame, negative)}: mw must be >= 0 (production and charging are "
            "magnitudes).",
            field="mw",
        )
    return _no_clashes(frame, ["datetime_us", "zone", "type"])


def read_exchanges_csv(file: str | IO[Any]) -> pd.DataFrame:
    """Rows ``datetime_us, from_zone, to_zone, mw``, checked; errors name the line."""
    frame = _read(file, ("datetime", "from_zone", "to_zone", "mw"))
    same = frame["from_zone"] == frame["to_zone"]
    if same.any():
        raise ValidationError(
            f"line {_line(frame, same)}: from_zone and to_zone are the same zone.", field="to_zone"
        )
    return _no_clashes(frame, ["datetime_us", "from_zone", "to_zone"])


def _read(file: str | IO[Any], columns: tuple[str, ...]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(file, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise ValidationError(f"Cannot read the CSV file: {exc}", field="file") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValidationError(
            f"The CSV file needs the columns {', '.join(columns)}; missing: {', '.join(missing)}.",
            field="columns",
        )
    frame = frame[list(columns)].apply(lambda c: c.str.strip())
    frame["line"] = np.arange(2, len(frame) + 2)  # the header is line 1
    for column in columns[1:-1]:
        empty = frame[column] == ""
        if empty.any():
            raise ValidationError(f"line {_line(frame, empty)}: {column} is empty.", field=column)
    frame["datetime_us"] = _datetimes_us(frame)
    mw = pd.to_numeric(frame["mw"], errors="coerce")
    bad = mw.isna() | ~np.isfinite(mw)
    if bad.any():
        raise ValidationError(
            f"line {_line(frame, bad)}: mw {frame['mw'][bad].iloc[0]!r} is not a finite number.",
            field="mw",
        )
    frame["mw"] = mw.astype(float)
    return frame.drop(columns=["datetime"])


def _datetimes_us(frame: pd.DataFrame) -> np.ndarray:
    text = frame["datetime"]
    naive = ~text.str.contains(_OFFSET)
    if naive.any():
        raise ValidationError(
            f"line {_line(frame, naive)}: datetime {text[naive].iloc[0]!r} needs an offset "
            "(e.g. 2024-01-01T00:00:00Z or +01:00).",
            field="datetime",
        )
    try:
        stamps = pd.to_datetime(text, utc=True, format="ISO8601")
    except (ValueError, TypeError):
        parsed = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
        bad = parsed.isna()
        raise ValidationError(
            f"line {_line(frame, bad)}: {text[bad].iloc[0]!r} is not an ISO 8601 datetime.",
            field="datetime",
        ) from None
    naive_utc = stamps.dt.tz_localize(None).to_numpy()
    return naive_utc.astype("datetime64[us]").astype(np.int64)


def _line(frame: pd.DataFrame, mask: pd.Series) -> int:
    return int(frame["line"][mask].iloc[0])


def _no_clashes(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    repeated = frame.duplicated(key, keep=False)
    if repeated.any():
        groups = frame[repeated].groupby(key)["mw"].nunique()
        if (groups > 1).any():
            first = frame[repeated].set_index(key).loc[groups[groups > 1].index[0]]
            lines = ", ".join(str(v) for v in np.atleast_1d(first["line"]))
            raise ValidationError(
                f"lines {lines} give different values for the same datetime and series.",
                field="mw",
            )
        frame = frame.drop_duplicates(key)
    return frame


def import_power(
    session: Session,
    production: pd.DataFrame | None = None,
    exchanges: pd.DataFrame | None = None,
    *,
    progress: Progress | None = None,
    compute: bool = True,
    now: datetime | None = None,
) -> ImportReport:
    """Store checked rows (see the ``read_*_csv`` functions) as beliefs, then trace the window."""
    now = now or utcnow()
    series = _production_series(production) + _exchange_series(exchanges)
    zones = {zone for zone, _, _, _ in series}
    if exchanges is not None and len(exchanges):
        _check_known(session, set(exchanges["to_zone"]) | set(exchanges["from_zone"]))
    assets = ensure_zone_assets(session, zones)
    known = zone_store.zone_sensors(session, [a.id for a in assets.values()])
    source = get_or_create_source(session, **IMPORT_SOURCE)
    report = ImportReport(zones=tuple(sorted(zones)))
    for zone_id, name, starts, values in series:
        report.stored += _write(
            session, known, assets[zone_id].id, name, starts, values, source, now
        )
        report.series += 1
        if progress:
            progress(f"{zone_id}: {name}")
    state.invalidate(session, registry=True)
    if compute and series:
        lo = min(int(s[2][0]) for s in series)
        hi = max(int(s[2][-1]) for s in series) + HOUR_US
        report.computed = recompute(session, zones, from_us(lo), from_us(hi), now=now)
    return report


Series = tuple[str, str, np.ndarray, np.ndarray]  # zone, sensor name, event starts [µs], MW


def _production_series(frame: pd.DataFrame | None) -> list[Series]:
    if frame is None or frame.empty:
        return []
    out = []
    for (zone, kind), rows in frame.groupby(["zone", "type"], sort=True):
        name = naming.CHARGE_TYPES.get(kind) or naming.production_sensor(kind)
        rows = rows.sort_values("datetime_us")
        out.append((zone, name, rows["datetime_us"].to_numpy(), rows["mw"].to_numpy()))
    return out


def _exchange_series(frame: pd.DataFrame | None) -> list[Series]:
    if frame is None or frame.empty:
        return []
    low = np.minimum(frame["from_zone"], frame["to_zone"])
    signed = np.where(frame["from_zone"] == low, frame["mw"], -frame["mw"])
    pairs = pd.DataFrame(
        {
            "a": low,
            "b": np.maximum(frame["from_zone"], frame["to_zone"]),
            "datetime_us": frame["datetime_us"],
            "mw": signed,
        }
    )
    net = pairs.groupby(["a", "b", "datetime_us"], sort=True)["mw"].sum().reset_index()
    return [
        (a, naming.exchange_sensor(a, b), rows["datetime_us"].to_numpy(), rows["mw"].to_numpy())
        for (a, b), rows in net.groupby(["a", "b"], sort=True)
    ]


def _check_known(session: Session, zone_ids: set[str]) -> None:
    known = set(zone_assets_by_id(session)) | {z.zone_id for z in load_default_zones()}
    unknown = sorted(zone_ids - known)
    if unknown:
        raise ValidationError(
            f"Unknown zone {unknown[0]!r}: import it first (gridflex carbon import-zones "
            "FILE.geojson).",
            field="zone",
        )


def _write(
    session: Session,
    known: dict,
    asset_id: int,
    name: str,
    starts: np.ndarray,
    values: np.ndarray,
    source: Any,
    now: datetime,
) -> int:
    step = _step_us(starts, known.get((asset_id, name)), name)
    sensor = zone_store.get_or_create_sensor(
        session,
        known,
        asset_id,
        name,
        unit=naming.MW,
        resolution=timedelta(microseconds=step),
        attributes=zone_store.input_attributes(name),
    )
    grid = np.full((starts[-1] - starts[0]) // step + 1, np.nan)
    grid[(starts - starts[0]) // step] = values
    result = beliefs.post_series(
        session,
        sensor,
        source,
        values=grid,
        start=datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(starts[0])),
        duration=timedelta(microseconds=len(grid) * step),
        unit=naming.MW,
        now=now,
    )
    return result.stored


def _step_us(starts: np.ndarray, sensor: Any, name: str) -> int:
    """The series' step: the largest divisor of one hour on which all its datetimes lie.

    Gaps are fine (they stay empty); a single row takes the sensor's step, or one hour.
    """
    if len(starts) == 1:
        return int(sensor.event_resolution_s * 1_000_000) if sensor is not None else HOUR_US
    step = int(np.gcd.reduce(np.concatenate([[HOUR_US], np.diff(starts), starts % HOUR_US])))
    if step < 1_000_000:
        raise ValidationError(
            f"{name}: datetimes must lie on a grid of whole seconds dividing one hour.",
            field="datetime",
        )
    return step


def import_zones(
    session: Session, collection: Mapping[str, Any], *, progress: Progress | None = None
) -> list[str]:
    """Create or update zone assets from a GeoJSON FeatureCollection; retrace zones with data."""
    registry = load_registry(session)
    zones = parse_zones_geojson(collection, known_zone_ids=set(registry.zones))
    existing = zone_assets_by_id(session)
    for zone in zones:
        save_zone(session, zone, existing.get(zone.zone_id), shipped=False)
        if progress:
            progress(zone.zone_id)
    session.flush()
    state.invalidate(session, registry=True)
    with_data = [
        z.zone_id
        for z in zones
        if registry.zones.get(z.zone_id) and registry.input_sensors([z.zone_id])
    ]
    if with_data:  # emission factors may have changed
        recompute(session, with_data)
    return [zone.zone_id for zone in zones]
