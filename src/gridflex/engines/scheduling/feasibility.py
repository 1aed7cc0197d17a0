"""Name the constraint that makes a schedule impossible.

Before solving, `check_feasibility` rejects contradictions visible in the data
itself (soc-at-start outside its limits, a target above soc-max, a process longer
than its window). After HiGHS reports infeasibility, `explain_infeasibility` first
propagates each storage device's reachable SoC interval step by step (exact for
one device on its own), then, for conflicts that involve the site, re-solves with
the requested limits made soft at one price (physical ones kept hard), or failing
that every limit, and reports the earliest limit that had to give.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gridflex.errors import GridflexError, ValidationError

from .costs import limit_exceedances
from .devices import Device, SiteContext
from .errors import InfeasibleScheduleError
from .highs import run_highs
from .limits import Diagnostic, FloatArray
from .matrices import build_model
from .prepare import PreparedProcess, PreparedStorage, Problem, prepare_problem

#: Slack allowed before a limit counts as violated. [kWh]
TOL_KWH = 1e-6

_SOC_UNIT = "kWh"


def _first(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def _fail(dev: str, field: str, step: int | None, message: str) -> InfeasibleScheduleError:
    where = "" if step is None else f" at step {step}"
    return InfeasibleScheduleError(
        f"{dev}: {field}{where}: {message}", field=field, device=dev, step=step
    )


def _pairwise(raw: dict[str, FloatArray], low: str, high: str) -> tuple[int, float, float] | None:
    """First step where ``raw[low] > raw[high]`` (NaN = no limit)."""
    t = _first(raw[low] > raw[high] + TOL_KWH)
    return None if t is None else (t, float(raw[low][t]), float(raw[high][t]))


def _check_storage(dev: PreparedStorage) -> None:
    raw, name, s0 = dev.raw, dev.name, dev.soc_at_start_kwh
    if s0 > raw["soc-max"][0] + TOL_KWH:
        raise _fail(
            name, "soc-at-start", None, f"{s0:g} kWh is above soc-max ({raw['soc-max'][0]:g} kWh)."
        )
    if s0 < raw["soc-min"][0] - TOL_KWH:
        raise _fail(
            name, "soc-at-start", None, f"{s0:g} kWh is below soc-min ({raw['soc-min'][0]:g} kWh)."
        )
    # (field that is too high, field it exceeds); physical limits always, requested
    # pairs only when both are hard (soft ones may legitimately be traded off).
    pairs = [
        ("soc-min", "soc-max"),
        ("soc-targets", "soc-max"),
        ("soc-min", "soc-targets"),
        ("soc-minima", "soc-max"),
        ("soc-min", "soc-maxima"),
    ]
    if np.isnan(dev.soc_lo_price) and np.isnan(dev.soc_hi_price):
        pairs += [
            ("soc-minima", "soc-maxima"),
            ("soc-targets", "soc-maxima"),
            ("soc-minima", "soc-targets"),
        ]
    for low, high in pairs:
        hit = _pairwise(raw, low, high)
        if hit is not None:
            t, a, b = hit
            field = high if low == "soc-min" and high != "soc-max" else low
            raise _fail(name, field, t, f"{low} ({a:g} kWh) is above {high} ({b:g} kWh).")


def _check_process(dev: PreparedProcess) -> None:
    window = dev.end - dev.start
    if dev.duration_steps > window:
        raise _fail(
            dev.name,
            "duration",
            None,
            f"{dev.duration_steps} steps do not fit in the time window of {window} steps "
            f"[{dev.start}, {dev.end}).",
        )


def check_feasibility(problem: Problem) -> None:
    """Raise `InfeasibleScheduleError` for contradictions visible before solving."""
    for dev in problem.devices:
        if isinstance(dev, PreparedStorage):
            _check_storage(dev)
        elif isinstance(dev, PreparedProcess):
            _check_process(dev)


def _source(raw: dict[str, FloatArray], t: int, value: float, fields: Sequence[str]) -> str:
    """The first of ``fields`` whose value at step t is the binding ``value``."""
    for field in fields:
        if abs(raw[field][t] - value) <= TOL_KWH:
            return field
    return fields[-1]


def _reachable_soc(dev: PreparedStorage, dt: float) -> InfeasibleScheduleError | None:
    """Propagate the interval of reachable SoC; report the first step it becomes empty."""
    lo, hi = dev.soc_lo_hard.tolist(), dev.soc_hi_hard.tolist()
    cmax, dmax = dev.consumption.hard.tolist(), dev.production.hard.tolist()
    eta_s, eta_c, eta_d = (
        dev.eta_storage.tolist(),
        dev.eta_charge.tolist(),
        dev.eta_discharge.tolist(),
    )
    gain = dev.net_gain_kw.tolist()
    low = high = dev.soc_at_start_kwh
    for t in range(len(lo)):
        up = eta_s[t] * high + dt * (eta_c[t] * cmax[t] + gain[t])
        down = eta_s[t] * low + dt * (gain[t] - dmax[t] / eta_d[t])
        if up < lo[t] - TOL_KWH:
            field = _source(dev.raw, t, lo[t], ("soc-targets", "soc-minima", "soc-min"))
            return _fail(
                dev.name,
                field,
                t,
                (
                    f"{lo[t]:g} kWh cannot be reached: charging at full capacity from the "
                    f"start gives at most {up:.6g} kWh."
                ),
            )
        if down > hi[t] + TOL_KWH:
            field = _source(dev.raw, t, hi[t], ("soc-targets", "soc-maxima", "soc-max"))
            return _fail(
                dev.name,
                field,
                t,
                (
                    f"{hi[t]:g} kWh cannot be respected: discharging at full capacity from the "
                    f"start leaves at least {down:.6g} kWh."
                ),
            )
        high, low = min(up, hi[t]), max(down, lo[t])
    return None


_SITE_SOURCES = {
    "site-consumption-capacity": ("site-consumption-capacity", "site-power-capacity"),
    "site-production-capacity": ("site-production-capacity", "site-power-capacity"),
}
_DEVICE_SOURCES = {
    "consumption-capacity": ("consumption-capacity", "power-capacity"),
    "production-capacity": ("production-capacity", "power-capacity"),
}


@dataclass(frozen=True)
class Violation:
    """A hard limit exceeded in a relaxed solve: first step, amount, device (None = site)."""

    step: int
    excess: float
    device: str | None
    field: str


def _describe(problem: Problem, violation: Violation) -> GridflexError:
    """Error naming the limit that the elastic solve had to exceed."""
    t, excess, device, field = (violation.step, violation.excess, violation.device, violation.field)
    if device is None:
        raw = problem.site.raw
        limit = float(np.fmin(raw[field][t], raw["site-power-capacity"][t]))
        field = _source(raw, t, limit, _SITE_SOURCES[field])
        return InfeasibleScheduleError(
            f"{field} ({limit:g} kW) at step {t} cannot be respected: the devices and the "
            f"inflexible power need {excess:.6g} kW more.",
            field=field,
            step=t,
        )
    dev = next(d for d in problem.devices if isinstance(d, PreparedStorage) and d.name == device)
    unit = "kW" if field in _DEVICE_SOURCES else _SOC_UNIT
    if field in _DEVICE_SOURCES:
        limit = float(np.fmin(dev.raw[field][t], dev.raw["power-capacity"][t]))
        field = _source(dev.raw, t, limit, _DEVICE_SOURCES[field])
    else:
        limit = float(dev.raw[field][t])
    return _fail(
        device,
        field,
        t,
        (
            f"{limit:g} {unit} cannot be respected together with the site's limits and the "
            f"other devices (it would be off by {excess:.6g} {unit})."
        ),
    )


def _is_soft(problem: Problem, device: str | None, field: str) -> bool:
    """Whether a limit has a breach price in the user's problem (so cannot conflict)."""
    if device is None:
        limit = problem.site.consumption if "consumption" in field else problem.site.production
        return limit.soft is not None
    dev = next(d for d in problem.devices if isinstance(d, PreparedStorage) and d.name == device)
    lo_soft, hi_soft = not np.isnan(dev.soc_lo_price), not np.isnan(dev.soc_hi_price)
    return {
        "consumption-capacity": dev.consumption.soft is not None,
        "production-capacity": dev.production.soft is not None,
        "soc-minima": lo_soft,
        "soc-maxima": hi_soft,
        "soc-targets": lo_soft and hi_soft,
    }.get(field, False)


def explain_infeasibility(
    devices: Sequence[Device], context: SiteContext, problem: Problem
) -> GridflexError:
    """The error to raise after the solver found no feasible schedule."""
    for dev in problem.devices:
        if isinstance(dev, PreparedStorage):
            err = _reachable_soc(dev, problem.resolution_h)
            if err is not None:
                return err
    modes: tuple[Diagnostic, ...] = ("requested", "all")
    for mode in modes:
        solved, violation = _elastic_violation(devices, context, problem, mode)
        if not solved:
            continue
        if violation is None:
            return ValidationError(
                "The schedule is unbounded: give every device a finite power capacity "
                "(or the site a capacity).",
                field="power-capacity",
            )
        return _describe(problem, violation)
    return InfeasibleScheduleError(
        "No feasible schedule exists; check the process loads' time windows against the "
        "site's limits."
    )


def _elastic_violation(
    devices: Sequence[Device], context: SiteContext, problem: Problem, mode: Diagnostic
) -> tuple[bool, Violation | None]:
    """Whether the relaxed problem solved, and the earliest (then largest) hard limit
    it had to exceed; no violation at all means the original was unbounded.
    """
    diag = prepare_problem(devices, context, resolution_h=problem.resolution_h, diagnostic=mode)
    model, layouts = build_model(diag)
    out = run_highs(model)
    if out.x is None:
        return False, None
    x = out.x
    power = np.array([lay.power_kw(x) for lay in layouts]).reshape(len(layouts), problem.n)
    soc = {
        k: np.concatenate([[d.soc_at_start_kwh], x[lay.soc]])
        for k, (d, lay) in enumerate(zip(diag.devices, layouts, strict=True))
        if isinstance(d, PreparedStorage) and lay.soc is not None
    }
    worst: Violation | None = None
    for (device, field), excess in limit_exceedances(problem, power, soc).items():
        if _is_soft(problem, device, field):
            continue
        t = _first(excess > TOL_KWH)
        if t is not None and (worst is None or (t, -excess[t]) < (worst.step, -worst.excess)):
            worst = Violation(t, float(excess[t]), device, field)
    return True, worst
