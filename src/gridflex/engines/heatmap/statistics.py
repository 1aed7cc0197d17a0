"""Demand statistics of many substations at once: maximum, minimum and percentiles.

Input is one row per substation (or circuit) and one column per time step, in MVA,
with NaN for gaps. Gaps are skipped; a row whose share of present values in the
window is below ``min_coverage_frac`` gets NaN for every statistic: too little data
means the figure is omitted, never invented. The minimum may be negative (reverse
power flow); nothing is clipped.

Percentiles interpolate linearly between order statistics (numpy's default
``linear`` method), so they agree with ``numpy.nanpercentile``.
"""

from __future__ import annotations

import calendar
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gridflex.errors import ValidationError

PERCENTILES = (99.0, 75.0, 50.0, 25.0)


@dataclass(frozen=True)
class DemandStatistics:
    """Statistics per row [MVA]; NaN where coverage is too low.

    ``coverage_frac`` is the share of the window's steps with a value [0-1].
    """

    maximum_mva: NDArray[np.float64]
    minimum_mva: NDArray[np.float64]
    p99_mva: NDArray[np.float64]
    p75_mva: NDArray[np.float64]
    p50_mva: NDArray[np.float64]
    p25_mva: NDArray[np.float64]
    coverage_frac: NDArray[np.float64]


def statistics_window(valid_from: datetime, *, months: int = 12) -> tuple[datetime, datetime]:
    """The window ``[start, valid_from)`` covering the ``months`` calendar months before.

    The start keeps the day of month (clamped to the month's length, so 31 May minus
    3 months is 28/29 February).
    """
    if months <= 0:
        raise ValidationError("The statistics window must be at least one month.", field="months")
    index = valid_from.year * 12 + valid_from.month - 1 - months
    year, month = divmod(index, 12)
    if year < 1:
        raise ValidationError(
            f"The statistics window of {months} months before {valid_from:%Y-%m-%d} would "
            "start before year 1: the validity must start later.",
            field="valid",
        )
    day = min(valid_from.day, calendar.monthrange(year, month + 1)[1])
    return valid_from.replace(year=year, month=month + 1, day=day), valid_from


def window_columns(
    first_event_start: datetime,
    resolution: timedelta,
    n_steps: int,
    *,
    start: datetime,
    end: datetime,
) -> tuple[slice, int]:
    """Which columns of a regular series fall in ``[start, end)``, and how many steps should.

    Returns
    -------
    (slice, int)
        The columns present in the array, and the number of steps the window holds
        on the series' grid (the denominator of the coverage, which counts steps the
        array does not reach as gaps).
    """
    if resolution <= timedelta(0):
        raise ValidationError("The resolution must be positive.", field="resolution")
    first = -((first_event_start - start) // resolution)  # ceil((start - first) / res)
    stop = -((first_event_start - end) // resolution)
    expected = max(stop - first, 0)
    return slice(min(max(first, 0), n_steps), min(max(stop, 0), n_steps)), expected


def demand_statistics(
    demand_mva: ArrayLike, *, min_coverage_frac: float = 0.9, expected_steps: int | None = None
) -> DemandStatistics:
    """Maximum, minimum and 99/75/50/25th percentiles of each row, skipping gaps.

    Parameters
    ----------
    demand_mva : array_like, shape (n, t) or (t,)
        Demand per step, NaN (or ±inf) for gaps. [MVA]
    min_coverage_frac : float
        Least share of present values for a row to get statistics. [0-1]
    expected_steps : int, optional
        Steps the window holds, when the array covers only part of it (default ``t``).

    Returns
    -------
    DemandStatistics
        Arrays of shape (n,); NaN where the coverage is below ``min_coverage_frac``.
    """
    values = np.atleast_2d(np.asarray(demand_mva, dtype=np.float64))
    if not 0.0 <= min_coverage_frac <= 1.0:
        raise ValidationError("The coverage threshold must lie in [0, 1].", field="coverage")
    n_rows, n_steps = values.shape
    expected = n_steps if expected_steps is None else expected_steps
    # Sorting once gives every order statistic; infinities count as gaps and NaN
    # sorts last, so the present values of row i are ordered[i, :count[i]].
    ordered = values.copy()  # sorted in place
    infinite = np.isinf(ordered)
    if infinite.any():
        ordered[infinite] = np.nan
    _sort_rows(ordered)
    count = n_steps - np.count_nonzero(np.isnan(ordered), axis=1)
    coverage = count / expected if expected > 0 else np.zeros(n_rows)
    usable = (count > 0) & (coverage >= min_coverage_frac)
    rows = np.arange(n_rows)
    last = np.maximum(count - 1, 0)

    def at(rank: NDArray[np.float64]) -> NDArray[np.float64]:
        lower = np.floor(rank).astype(np.intp)
        upper = np.minimum(lower + 1, last)
        low, high = ordered[rows, lower], ordered[rows, upper]
        # low + f (high - low) is numpy's linear rule; it stays exact when f == 0.
        result = low + (rank - lower) * (high - low)
        return np.where(usable, result, np.nan)

    p99, p75, p50, p25 = (at(q / 100.0 * last) for q in PERCENTILES)
    return DemandStatistics(
        maximum_mva=at(last.astype(np.float64)),
        minimum_mva=at(np.zeros(n_rows)),
        p99_mva=p99,
        p75_mva=p75,
        p50_mva=p50,
        p25_mva=p25,
        coverage_frac=np.asarray(coverage, dtype=np.float64),
    )


def _sort_rows(values: NDArray[np.float64]) -> None:
    """Sort each row in place, blocks of rows on all CPUs (numpy releases the GIL while
    sorting; a thousand rows of a year take 0.6 s on one core)."""
    workers = min(os.cpu_count() or 1, 8) if values.size >= 1_000_000 else 1
    if workers == 1:
        values.sort(axis=1)
        return
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda block: block.sort(axis=1), np.array_split(values, workers)))


def seasonal_extremes(
    demand_mva: ArrayLike, season_of_step: ArrayLike, n_seasons: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Maximum and minimum of each row within each season, skipping gaps.

    Parameters
    ----------
    demand_mva : array_like, shape (n, t)
        Demand per step, NaN for gaps. [MVA]
    season_of_step : array_like of int, shape (t,)
        Season index (0 .. n_seasons-1) of each step.
    n_seasons : int

    Returns
    -------
    (maximum_mva, minimum_mva) : ndarrays, shape (n, n_seasons)
        NaN for a season without any value. [MVA]
    """
    values = np.atleast_2d(np.asarray(demand_mva, dtype=np.float64))
    seasons = np.asarray(season_of_step)
    maximum = np.full((values.shape[0], n_seasons), np.nan)
    minimum = np.full((values.shape[0], n_seasons), np.nan)
    for season in range(n_seasons):
        columns = values[:, seasons == season]
        if columns.shape[1]:
            # fmax/fmin skip NaN and give NaN for an all-gap row, without a warning.
            maximum[:, season] = np.fmax.reduce(columns, axis=1)
            minimum[:, season] = np.fmin.reduce(columns, axis=1)
    return maximum, minimum


def month_of_steps(first_event_start: datetime, resolution: timedelta, n_steps: int) -> NDArray:
    """Calendar month (1-12, UTC) of each step's start."""
    start = np.datetime64(first_event_start.replace(tzinfo=None) - _utcoffset(first_event_start))
    step = np.timedelta64(resolution)
    starts = start + step * np.arange(n_steps)
    return starts.astype("datetime64[M]").astype(np.int64) % 12 + 1


def _utcoffset(moment: datetime) -> timedelta:
    return moment.utcoffset() or timedelta(0)
