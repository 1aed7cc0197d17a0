"""Synthetic but plausible 15-minute series for the demo (deterministic, seeded).

Shapes, not forecasts: a day/night and weekday/weekend load, a clear-sky solar
curve scaled by season and clouds, day-ahead prices that follow net load, and a
seasonal temperature. All return float arrays aligned to ``index`` (UTC).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _local(index: pd.DatetimeIndex, timezone: str) -> pd.DatetimeIndex:
    return index.tz_convert(timezone)


def solar_elevation_frac(index: pd.DatetimeIndex, latitude: float) -> np.ndarray:
    """sin(sun elevation), clipped at 0, from the day of year and the hour (UTC, lon ≈ 0)."""
    day = index.day_of_year.to_numpy()
    hour = index.hour.to_numpy() + index.minute.to_numpy() / 60
    declination = np.radians(23.44) * np.sin(2 * np.pi * (284 + day) / 365)
    hour_angle = np.radians(15 * (hour - 12))
    lat = np.radians(latitude)
    return np.clip(
        np.sin(lat) * np.sin(declination) + np.cos(lat) * np.cos(declination) * np.cos(hour_angle),
        0,
        None,
    )


def solar_production_kw(
    index: pd.DatetimeIndex, *, peak_kw: float, latitude: float, seed: int = 1
) -> np.ndarray:
    """Production as a negative power (consumption positive) [kW]."""
    rng = np.random.default_rng(seed)
    days = len(index) // 96 + 1
    clouds = np.repeat(np.clip(rng.beta(2.5, 1.5, size=days), 0.05, 1.0), 96)[: len(index)]
    return -peak_kw * solar_elevation_frac(index, latitude) * clouds


def building_load_kw(
    index: pd.DatetimeIndex, *, base_kw: float, timezone: str, seed: int = 2
) -> np.ndarray:
    local = _local(index, timezone)
    hour = local.hour.to_numpy() + local.minute.to_numpy() / 60
    weekday = local.day_of_week.to_numpy() < 5
    daily = 0.6 + 0.5 * np.exp(-((hour - 8.5) ** 2) / 4) + 0.7 * np.exp(-((hour - 18.5) ** 2) / 6)
    office = np.where(weekday & (hour > 7) & (hour < 19), 0.6, 0.0)
    season = 1 + 0.25 * np.cos(2 * np.pi * (local.day_of_year.to_numpy() - 15) / 365)
    noise = np.random.default_rng(seed).normal(0, 0.05, len(index))
    return base_kw * (daily + office) * season * (1 + noise)


def temperature_c(index: pd.DatetimeIndex, *, timezone: str, seed: int = 3) -> np.ndarray:
    local = _local(index, timezone)
    hour = local.hour.to_numpy() + local.minute.to_numpy() / 60
    seasonal = 10.5 - 7.5 * np.cos(2 * np.pi * (local.day_of_year.to_numpy() - 20) / 365)
    daily = 3.5 * np.sin(2 * np.pi * (hour - 9) / 24)
    weather = np.cumsum(np.random.default_rng(seed).normal(0, 0.08, len(index)))
    weather -= pd.Series(weather).rolling(96 * 7, min_periods=1).mean().to_numpy()
    return seasonal + daily + weather


def irradiance_w_per_m2(index: pd.DatetimeIndex, *, latitude: float, seed: int = 1) -> np.ndarray:
    return -solar_production_kw(index, peak_kw=1000.0, latitude=latitude, seed=seed)


def day_ahead_price_eur_per_mwh(
    index: pd.DatetimeIndex, *, timezone: str, seed: int = 4
) -> np.ndarray:
    """Prices follow demand minus solar, with noise; negative at sunny noons now and then."""
    rng = np.random.default_rng(seed)
    load = building_load_kw(index, base_kw=1.0, timezone=timezone, seed=seed)
    sun = -solar_production_kw(index, peak_kw=1.0, latitude=52.0, seed=seed + 1)
    hourly_noise = np.repeat(rng.normal(0, 8, len(index) // 4 + 1), 4)[: len(index)]
    price = 45 + 55 * (load - 1.2) - 70 * sun + hourly_noise
    return np.round(price, 2)
