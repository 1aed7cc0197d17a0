"""Input series onto one regular time grid: UTC, fixed resolution, NaN for gaps.

The grid is anchored at the target's first event start (not at the Unix
epoch), so a daily sensor whose days start at local midnight keeps its own
grid. Regressors at another resolution are brought onto the target grid:
finer ones by their mean per step, coarser ones by repeating each value over
the steps it covers (an hourly price holds for four quarter-hours).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from gridflex.engines.forecasting.errors import ForecastConfigError

DAY = pd.Timedelta(days=1)


def to_utc_series(series: pd.Series, *, field: str) -> pd.Series:
    """The series as floats on a sorted, duplicate-free, tz-aware UTC index."""
    if not isinstance(series, pd.Series):
        raise ForecastConfigError(f"{field} must be a pandas Series.", field=field)
    index = series.index
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
        raise ForecastConfigError(
            f"{field} needs a timezone-aware DatetimeIndex (event starts in UTC).", field=field
        )
    if index.has_duplicates:
        raise ForecastConfigError(f"{field} has duplicate event starts.", field=field)
    try:
        values = pd.to_numeric(series, errors="raise").astype("float64")
    except (TypeError, ValueError):
        raise ForecastConfigError(f"{field} must hold numbers.", field=field) from None
    out = pd.Series(values.to_numpy(), index=index.tz_convert("UTC"), name=series.name)
    return out.sort_index()


def infer_resolution(series: pd.Series, *, field: str) -> pd.Timedelta:
    """The step of a series: its index ``freq`` or else its smallest gap between events."""
    freq = getattr(series.index, "freq", None)
    if freq is not None:
        return pd.Timedelta(freq)
    if len(series) < 2:
        raise ForecastConfigError(
            f"Cannot infer the resolution of {field} from {len(series)} value(s); pass resolution.",
            field="resolution",
        )
    steps = series.index[1:] - series.index[:-1]
    return pd.Timedelta(steps[steps > pd.Timedelta(0)].min())


def check_resolution(resolution: timedelta | pd.Timedelta) -> pd.Timedelta:
    """A positive resolution that divides a day, as the seasonal lags count whole steps per day."""
    res = pd.Timedelta(resolution)
    if res <= pd.Timedelta(0) or DAY % res != pd.Timedelta(0):
        raise ForecastConfigError(
            f"Resolution {res} must be positive and divide one day (e.g. PT15M, PT1H, P1D).",
            field="resolution",
        )
    return res


@dataclass(frozen=True)
class SeriesGrid:
    """Target and regressors as float arrays on one regular grid of event starts.

    Attributes
    ----------
    index : DatetimeIndex
        Event starts of the grid, UTC, step ``resolution``.
    target : ndarray
        Target values per step, NaN where unknown.
    past, future : dict of str to ndarray
        Regressor values per step, NaN where unknown.
    """

    index: pd.DatetimeIndex
    resolution: pd.Timedelta
    target: NDArray[np.float64]
    past: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    future: dict[str, NDArray[np.float64]] = field(default_factory=dict)

    @property
    def steps_per_day(self) -> int:
        return int(DAY // self.resolution)

    def ceil_position(self, moment: datetime | pd.Timestamp) -> int:
        """Position of the first grid step starting at or after ``moment`` (may lie past the end)."""
        offset = pd.Timestamp(moment) - self.index[0]
        return int(-(-offset // self.resolution))

    def position(self, moment: datetime | pd.Timestamp, *, field: str) -> int:
        """Position of a step that must start exactly at ``moment``."""
        offset = pd.Timestamp(moment) - self.index[0]
        if offset % self.resolution != pd.Timedelta(0):
            raise ForecastConfigError(
                f"{field} {pd.Timestamp(moment).isoformat()} is not on the target's grid "
                f"(steps of {self.resolution} from {self.index[0].isoformat()}).",
                field=field,
            )
        return int(offset // self.resolution)


def build_grid(
    target: pd.Series,
    *,
    resolution: pd.Timedelta,
    first: pd.Timestamp,
    end: pd.Timestamp,
    past_regressors: Mapping[str, pd.Series],
    future_regressors: Mapping[str, pd.Series],
) -> SeriesGrid:
    """Put the (UTC, sorted) target and regressors on the grid ``[first, end)``.

    ``first`` is moved forward onto the target's grid; data before it is
    dropped so that long histories cost nothing beyond what is used.
    """
    anchor = target.index[0]
    if ((target.index - anchor) % resolution != pd.Timedelta(0)).any():
        raise ForecastConfigError(
            f"target has event starts off its {resolution} grid.", field="target"
        )
    skip = max(0, int(-(-(first - anchor) // resolution)))
    grid_start = anchor + skip * resolution
    index = pd.date_range(grid_start, end, freq=resolution, inclusive="left")
    values = target.reindex(index).to_numpy(dtype="float64", copy=True)
    past = {
        name: align_to_grid(s, index, resolution, field=f"past_regressors[{name}]")
        for name, s in past_regressors.items()
    }
    future = {
        name: align_to_grid(s, index, resolution, field=f"future_regressors[{name}]")
        for name, s in future_regressors.items()
    }
    return SeriesGrid(index=index, resolution=resolution, target=values, past=past, future=future)


def align_to_grid(
    series: pd.Series, index: pd.DatetimeIndex, resolution: pd.Timedelta, *, field: str
) -> NDArray[np.float64]:
    """Values of a regressor per grid step (mean of finer steps, repeat of coarser ones)."""
    clean = to_utc_series(series, field=field)
    if clean.empty:
        return np.full(len(index), np.nan)
    own = infer_resolution(clean, field=field) if len(clean) > 1 else resolution
    if own == resolution:
        aligned = clean.reindex(index)
    elif own < resolution and resolution % own == pd.Timedelta(0):
        aligned = clean.resample(resolution, origin=index[0]).mean().reindex(index)
    elif own > resolution and own % resolution == pd.Timedelta(0):
        repeats = int(own // resolution)
        aligned = clean.reindex(index, method="ffill", limit=repeats - 1)
    else:
        raise ForecastConfigError(
            f"{field} has resolution {own}, which does not fit the target's {resolution}.",
            field=field,
        )
    return aligned.to_numpy(dtype="float64", copy=True)
