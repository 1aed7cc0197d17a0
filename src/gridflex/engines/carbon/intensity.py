"""Carbon intensities and clean-power shares of production and consumption mixes.

Production-based intensity of a zone is ``sum_k factor_k P_k / sum_k P_k``:
what its own plants emit per kWh. The consumption-based intensity, which
follows imports to their origin, comes from :func:`~.tracing.trace_flows`.

The API reports percentages as integers; :func:`round_half_up` is the one
rounding rule (halves go up, unlike numpy's round-half-to-even).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gridflex.engines.carbon.production_types import (
    FOSSIL_FREE_TYPES,
    PRODUCTION_TYPES,
    RENEWABLE_TYPES,
    type_mask,
)
from gridflex.errors import ValidationError


def production_intensity_g_per_kwh(
    production_mw: ArrayLike, factors_g_per_kwh: ArrayLike
) -> NDArray[np.float64]:
    """Emissions per kWh produced in a zone, from its production by type.

    Parameters
    ----------
    production_mw : array_like, shape (..., K)
        Production by type; NaN counts as not produced. [MW]
    factors_g_per_kwh : array_like, broadcastable to ``production_mw``
        Emission factor per type, e.g. shape (K,) or (Z, K). [gCO2eq/kWh]

    Returns
    -------
    ndarray, shape (...)
        [gCO2eq/kWh]; NaN where nothing is produced.
    """
    production = _by_type(production_mw, "production_mw")
    factors = np.asarray(factors_g_per_kwh, dtype=np.float64)
    return _weighted_mean(production, factors)


def mix_intensity_g_per_kwh(mix: ArrayLike, factors_g_per_kwh: ArrayLike) -> NDArray[np.float64]:
    """Intensity of a mix given as shares or powers by type.

    Use it for a marginal mix or a forecast consumption mix whose types all
    carry the factors given (one zone's factors).

    Parameters
    ----------
    mix : array_like, shape (..., K)
        Shares [-] or powers [MW] by type; only proportions matter.
    factors_g_per_kwh : array_like, broadcastable to ``mix``
        [gCO2eq/kWh]

    Returns
    -------
    ndarray, shape (...)
        [gCO2eq/kWh]; NaN where the mix is empty.
    """
    return _weighted_mean(_by_type(mix, "mix"), np.asarray(factors_g_per_kwh, dtype=np.float64))


def renewable_frac(consumption_mw: ArrayLike) -> NDArray[np.float64]:
    """Share of renewable types in a consumption breakdown.

    Renewable: biomass, geothermal, hydro, solar, wind and storage discharge.

    Parameters
    ----------
    consumption_mw : array_like, shape (..., K)
        [MW]

    Returns
    -------
    ndarray, shape (...)
        [-]; NaN where nothing is consumed.
    """
    return _share(_by_type(consumption_mw, "consumption_mw"), RENEWABLE_TYPES)


def fossil_free_frac(consumption_mw: ArrayLike) -> NDArray[np.float64]:
    """Share of fossil-free types (the renewables plus nuclear) in a consumption breakdown.

    Parameters
    ----------
    consumption_mw : array_like, shape (..., K)
        [MW]

    Returns
    -------
    ndarray, shape (...)
        [-]; NaN where nothing is consumed.
    """
    return _share(_by_type(consumption_mw, "consumption_mw"), FOSSIL_FREE_TYPES)


def round_half_up(values: ArrayLike) -> NDArray[np.float64]:
    """Round to whole numbers, halves away from zero; NaN stays NaN."""
    x = np.asarray(values, dtype=np.float64)
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def _by_type(values: ArrayLike, name: str) -> NDArray[np.float64]:
    x = np.asarray(values, dtype=np.float64)
    if x.ndim == 0 or x.shape[-1] != len(PRODUCTION_TYPES):
        raise ValidationError(
            f"{name} must have one entry per production type on its last axis "
            f"({len(PRODUCTION_TYPES)}), got shape {x.shape}.",
            field=name,
        )
    return np.where(np.isnan(x), 0.0, x)


def _weighted_mean(
    weights: NDArray[np.float64], values: NDArray[np.float64]
) -> NDArray[np.float64]:
    total = weights.sum(axis=-1)
    weighted = (weights * values).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, weighted / np.where(total > 0, total, 1.0), np.nan)


def _share(consumption: NDArray[np.float64], types: frozenset[str]) -> NDArray[np.float64]:
    selected = consumption[..., np.asarray(type_mask(types))].sum(axis=-1)
    total = consumption.sum(axis=-1)
    return np.where(total > 0, selected / np.where(total > 0, total, 1.0), np.nan)
