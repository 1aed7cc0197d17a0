"""Power breakdowns of one zone from the store, shaped by the carbon engine's records.

Production by type and the exchanges are the zone's inputs; consumption by
type and in total are the stored results of the last tracing (reporter
source, or the forecaster for forecasts). They are laid out as a small traced
system (the zone and its neighbours) so that
:func:`~gridflex.engines.carbon.power_breakdown_records` shapes them exactly
as it shapes a fresh trace.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from gridflex.engines.carbon import (
    PRODUCTION_TYPES,
    ExchangeLinks,
    TracedFlows,
    power_breakdown_records,
    type_index,
)
from gridflex.services import beliefs
from gridflex.services.belief_checks import td_us, to_us
from gridflex.services.carbon import naming, queries
from gridflex.services.carbon import store as zone_store
from gridflex.services.carbon.freshness import refresh, sensor_id
from gridflex.services.carbon.readings import HOUR_US, iso, no_data
from gridflex.services.carbon.registry import Registry
from gridflex.store.models import Sensor

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def breakdown_records(
    session: Session,
    registry: Registry,
    zone_id: str,
    start_us: int,
    n_steps: int,
    step_us: int,
    *,
    source_id: int,
) -> list[dict[str, Any]]:
    """One breakdown record per step of [start, start + n * step), with ``datetime``."""
    record = registry.get(zone_id)
    window = _Reader(session, start_us, n_steps, step_us)
    production = np.full((n_steps, len(PRODUCTION_TYPES)), np.nan)
    consumption = np.zeros((n_steps, len(PRODUCTION_TYPES)))
    for kind in PRODUCTION_TYPES:
        k = type_index(kind)
        production[:, k] = window.read(_id(session, record, naming.production_sensor(kind)))
        used = window.read(_id(session, record, naming.consumption_sensor(kind)), source_id)
        consumption[:, k] = np.nan_to_num(used, nan=0.0)
    total = window.read(_id(session, record, naming.CONSUMPTION_TOTAL), source_id)
    neighbours = registry.neighbours(zone_id)
    flows = np.zeros((n_steps, len(neighbours)))
    for link in registry.links:
        if zone_id in (link.from_zone, link.to_zone):
            other = link.to_zone if link.from_zone == zone_id else link.from_zone
            sign = 1.0 if link.from_zone == zone_id else -1.0
            flow = window.read(link.sensor.id)
            flows[:, neighbours.index(other)] += sign * np.nan_to_num(flow, nan=0.0)
    traced = _star(production, consumption, total, flows)
    rows = power_breakdown_records(traced, 0, zone_ids=[zone_id, *neighbours])
    for i, row in enumerate(rows):
        row["datetime"] = iso(start_us + i * step_us)
    return rows


def _star(
    production: np.ndarray, consumption: np.ndarray, total: np.ndarray, flows: np.ndarray
) -> TracedFlows:
    """The zone (index 0) and its neighbours as a traced system; only the zone is filled in."""
    n_steps, n_types = production.shape
    n_zones = 1 + flows.shape[1]
    has_data = np.zeros((n_steps, n_zones), dtype=bool)
    has_data[:, 0] = ~np.isnan(total)
    reported = np.zeros((n_steps, n_zones, n_types), dtype=bool)
    reported[:, 0] = ~np.isnan(production)
    produced = np.zeros((n_steps, n_zones, n_types))
    produced[:, 0] = np.nan_to_num(production, nan=0.0)
    used = np.zeros((n_steps, n_zones, n_types))
    used[:, 0] = consumption
    links = ExchangeLinks(
        np.zeros(flows.shape[1], dtype=np.intp), np.arange(1, n_zones), flows, n_zones
    )
    imports, exports = links.import_export_totals_mw()
    production_total = np.full((n_steps, n_zones), np.nan)
    production_total[:, 0] = np.where(has_data[:, 0], produced[:, 0].sum(axis=1), np.nan)
    consumption_total = np.full((n_steps, n_zones), np.nan)
    consumption_total[:, 0] = total
    return TracedFlows(
        production_mw=produced,
        production_reported=reported,
        has_data=has_data,
        consumption_frac=np.zeros_like(used),
        consumption_mw=used,
        production_total_mw=production_total,
        import_total_mw=imports,
        export_total_mw=exports,
        consumption_total_mw=consumption_total,
        links=links,
    )


class _Reader:
    """Reads sensors over one window at one resolution (NaN for a missing sensor)."""

    def __init__(self, session: Session, start_us: int, n_steps: int, step_us: int) -> None:
        self.session = session
        self.start = EPOCH + timedelta(microseconds=start_us)
        self.duration = timedelta(microseconds=n_steps * step_us)
        self.resolution = timedelta(microseconds=step_us)
        self.n = n_steps

    def read(self, sensor_id: int | None, source_id: int | None = None) -> np.ndarray:
        if sensor_id is None:
            return np.full(self.n, np.nan)
        sensor = self.session.get(Sensor, sensor_id)
        if sensor is None:
            return np.full(self.n, np.nan)
        return beliefs.read_series(
            self.session,
            sensor,
            start=self.start,
            duration=self.duration,
            resolution=self.resolution,
            unit=naming.MW,
            source_ids=None if source_id is None else [source_id],
        ).values


def _id(session: Session, record: Any, name: str) -> int | None:
    ref = record.sensors.get(name)
    return ref.id if ref is not None else None


def measured(
    session: Session,
    registry: Registry,
    zone_id: str,
    start_us: int,
    n_steps: int,
    step_us: int,
) -> list[dict[str, Any]]:
    """Measured breakdowns (reporter results), with ``updatedAt`` and ``createdAt`` per step."""
    reporter_id = zone_store.source_id(session, naming.REPORTER)
    stamp_id = sensor_id(session, registry.get(zone_id), naming.STAMP)
    if reporter_id is None or stamp_id is None:
        raise no_data(zone_id, "power breakdown")
    rows = breakdown_records(
        session, registry, zone_id, start_us, n_steps, step_us, source_id=reporter_id
    )
    times = queries.event_times(
        session, stamp_id, reporter_id, start_us, start_us + n_steps * step_us
    )
    for i, row in enumerate(rows):
        lo, hi = start_us + i * step_us, start_us + (i + 1) * step_us
        inside = (times.events_us >= lo) & (times.events_us < hi)
        row["updatedAt"] = iso(int(times.updated_us[inside].max())) if inside.any() else None
        row["createdAt"] = iso(int(times.created_us[inside].min())) if inside.any() else None
    return rows


def breakdown_at(
    session: Session, registry: Registry, zone_id: str, moment: datetime
) -> dict[str, Any]:
    """The power breakdown of the hour containing ``moment`` (means of finer steps)."""
    lo = to_us(moment) - to_us(moment) % HOUR_US
    refresh(session, registry, zone_id, lo, lo + HOUR_US)
    row = measured(session, registry, zone_id, lo, 1, HOUR_US)[0]
    if row["powerConsumptionTotal"] is None and row["updatedAt"] is None:
        raise no_data(zone_id, "power breakdown", f" at {iso(lo)}")
    return {"zone": zone_id, **row}


def step_of(session: Session, registry: Registry, zone_id: str) -> int:
    """The resolution of the zone's results. [µs]"""
    stamp_id = sensor_id(session, registry.get(zone_id), naming.STAMP)
    sensor = None if stamp_id is None else session.get(Sensor, stamp_id)
    return td_us(sensor.event_resolution) if sensor is not None else HOUR_US
