"""Turn the input dataclasses into per-step arrays and resolve which limits are hard.

The matrix assembly, the feasibility checks and the cost report all read these
arrays, so they cannot disagree about a limit.

In the diagnostic modes (see `limits`) there are no energy costs and no
preferences: only breaches are priced.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gridflex.errors import ValidationError

from .devices import CurtailableProduction, Device, ProcessLoad, SiteContext, StorageDevice
from .limits import (
    DIAGNOSTIC_PRICE,
    Diagnostic,
    FloatArray,
    Limit,
    breach_prices,
    check,
    series,
    storage_soc_bounds,
    two_tier_limit,
)

#: Tie-breaking preferences cost at most this fraction of the largest energy price
#: per kWh: enough to order equally priced steps, too little to trade off real cost.
PREFERENCE_FACTOR = 1e-4


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


def _efficiencies(d: StorageDevice, n: int) -> tuple[FloatArray, FloatArray]:
    rt = 1.0 if d.roundtrip_efficiency is None else float(d.roundtrip_efficiency)
    check(0 < rt <= 1, f"{d.name}: roundtrip-efficiency must be in (0, 1].", "roundtrip-efficiency")
    eta_c = series(d.charging_efficiency, n, "charging-efficiency", d.name, default=math.sqrt(rt))
    eta_d = series(
        d.discharging_efficiency, n, "discharging-efficiency", d.name, default=math.sqrt(rt)
    )
    check(
        bool((eta_c > 0).all()),
        f"{d.name}: charging-efficiency must be positive.",
        "charging-efficiency",
    )
    check(
        bool(((eta_d > 0) & (eta_d <= 1)).all()),
        f"{d.name}: discharging-efficiency must be in (0, 1].",
        "discharging-efficiency",
    )
    return eta_c, eta_d


def _storage_limits(d: StorageDevice, n: int) -> dict[str, FloatArray]:
    """The device's limits as the user gave them, validated (NaN = none)."""
    who = d.name
    raw = {
        "soc-min": series(d.soc_min_kwh, n, "soc-min", who),
        "soc-max": series(d.soc_max_kwh, n, "soc-max", who),
        "power-capacity": series(d.power_capacity_kw, n, "power-capacity", who),
    }
    for field, value in (
        ("soc-minima", d.soc_minima_kwh),
        ("soc-maxima", d.soc_maxima_kwh),
        ("soc-targets", d.soc_targets_kwh),
        ("consumption-capacity", d.consumption_capacity_kw),
        ("production-capacity", d.production_capacity_kw),
    ):
        raw[field] = series(value, n, field, who, allow_nan=True)
    for field in ("power-capacity", "consumption-capacity", "production-capacity"):
        check(not bool((raw[field] < 0).any()), f"{who}: {field} must not be negative.", field)
    check(
        math.isfinite(d.soc_at_start_kwh), f"{who}: soc-at-start must be a number.", "soc-at-start"
    )
    return raw


def prepare_storage(
    d: StorageDevice, n: int, prices: dict[str, float], ramp: FloatArray, *, diagnostic: Diagnostic
) -> PreparedStorage:
    """Arrays and limits of one storage device."""
    who = d.name
    raw = _storage_limits(d, n)
    eta_c, eta_d = _efficiencies(d, n)
    eta_s = series(d.storage_efficiency, n, "storage-efficiency", who)
    check(
        bool(((eta_s > 0) & (eta_s <= 1)).all()),
        f"{who}: storage-efficiency must be in (0, 1].",
        "storage-efficiency",
    )
    gain = series(d.soc_gain_kw, n, "soc-gain", who) - series(d.soc_usage_kw, n, "soc-usage", who)
    lo_hard, hi_hard, lo_soft, hi_soft = storage_soc_bounds(
        raw, prices["soc-minima"], prices["soc-maxima"], diagnostic=diagnostic
    )
    use_pref = d.prefer_charging_sooner and diagnostic is None
    return PreparedStorage(
        name=who,
        soc_at_start_kwh=float(d.soc_at_start_kwh),
        eta_charge=eta_c,
        eta_discharge=eta_d,
        eta_storage=eta_s,
        net_gain_kw=gain,
        consumption=two_tier_limit(
            raw["power-capacity"],
            raw["consumption-capacity"],
            prices["consumption"],
            diagnostic=diagnostic,
        ),
        production=two_tier_limit(
            raw["power-capacity"],
            raw["production-capacity"],
            prices["production"],
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
    d: CurtailableProduction, n: int, ramp: FloatArray, *, diagnostic: Diagnostic
) -> PreparedProduction:
    """Arrays of one curtailable production device."""
    avail = series(d.available_kw, n, "production-capacity", d.name)
    check(
        not bool((avail < 0).any()),
        f"{d.name}: available power must not be negative.",
        "production-capacity",
    )
    check(
        bool(np.isfinite(avail).all()),
        f"{d.name}: available power must be finite.",
        "production-capacity",
    )
    # Producing early is rewarded a little more than producing late, so curtailment
    # that is indifferent in cost lands on later steps.
    reward = ramp[::-1] if (d.prefer_curtailing_later and diagnostic is None) else np.zeros(n)
    return PreparedProduction(d.name, avail, bool(d.curtailable), reward)


def prepare_process(d: ProcessLoad, n: int) -> PreparedProcess:
    """Window and kind of one process load, validated against the horizon."""
    who = d.name
    end = n if d.latest_end_step is None else int(d.latest_end_step)
    start = int(d.earliest_start_step)
    check(
        d.kind in ("inflexible", "shiftable", "breakable"),
        f"{who}: unknown process kind {d.kind!r}.",
        "process-type",
    )
    check(int(d.duration_steps) >= 0, f"{who}: duration must not be negative.", "duration")
    check(
        0 <= start <= end <= n,
        f"{who}: time window [{start}, {end}) lies outside the {n} steps.",
        "time-window",
    )
    check(math.isfinite(d.power_kw), f"{who}: power must be a number.", "power")
    return PreparedProcess(who, float(d.power_kw), int(d.duration_steps), start, end, d.kind)


def _site_prices(context: SiteContext, n: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Consumption and production price, and emissions cost, per kWh."""
    who = "flex-context"
    pc = series(context.consumption_price_per_kwh, n, "consumption-price", who)
    pp = series(context.production_price_per_kwh, n, "production-price", who, allow_nan=True)
    pp = np.where(np.isnan(pp), pc, pp)
    co2 = np.zeros(n)
    if context.carbon_intensity_g_per_kwh is not None and context.co2_price_per_kg:
        intensity = series(context.carbon_intensity_g_per_kwh, n, "carbon-intensity", who)
        co2 = float(context.co2_price_per_kg) * intensity / 1000.0
    return pc, pp, co2


def _site_limits(context: SiteContext, n: int) -> dict[str, FloatArray]:
    """The site's limits as the user gave them, validated (inf = none)."""
    raw = {}
    for key, value in (
        ("site-power-capacity", context.site_power_capacity_kw),
        ("site-consumption-capacity", context.site_consumption_capacity_kw),
        ("site-production-capacity", context.site_production_capacity_kw),
    ):
        arr = series(value, n, key, "flex-context", allow_nan=True)
        raw[key] = np.where(np.isnan(arr), math.inf, arr)
        check(not bool((raw[key] < 0).any()), f"{key} must not be negative.", key)
    return raw


def prepare_site(
    context: SiteContext, n: int, prices: dict[str, float], *, diagnostic: Diagnostic
) -> PreparedSite:
    """Effective prices and limits of the site."""
    pc, pp, co2 = _site_prices(context, n)
    raw = _site_limits(context, n)
    power = raw["site-power-capacity"]
    peaks = (
        (0.0, 0.0)
        if diagnostic
        else (
            float(context.site_peak_consumption_price_per_kw),
            float(context.site_peak_production_price_per_kw),
        )
    )
    return PreparedSite(
        consumption_price=pc + co2,
        production_price=pp + co2,
        co2_cost_per_kwh=co2,
        inflexible_kw=series(
            context.inflexible_power_kw, n, "inflexible-device-sensors", "flex-context"
        ),
        consumption=two_tier_limit(
            power,
            raw["site-consumption-capacity"],
            prices["site-consumption"],
            diagnostic=diagnostic,
        ),
        production=two_tier_limit(
            power,
            raw["site-production-capacity"],
            prices["site-production"],
            diagnostic=diagnostic,
        ),
        peak_consumption_kw=float(context.site_peak_consumption_kw),
        peak_consumption_price=peaks[0],
        peak_production_kw=float(context.site_peak_production_kw),
        peak_production_price=peaks[1],
        raw=raw,
    )


def n_steps(context: SiteContext) -> int:
    """Number of steps: the length of the consumption price."""
    return int(np.atleast_1d(np.asarray(context.consumption_price_per_kwh)).size)


def price_scale(context: SiteContext) -> float:
    """Largest absolute energy price (emissions included) per kWh; 1 if all are zero."""
    pc, pp, co2 = _site_prices(context, n_steps(context))
    scale = float(np.max(np.abs(np.concatenate([pc + co2, pp + co2]))))
    return scale if scale > 0 else 1.0


def prepare_problem(
    devices: Sequence[Device],
    context: SiteContext,
    *,
    resolution_h: float,
    diagnostic: Diagnostic = None,
) -> Problem:
    """Validate the inputs and resolve every limit into arrays."""
    check(resolution_h > 0, "resolution must be positive.", "resolution")
    n = n_steps(context)
    scale = price_scale(context)
    prices = breach_prices(context, scale)
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
        energy_costs=diagnostic is None,
    )
