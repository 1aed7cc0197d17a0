"""Features for a direct multi-horizon forecast: lags known at the forecast time.

Strategy
--------
One model predicts every step of the horizon directly. Each row is a pair
(target step ``t``, lead ``h``): ``h`` counts steps from the forecast origin
(the first grid step at or after the belief time) to ``t``, starting at 1.
Every lag feature of that row reads the target at positions ``<= t - h``,
which lie before the origin, so a feature can only hold data known at the
belief time. The seasonal lags move back in whole days or weeks until they
reach known data (``ceil(h / steps_per_day)`` days back), and the lead itself
is a feature, so near steps can lean on the latest value while far steps
lean on the seasonal profile.

Why this and not the alternatives: a recursive one-step model would feed its
own predictions back for up to hundreds of steps, compounding errors and
leaving quantiles ill-defined; a single direct model with every lag at least
the full horizon would ignore the latest data for the first hours. Training
rows get their lead drawn at random (seeded) from the leads to be served,
which costs one row per observation.

For a solar sensor (:mod:`.solar`) five columns are added: the clear-sky
irradiance and sun elevation of the target step, and the clear-sky irradiance
scaled by how much of the clear-sky energy the sensor delivered in the last
day and the last week before the origin (a cloudy day lowers the scale), and
the clear-sky index of the same time on the day before. Trees cannot multiply
two columns; these products give them the shape of the day directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from gridflex.engines.forecasting.models import MIN_CLEAR_W_PER_M2

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Cycles averaged by the smoothed seasonal features (same time on the last N days / weeks).
DAY_CYCLES = 7
WEEK_CYCLES = 4
SOLAR_FEATURES = (
    "clearsky_ghi",
    "sun_elevation",
    "clearsky_scaled_24h",
    "clearsky_scaled_7d",
    "clearsky_index_same_time_day",
)


@dataclass(frozen=True)
class SunPath:
    """Clear-sky irradiance and sun elevation per grid step, with trailing means of the first.

    Known in advance for every step: nothing here depends on the forecast origin.
    """

    ghi: FloatArray
    elevation: FloatArray
    ghi_mean_day: FloatArray
    ghi_mean_week: FloatArray

    @classmethod
    def make(cls, ghi: FloatArray, elevation: FloatArray, steps_per_day: int) -> SunPath:
        return cls(
            ghi,
            elevation,
            trailing_mean(ghi, steps_per_day),
            trailing_mean(ghi, 7 * steps_per_day),
        )


@dataclass(frozen=True)
class FeatureSpec:
    """Which features to build and on which grid.

    Attributes
    ----------
    steps_per_day : int
        Grid steps in one day (96 at 15 minutes).
    step_h : float
        Length of one grid step. [h]
    timezone : str
        IANA timezone in which hour of day and weekday are read.
    past_names, future_names : tuple of str
        Regressors known only up to the belief time, and regressors known
        over the forecast window too (e.g. a weather forecast).
    """

    steps_per_day: int
    step_h: float
    timezone: str = "UTC"
    past_names: tuple[str, ...] = ()
    future_names: tuple[str, ...] = ()
    solar: bool = False

    @property
    def steps_per_week(self) -> int:
        return 7 * self.steps_per_day

    @property
    def short_window(self) -> int:
        """Steps in the short trailing mean (one hour, at least one step)."""
        return max(1, round(1.0 / self.step_h))

    def names(self) -> list[str]:
        """Column names of the feature matrix, in order."""
        own = [
            "lead_h",
            "last",
            "mean_1h_last",
            "mean_24h_last",
            "same_time_day",
            "same_time_day_before",
            f"same_time_mean_{DAY_CYCLES}d",
            "same_time_week",
            f"same_time_mean_{WEEK_CYCLES}w",
            "hour_local",
            "weekday_local",
        ]
        if self.solar:
            own += list(SOLAR_FEATURES)
        past = [f"{n}:{k}" for n in self.past_names for k in ("last", "same_time_day")]
        future = [f"{n}:now" for n in self.future_names]
        return own + past + future

    def lookback_steps(self, max_lead: int) -> int:
        """How far before a target step the features of a row with lead ``max_lead`` reach."""
        days = -(-max_lead // self.steps_per_day)
        weeks = -(-max_lead // self.steps_per_week)
        return max(
            (days + DAY_CYCLES) * self.steps_per_day,
            (weeks + WEEK_CYCLES) * self.steps_per_week,
            max_lead + self.steps_per_day,
        )


@dataclass(frozen=True)
class History:
    """Series known at one forecast origin, plus trailing summaries of them.

    Every array is NaN from the origin on, whatever the caller passed in.
    """

    target: FloatArray
    mean_short: FloatArray
    mean_day: FloatArray
    day_mean: FloatArray
    week_mean: FloatArray
    past: dict[str, FloatArray]
    mean_week: FloatArray | None = None


def known_history(
    target: FloatArray, past: dict[str, FloatArray], *, origin: int, spec: FeatureSpec
) -> History:
    """Clip the target and past regressors at ``origin`` and summarise what is left.

    Clipping here makes leakage impossible by construction: values at
    positions ``>= origin`` are replaced by NaN before any feature is read.
    """
    y = _clip(target, origin)
    return History(
        target=y,
        mean_short=trailing_mean(y, spec.short_window),
        mean_day=trailing_mean(y, spec.steps_per_day),
        day_mean=seasonal_mean(y, spec.steps_per_day, DAY_CYCLES),
        week_mean=seasonal_mean(y, spec.steps_per_week, WEEK_CYCLES),
        past={name: _clip(values, origin) for name, values in past.items()},
        mean_week=trailing_mean(y, spec.steps_per_week) if spec.solar else None,
    )


def calendar_features(index: pd.DatetimeIndex, timezone: str) -> FloatArray:
    """Hour of day (fractional) and weekday (Monday = 0) of each event start, in ``timezone``."""
    local = index.tz_convert(timezone)
    hour = local.hour + local.minute / 60.0 + local.second / 3600.0
    return np.column_stack(
        [np.asarray(hour, dtype="float64"), local.day_of_week.to_numpy("float64")]
    )


def feature_matrix(
    history: History,
    *,
    calendar: FloatArray,
    future: dict[str, FloatArray],
    rows: IntArray,
    lead: IntArray,
    spec: FeatureSpec,
    sun: SunPath | None = None,
) -> FloatArray:
    """Feature rows for target positions ``rows`` seen ``lead`` steps after the origin.

    Parameters
    ----------
    history : History
        Data known at the origin (see :func:`known_history`).
    calendar : ndarray, shape (n_grid, 2)
        Output of :func:`calendar_features` for the whole grid.
    future : dict of str to ndarray
        Future regressors over the whole grid; read at the target step itself.
    rows, lead : ndarray of int, shape (n,)
        Grid positions of the target steps and their leads (``>= 1``).
    spec : FeatureSpec
    sun : SunPath, optional
        The site's clear sky over the whole grid; needed when ``spec.solar``.

    Returns
    -------
    ndarray, shape (n, len(spec.names()))
        NaN where a lag reaches before the grid or into a gap; the boosted
        model treats NaN as missing.
    """
    day, week = spec.steps_per_day, spec.steps_per_week
    last = rows - lead
    day_back = rows - _ceil_div(lead, day) * day
    week_back = rows - _ceil_div(lead, week) * week
    y = history.target
    columns = [
        lead * spec.step_h,
        _take(y, last),
        _take(history.mean_short, last),
        _take(history.mean_day, last),
        _take(y, day_back),
        _take(y, day_back - day),
        _take(history.day_mean, day_back),
        _take(y, week_back),
        _take(history.week_mean, week_back),
        calendar[rows, 0],
        calendar[rows, 1],
    ]
    if spec.solar:
        if sun is None:
            raise ValueError("a solar feature spec needs the sun path")
        columns += _solar_columns(history, sun, rows=rows, last=last, day_back=day_back)
    for name in spec.past_names:
        columns += [_take(history.past[name], last), _take(history.past[name], day_back)]
    for name in spec.future_names:
        columns.append(future[name][rows])
    return np.column_stack(columns).astype("float64", copy=False)


def _solar_columns(
    history: History, sun: SunPath, *, rows: IntArray, last: IntArray, day_back: IntArray
) -> list[FloatArray]:
    """Clear sky at the step, and scaled by the energy share of the last day and week."""
    assert history.mean_week is not None
    with np.errstate(divide="ignore", invalid="ignore"):
        share_day = _take(history.mean_day, last) / _take(sun.ghi_mean_day, last)
        share_week = _take(history.mean_week, last) / _take(sun.ghi_mean_week, last)
        clear_before = _take(sun.ghi, day_back)
        index_before = np.where(
            clear_before >= MIN_CLEAR_W_PER_M2,
            _take(history.target, day_back) / clear_before,
            np.nan,
        )
        ghi = sun.ghi[rows]
        scaled = [ghi * share_day, ghi * share_week]
    # A share over a day without sun (the grid's first hours) is not a number.
    scaled = [np.where(np.isfinite(column), column, np.nan) for column in scaled]
    return [ghi, sun.elevation[rows], *scaled, index_before]


def trailing_mean(values: FloatArray, window: int) -> FloatArray:
    """Mean of the known values in the ``window`` steps ending at each position (NaN if none)."""
    known = ~np.isnan(values)
    sums = np.concatenate([[0.0], np.cumsum(np.where(known, values, 0.0))])
    counts = np.concatenate([[0], np.cumsum(known)])
    upper = np.arange(1, len(values) + 1)
    lower = np.maximum(upper - window, 0)
    total, count = sums[upper] - sums[lower], counts[upper] - counts[lower]
    return np.divide(total, count, out=np.full(len(values), np.nan), where=count > 0)


def seasonal_mean(values: FloatArray, period: int, cycles: int) -> FloatArray:
    """Mean of the known values at ``i, i - period, ..., i - (cycles - 1) * period``."""
    total = np.zeros(len(values))
    count = np.zeros(len(values))
    for k in range(cycles):
        shifted = _shift(values, k * period)
        known = ~np.isnan(shifted)
        total += np.where(known, shifted, 0.0)
        count += known
    return np.divide(total, count, out=np.full(len(values), np.nan), where=count > 0)


def _clip(values: FloatArray, origin: int) -> FloatArray:
    out = np.array(values, dtype="float64", copy=True)
    out[max(origin, 0) :] = np.nan
    return out


def _shift(values: FloatArray, steps: int) -> FloatArray:
    out = np.full(len(values), np.nan)
    if steps < len(values):
        out[steps:] = values[: len(values) - steps]
    return out


def _take(values: FloatArray, positions: IntArray) -> FloatArray:
    out = np.full(len(positions), np.nan)
    ok = (positions >= 0) & (positions < len(values))
    out[ok] = values[positions[ok]]
    return out


def _ceil_div(a: IntArray, b: int) -> IntArray:
    return -(-a // b)
