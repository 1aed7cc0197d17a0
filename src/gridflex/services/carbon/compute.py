"""The compute service: trace a system's stored power data and write the results back as beliefs.

``recompute(session, zone_ids, start, end)`` is the one entry point; the CLI
import calls it directly, the API calls it lazily (see ``freshness``) and a job
can call it as it is. It reads production by type and the exchanges of every
zone of the systems holding ``zone_ids``, traces them (carbon engine) and
writes, for each zone asset, the sensors listed in :mod:`.naming` under the
reporter source, believed now. Unchanged values are not stored again, so belief
times say when a figure really changed.

A zone whose reported exports exceed its production plus imports at a step
cannot be traced there: it counts as a zone without data at that step (its
figures are left out and what it exports counts as ``unknown``), and a warning
is logged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from gridflex.engines.carbon import (
    PRODUCTION_TYPES,
    ExchangeLinks,
    production_intensity_g_per_kwh,
    resolve_factors_g_per_kwh,
    trace_flows,
    type_index,
)
from gridflex.services import beliefs
from gridflex.services.belief_checks import from_us, td_us, to_us
from gridflex.services.carbon import naming, state
from gridflex.services.carbon import store as zone_store
from gridflex.services.carbon.registry import Registry, load_registry
from gridflex.store.models import DataSource, Sensor
from gridflex.store.queries import carbon as queries
from gridflex.timing import utcnow

logger = logging.getLogger("gridflex.carbon")

_MAX_CELLS = 400_000  # steps x zones per traced chunk: bounds memory (arrays are T x Z x K)
_BALANCE_TOLERANCE_MW = 1e-6
_LOCKS: dict[tuple[int, tuple[str, ...]], threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def recompute(
    session: Session,
    zone_ids: Iterable[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """Trace the systems holding ``zone_ids`` (default: all) over [start, end) and store the results.

    Without ``start``/``end`` the whole extent of the stored power data is traced.
    Returns the number of beliefs stored. The caller commits.
    """
    registry = load_registry(session)
    systems = registry.systems(None if zone_ids is None else list(zone_ids))
    belief_time_us = to_us(now or utcnow())
    stored = 0
    for system in systems:
        with system_lock(session, system):
            stored += _recompute_system(session, registry, system, start, end, belief_time_us)
    state.invalidate(session, [z for system in systems for z in system], registry=True)
    return stored


def _recompute_system(
    session: Session,
    registry: Registry,
    system: tuple[str, ...],
    start: datetime | None,
    end: datetime | None,
    belief_time_us: int,
) -> int:
    inputs = registry.input_sensors(system)
    extent = queries.extent_us(session, [s.id for s in inputs])
    if extent is None:
        return 0
    step_us = min(td_us(s.resolution) for s in inputs)
    coarse_us = max(td_us(s.resolution) for s in inputs)
    lo = extent[0] if start is None else max(to_us(start), extent[0])
    hi = extent[1] + coarse_us if end is None else min(to_us(end), extent[1] + coarse_us)
    lo, hi = lo - lo % coarse_us, -(-hi // coarse_us) * coarse_us  # whole steps of every input
    if hi <= lo:
        return 0
    chunk_us = max(coarse_us, (_MAX_CELLS // len(system)) * step_us // coarse_us * coarse_us)
    known = zone_store.zone_sensors(session, registry.asset_ids(system))
    source = zone_store.reporter(session)
    stored = 0
    for chunk_lo in range(lo, hi, chunk_us):
        window = Window(chunk_lo, min(hi, chunk_lo + chunk_us), step_us, coarse_us)
        stored += _trace_window(session, registry, system, window, known, source, belief_time_us)
    return stored


def system_lock(session: Session, system: tuple[str, ...]) -> threading.Lock:
    """One lock per database and system, so that threads of a server do not trace it twice."""
    bind = session.get_bind()
    key = (id(bind if isinstance(bind, Engine) else bind.engine), system)
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.Lock())


class Window:
    def __init__(self, lo: int, hi: int, step_us: int, coarse_us: int) -> None:
        self.lo, self.hi, self.step_us, self.coarse_us = lo, hi, step_us, coarse_us
        self.n = (hi - lo) // step_us
        self.start = from_us(lo)
        self.duration = timedelta(microseconds=hi - lo)
        self.resolution = timedelta(microseconds=step_us)
        self.starts_us = lo + np.arange(self.n, dtype=np.int64) * step_us


def _trace_window(
    session: Session,
    registry: Registry,
    system: tuple[str, ...],
    window: Window,
    known: dict[tuple[int, str], Sensor],
    source: DataSource,
    belief_time_us: int,
) -> int:
    production = read_production(session, registry, system, window, known)
    links = read_links(session, registry, system, window, known)
    has_data = _traceable(production, links, system, window)
    factors = factors_g_per_kwh(registry, system, window.starts_us)
    direct = factors_g_per_kwh(registry, system, window.starts_us, factor_type="direct")
    traced = trace_flows(
        production,
        links,
        factors_g_per_kwh={"lifecycle": factors, "direct": direct},
        has_data=has_data,
    )
    own = production_intensity_g_per_kwh(traced.production_mw, factors)
    stamps = _stamps(session, registry, system, window)
    results = {
        naming.CONSUMPTION_INTENSITY: traced.consumption_intensity_g_per_kwh["lifecycle"],
        naming.CONSUMPTION_INTENSITY_DIRECT: traced.consumption_intensity_g_per_kwh["direct"],
        naming.PRODUCTION_INTENSITY: np.where(has_data, own, np.nan),
        naming.CONSUMPTION_TOTAL: traced.consumption_total_mw,
    }
    stored = 0
    for z, zone_id in enumerate(system):
        asset_id = registry.zones[zone_id].asset_id
        if asset_id is None:
            continue  # a neighbour nobody describes: traced with the fallback mix, nothing to store
        per_zone = {name: values[:, z] for name, values in results.items()}
        for k, kind in enumerate(PRODUCTION_TYPES):
            values = np.where(has_data[:, z], traced.consumption_mw[:, z, k], np.nan)
            name = naming.consumption_sensor(kind)
            if (asset_id, name) in known or np.nansum(values) > 0:
                per_zone[name] = values
        per_zone[naming.STAMP] = stamps
        for name, values in per_zone.items():
            sensor = zone_store.get_or_create_sensor(
                session,
                known,
                asset_id,
                name,
                unit=_unit(name),
                resolution=window.resolution,
                attributes={"computed_by": naming.REPORTER["name"]},
            )
            stored += write_series(session, sensor, source, window, values, belief_time_us)
    return stored


def read_production(
    session: Session,
    registry: Registry,
    system: tuple[str, ...],
    window: Window,
    known: dict[tuple[int, str], Sensor],
) -> np.ndarray:
    """Production by type of each zone, shape (T, Z, K), NaN where not reported. [MW]"""
    production = np.full((window.n, len(system), len(PRODUCTION_TYPES)), np.nan)
    for z, zone_id in enumerate(system):
        asset_id = registry.zones[zone_id].asset_id
        for name in registry.zones[zone_id].sensors:
            kind = naming.production_type_of(name)
            if kind is not None and asset_id is not None:
                production[:, z, type_index(kind)] = _read(session, known[(asset_id, name)], window)
    return production


def read_links(
    session: Session,
    registry: Registry,
    system: tuple[str, ...],
    window: Window,
    known: dict[tuple[int, str], Sensor],
) -> ExchangeLinks:
    """Net flows between the zones of a system; sensors about the same pair add up."""
    index = {zone_id: z for z, zone_id in enumerate(system)}
    net: dict[tuple[int, int], np.ndarray] = {}
    for link in registry.links:
        if link.from_zone not in index or link.to_zone not in index:
            continue
        sensor = known.get((link.sensor.asset_id, link.sensor.name))
        if sensor is None:
            continue
        flow = np.nan_to_num(_read(session, sensor, window), nan=0.0)
        a, b = index[link.from_zone], index[link.to_zone]
        key, sign = ((a, b), 1.0) if a < b else ((b, a), -1.0)
        net[key] = net.get(key, 0.0) + sign * flow
    pairs = sorted(net)
    flows = np.stack([net[p] for p in pairs], axis=1) if pairs else np.zeros((window.n, 0))
    frm = np.array([p[0] for p in pairs], dtype=np.intp)
    to = np.array([p[1] for p in pairs], dtype=np.intp)
    return ExchangeLinks(frm, to, flows, len(system))


def factors_g_per_kwh(
    registry: Registry,
    system: tuple[str, ...],
    starts_us: np.ndarray,
    *,
    factor_type: str = "lifecycle",
) -> np.ndarray:
    """Emission factors of every zone and type, (Z, K) within one year, else (T, Z, K)."""
    overrides = [
        o for zone_id in system for o in registry.zones[zone_id].zone.emission_factor_overrides
    ]
    years = pd.DatetimeIndex(starts_us.astype("datetime64[us]")).year.to_numpy()
    unique = np.unique(years)
    tables = np.stack(
        [
            resolve_factors_g_per_kwh(
                list(system), year=int(y), overrides=overrides, factor_type=factor_type
            )
            for y in unique
        ]
    )
    if len(unique) == 1:
        return tables[0]
    return tables[np.searchsorted(unique, years)]


def write_series(
    session: Session,
    sensor: Sensor,
    source: DataSource,
    window: Window,
    values: np.ndarray,
    belief_time_us: int,
) -> int:
    """Store a series on the window's grid (resampled when the sensor's resolution differs)."""
    if td_us(sensor.event_resolution) == window.step_us:
        frame = beliefs.BeliefFrame(window.starts_us, values, belief_time_us)
        return beliefs.write_beliefs(session, sensor, source, frame).stored
    result = beliefs.post_series(
        session,
        sensor,
        source,
        values=values,
        start=window.start,
        duration=window.duration,
        unit=sensor.unit,
        prior=from_us(belief_time_us),
    )
    return result.stored


def _read(session: Session, sensor: Sensor, window: Window) -> np.ndarray:
    return beliefs.read_series(
        session,
        sensor,
        start=window.start,
        duration=window.duration,
        resolution=window.resolution,
        unit=naming.MW,
    ).values


def _traceable(
    production: np.ndarray, links: ExchangeLinks, system: tuple[str, ...], window: Window
) -> np.ndarray:
    """Zones with data at each step, leaving out steps where a zone exports more than it has."""
    has_data = np.any(~np.isnan(production), axis=2)
    imports, exports = links.import_export_totals_mw()
    consumption = np.nansum(production, axis=2) + imports - exports
    short = has_data & (consumption < -_BALANCE_TOLERANCE_MW)
    if np.any(short):
        t, z = (int(i) for i in np.argwhere(short)[0])
        logger.warning(
            "Zone %s exports more than it produces and imports at %s (and %d more steps); "
            "those steps are traced as without data.",
            system[z],
            from_us(int(window.starts_us[t])).isoformat(),
            int(short.sum()) - 1,
        )
    return has_data & ~short


def _stamps(
    session: Session, registry: Registry, system: tuple[str, ...], window: Window
) -> np.ndarray:
    """Per step, how many input beliefs of the system there are about it (NaN: no input event)."""
    events, _, counts = queries.watermarks(
        session, registry.asset_ids(system), naming.INPUTS, window.lo, window.hi
    )
    stamps = np.full(window.n, np.nan)
    on_grid = (events - window.lo) % window.step_us == 0
    stamps[(events[on_grid] - window.lo) // window.step_us] = counts[on_grid]
    return stamps


def _unit(name: str) -> str:
    if name in naming.INTENSITY_NAMES:
        return naming.INTENSITY_UNIT
    if name == naming.STAMP:
        return ""
    return naming.MW
