"""Assemble the scheduling LP/MILP of a prepared problem as sparse matrices.

Blocks per storage device (n = steps, dt = resolution in hours):

- charge ``c`` and discharge ``d`` power [kW] at the grid side, each split into a
  free tier (up to the soft capacity) and a breach tier (soft to hard capacity,
  priced, plus one priced variable for the largest breach);
- SoC ``s[t]`` at the END of step t [kWh], bounded by the hard SoC limits;
- one equality row per step:
  ``s[t] - eta_s[t] s[t-1] - dt eta_c[t] c[t] + dt / eta_d[t] d[t] = dt (gain - usage)[t]``
  with ``s[-1] = soc_at_start``: efficiencies sit on the storage side, so the
  grid sees ``c - d`` and the storage gains ``eta_c c - d / eta_d``;
- slack rows for soft SoC limits; optional binaries forbidding ``c`` and ``d`` in
  the same step (see `solve`).

The site has import ``g+`` and export ``g-`` [kW] (tiered like ``c``/``d``), one
balance row per step ``sum(device power) - g+ + g- = -inflexible``, peak rows
``g+ - peak <= site_peak`` and, only at steps where the production price exceeds
the consumption price, binaries that stop importing and exporting at once. When
none of that is needed (one price per step, hard site limits only), the site has
no variables: prices sit on the device columns and limits bound one row per step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .limits import FloatArray, Limit
from .lp import IntArray, LpBuilder, LpModel
from .prepare import PreparedDevice, PreparedProcess, PreparedProduction, PreparedStorage, Problem

#: Bound used in big-M rows when a power has no finite limit. [kW]
BIG_M_KW = 1e6


@dataclass
class DeviceLayout:
    """Where a device lives in the model: power = bincount(steps, coeffs * x[cols]) + constant."""

    steps: IntArray
    cols: IntArray
    coeffs: FloatArray
    constant_kw: FloatArray
    soc: IntArray | None = None
    charge: list[IntArray] = field(default_factory=list)
    discharge: list[IntArray] = field(default_factory=list)

    def power_kw(self, x: FloatArray) -> FloatArray:
        """Signed power per step from a solution vector. [kW]"""
        n = self.constant_kw.size
        return np.bincount(self.steps, self.coeffs * x[self.cols], minlength=n) + self.constant_kw


def _tiered_cols(b: LpBuilder, limit: Limit, cost: FloatArray, dt: float) -> list[IntArray]:
    """Columns for a magnitude under a two-tier limit; ``cost`` per kW per step.

    A breach costs its price per kW for every hour it lasts, and once more on the
    largest breach, so that breaches are both short and low.
    """
    n = limit.hard.size
    base_upper = limit.effective()
    parts = [b.add_cols(n, upper=base_upper, cost=cost)]
    if limit.soft is not None and bool((limit.soft < limit.hard).any()):
        room = np.where(limit.soft < limit.hard, limit.hard - base_upper, 0.0)
        breach = b.add_cols(n, upper=room, cost=cost + limit.price * dt)
        worst = b.add_cols(1, cost=limit.price)
        rows = b.add_rows(n, upper=0.0)
        b.add_entries(rows, breach, 1.0)
        b.add_entries(rows, worst, -1.0)
        parts.append(breach)
    return parts


def _sum_rows(
    b: LpBuilder,
    parts: list[IntArray],
    steps: IntArray,
    *,
    upper: float | FloatArray,
    extra_col: IntArray | None = None,
    extra_coeff: float | FloatArray = 0.0,
    lower: float | FloatArray = -np.inf,
) -> IntArray:
    """Rows ``sum(parts[steps]) + extra_coeff * extra_col`` within [lower, upper]."""
    rows = b.add_rows(steps.size, lower=lower, upper=upper)
    for part in parts:
        b.add_entries(rows, part[steps], 1.0)
    if extra_col is not None:
        b.add_entries(rows, extra_col, extra_coeff)
    return rows


def _exclusive(
    b: LpBuilder,
    up: list[IntArray],
    down: list[IntArray],
    steps: IntArray,
    m_up: FloatArray,
    m_down: FloatArray,
) -> None:
    """Binaries z: ``up <= M z`` and ``down <= M (1 - z)`` at the given steps."""
    if steps.size == 0:
        return
    z = b.add_cols(steps.size, upper=1.0, integer=True)
    _sum_rows(b, up, steps, upper=0.0, extra_col=z, extra_coeff=-m_up)
    _sum_rows(b, down, steps, upper=m_down, extra_col=z, extra_coeff=m_down)


def _big_m(limit: Limit, steps: IntArray) -> FloatArray:
    bound = limit.hard[steps]
    return np.where(np.isfinite(bound), bound, BIG_M_KW)


def _add_storage(
    b: LpBuilder, dev: PreparedStorage, problem: Problem, exclusive_steps: IntArray
) -> DeviceLayout:
    n, dt = problem.n, problem.resolution_h
    pref = dev.preference_per_kwh * dt
    charge = _tiered_cols(b, dev.consumption, pref, dt)
    discharge = _tiered_cols(b, dev.production, np.zeros(n), dt)
    soc = b.add_cols(n, lower=dev.soc_lo_hard, upper=dev.soc_hi_hard)
    rhs = dt * dev.net_gain_kw
    rhs[0] += dev.eta_storage[0] * dev.soc_at_start_kwh
    rows = b.add_rows(n, lower=rhs, upper=rhs)
    b.add_entries(rows, soc, 1.0)
    b.add_entries(rows[1:], soc[:-1], -dev.eta_storage[1:])
    for part in charge:
        b.add_entries(rows, part, -dt * dev.eta_charge)
    for part in discharge:
        b.add_entries(rows, part, dt / dev.eta_discharge)
    _add_soft_soc(b, dev, soc)
    _exclusive(
        b,
        charge,
        discharge,
        exclusive_steps,
        _big_m(dev.consumption, exclusive_steps),
        _big_m(dev.production, exclusive_steps),
    )
    steps = np.arange(n)
    cols = np.concatenate(charge + discharge)
    coeffs = np.concatenate([np.ones(n * len(charge)), -np.ones(n * len(discharge))])
    return DeviceLayout(
        np.tile(steps, len(charge) + len(discharge)),
        cols,
        coeffs,
        np.zeros(n),
        soc=soc,
        charge=charge,
        discharge=discharge,
    )


def _add_soft_soc(b: LpBuilder, dev: PreparedStorage, soc: IntArray) -> None:
    """Slack rows: ``s + u >= lo`` and ``s - o <= hi`` where soft bounds exist."""
    lo_steps = np.flatnonzero(~np.isnan(dev.soc_lo_soft))
    if lo_steps.size:
        under = b.add_cols(lo_steps.size, cost=dev.soc_lo_price)
        rows = b.add_rows(lo_steps.size, lower=dev.soc_lo_soft[lo_steps])
        b.add_entries(rows, soc[lo_steps], 1.0)
        b.add_entries(rows, under, 1.0)
    hi_steps = np.flatnonzero(~np.isnan(dev.soc_hi_soft))
    if hi_steps.size:
        over = b.add_cols(hi_steps.size, cost=dev.soc_hi_price)
        rows = b.add_rows(hi_steps.size, upper=dev.soc_hi_soft[hi_steps])
        b.add_entries(rows, soc[hi_steps], 1.0)
        b.add_entries(rows, over, -1.0)


def _add_production(b: LpBuilder, dev: PreparedProduction, problem: Problem) -> DeviceLayout:
    n, dt = problem.n, problem.resolution_h
    lower = np.zeros(n) if dev.curtailable else dev.available_kw
    q = b.add_cols(n, lower=lower, upper=dev.available_kw, cost=-dev.preference_per_kwh * dt)
    return DeviceLayout(np.arange(n), q, -np.ones(n), np.zeros(n))


def process_constant_kw(dev: PreparedProcess, n: int) -> FloatArray:
    """Power of an inflexible process load (zeros for the flexible kinds). [kW]"""
    out = np.zeros(n)
    if dev.kind == "inflexible":
        out[dev.start : dev.start + dev.duration_steps] = dev.power_kw
    return out


def _add_process(b: LpBuilder, dev: PreparedProcess, problem: Problem) -> DeviceLayout:
    n, dur = problem.n, dev.duration_steps
    empty_i, empty_f = np.zeros(0, dtype=np.int64), np.zeros(0)
    if dev.kind == "inflexible" or dur == 0:
        return DeviceLayout(empty_i, empty_i, empty_f, process_constant_kw(dev, n))
    if dev.kind == "breakable":
        steps = np.arange(dev.start, dev.end)
        on = b.add_cols(steps.size, upper=1.0, integer=True)
        b.add_entries(b.add_rows(1, lower=dur, upper=dur), on, 1.0)
        return DeviceLayout(steps, on, np.full(steps.size, dev.power_kw), np.zeros(n))
    starts = np.arange(dev.start, dev.end - dur + 1)
    start_on = b.add_cols(starts.size, upper=1.0, integer=True)
    b.add_entries(b.add_rows(1, lower=1.0, upper=1.0), start_on, 1.0)
    # A start at s makes the process run in steps s .. s + dur - 1.
    steps = (starts[:, None] + np.arange(dur)[None, :]).ravel()
    cols = np.repeat(start_on, dur)
    return DeviceLayout(steps, cols, np.full(steps.size, dev.power_kw), np.zeros(n))


def _has_breach_tier(limit: Limit) -> bool:
    return limit.soft is not None and bool((limit.soft < limit.hard).any())


def _needs_flows(problem: Problem) -> bool:
    """Whether the site needs import/export variables, or device columns can carry the prices."""
    site = problem.site
    return (
        _has_breach_tier(site.consumption)
        or _has_breach_tier(site.production)
        or site.peak_consumption_price > 0
        or site.peak_production_price > 0
        or (
            problem.energy_costs
            and not np.array_equal(site.consumption_price, site.production_price)
        )
    )


def _add_site_simple(
    b: LpBuilder, problem: Problem, layouts: list[DeviceLayout], inflexible: FloatArray
) -> None:
    """One price per step and only hard site limits: no site variables at all.

    Energy cost is then linear in the sum of device powers, so the price goes on
    the device columns directly, and the site limits become bounds on a row; this
    halves the model of a lone battery.
    """
    site, dt = problem.site, problem.resolution_h
    if problem.energy_costs:
        for lay in layouts:
            b.add_cost(lay.cols, site.consumption_price[lay.steps] * lay.coeffs * dt)
    lower, upper = -site.production.hard - inflexible, site.consumption.hard - inflexible
    limited = np.flatnonzero(np.isfinite(lower) | np.isfinite(upper))
    if limited.size == 0:
        return
    rows = np.full(problem.n, -1)
    rows[limited] = b.add_rows(limited.size, lower=lower[limited], upper=upper[limited])
    for lay in layouts:
        keep = rows[lay.steps] >= 0
        b.add_entries(rows[lay.steps[keep]], lay.cols[keep], lay.coeffs[keep])


def _add_site_flows(
    b: LpBuilder, problem: Problem, layouts: list[DeviceLayout], inflexible: FloatArray
) -> None:
    """Import and export variables with tiers, peaks and price-inversion binaries."""
    site, n, dt = problem.site, problem.n, problem.resolution_h
    site_rows = b.add_rows(n, lower=-inflexible, upper=-inflexible)
    for lay in layouts:
        b.add_entries(site_rows[lay.steps], lay.cols, lay.coeffs)
    on = 1.0 if problem.energy_costs else 0.0
    imports = _tiered_cols(b, site.consumption, on * site.consumption_price * dt, dt)
    exports = _tiered_cols(b, site.production, -on * site.production_price * dt, dt)
    for part in imports:
        b.add_entries(site_rows, part, -1.0)
    for part in exports:
        b.add_entries(site_rows, part, 1.0)
    steps = np.arange(n)
    for parts, kw, price in (
        (imports, site.peak_consumption_kw, site.peak_consumption_price),
        (exports, site.peak_production_kw, site.peak_production_price),
    ):
        if price > 0:
            peak = b.add_cols(1, cost=price)
            _sum_rows(b, parts, steps, upper=kw, extra_col=peak, extra_coeff=-1.0)
    # Importing and exporting at once is only attractive where exports pay more
    # than imports cost; only there do we need binaries to forbid it.
    inverted = np.flatnonzero(site.production_price > site.consumption_price) if on else steps[:0]
    m = np.minimum(_big_m(site.consumption, inverted), _big_m(site.production, inverted))
    _exclusive(b, imports, exports, inverted, m, m)


def _add_device(
    b: LpBuilder, dev: PreparedDevice, problem: Problem, exclusive_steps: IntArray
) -> DeviceLayout:
    if isinstance(dev, PreparedStorage):
        return _add_storage(b, dev, problem, exclusive_steps)
    if isinstance(dev, PreparedProduction):
        return _add_production(b, dev, problem)
    return _add_process(b, dev, problem)


def build_model(
    problem: Problem, *, exclusive_steps: dict[int, NDArray[np.int64]] | None = None
) -> tuple[LpModel, list[DeviceLayout]]:
    """The model of a prepared problem and where each device's variables are.

    Parameters
    ----------
    problem : Problem
        Output of `prepare.prepare_problem`.
    exclusive_steps : dict of int to ndarray, optional
        Per storage device (index into ``problem.devices``), the steps at which
        charging and discharging at once is forbidden with binaries.
    """
    exclusive_steps = exclusive_steps or {}
    n = problem.n
    b = LpBuilder()
    inflexible = problem.site.inflexible_kw.copy()
    for dev in problem.devices:
        if isinstance(dev, PreparedProcess):
            inflexible += process_constant_kw(dev, n)
    layouts = [
        _add_device(b, dev, problem, exclusive_steps.get(k, np.zeros(0, dtype=np.int64)))
        for k, dev in enumerate(problem.devices)
    ]
    if _needs_flows(problem):
        _add_site_flows(b, problem, layouts, inflexible)
    else:
        _add_site_simple(b, problem, layouts, inflexible)
    return b.build(), layouts
