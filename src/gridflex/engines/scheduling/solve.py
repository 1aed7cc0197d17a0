"""Schedule devices jointly or one after another, and package the result.

LP or MILP: the model is an LP unless integers are needed, which happens for
shiftable and breakable process loads (on/off), at steps where exporting pays more
than importing costs (to stop importing and exporting at once), and to stop a lossy
storage from charging and discharging in the same step. The last is only ever
attractive when energy has to be destroyed (negative prices with a full storage, a
SoC maximum that falls faster than the device can export), so binaries are added
lazily: only at the steps where a solve actually did it, after which it is solved
again. Even with negative prices most schedules stay pure LPs, which keeps a lone
battery at 2,520 steps at a few tens of milliseconds instead of a MILP's hundreds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from gridflex.errors import GridflexError, ValidationError

from .costs import TOLERANCE, breaches, cost_terms
from .devices import Device, SiteContext
from .errors import InfeasibleScheduleError
from .feasibility import check_feasibility, explain_infeasibility
from .highs import HighsOutcome, run_highs
from .limits import FloatArray
from .matrices import DeviceLayout, build_model
from .prepare import PreparedStorage, Problem, prepare_problem
from .result import ScheduleResult

#: Solves allowed to add binaries against simultaneous charging and discharging.
MAX_ROUNDS = 4


def _unique_names(devices: Sequence[Device]) -> list[Device]:
    """Devices with distinct names (duplicates get their index appended)."""
    seen: dict[str, int] = {}
    for d in devices:
        seen[d.name] = seen.get(d.name, 0) + 1
    return [
        dataclasses.replace(d, name=f"{d.name}[{k}]") if seen[d.name] > 1 else d
        for k, d in enumerate(devices)
    ]


def _lossy(dev: PreparedStorage) -> np.ndarray:
    """Steps where a round trip through the storage does not return what went in."""
    return np.abs(dev.eta_charge * dev.eta_discharge - 1.0) > 1e-12


def _simultaneous(
    problem: Problem, layouts: list[DeviceLayout], x: FloatArray
) -> dict[int, np.ndarray]:
    """Per storage device, steps where the solution charges and discharges at once."""
    out = {}
    for k, (dev, lay) in enumerate(zip(problem.devices, layouts, strict=True)):
        if isinstance(dev, PreparedStorage):
            c = sum(x[part] for part in lay.charge)
            d = sum(x[part] for part in lay.discharge)
            steps = np.flatnonzero((np.minimum(c, d) > TOLERANCE) & _lossy(dev))
            if steps.size:
                out[k] = steps
    return out


def _failure(
    outcome: HighsOutcome,
    devices: Sequence[Device],
    context: SiteContext,
    problem: Problem,
    time_limit_s: float | None,
) -> GridflexError:
    if outcome.status == "time-limit":
        return InfeasibleScheduleError(
            f"No schedule was found within the time limit of {time_limit_s} s."
        )
    if outcome.status == "unbounded":
        return ValidationError(
            "The schedule is unbounded: give every device a finite power capacity.",
            field="power-capacity",
        )
    return explain_infeasibility(devices, context, problem)


def _solve_joint(
    devices: Sequence[Device],
    context: SiteContext,
    problem: Problem,
    *,
    time_limit_s: float | None,
    mip_rel_gap: float,
) -> tuple[FloatArray, dict[int, FloatArray], str, bool]:
    exclusive: dict[int, np.ndarray] = {}
    for round_ in range(MAX_ROUNDS):
        model, layouts = build_model(problem, exclusive_steps=exclusive)
        out = run_highs(model, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
        if out.x is None:
            raise _failure(out, devices, context, problem, time_limit_s)
        x = out.x
        extra = _simultaneous(problem, layouts, x)
        if not extra:
            break
        for k, steps in extra.items():
            # Last resort: forbid it at every step rather than chase it step by step.
            full = np.arange(problem.n) if round_ == MAX_ROUNDS - 2 else steps
            exclusive[k] = np.union1d(exclusive.get(k, full[:0]), full)
    power = np.zeros((len(layouts), problem.n))
    soc: dict[int, FloatArray] = {}
    for k, (dev, lay) in enumerate(zip(problem.devices, layouts, strict=True)):
        p = lay.power_kw(x)
        power[k] = np.where(np.abs(p) < TOLERANCE, 0.0, p)
        if isinstance(dev, PreparedStorage) and lay.soc is not None:
            soc[k] = np.concatenate([[dev.soc_at_start_kwh], x[lay.soc]])
    return power, soc, out.status, model.is_mip


def solve_schedule(
    devices: Sequence[Device],
    context: SiteContext,
    *,
    resolution_h: float,
    sequential: bool = False,
    time_limit_s: float | None = None,
    mip_rel_gap: float = 1e-6,
) -> ScheduleResult:
    """Cost-optimal schedule for the devices of one site.

    Parameters
    ----------
    devices : sequence of StorageDevice, CurtailableProduction or ProcessLoad
        The flexible devices behind the connection.
    context : SiteContext
        Prices, site limits, inflexible power; its consumption price sets the
        number of steps n.
    resolution_h : float
        Length of one step. [h]
    sequential : bool
        Schedule the devices one at a time in the given order, each seeing the
        ones before it as inflexible power, instead of jointly.
    time_limit_s : float, optional
        Solver time limit per solve. [s]
    mip_rel_gap : float
        Relative optimality gap for mixed-integer solves. [frac]

    Returns
    -------
    ScheduleResult
        Powers, SoCs, costs by term and breaches.

    Raises
    ------
    gridflex.errors.ValidationError
        Malformed input; ``field`` names it.
    InfeasibleScheduleError
        No schedule respects the hard limits; the message names the conflicting one.
    """
    devices = _unique_names(devices)
    problem = prepare_problem(devices, context, resolution_h=resolution_h)
    check_feasibility(problem)
    if sequential and len(devices) > 1:
        power, soc, status, used_mip = _solve_sequential(
            devices, context, problem, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap
        )
    else:
        power, soc, status, used_mip = _solve_joint(
            devices, context, problem, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap
        )
    return ScheduleResult(
        power_kw=power,
        soc_kwh=soc,
        site_power_kw=problem.site.inflexible_kw + power.sum(axis=0),
        costs=cost_terms(problem, power, soc),
        breaches=breaches(problem, power, soc),
        status=status,
        used_mip=used_mip,
        device_names=tuple(d.name for d in devices),
    )


def _solve_sequential(
    devices: Sequence[Device],
    context: SiteContext,
    problem: Problem,
    *,
    time_limit_s: float | None,
    mip_rel_gap: float,
) -> tuple[FloatArray, dict[int, FloatArray], str, bool]:
    """One device at a time; earlier schedules become inflexible power for later ones."""
    power = np.zeros((len(devices), problem.n))
    soc: dict[int, FloatArray] = {}
    statuses: list[str] = []
    used_mip = False
    for k, dev in enumerate(devices):
        inflexible = problem.site.inflexible_kw + power[:k].sum(axis=0)
        ctx = dataclasses.replace(context, inflexible_power_kw=inflexible)
        sub = prepare_problem([dev], ctx, resolution_h=problem.resolution_h)
        p, s, status, mip = _solve_joint(
            [dev], ctx, sub, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap
        )
        power[k] = p[0]
        if 0 in s:
            soc[k] = s[0]
        statuses.append(status)
        used_mip |= mip
    status = "optimal" if all(s == "optimal" for s in statuses) else "time-limit"
    return power, soc, status, used_mip
