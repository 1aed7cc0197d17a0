"""A deterministic synthetic load series for demos, tests and the benchmark."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from numpy.typing import NDArray

#: Mean load of the synthetic site. [kW]
BASE_KW = 50.0


def synthetic_load_kw(
    start: datetime | pd.Timestamp,
    periods: int,
    resolution: timedelta | pd.Timedelta,
    seed: int,
) -> pd.Series:
    """Load of a small commercial site with daily, weekly and yearly cycles and noise.

    The shape: a night base, a morning ramp, a working-day plateau and an
    evening bump, all lower and later at weekends (calendar read in UTC);
    about 15 % more load in January than in July. Three noise terms make it
    hard to copy: a day-to-day level (weather-like, persisting over days),
    a within-day drift (an AR(1) process with a 3-hour time constant) and
    white measurement noise.

    Parameters
    ----------
    start : datetime
        First event start (aware).
    periods : int
        Number of steps.
    resolution : timedelta
        Step length.
    seed : int
        Seed of the random generator; the same arguments give the same series.

    Returns
    -------
    Series
        Mean power per step, consumption positive, on a UTC index. [kW]
    """
    index = pd.date_range(pd.Timestamp(start).tz_convert("UTC"), periods=periods, freq=resolution)
    rng = np.random.default_rng(seed)
    hour = np.asarray(index.hour + index.minute / 60.0, dtype="float64")
    weekend = np.asarray(index.day_of_week >= 5)
    day_of_year = np.asarray(index.day_of_year, dtype="float64")
    shape = np.where(weekend, _profile(hour, shift_h=1.5, day_level=0.35), _profile(hour))
    yearly = 1.0 + 0.075 * np.cos(2 * np.pi * (day_of_year - 15.0) / 365.25)
    step_h = pd.Timedelta(resolution) / pd.Timedelta(hours=1)
    noise = _day_level(index, rng) + _ar1(len(index), rng, phi=np.exp(-step_h / 3.0), sd=0.06)
    noise += rng.normal(0.0, 0.03, len(index))
    return pd.Series(BASE_KW * shape * yearly * (1.0 + noise), index=index, name="load_kw")


def _profile(
    hour: NDArray[np.float64], shift_h: float = 0.0, day_level: float = 0.6
) -> NDArray[np.float64]:
    """Relative load over the day: base 0.6, ramps at 7 h and 18 h, an evening bump at 19 h."""
    h = hour - shift_h
    rise = 1.0 / (1.0 + np.exp(-(h - 7.5) * 1.5))
    fall = 1.0 / (1.0 + np.exp((h - 18.0) * 1.2))
    evening = 0.25 * np.exp(-0.5 * ((h - 19.5) / 1.2) ** 2)
    return 0.6 + day_level * rise * fall + evening


def _day_level(index: pd.DatetimeIndex, rng: np.random.Generator) -> NDArray[np.float64]:
    """A relative level per day that persists from day to day (AR(1), factor 0.7)."""
    days = (index.normalize() - index[0].normalize()).days.to_numpy()
    levels = _ar1(int(days.max()) + 1, rng, phi=0.7, sd=0.05)
    return levels[days]


def _ar1(n: int, rng: np.random.Generator, *, phi: float, sd: float) -> NDArray[np.float64]:
    """A stationary AR(1) series with standard deviation ``sd``."""
    from scipy.signal import lfilter  # here, not at import: the server imports the engine

    shocks = rng.normal(0.0, sd * np.sqrt(1.0 - phi**2), n)
    shocks[0] = rng.normal(0.0, sd)
    return np.asarray(lfilter([1.0], [1.0, -phi], shocks), dtype="float64")
