"""Resampling time series between resolutions that are whole multiples of each other.

Intensive units (kW, EUR/MWh, °C, %, m³/h) are repeated when upsampled and
averaged when downsampled; extensive ("energy-like") units (kWh, MWh, m³, EUR)
are split evenly when upsampled and summed when downsampled, so totals are
kept. A downsampled step with no data is NaN; an extensive step with only part
of its data is NaN too (a partial sum would understate it), while an intensive
step averages the values it has.
"""

from __future__ import annotations

import numpy as np


def upsample(values: np.ndarray, factor: int, *, energy_like: bool) -> np.ndarray:
    """Each value becomes ``factor`` values [same unit]."""
    out = np.repeat(np.asarray(values, dtype=float), factor)
    return out / factor if energy_like else out


def downsample(values: np.ndarray, factor: int, *, energy_like: bool) -> np.ndarray:
    """Each block of ``factor`` values becomes one (mean or sum, see the module docstring)."""
    data = np.asarray(values, dtype=float)
    if factor == 1:
        return data
    if data.size % factor:
        raise ValueError(f"{data.size} values do not split into blocks of {factor}.")
    blocks = data.reshape(-1, factor)
    present = np.count_nonzero(~np.isnan(blocks), axis=1)
    sums = np.nansum(blocks, axis=1)
    if energy_like:
        return np.where(present == factor, sums, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(present > 0, sums / np.maximum(present, 1), np.nan)


def bin_events(
    offsets_us: np.ndarray, values: np.ndarray, *, step_us: int, n: int, energy_like: bool
) -> np.ndarray:
    """Put events at arbitrary moments onto a regular grid of ``n`` steps.

    Parameters
    ----------
    offsets_us : ndarray of int64
        Event starts relative to the start of the grid. [µs]
    values : ndarray of float
        Event values, NaN for none.
    step_us : int
        Grid step. [µs]
    n : int
        Number of grid steps; events outside [0, n * step_us) are left out.
    energy_like : bool
        Sum the events of a step (extensive units) instead of averaging them.

    Returns
    -------
    ndarray of float, shape (n,)
        One value per step; NaN where no event falls.
    """
    offsets = np.asarray(offsets_us, dtype=np.int64)
    data = np.asarray(values, dtype=float)
    slots = offsets // step_us
    keep = (offsets >= 0) & (slots < n) & ~np.isnan(data)
    slots, data = slots[keep], data[keep]
    sums = np.bincount(slots, weights=data, minlength=n)[:n]
    counts = np.bincount(slots, minlength=n)[:n]
    if energy_like:
        return np.where(counts > 0, sums, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
