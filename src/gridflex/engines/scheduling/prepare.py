"""Turn the input dataclasses into per-step arrays and resolve which limits are hard.

One place decides, for every limit, its hard bound, its soft bound and the price
of breaching the soft one; the matrix assembly, the feasibility checks and the
cost report all read these arrays, so they cannot disagree about a limit.

Two modes: ``normal`` (the user's problem) and ``diagnostic`` (every limit soft at
the same price, no energy costs), which an infeasible solve uses to find out
which limit has to give.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gridflex.errors import ValidationError

from .devices import CurtailableProduction, Device, ProcessLoad, SiteContext, StorageDevice

FloatArray = NDArray[np.float64]

#: With ``relax_constraints``, an unset breach price is this many times the largest
#: absolute energy price (per kW or per kWh), so breaching stays a last resort.
RELAX_PRICE_FACTOR = 1000.0
#: Tie-breaking preferences cost at most this fraction of the largest energy price
#: per kWh: enough to order equally priced steps, too little to trade off real cost.
PREFERENCE_FACTOR = 1e-4
#: Breach price of every limit in diagnostic mode.
DIAGNOSTIC_PRICE = 1.0


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


@dataclass(frozen=True)
class PreparedStorage:
    """A storage device as arrays of length n (SoC limits at step ends)."""

    name: str
    soc_at_start_kwh: float
    eta_charge: FloatArray
    eta_discharge: FloatArray
    eta_storage: FloatArray
    net_gain_kw: FloatArray
    consumption: Limit
    production: Limit
    soc_lo_hard: FloatArray
    soc_hi_hard: FloatArray
    soc_lo_soft: FloatArray  # NaN = no soft lower bound at that step end
    soc_hi_soft: FloatArray
    soc_lo_price: float
    soc_hi_price: float
    preference_per_kwh: FloatArray  # tie-breaking cost of charging at each step
    raw: dict[str, FloatArray]  # the user's limits, to name the one that conflicts


@dataclass(frozen=True)
class PreparedProduction:
    """Curtailable (or fixed) production, magnitudes."""

    name: str
    available_kw: FloatArray
    curtailable: bool
    preference_per_kwh: FloatArray  # reward per kWh produced at each step (>= 0)


@dataclass(frozen=True)
class PreparedProcess:
    """A process load with its window clipped to the horizon."""

    name: str
    power_kw: float
    duration_steps: int
    start: int
    end: int
    kind: str


PreparedDevice = PreparedStorage | PreparedProduction | PreparedProcess


@dataclass(frozen=True)
class PreparedSite:
    """Effective prices (energy plus emissions), inflexible power and limits."""

    consumption_price: FloatArray  # per kWh, including emissions
    production_price: FloatArray
    co2_cost_per_kwh: FloatArray
    inflexible_kw: FloatArray
    consumption: Limit
    production: Limit
    peak_consumption_kw: float
    peak_consumption_price: float
    peak_production_kw: float
    peak_production_price: float
    raw: dict[str, FloatArray]  # the user's site limits, to name the one that conflicts


@dataclass(frozen=True)
class Problem:
    """Everything the matrix assembly needs, as arrays."""

    n: int
    resolution_h: float
    devices: tuple[PreparedDevice, ...]
    site: PreparedSite
    energy_costs: bool


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


def _check(condition: bool, message: str, field: str) -> None:
    if not condition:
        raise ValidationError(message, field=field)


def _limit(
    physical: FloatArray, requested: FloatArray, price: float, *, diagnostic: bool
) -> Limit:
    """Two-tier limit from a hard physical cap and a requested cap (NaN/inf = none).

    In diagnostic mode, limits that are soft anyway cannot cause infeasibility and
    are dropped; everything else becomes soft at the diagnostic price.
    """
    requested = np.where(np.isnan(requested), math.inf, requested)
    if diagnostic:
        kept = requested if math.isnan(price) else np.full_like(requested, math.inf)
        return Limit(np.full_like(physical, math.inf), np.minimum(physical, kept), DIAGNOSTIC_PRICE)
    if math.isnan(price):
        return Limit(np.minimum(physical, requested), None, 0.0)
    return Limit(physical, np.minimum(physical, requested), price)


def _efficiencies(d: StorageDevice, n: int) -> tuple[FloatArray, FloatArray]:
    rt = 1.0 if d.roundtrip_efficiency is None else float(d.roundtrip_efficiency)
    _check(0 < rt <= 1, f"{d.name}: roundtrip-efficiency must be in (0, 1].", "roundtrip-efficiency")
    eta_c = series(d.charging_efficiency, n, "charging-efficiency", d.name, default=math.sqrt(rt))
    eta_d = series(
        d.discharging_efficiency, n, "discharging-efficiency", d.name, default=math.sqrt(rt)
    )
    _check(bool((eta_c > 0).all()), f"{d.name}: charging-efficiency must be positive.", "charging-efficiency")
    _check(
        bool(((eta_d > 0) & (eta_d <= 1)).all()),
        f"{d.name}: discharging-efficiency must be in (0, 1].",
        "discharging-efficiency",
    )
    return eta_c, eta_d


def _storage_soc_bounds(
    raw: dict[str, FloatArray], lo_price: float, hi_price: float, *, diagnostic: bool
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Hard and soft SoC bounds at step ends (soft ones NaN where absent)."""
    lo_req = np.fmax(raw["soc-minima"], raw["soc-targets"])
    hi_req = np.fmin(raw["soc-maxima"], raw["soc-targets"])
    n = lo_req.size
    if diagnostic:
        # As for capacities: requested limits that are soft anyway are dropped.
        lo_soft = np.fmax(raw["soc-min"], lo_req if math.isnan(lo_price) else np.nan)
        hi_soft = np.fmin(raw["soc-max"], hi_req if math.isnan(hi_price) else np.nan)
        lo_soft = np.where(np.isinf(lo_soft), np.nan, lo_soft)
        hi_soft = np.where(np.isinf(hi_soft), np.nan, hi_soft)
        return np.full(n, -math.inf), np.full(n, math.inf), lo_soft, hi_soft
    lo_hard, hi_hard = raw["soc-min"], raw["soc-max"]
    lo_soft, hi_soft = lo_req, hi_req
    if math.isnan(lo_price):
        lo_hard, lo_soft = np.fmax(lo_hard, lo_req), np.full(n, np.nan)
    if math.isnan(hi_price):
        hi_hard, hi_soft = np.fmin(hi_hard, hi_req), np.full(n, np.nan)
    # A requested bound that the physical one already implies needs no slack.
    lo_soft = np.where(lo_soft > lo_hard, lo_soft, np.nan)
    hi_soft = np.where(hi_soft < hi_hard, hi_soft, np.nan)
    return lo_hard, hi_hard, lo_soft, hi_soft


def prepare_storage(
    d: StorageDevice, n: int, prices: dict[str, float], ramp: FloatArray, *, diagnostic: bool
) -> PreparedStorage:
    """Arrays and limits of one storage device."""
    who = d.name
    raw = {
        "soc-min": series(d.soc_min_kwh, n, "soc-min", who),
        "soc-max": series(d.soc_max_kwh, n, "soc-max", who),
        "soc-minima": series(d.soc_minima_kwh, n, "soc-minima", who, allow_nan=True),
        "soc-maxima": series(d.soc_maxima_kwh, n, "soc-maxima", who, allow_nan=True),
        "soc-targets": series(d.soc_targets_kwh, n, "soc-targets", who, allow_nan=True),
        "power-capacity": series(d.power_capacity_kw, n, "power-capacity", who),
        "consumption-capacity": series(
            d.consumption_capacity_kw, n, "consumption-capacity", who, allow_nan=True
        ),
        "production-capacity": series(
            d.production_capacity_kw, n, "production-capacity", who, allow_nan=True
        ),
    }
    for field in ("power-capacity", "consumption-capacity", "production-capacity"):
        _check(not bool((raw[field] < 0).any()), f"{who}: {field} must not be negative.", field)
    _check(math.isfinite(d.soc_at_start_kwh), f"{who}: soc-at-start must be a number.", "soc-at-start")
    eta_c, eta_d = _efficiencies(d, n)
    eta_s = series(d.storage_efficiency, n, "storage-efficiency", who)
    _check(
        bool(((eta_s > 0) & (eta_s <= 1)).all()),
        f"{who}: storage-efficiency must be in (0, 1].",
        "storage-efficiency",
    )
    gain = series(d.soc_gain_kw, n, "soc-gain", who) - series(d.soc_usage_kw, n, "soc-usage", who)
    lo_hard, hi_hard, lo_soft, hi_soft = _storage_soc_bounds(
        raw, prices["soc-minima"], prices["soc-maxima"], diagnostic=diagnostic
    )
    use_pref = d.prefer_charging_sooner and not diagnostic
    return PreparedStorage(
        name=who,
        soc_at_start_kwh=float(d.soc_at_start_kwh),
        eta_charge=eta_c,
        eta_discharge=eta_d,
        eta_storage=eta_s,
        net_gain_kw=gain,
        consumption=_limit(
            raw["power-capacity"], raw["consumption-capacity"], prices["consumption"],
            diagnostic=diagnostic,
        ),
        production=_limit(
            raw["power-capacity"], raw["production-capacity"], prices["production"],
            diagnostic=diagnostic,
        ),
        soc_lo_hard=lo_hard,
        soc_hi_hard=hi_hard,
        soc_lo_soft=lo_soft,
        soc_hi_soft=hi_soft,
        soc_lo_price=DIAGNOSTIC_PRICE if diagnostic else prices["soc-minima"],
        soc_hi_price=DIAGNOSTIC_PRICE if diagnostic else prices["soc-maxima"],
        preference_per_kwh=ramp if use_pref else np.zeros(n),
        raw=raw,
    )


def prepare_production(
    d: CurtailableProduction, n: int, ramp: FloatArray, *, diagnostic: bool
) -> PreparedProduction:
    """Arrays of one curtailable production device."""
    avail = series(d.available_kw, n, "production-capacity", d.name)
    _check(not bool((avail < 0).any()), f"{d.name}: available power must not be negative.", "production-capacity")
    _check(bool(np.isfinite(avail).all()), f"{d.name}: available power must be finite.", "production-capacity")
    # Producing early is rewarded a little more than producing late, so curtailment
    # that is indifferent in cost lands on later steps.
    reward = ramp[::-1] if (d.prefer_curtailing_later and not diagnostic) else np.zeros(n)
    return PreparedProduction(d.name, avail, bool(d.curtailable), reward)


def prepare_process(d: ProcessLoad, n: int) -> PreparedProcess:
    """Window and kind of one process load, validated against the horizon."""
    who = d.name
    end = n if d.latest_end_step is None else int(d.latest_end_step)
    start = int(d.earliest_start_step)
    _check(d.kind in ("inflexible", "shiftable", "breakable"), f"{who}: unknown process kind {d.kind!r}.", "process-type")
    _check(int(d.duration_steps) >= 0, f"{who}: duration must not be negative.", "duration")
    _check(0 <= start <= end <= n, f"{who}: time window [{start}, {end}) lies outside the {n} steps.", "time-window")
    _check(math.isfinite(d.power_kw), f"{who}: power must be a number.", "power")
    return PreparedProcess(who, float(d.power_kw), int(d.duration_steps), start, end, d.kind)


def _breach_prices(context: SiteContext, price_scale: float) -> dict[str, float]:
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
        _check(not value < 0, f"{key}-breach-price must not be negative.", f"{key}-breach-price")
    if context.relax_constraints:
        default = RELAX_PRICE_FACTOR * price_scale
        return {k: (default if math.isnan(v) else float(v)) for k, v in given.items()}
    return {k: float(v) for k, v in given.items()}


def prepare_site(
    context: SiteContext, n: int, prices: dict[str, float], *, diagnostic: bool
) -> PreparedSite:
    """Effective prices and limits of the site."""
    who = "flex-context"
    pc = series(context.consumption_price_per_kwh, n, "consumption-price", who)
    pp = series(context.production_price_per_kwh, n, "production-price", who, default=math.nan, allow_nan=True)
    pp = np.where(np.isnan(pp), pc, pp)
    co2 = np.zeros(n)
    if context.carbon_intensity_g_per_kwh is not None and context.co2_price_per_kg:
        intensity = series(context.carbon_intensity_g_per_kwh, n, "carbon-intensity", who)
        co2 = float(context.co2_price_per_kg) * intensity / 1000.0
    power = series(context.site_power_capacity_kw, n, "site-power-capacity", who, allow_nan=True)
    power = np.where(np.isnan(power), math.inf, power)
    caps = {}
    for key, value in (
        ("site-consumption-capacity", context.site_consumption_capacity_kw),
        ("site-production-capacity", context.site_production_capacity_kw),
    ):
        caps[key] = series(value, n, key, who, allow_nan=True)
        _check(not bool((caps[key] < 0).any()), f"{key} must not be negative.", key)
    _check(not bool((power < 0).any()), "site-power-capacity must not be negative.", "site-power-capacity")
    peaks = (0.0, 0.0) if diagnostic else (
        float(context.site_peak_consumption_price_per_kw),
        float(context.site_peak_production_price_per_kw),
    )
    return PreparedSite(
        consumption_price=pc + co2,
        production_price=pp + co2,
        co2_cost_per_kwh=co2,
        inflexible_kw=series(context.inflexible_power_kw, n, "inflexible-device-sensors", who),
        consumption=_limit(power, caps["site-consumption-capacity"], prices["site-consumption"], diagnostic=diagnostic),
        production=_limit(power, caps["site-production-capacity"], prices["site-production"], diagnostic=diagnostic),
        peak_consumption_kw=float(context.site_peak_consumption_kw),
        peak_consumption_price=peaks[0],
        peak_production_kw=float(context.site_peak_production_kw),
        peak_production_price=peaks[1],
        raw={"site-power-capacity": power, **caps},
    )


def n_steps(context: SiteContext) -> int:
    """Number of steps: the length of the consumption price."""
    return int(np.atleast_1d(np.asarray(context.consumption_price_per_kwh)).size)


def price_scale(context: SiteContext) -> float:
    """Largest absolute energy price (emissions included) per kWh; 1 if all are zero."""
    n = n_steps(context)
    site = prepare_site(context, n, dict.fromkeys(
        ("site-consumption", "site-production"), math.nan), diagnostic=False)
    scale = float(np.max(np.abs(np.concatenate([site.consumption_price, site.production_price]))))
    return scale if scale > 0 else 1.0


def prepare_problem(
    devices: Sequence[Device],
    context: SiteContext,
    *,
    resolution_h: float,
    diagnostic: bool = False,
) -> Problem:
    """Validate the inputs and resolve every limit into arrays."""
    _check(resolution_h > 0, "resolution must be positive.", "resolution")
    n = n_steps(context)
    scale = price_scale(context)
    prices = _breach_prices(context, scale)
    # Linear ramp from ~0 to the preference size over the horizon.
    ramp = PREFERENCE_FACTOR * scale * (np.arange(1, n + 1) / n)
    prepared: list[PreparedDevice] = []
    for d in devices:
        if isinstance(d, StorageDevice):
            prepared.append(prepare_storage(d, n, prices, ramp, diagnostic=diagnostic))
        elif isinstance(d, CurtailableProduction):
            prepared.append(prepare_production(d, n, ramp, diagnostic=diagnostic))
        elif isinstance(d, ProcessLoad):
            prepared.append(prepare_process(d, n))
        else:
            raise ValidationError(f"Unknown device type {type(d).__name__}.", field="flex-model")
    return Problem(
        n=n,
        resolution_h=float(resolution_h),
        devices=tuple(prepared),
        site=prepare_site(context, n, prices, diagnostic=diagnostic),
        energy_costs=not diagnostic,
    )
