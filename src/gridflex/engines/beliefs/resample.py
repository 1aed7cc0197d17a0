"""Resampling time series between resolutions that are whole multiples of each other.

Power-like and other intensive units (kW, EUR/MWh, °C, %) are repeated when
upsampled and averaged when downsampled; energy-like (extensive) units (kWh,
MWh) are split evenly when upsampled and summed when downsampled, so totals are
kept. A downsampled step with no data is NaN; an energy step with only part of
its data is NaN too (a partial sum would understate it).
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
