"""Costs by term and limit breaches, recomputed from the final powers and SoCs.

Computing them from the schedule itself, not from solver variables, keeps the
report independent of how the model was split into variables, and makes it the
same for joint and sequential scheduling. At an optimum the sum of the terms
equals the solver's objective up to a constant (the curtailment preference is
booked on curtailed, not produced, energy).
"""

from __future__ import annotations

import numpy as np

from .limits import FloatArray, Limit
from .prepare import PreparedProduction, PreparedStorage, Problem

#: Breaches and powers below this are solver noise. [kW or kWh]
TOLERANCE = 1e-6

COST_TERMS = (
    "energy",
    "emissions",
    "site-consumption-breach",
    "site-production-breach",
    "consumption-breach",
    "production-breach",
    "soc-minima-breach",
    "soc-maxima-breach",
    "peak-consumption",
    "peak-production",
    "prefer-charging-sooner",
    "prefer-curtailing-later",
)


def _positive(a: FloatArray) -> FloatArray:
    return np.maximum(a, 0.0)


def _breach_cost(limit: Limit, magnitude: FloatArray, dt: float) -> float:
    """Price on the largest breach plus price per kW per hour of breach."""
    if limit.soft is None:
        return 0.0
    breach = _positive(magnitude - limit.soft)
    breach[breach < TOLERANCE] = 0.0
    return float(limit.price * (breach.max(initial=0.0) + breach.sum() * dt))


def _peak_cost(magnitude: FloatArray, peak_kw: float, price: float) -> float:
    if price <= 0:
        return 0.0
    return float(price * max(0.0, magnitude.max(initial=0.0) - peak_kw))


def cost_terms(
    problem: Problem, power_kw: FloatArray, soc_kwh: dict[int, FloatArray]
) -> dict[str, float]:
    """Costs by term of a schedule, plus their ``total``. [currency]

    Parameters
    ----------
    problem : Problem
        The prepared (normal-mode) problem of all devices.
    power_kw : ndarray, shape (n_devices, n)
        Signed device powers. [kW]
    soc_kwh : dict of int to ndarray, shape (n + 1,)
        SoC at step boundaries per storage device index. [kWh]
    """
    site, dt = problem.site, problem.resolution_h
    site_kw = site.inflexible_kw + power_kw.sum(axis=0)
    imports, exports = _positive(site_kw), _positive(-site_kw)
    energy_c = site.consumption_price - site.co2_cost_per_kwh
    energy_p = site.production_price - site.co2_cost_per_kwh
    terms = dict.fromkeys(COST_TERMS, 0.0)
    terms["energy"] = float(dt * (energy_c @ imports - energy_p @ exports))
    terms["emissions"] = float(dt * (site.co2_cost_per_kwh @ site_kw))
    terms["site-consumption-breach"] = _breach_cost(site.consumption, imports, dt)
    terms["site-production-breach"] = _breach_cost(site.production, exports, dt)
    terms["peak-consumption"] = _peak_cost(
        imports, site.peak_consumption_kw, site.peak_consumption_price
    )
    terms["peak-production"] = _peak_cost(
        exports, site.peak_production_kw, site.peak_production_price
    )
    for k, dev in enumerate(problem.devices):
        p = power_kw[k]
        if isinstance(dev, PreparedStorage):
            s = soc_kwh[k][1:]
            terms["consumption-breach"] += _breach_cost(dev.consumption, _positive(p), dt)
            terms["production-breach"] += _breach_cost(dev.production, _positive(-p), dt)
            under = np.nan_to_num(_positive(dev.soc_lo_soft - s))
            over = np.nan_to_num(_positive(s - dev.soc_hi_soft))
            if not np.isnan(dev.soc_lo_price):
                terms["soc-minima-breach"] += float(
                    dev.soc_lo_price * under[under > TOLERANCE].sum()
                )
            if not np.isnan(dev.soc_hi_price):
                terms["soc-maxima-breach"] += float(dev.soc_hi_price * over[over > TOLERANCE].sum())
            terms["prefer-charging-sooner"] += float(dt * dev.preference_per_kwh @ _positive(p))
        elif isinstance(dev, PreparedProduction):
            curtailed = _positive(dev.available_kw + p)
            terms["prefer-curtailing-later"] += float(dt * dev.preference_per_kwh @ curtailed)
    terms["total"] = float(sum(terms.values()))
    return terms


def _over(value: FloatArray, limit: FloatArray) -> FloatArray:
    """Exceedance of ``value`` over ``limit`` (NaN limit = none). [same unit]"""
    out = np.nan_to_num(_positive(value - limit))
    out[out < TOLERANCE] = 0.0
    return out


def limit_exceedances(
    problem: Problem, power_kw: FloatArray, soc_kwh: dict[int, FloatArray]
) -> dict[tuple[str | None, str], FloatArray]:
    """How far a schedule goes past each limit, per step, keyed by (device, field).

    Device is None for site limits. Capacities in kW, SoC limits in kWh (at step
    ends). Every limit is listed, hard or soft; zero arrays mean respected.
    """
    site = problem.site
    site_kw = site.inflexible_kw + power_kw.sum(axis=0)
    out: dict[tuple[str | None, str], FloatArray] = {
        (None, "site-consumption-capacity"): _over(site_kw, site.consumption.effective()),
        (None, "site-production-capacity"): _over(-site_kw, site.production.effective()),
    }
    for k, dev in enumerate(problem.devices):
        if not isinstance(dev, PreparedStorage):
            continue
        raw, p, s = dev.raw, power_kw[k], soc_kwh[k][1:]
        cons = np.fmin(raw["consumption-capacity"], raw["power-capacity"])
        prod = np.fmin(raw["production-capacity"], raw["power-capacity"])
        out[(dev.name, "consumption-capacity")] = _over(p, cons)
        out[(dev.name, "production-capacity")] = _over(-p, prod)
        out[(dev.name, "soc-min")] = _over(-s, -raw["soc-min"])
        out[(dev.name, "soc-max")] = _over(s, raw["soc-max"])
        out[(dev.name, "soc-minima")] = _over(-s, -raw["soc-minima"])
        out[(dev.name, "soc-maxima")] = _over(s, raw["soc-maxima"])
        out[(dev.name, "soc-targets")] = np.maximum(
            _over(s, raw["soc-targets"]), _over(-s, -raw["soc-targets"])
        )
    return out


def breaches(
    problem: Problem, power_kw: FloatArray, soc_kwh: dict[int, FloatArray]
) -> dict[str, FloatArray]:
    """Breached soft limits: ``"<field>"`` for the site, ``"<device>: <field>"`` else.

    Only limits that were breached appear; each value is the per-step breach (kW for
    capacities, kWh for SoC limits at step ends).
    """
    report = {}
    for (device, field), excess in limit_exceedances(problem, power_kw, soc_kwh).items():
        if excess.any():
            report[field if device is None else f"{device}: {field}"] = excess
    return report
