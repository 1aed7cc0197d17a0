"""Limits in two tiers, and the one place that decides which limits are hard.

Every limit the scheduler knows has a hard bound (never exceeded), a soft bound
(free up to it) and a price for the room between. Whether a requested limit is
soft depends on its breach price; the diagnostic modes used to explain an
infeasible request relax limits on purpose:

``"requested"``
    relaxes only the limits a user asks for (targets, minima, maxima,
    consumption/production capacities) and keeps physical ones (soc-min/-max,
    power-capacity, site-power-capacity) hard;
``"all"``
    relaxes every limit.

In both, limits that are soft anyway are dropped: they cannot cause infeasibility.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gridflex.errors import ValidationError

from .devices import SiteContext

FloatArray = NDArray[np.float64]

#: With ``relax_constraints``, an unset breach price is this many times the largest
#: absolute energy price (per kW or per kWh), so breaching stays a last resort.
RELAX_PRICE_FACTOR = 1000.0
#: Breach price of every relaxed limit in diagnostic mode.
DIAGNOSTIC_PRICE = 1.0

Diagnostic = Literal["requested", "all"] | None


@dataclass(frozen=True)
class Limit:
    """Upper limit on a non-negative quantity, in two tiers.

    ``hard`` is never exceeded; up to ``soft`` is free; between ``soft`` and
    ``hard`` costs ``price`` per unit. ``soft`` is None when there is no soft tier.
    """

    hard: FloatArray
    soft: FloatArray | None
    price: float

    def effective(self) -> FloatArray:
        """The limit that applies without breaching. [kW]"""
        return self.hard if self.soft is None else np.minimum(self.soft, self.hard)


def series(
    value: ArrayLike | None,
    n: int,
    field: str,
    who: str,
    *,
    default: float = math.nan,
    allow_nan: bool = False,
) -> FloatArray:
    """A per-step array of length n from a scalar or an array; names the field on error."""
    arr = np.asarray(default if value is None else value, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    elif arr.shape != (n,):
        raise ValidationError(
            f"{who}: {field} has {arr.size} values, expected {n} (one per step).", field=field
        )
    if not allow_nan and np.isnan(arr).any():
        raise ValidationError(f"{who}: {field} contains missing values (NaN).", field=field)
    return arr


def check(condition: bool, message: str, field: str) -> None:
    if not condition:
        raise ValidationError(message, field=field)


def two_tier_limit(
    physical: FloatArray, requested: FloatArray, price: float, *, diagnostic: Diagnostic
) -> Limit:
    """Two-tier limit from a hard physical cap and a requested cap (NaN/inf = none).

    In diagnostic modes, requested limits that are soft anyway cannot cause
    infeasibility and are dropped; the rest become soft at the diagnostic price
    (physical ones only in mode ``"all"``).
    """
    requested = np.where(np.isnan(requested), math.inf, requested)
    if diagnostic is not None:
        kept = requested if math.isnan(price) else np.full_like(requested, math.inf)
        if diagnostic == "requested":
            return Limit(physical, np.minimum(physical, kept), DIAGNOSTIC_PRICE)
        return Limit(np.full_like(physical, math.inf), np.minimum(physical, kept), DIAGNOSTIC_PRICE)
    if math.isnan(price):
        return Limit(np.minimum(physical, requested), None, 0.0)
    return Limit(physical, np.minimum(physical, requested), price)


def storage_soc_bounds(
    raw: dict[str, FloatArray], lo_price: float, hi_price: float, *, diagnostic: Diagnostic
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Hard and soft SoC bounds at step ends (soft ones NaN where absent)."""
    lo_req = np.fmax(raw["soc-minima"], raw["soc-targets"])
    hi_req = np.fmin(raw["soc-maxima"], raw["soc-targets"])
    n = lo_req.size
    if diagnostic == "all":
        # As for capacities: requested limits that are soft anyway are dropped.
        lo_soft = np.fmax(raw["soc-min"], lo_req if math.isnan(lo_price) else np.nan)
        hi_soft = np.fmin(raw["soc-max"], hi_req if math.isnan(hi_price) else np.nan)
        lo_soft = np.where(np.isinf(lo_soft), np.nan, lo_soft)
        hi_soft = np.where(np.isinf(hi_soft), np.nan, hi_soft)
        return np.full(n, -math.inf), np.full(n, math.inf), lo_soft, hi_soft
    lo_hard, hi_hard = raw["soc-min"], raw["soc-max"]
    lo_soft, hi_soft = lo_req, hi_req
    if diagnostic == "requested":
        lo_soft = lo_req if math.isnan(lo_price) else np.full(n, np.nan)
        hi_soft = hi_req if math.isnan(hi_price) else np.full(n, np.nan)
    else:
        lo_hard, lo_soft, hi_hard, hi_soft = _harden(
            lo_hard, lo_soft, hi_hard, hi_soft, lo_price, hi_price
        )
    # A requested bound that the physical one already implies needs no slack.
    lo_soft = np.where(lo_soft > lo_hard, lo_soft, np.nan)
    hi_soft = np.where(hi_soft < hi_hard, hi_soft, np.nan)
    return lo_hard, hi_hard, lo_soft, hi_soft


def _harden(
    lo_hard: FloatArray,
    lo_soft: FloatArray,
    hi_hard: FloatArray,
    hi_soft: FloatArray,
    lo_price: float,
    hi_price: float,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Fold requested SoC bounds without a breach price into the hard ones."""
    n = lo_hard.size
    if math.isnan(lo_price):
        lo_hard, lo_soft = np.fmax(lo_hard, lo_soft), np.full(n, np.nan)
    if math.isnan(hi_price):
        hi_hard, hi_soft = np.fmin(hi_hard, hi_soft), np.full(n, np.nan)
    return lo_hard, lo_soft, hi_hard, hi_soft


def breach_prices(context: SiteContext, price_scale: float) -> dict[str, float]:
    """Breach price per family, NaN where the family is hard."""
    given = {
        "site-consumption": context.site_consumption_breach_price_per_kw,
        "site-production": context.site_production_breach_price_per_kw,
        "consumption": context.consumption_breach_price_per_kw,
        "production": context.production_breach_price_per_kw,
        "soc-minima": context.soc_minima_breach_price_per_kwh,
        "soc-maxima": context.soc_maxima_breach_price_per_kwh,
    }
    for key, value in given.items():
        check(not value < 0, f"{key}-breach-price must not be negative.", f"{key}-breach-price")
    if context.relax_constraints:
        default = RELAX_PRICE_FACTOR * price_scale
        return {k: (default if math.isnan(v) else float(v)) for k, v in given.items()}
    return {k: float(v) for k, v in given.items()}
