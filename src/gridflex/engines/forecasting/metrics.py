"""Forecast error metrics over pairs of actual and forecast values."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True)
class Metrics:
    """Errors of one forecast series against the actuals.

    Attributes
    ----------
    mae : float
        Mean absolute error. [unit of the sensor]
    rmse : float
        Root mean squared error. [unit of the sensor]
    mape_frac : float or None
        Mean absolute percentage error as a fraction; ``None`` when an actual
        value is zero (the ratio is undefined there). [-]
    n : int
        Number of (actual, forecast) pairs.
    """

    mae: float
    rmse: float
    mape_frac: float | None
    n: int


def mae(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Mean absolute error over pairs."""
    a, f = _pairs(actual, forecast)
    return float(np.mean(np.abs(f - a)))


def rmse(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Root mean squared error over pairs."""
    a, f = _pairs(actual, forecast)
    return float(np.sqrt(np.mean((f - a) ** 2)))


def mape(actual: ArrayLike, forecast: ArrayLike) -> float | None:
    """Mean of ``|forecast - actual| / |actual|`` as a fraction; ``None`` if an actual is zero."""
    a, f = _pairs(actual, forecast)
    if np.any(a == 0):
        return None
    return float(np.mean(np.abs(f - a) / np.abs(a)))


def skill(model_mae: float, baseline_mae: float) -> float | None:
    """``1 - model_mae / baseline_mae``: the fraction of the baseline's error removed.

    ``None`` when the baseline is perfect (its error is zero).
    """
    if baseline_mae == 0:
        return None
    return 1.0 - model_mae / baseline_mae


def evaluate(actual: ArrayLike, forecast: ArrayLike) -> Metrics:
    """All metrics at once; pairs must be complete (no NaN) and non-empty."""
    a, f = _pairs(actual, forecast)
    return Metrics(mae=mae(a, f), rmse=rmse(a, f), mape_frac=mape(a, f), n=len(a))


def _pairs(
    actual: ArrayLike, forecast: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    a = np.asarray(actual, dtype="float64")
    f = np.asarray(forecast, dtype="float64")
    if a.shape != f.shape or a.ndim != 1 or len(a) == 0:
        raise ValueError("actual and forecast must be non-empty 1-d arrays of the same length")
    if np.isnan(a).any() or np.isnan(f).any():
        raise ValueError("actual and forecast must not hold NaN; select complete pairs first")
    return a, f
