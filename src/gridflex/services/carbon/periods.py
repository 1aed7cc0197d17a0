"""Temporal granularity: the periods the carbon API aggregates its steps into.

The current Electricity Maps API names them (``temporalGranularity``):
``5_minutes``, ``15_minutes``, ``hourly``, ``daily``, ``weekly``, ``monthly``,
``quarterly`` and ``yearly``, in UTC; weeks start on Monday. A period's value
is the mean of the zone's steps in it (steps without a value left out); its
``updatedAt`` and ``createdAt`` are the latest and earliest of its steps'.
A granularity finer than the zone's data is refused: nothing is interpolated.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from gridflex.errors import ValidationError

Granularity = Literal[
    "5_minutes", "15_minutes", "hourly", "daily", "weekly", "monthly", "quarterly", "yearly"
]
MINUTE_US = 60_000_000
FIXED_US: dict[str, int] = {
    "5_minutes": 5 * MINUTE_US,
    "15_minutes": 15 * MINUTE_US,
    "hourly": 60 * MINUTE_US,
    "daily": 1440 * MINUTE_US,
    "weekly": 7 * 1440 * MINUTE_US,
}
CALENDAR = ("monthly", "quarterly", "yearly")
RECENT: tuple[str, ...] = ("5_minutes", "15_minutes", "hourly")  # latest and history
FIELD = "temporalGranularity"
_DAY_US = FIXED_US["daily"]
_MONDAY_US = 4 * _DAY_US  # 1970-01-05, the first Monday after the epoch


def name_of(step_us: int) -> str:
    """The granularity of a zone's data from its step; other steps read as ``<n>_minutes``."""
    for name, length in FIXED_US.items():
        if length == step_us:
            return name
    return f"{step_us // MINUTE_US}_minutes"


def check(granularity: str, step_us: int, zone_id: str, *, allowed: tuple[str, ...] = ()) -> None:
    """Refuse a granularity finer than the zone's data, or not among ``allowed`` (if given)."""
    if allowed and granularity not in allowed:
        raise ValidationError(
            f"{FIELD} {granularity} is not offered here; use one of {', '.join(allowed)} "
            "(past-range offers all).",
            field=FIELD,
        )
    if granularity in FIXED_US and FIXED_US[granularity] < step_us:
        raise ValidationError(
            f"{FIELD} {granularity} is finer than the data of zone {zone_id!r} "
            f"({name_of(step_us)}).",
            field=FIELD,
        )


def starts_us(moments_us: np.ndarray, granularity: str) -> np.ndarray:
    """The start of the period holding each moment. [µs since 1970, UTC]"""
    moments = np.asarray(moments_us, dtype=np.int64)
    if granularity not in FIXED_US and granularity not in CALENDAR:  # "<n>_minutes" of odd data
        length = int(granularity.split("_")[0]) * MINUTE_US
        return moments // length * length
    if granularity == "weekly":
        week = FIXED_US["weekly"]
        return (moments - _MONDAY_US) // week * week + _MONDAY_US
    if granularity in FIXED_US:
        return moments // FIXED_US[granularity] * FIXED_US[granularity]
    months = moments.astype("datetime64[us]").astype("datetime64[M]").astype(np.int64)
    if granularity == "quarterly":
        months = months // 3 * 3
    elif granularity == "yearly":
        months = months // 12 * 12
    return months.astype("datetime64[M]").astype("datetime64[us]").astype(np.int64)


def period_start_us(moment_us: int, granularity: str) -> int:
    return int(starts_us(np.array([moment_us]), granularity)[0])


def period_end_us(start_us: int, granularity: str) -> int:
    """The end of the period starting at ``start_us`` (the start of the next one)."""
    if granularity in FIXED_US:
        return start_us + FIXED_US[granularity]
    if granularity not in CALENDAR:
        return start_us + int(granularity.split("_")[0]) * MINUTE_US
    months = {"monthly": 1, "quarterly": 3, "yearly": 12}[granularity]
    month = np.array([start_us]).astype("datetime64[us]").astype("datetime64[M]")
    return int((month + months).astype("datetime64[us]").astype(np.int64)[0])


def groups(step_starts_us: np.ndarray, granularity: str) -> tuple[np.ndarray, np.ndarray]:
    """Period starts of sorted steps and the index of each period's first step."""
    labels = starts_us(step_starts_us, granularity)
    if len(labels) == 0:
        return labels, np.empty(0, dtype=np.intp)
    first = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    return labels[first], first


def mean_by_group(values: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Mean over each group of rows (axis 0), NaN left out; NaN where a group has no value."""
    values = np.asarray(values, dtype=np.float64)
    if len(first) == 0:
        return np.empty((0, *values.shape[1:]))
    known = ~np.isnan(values)
    sums = np.add.reduceat(np.where(known, values, 0.0), first, axis=0)
    counts = np.add.reduceat(known.astype(np.int64), first, axis=0)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
