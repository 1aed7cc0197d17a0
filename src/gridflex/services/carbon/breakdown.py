"""Power breakdowns of one zone from the store, shaped by the carbon engine's records.

Production by type and the exchanges are the zone's inputs; consumption by
type and in total are the stored results of the last tracing (reporter
source, or the forecaster for forecasts). They are laid out as a small traced
system (the zone and its neighbours) so that
:func:`~gridflex.engines.carbon.power_breakdown_records` shapes them exactly
as it shapes a fresh trace. Periods coarser than the zone's steps (see
``periods``) are shaped from the means of their steps' powers.

Each record carries the fields of the current Electricity Maps API besides
the seed's: ``zone``, ``createdAt`` and ``updatedAt`` (first and last
computation), ``isEstimated`` (false) and ``estimationMethod`` (null).
"""

from __future__ import annotations

from dataclasses import dataclass
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
from gridflex.services.carbon import naming, periods
from gridflex.services.carbon import store as zone_store
from gridflex.services.carbon.freshness import refresh, sensor_id
from gridflex.services.carbon.readings import (
    ESTIMATE,
    iso,
    no_data,
    period_bounds,
    range_bounds,
    step_of,
)
from gridflex.services.carbon.registry import Registry
from gridflex.store.models import Sensor
from gridflex.store.queries import carbon as queries

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Inputs:
    """A zone's powers over a window: production (T, K) NaN where not reported, consumption
    by type (T, K), consumption total (T,), net flows to each neighbour (T, N). [MW]"""

    production: np.ndarray
    consumption: np.ndarray
    total: np.ndarray
    flows: np.ndarray
    neighbours: list[str]

    def periods(self, first: np.ndarray) -> Inputs:
        """Means over groups of steps starting at the rows ``first`` (see ``periods``)."""
        mean = periods.mean_by_group
        return Inputs(
            mean(self.production, first),
            mean(self.consumption, first),
            mean(self.total, first),
            mean(self.flows, first),
            self.neighbours,
        )

    def take(self, rows: np.ndarray) -> Inputs:
        return Inputs(
            self.production[rows], self.consumption[rows], self.total[rows], self.flows[rows],
            self.neighbours,
        )  # fmt: skip


def read_inputs(
    session: Session,
    registry: Registry,
    zone_id: str,
    start_us: int,
    n_steps: int,
    step_us: int,
    *,
    source_id: int,
    forecast: bool = False,
) -> Inputs:
    """The zone's powers over [start, start + n * step); consumption from ``source_id``.

    ``forecast`` reads the forecaster's forecasts of the inputs instead of the
    measured inputs (``source_id`` is then the forecaster's).
    """
    record = registry.get(zone_id)
    window = _Reader(session, start_us, n_steps, step_us)
    inputs_from = source_id if forecast else None

    def input_id(zone: str, name: str) -> int | None:
        name = naming.forecast_sensor(name) if forecast else name
        return sensor_id(session, registry.get(zone), name)

    production = np.full((n_steps, len(PRODUCTION_TYPES)), np.nan)
    consumption = np.zeros((n_steps, len(PRODUCTION_TYPES)))
    for kind in PRODUCTION_TYPES:
        k = type_index(kind)
        production[:, k] = window.read(
            input_id(zone_id, naming.production_sensor(kind)), inputs_from
        )
        used = window.read(sensor_id(session, record, naming.consumption_sensor(kind)), source_id)
        consumption[:, k] = np.nan_to_num(used, nan=0.0)
    total = window.read(sensor_id(session, record, naming.CONSUMPTION_TOTAL), source_id)
    neighbours = registry.neighbours(zone_id)
    flows = np.zeros((n_steps, len(neighbours)))
    for frm, to, sensor in _links(registry, zone_id, forecast):
        other = to if frm == zone_id else frm
        sign = 1.0 if frm == zone_id else -1.0
        flow = window.read(input_id(frm, sensor) if forecast else int(sensor), inputs_from)
        flows[:, neighbours.index(other)] += sign * np.nan_to_num(flow, nan=0.0)
    return Inputs(production, consumption, total, flows, neighbours)


def shaped(zone_id: str, inputs: Inputs, starts_us: np.ndarray) -> list[dict[str, Any]]:
    """One breakdown record per row of ``inputs``, with ``zone`` and ``datetime``."""
    traced = _star(inputs.production, inputs.consumption, inputs.total, inputs.flows)
    rows = power_breakdown_records(traced, 0, zone_ids=[zone_id, *inputs.neighbours])
    return [
        {"zone": zone_id, "datetime": iso(int(t)), **row}
        for row, t in zip(rows, starts_us, strict=True)
    ]


def _links(registry: Registry, zone_id: str, forecast: bool) -> list[tuple[str, str, Any]]:
    """(from, to, sensor) of the zone's exchanges: measured sensor ids, or the names of the
    forecast exchanges (one per pair of zones, on the asset of the first)."""
    ends = [link for link in registry.links if zone_id in (link.from_zone, link.to_zone)]
    if not forecast:
        return [(link.from_zone, link.to_zone, link.sensor.id) for link in ends]
    pairs = sorted({tuple(sorted((link.from_zone, link.to_zone))) for link in ends})
    return [(a, b, naming.exchange_sensor(a, b)) for a, b in pairs]


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


def breakdown_periods(
    session: Session,
    registry: Registry,
    zone_id: str,
    lo: int,
    hi: int,
    granularity: str,
    step_us: int,
) -> list[dict[str, Any]]:
    """Measured breakdowns of the periods in [lo, hi) that were computed (means of their steps)."""
    refresh(session, registry, zone_id, lo, hi)
    reporter_id = zone_store.source_id(session, naming.REPORTER)
    stamp_id = sensor_id(session, registry.get(zone_id), naming.STAMP)
    if reporter_id is None or stamp_id is None:
        return []
    n = (hi - lo) // step_us
    inputs = read_inputs(session, registry, zone_id, lo, n, step_us, source_id=reporter_id)
    times = queries.event_times(session, stamp_id, reporter_id, lo, hi)
    rows = ((times.events_us - lo) // step_us).astype(np.intp)
    on_grid = (times.events_us - lo) % step_us == 0
    rows, created, updated = rows[on_grid], times.created_us[on_grid], times.updated_us[on_grid]
    starts, first = periods.groups(lo + rows.astype(np.int64) * step_us, granularity)
    if len(starts) == 0:
        return []
    records = shaped(zone_id, inputs.take(rows).periods(first), starts)
    for record, c, u in zip(
        records,
        np.minimum.reduceat(created, first),
        np.maximum.reduceat(updated, first),
        strict=True,
    ):
        record.update(createdAt=iso(int(c)), updatedAt=iso(int(u)), **ESTIMATE)
    return records


def breakdown_at(
    session: Session,
    registry: Registry,
    zone_id: str,
    moment: datetime,
    granularity: str | None = None,
) -> dict[str, Any]:
    """The power breakdown of the period (default: the hour) containing ``moment``."""
    lo, hi, name = period_bounds(session, registry, zone_id, moment, granularity)
    step = step_of(session, registry, zone_id)
    found = breakdown_periods(session, registry, zone_id, lo, hi, name, step)
    if not found:
        raise no_data(zone_id, "power breakdown", f" at {iso(lo)}")
    return found[0]


def breakdown_range(
    session: Session,
    registry: Registry,
    zone_id: str,
    start: datetime,
    end: datetime,
    granularity: str | None = None,
) -> dict[str, Any]:
    """Every period in [start, end) with a breakdown (default: the zone's resolution)."""
    lo, hi, name = range_bounds(session, registry, zone_id, start, end, granularity)
    step = step_of(session, registry, zone_id)
    data = breakdown_periods(session, registry, zone_id, lo, hi, name, step)
    if not data:
        raise no_data(zone_id, "power breakdown", f" between {iso(lo)} and {iso(hi)}")
    return {"zone": zone_id, "data": data, "temporalGranularity": name}
