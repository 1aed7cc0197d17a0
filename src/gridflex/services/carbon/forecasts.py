"""Forecasts: each zone's production by type and its exchanges, forecast and then traced.

Forecasting the inputs (forecasting engine, one model per series) and tracing
them (carbon engine) keeps the forecast mixes consistent with each other and
with the measured ones: consumption by type adds up to the total, and the
intensity is the factor-weighted mix. A forecast is made at the end of the
measured data of the zone's system (its belief time) for ``HORIZON`` ahead and
stored under the forecaster source in the zones' result sensors; it is made
again once newer measured data exist. Forecast exchanges are scaled down where
a zone would export more than it produces and imports (forecast errors do not
add up), so the traced system balances.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from gridflex.engines.carbon import (
    PRODUCTION_TYPES,
    ExchangeLinks,
    trace_flows,
    type_index,
    whole_numbers,
)
from gridflex.engines.forecasting import forecast
from gridflex.errors import InsufficientDataError, ValidationError
from gridflex.services import beliefs
from gridflex.services.belief_checks import from_us, td_us
from gridflex.services.carbon import naming, state
from gridflex.services.carbon import store as zone_store
from gridflex.services.carbon.compute import Window, factors_g_per_kwh, system_lock, write_series
from gridflex.services.carbon.freshness import refresh, sensor_id
from gridflex.services.carbon.readings import DAY_US, iso, no_data
from gridflex.services.carbon.registry import Registry, ZoneRecord
from gridflex.services.sensors import get_sensor
from gridflex.store.models import Sensor
from gridflex.store.queries import carbon as queries

logger = logging.getLogger("gridflex.carbon")

HORIZON = timedelta(hours=48)
TRAIN_PERIOD = timedelta(days=28)
HISTORY = timedelta(days=35)  # the training period plus the lags of the first training rows
MODEL = "boosted"
MODEL_PARAMS = {"max_iter": 50}  # 50 trees per series: ~0.05 s each, close to the default's skill


@dataclass(frozen=True)
class ZoneForecast:
    """A zone's stored forecast: one row per step from ``starts_us``."""

    zone_id: str
    starts_us: np.ndarray
    step_us: int
    belief_time_us: int
    intensity: np.ndarray
    consumption_mw: np.ndarray  # (H, K)
    total_mw: np.ndarray


def zone_forecast(session: Session, registry: Registry, zone_id: str) -> ZoneForecast:
    """The zone's forecast from the end of its measured data, made now if not stored yet."""
    record = registry.get(zone_id)
    stamp_id = sensor_id(session, record, naming.STAMP)
    last = None if stamp_id is None else queries.last_event_us(session, stamp_id)
    refresh(session, registry, zone_id, None if last is None else last - 2 * DAY_US, None)
    stamp_id = sensor_id(session, record, naming.STAMP)
    last = None if stamp_id is None else queries.last_event_us(session, stamp_id)
    if stamp_id is None or last is None:
        raise no_data(zone_id, "power")
    step_us = td_us(get_sensor(session, stamp_id).event_resolution)
    data_end = last + step_us
    if _stored_belief_time(session, record, data_end) != data_end:
        system = registry.system(zone_id)
        with system_lock(session, system):
            if _stored_belief_time(session, record, data_end) != data_end:
                make_forecast(session, registry, system, data_end, step_us)
    return _read(session, registry, zone_id, data_end, step_us)


def _stored_belief_time(session: Session, record: ZoneRecord, data_end: int) -> int | None:
    """The belief time of the zone's stored forecast from ``data_end`` on, if any."""
    fc_id = zone_store.source_id(session, naming.FORECASTER)
    intensity_id = sensor_id(session, record, naming.CONSUMPTION_INTENSITY)
    if fc_id is None or intensity_id is None:
        return None
    return queries.latest_belief_time_us(session, intensity_id, fc_id, data_end)


def make_forecast(
    session: Session,
    registry: Registry,
    system: tuple[str, ...],
    data_end_us: int,
    step_us: int,
) -> int:
    """Forecast and trace a system from ``data_end``; store the results. Returns beliefs stored."""
    known = zone_store.zone_sensors(session, registry.asset_ids(system))
    past = Window(data_end_us - td_us(HISTORY), data_end_us, step_us, step_us)
    ahead = Window(data_end_us, data_end_us + td_us(HORIZON), step_us, step_us)
    production = np.full((ahead.n, len(system), len(PRODUCTION_TYPES)), np.nan)
    for z, zone_id in enumerate(system):
        record = registry.zones[zone_id]
        if record.asset_id is None:  # a zone without an asset has no sensors
            continue
        for name in record.sensors:
            kind = naming.production_type_of(name)
            if kind is not None:
                sensor = known[(record.asset_id, name)]
                production[:, z, type_index(kind)] = np.clip(
                    _forecast(session, sensor, past, ahead), 0.0, None
                )
    if np.all(np.isnan(production)):
        raise InsufficientDataError(
            f"Too little measured power data to forecast zone(s) {', '.join(system)}.",
            field="zone",
        )
    links = _forecast_links(session, registry, system, known, past, ahead)
    has_data = np.any(~np.isnan(production), axis=2)
    links, has_data = balanced(np.nansum(production, axis=2), links, has_data)
    factors = factors_g_per_kwh(registry, system, ahead.starts_us)
    traced = trace_flows(
        production, links, factors_g_per_kwh={"lifecycle": factors}, has_data=has_data
    )
    source = zone_store.forecaster(session)
    stored = 0
    for z, zone_id in enumerate(system):
        asset_id = registry.zones[zone_id].asset_id
        if asset_id is None:
            continue
        results = {
            naming.CONSUMPTION_INTENSITY: traced.consumption_intensity_g_per_kwh["lifecycle"][:, z],
            naming.CONSUMPTION_TOTAL: traced.consumption_total_mw[:, z],
        }
        for k, kind in enumerate(PRODUCTION_TYPES):
            values = np.where(has_data[:, z], traced.consumption_mw[:, z, k], np.nan)
            name = naming.consumption_sensor(kind)
            if (asset_id, name) in known or np.nansum(values) > 0:
                results[name] = values
            if not np.all(np.isnan(production[:, z, k])):
                results[naming.forecast_sensor(naming.production_sensor(kind))] = production[
                    :, z, k
                ]
        for j in np.flatnonzero(links.from_index == z):
            other = system[int(links.to_index[j])]
            results[naming.forecast_sensor(naming.exchange_sensor(zone_id, other))] = (
                links.net_flow_mw[:, j]
            )
        for name, values in results.items():
            sensor = zone_store.get_or_create_sensor(
                session,
                known,
                asset_id,
                name,
                unit=naming.INTENSITY_UNIT if name == naming.CONSUMPTION_INTENSITY else naming.MW,
                resolution=ahead.resolution,
                attributes={"computed_by": naming.REPORTER["name"]},
            )
            stored += write_series(session, sensor, source, ahead, values, data_end_us)
    state.invalidate(session, system, registry=True)
    return stored


def _forecast(session: Session, sensor: Sensor, past: Window, ahead: Window) -> np.ndarray:
    """One series forecast with the forecasting engine (naive-daily if too short; NaN if none)."""
    history = beliefs.read_series(
        session,
        sensor,
        start=past.start,
        duration=past.duration,
        resolution=past.resolution,
        unit=naming.MW,
    ).to_pandas()
    if history.notna().sum() == 0:
        return np.full(ahead.n, np.nan)
    if np.nanmax(np.abs(history.to_numpy())) == 0:
        return np.zeros(ahead.n)
    belief = pd.Timestamp(ahead.start)
    for model, params in ((MODEL, MODEL_PARAMS), ("naive-daily", None)):
        try:
            result = forecast(
                history,
                belief_time=belief,
                n_steps=ahead.n,
                resolution=ahead.resolution,
                model=model,
                train_period=TRAIN_PERIOD,
                model_params=params,
            )
            return result.values.to_numpy(dtype=np.float64)
        except (InsufficientDataError, ValidationError) as exc:
            logger.info("No %s forecast for sensor %s: %s", model, sensor.id, exc)
    return np.full(ahead.n, np.nan)


def _forecast_links(
    session: Session,
    registry: Registry,
    system: tuple[str, ...],
    known: dict[tuple[int, str], Sensor],
    past: Window,
    ahead: Window,
) -> ExchangeLinks:
    index = {zone_id: z for z, zone_id in enumerate(system)}
    net: dict[tuple[int, int], np.ndarray] = {}
    for link in registry.links:
        sensor = known.get((link.sensor.asset_id, link.sensor.name))
        if sensor is None or link.from_zone not in index or link.to_zone not in index:
            continue
        flow = np.nan_to_num(_forecast(session, sensor, past, ahead), nan=0.0)
        a, b = index[link.from_zone], index[link.to_zone]
        key, sign = ((a, b), 1.0) if a < b else ((b, a), -1.0)
        net[key] = net.get(key, 0.0) + sign * flow
    pairs = sorted(net)
    flows = np.stack([net[p] for p in pairs], axis=1) if pairs else np.zeros((ahead.n, 0))
    return ExchangeLinks(
        np.array([p[0] for p in pairs], dtype=np.intp),
        np.array([p[1] for p in pairs], dtype=np.intp),
        flows,
        len(system),
    )


def balanced(
    production_total_mw: np.ndarray, links: ExchangeLinks, has_data: np.ndarray
) -> tuple[ExchangeLinks, np.ndarray]:
    """Scale exports down so that no zone with data exports more than it produces and imports.

    Lowering one zone's exports lowers its neighbours' imports, so this repeats
    until nothing is short (flows only shrink); zones still short after that
    many rounds count as without data at those steps.
    """
    frm, to, flow = links.from_index, links.to_index, links.net_flow_mw.copy()
    n_zones = links.n_zones
    for _ in range(4 * n_zones + 10):
        current = ExchangeLinks(frm, to, flow, n_zones)
        imports, exports = current.import_export_totals_mw()
        inflow = production_total_mw + imports
        short = has_data & (exports > inflow + 1e-9)
        if not np.any(short):
            return current, has_data
        scale = np.where(short, inflow / np.where(exports > 0, exports, 1.0), 1.0)
        flow = np.where(flow > 0, flow * scale[:, frm], flow * scale[:, to])
    current = ExchangeLinks(frm, to, flow, n_zones)
    imports, exports = current.import_export_totals_mw()
    return current, has_data & ~(exports > production_total_mw + imports + 1e-6)


def _read(
    session: Session, registry: Registry, zone_id: str, data_end: int, step_us: int
) -> ZoneForecast:
    record = registry.get(zone_id)
    fc_id = zone_store.source_id(session, naming.FORECASTER)
    ahead = Window(data_end, data_end + td_us(HORIZON), step_us, step_us)

    def read(name: str) -> np.ndarray:
        sid = sensor_id(session, record, name)
        if sid is None or fc_id is None:
            return np.full(ahead.n, np.nan)
        return beliefs.read_series(
            session,
            get_sensor(session, sid),
            start=ahead.start,
            duration=ahead.duration,
            resolution=ahead.resolution,
            source_ids=[fc_id],
        ).values

    intensity = read(naming.CONSUMPTION_INTENSITY)
    if np.all(np.isnan(intensity)):
        raise no_data(zone_id, "forecast", f" from {from_us(data_end).isoformat()}")
    consumption = np.stack(
        [np.nan_to_num(read(naming.consumption_sensor(k)), nan=0.0) for k in PRODUCTION_TYPES],
        axis=1,
    )
    return ZoneForecast(
        zone_id,
        ahead.starts_us,
        step_us,
        data_end,
        intensity,
        consumption,
        read(naming.CONSUMPTION_TOTAL),
    )


def intensity_payload(ahead: ZoneForecast) -> dict[str, object]:
    values = whole_numbers(ahead.intensity)
    return {
        "zone": ahead.zone_id,
        "forecast": [
            {"carbonIntensity": v, "datetime": iso(t)}
            for v, t in zip(values, ahead.starts_us.tolist(), strict=True)
        ],
        "updatedAt": iso(ahead.belief_time_us),
    }


def consumption_payload(ahead: ZoneForecast) -> dict[str, object]:
    totals = whole_numbers(ahead.total_mw)
    rows = []
    for i, t in enumerate(ahead.starts_us.tolist()):
        values = whole_numbers(ahead.consumption_mw[i])
        rows.append(
            {
                "powerConsumptionBreakdown": dict(zip(PRODUCTION_TYPES, values, strict=True)),
                "datetime": iso(t),
                "powerConsumptionTotal": totals[i],
            }
        )
    return {"zone": ahead.zone_id, "forecast": rows, "updatedAt": iso(ahead.belief_time_us)}
