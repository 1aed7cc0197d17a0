"""Marginal forecasts (an estimate) and the best window for a flexible job.

The marginal mix is the carbon engine's regression of production changes on
consumption changes (:func:`~gridflex.engines.carbon.fit_marginal_mix`),
fitted per UTC hour of day on the zone's last ``FIT_PERIOD`` of measured data
and read off for each forecast step's hour. Answers say it is an estimate
and name the method.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from gridflex.engines.carbon import (
    PRODUCTION_TYPES,
    MarginalMix,
    fit_marginal_mix,
    marginal_breakdown_record,
    mix_intensity_g_per_kwh,
    resolve_factors_g_per_kwh,
    type_index,
    whole_numbers,
)
from gridflex.errors import InsufficientDataError, NotFoundError, ValidationError
from gridflex.services import beliefs
from gridflex.services.belief_checks import to_us
from gridflex.services.carbon import naming
from gridflex.services.carbon import store as zone_store
from gridflex.services.carbon.compute import Window
from gridflex.services.carbon.forecasts import ZoneForecast
from gridflex.services.carbon.freshness import sensor_id
from gridflex.services.carbon.readings import HOUR_US, iso
from gridflex.services.carbon.registry import Registry
from gridflex.services.sensors import get_sensor
from gridflex.timing import format_duration

FIT_PERIOD = timedelta(days=28)


def marginal_mix(
    session: Session, registry: Registry, zone_id: str, ahead: ZoneForecast
) -> tuple[np.ndarray, np.ndarray, MarginalMix]:
    """Marginal mix (H, K) and intensity (H,) at the forecast's steps, with the fit."""
    record = registry.get(zone_id)
    past = Window(
        ahead.belief_time_us - int(FIT_PERIOD.total_seconds()) * 1_000_000,
        ahead.belief_time_us,
        ahead.step_us,
        ahead.step_us,
    )
    reporter_id = zone_store.source_id(session, naming.REPORTER)
    production = np.full((past.n, len(PRODUCTION_TYPES)), np.nan)
    for kind in PRODUCTION_TYPES:
        production[:, type_index(kind)] = _read(
            session, sensor_id(session, record, naming.production_sensor(kind)), past, None
        )
    consumption = _read(
        session, sensor_id(session, record, naming.CONSUMPTION_TOTAL), past, reporter_id
    )
    hours = (past.starts_us // HOUR_US) % 24
    try:
        fit = fit_marginal_mix(production, consumption, groups=hours)
        mix = fit.mix_for((ahead.starts_us // HOUR_US) % 24)
    except InsufficientDataError as exc:
        raise NotFoundError(
            f"Not enough data to estimate the marginal mix of zone {zone_id!r}: {exc.message}"
        ) from None
    years = pd.DatetimeIndex(ahead.starts_us.astype("datetime64[us]")).year
    overrides = record.zone.emission_factor_overrides
    factors = np.stack(
        [resolve_factors_g_per_kwh([zone_id], year=int(y), overrides=overrides)[0] for y in years]
    )
    return mix, mix_intensity_g_per_kwh(mix, factors), fit


def _read(session: Session, sid: int | None, window: Window, source_id: int | None) -> np.ndarray:
    if sid is None:
        return np.full(window.n, np.nan)
    return beliefs.read_series(
        session,
        get_sensor(session, sid),
        start=window.start,
        duration=window.duration,
        resolution=window.resolution,
        unit=naming.MW,
        source_ids=None if source_id is None else [source_id],
    ).values


def estimate_labels(fit: MarginalMix) -> dict[str, Any]:
    return {"isEstimate": fit.is_estimate, "estimationMethod": fit.method}


def marginal_intensity_forecast(
    session: Session, registry: Registry, ahead: ZoneForecast
) -> dict[str, Any]:
    _, intensity, fit = marginal_mix(session, registry, ahead.zone_id, ahead)
    values = whole_numbers(intensity)
    return {
        "zone": ahead.zone_id,
        "forecast": [
            {"marginalCarbonIntensity": v, "datetime": iso(t)}
            for v, t in zip(values, ahead.starts_us.tolist(), strict=True)
        ],
        "updatedAt": iso(ahead.belief_time_us),
        **estimate_labels(fit),
    }


def marginal_breakdown_forecast(
    session: Session, registry: Registry, ahead: ZoneForecast
) -> dict[str, Any]:
    mix, _, fit = marginal_mix(session, registry, ahead.zone_id, ahead)
    return {
        "zone": ahead.zone_id,
        "forecast": [
            {
                "marginalPowerConsumptionBreakdown": marginal_breakdown_record(row),
                "datetime": iso(t),
            }
            for row, t in zip(mix, ahead.starts_us.tolist(), strict=True)
        ],
        "updatedAt": iso(ahead.belief_time_us),
        **estimate_labels(fit),
    }


def best_window(
    ahead: ZoneForecast, duration: timedelta, before: datetime | None
) -> dict[str, Any]:
    """The start of the ``duration`` with the lowest mean forecast intensity, ending by ``before``.

    Windows start on forecast steps and span whole steps; the earliest of equal
    windows wins.
    """
    step = ahead.step_us
    length_us = int(duration.total_seconds() * 1_000_000)
    if length_us <= 0 or length_us % step:
        raise ValidationError(
            f"duration must be a positive whole number of {format_duration(timedelta(microseconds=step))} "
            "steps.",
            field="duration",
        )
    n = length_us // step
    end_limit = (
        ahead.starts_us[-1] + step
        if before is None
        else min(to_us(before), ahead.starts_us[-1] + step)
    )
    n_windows = int((end_limit - ahead.starts_us[0]) // step) - n + 1
    if n_windows < 1:
        raise ValidationError(
            f"No window of {format_duration(duration)} fits in the forecast "
            f"({iso(ahead.starts_us[0])} to {iso(int(end_limit))}).",
            field="before" if before is not None else "duration",
        )
    sums = np.convolve(ahead.intensity, np.ones(n), mode="valid")[:n_windows]
    if np.all(np.isnan(sums)):
        raise NotFoundError(f"The forecast of zone {ahead.zone_id!r} has gaps in every window.")
    best = int(np.nanargmin(sums))
    start = int(ahead.starts_us[best])
    return {
        "zone": ahead.zone_id,
        "datetime": iso(start),
        "end": iso(start + length_us),
        "duration": format_duration(duration),
        "carbonIntensity": whole_numbers(sums[best] / n)[0],
        "updatedAt": iso(ahead.belief_time_us),
    }
