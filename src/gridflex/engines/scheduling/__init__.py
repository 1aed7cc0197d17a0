"""The scheduling engine: cost-optimal power schedules for the devices of one site.

Pure optimiser: numbers in (per-step numpy arrays), schedule out. Parsing flex-model
and flex-context JSON, units and sensors is the service layer's job.

Sign convention
    Device and site power: consumption (and charging) positive, production
    negative. Capacities and available production are magnitudes (>= 0).

Time
    n steps of ``resolution_h`` hours. Power is the mean over a step; SoC limits
    (soc-min/-max, -minima, -maxima, -targets) apply at step ENDS; the result's SoC
    has n + 1 values, at every step boundary, starting with soc-at-start.

Variables (all kW unless noted; dt = resolution in h)
    storage  c[t], d[t] >= 0 charge / discharge at the grid side, SoC s[t] [kWh]
             at the end of step t; power = c - d
    PV       q[t] in [0, available[t]] produced; power = -q
    process  shiftable: one binary per possible start; breakable: one binary per
             step of the window; inflexible: a constant
    site     import g+[t] >= 0, export g-[t] >= 0; left out when one price per step
             and hard limits suffice (prices then sit on the device columns)
    Capacities with a breach price are split into a free tier and a priced breach
    tier, plus one variable for the largest breach.

Constraints
    SoC      s[t] = eta_s[t] s[t-1] + dt (eta_c[t] c[t] - d[t] / eta_d[t] + gain[t] - usage[t])
             (charging efficiency above 1 is a heat pump's COP; eta_s is the standing
             loss per step). Hard bounds: soc-min <= s <= soc-max, plus minima, maxima
             and targets unless a soc breach price makes those soft (slack per kWh).
    power    c <= consumption capacity, d <= production capacity (soft with a device
             breach price; power-capacity stays hard).
    site     sum(device power) + inflexible = g+ - g-; g+ <= site consumption capacity,
             g- <= site production capacity (soft with a breach price; site-power-
             capacity stays hard); g+ - peak_c <= site-peak-consumption.
    Binaries forbid c and d (or g+ and g-) in the same step only where that could pay:
    g+/g- where the production price exceeds the consumption price, c/d lazily where
    a solve did it. A MILP is first solved as its LP relaxation, kept if integral.

Objective (minimised)
    sum_t dt (consumption_price g+ - production_price g-)            energy
    + co2_price * sum_t dt intensity / 1000 * (g+ - g-)              emissions (exports credited)
    + breach price * (largest breach + sum_t dt breach)              per soft capacity
    + soc breach price * sum_t deviation                             per soft SoC limit
    + peak price * max(0, max_t g+ - site-peak-consumption)          same for production
    + tiny tie-breaking ramps: charging sooner, curtailing later.

An infeasible request raises `InfeasibleScheduleError` naming the conflicting field
(never an all-zero schedule); bad input raises `gridflex.errors.ValidationError`.
"""

from typing import TYPE_CHECKING, Any

from .costs import COST_TERMS
from .devices import (
    CurtailableProduction,
    Device,
    ProcessLoad,
    SiteContext,
    StorageDevice,
    efficiency_per_step,
    split_roundtrip_efficiency,
)
from .errors import InfeasibleScheduleError
from .result import ScheduleResult

if TYPE_CHECKING:
    from .solve import solve_schedule


def __getattr__(name: str) -> Any:
    # The solver (HiGHS, scipy.sparse: ~20 MiB, 0.2 s) loads on the first schedule, not when a
    # web process imports the device types to read a flex-model.
    if name == "solve_schedule":
        from .solve import solve_schedule

        return solve_schedule
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "COST_TERMS",
    "CurtailableProduction",
    "Device",
    "InfeasibleScheduleError",
    "ProcessLoad",
    "ScheduleResult",
    "SiteContext",
    "StorageDevice",
    "efficiency_per_step",
    "solve_schedule",
    "split_roundtrip_efficiency",
]
