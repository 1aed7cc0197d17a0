"""Inputs of the scheduler: one dataclass per kind of device, and the site context.

Every per-step quantity may be given as a scalar (broadcast to all steps) or as an
array of length ``n`` (the number of steps, set by the consumption price). All
powers are magnitudes unless the name says *signed*; the sign convention of the
results is consumption positive. SoC limits apply at step ENDS: element ``t``
constrains the state of charge after step ``t``.

The service layer turns flex-model / flex-context JSON into these objects; here
we only hold numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from numpy.typing import ArrayLike

INF = math.inf
NAN = math.nan

ProcessKind = Literal["inflexible", "shiftable", "breakable"]


@dataclass(frozen=True, kw_only=True)
class StorageDevice:
    """A device that stores energy: a battery, an EV, a heat pump with a buffer.

    Parameters
    ----------
    soc_at_start_kwh : float
        State of charge at the start of the first step. [kWh]
    name : str
        Used in messages and in the keys of breaches.
    soc_min_kwh, soc_max_kwh : float or ndarray
        Physical limits at every step end; always hard. [kWh]
    soc_minima_kwh, soc_maxima_kwh, soc_targets_kwh : ndarray or None
        Requested limits at step ends, NaN = none at that step; hard unless the
        context gives a soc breach price. [kWh]
    soc_gain_kw, soc_usage_kw : float or ndarray
        Energy flowing into / out of the storage from outside the grid connection,
        e.g. heat demand drawn from a heat buffer; not subject to efficiencies. [kW]
    power_capacity_kw : float or ndarray
        Hard limit on both charging and discharging power. [kW]
    consumption_capacity_kw, production_capacity_kw : float, ndarray or None
        Limits on charging / discharging power (magnitudes); None or NaN means the
        power capacity. Soft when the context gives a device breach price. [kW]
    charging_efficiency, discharging_efficiency : float, ndarray or None
        Fractions; charging above 1 models a heat pump's COP. None: derived from
        ``roundtrip_efficiency`` (its square root each), else 1.
    roundtrip_efficiency : float or None
        Fraction in (0, 1].
    storage_efficiency : float or ndarray
        Fraction of the SoC kept over one step (standing loss), already scaled to
        the scheduling resolution.
    prefer_charging_sooner : bool
        Break ties between equally priced steps by charging earlier.
    """

    soc_at_start_kwh: float
    name: str = "storage"
    soc_min_kwh: ArrayLike = 0.0
    soc_max_kwh: ArrayLike = INF
    soc_minima_kwh: ArrayLike | None = None
    soc_maxima_kwh: ArrayLike | None = None
    soc_targets_kwh: ArrayLike | None = None
    soc_gain_kw: ArrayLike = 0.0
    soc_usage_kw: ArrayLike = 0.0
    power_capacity_kw: ArrayLike = INF
    consumption_capacity_kw: ArrayLike | None = None
    production_capacity_kw: ArrayLike | None = None
    charging_efficiency: ArrayLike | None = None
    discharging_efficiency: ArrayLike | None = None
    roundtrip_efficiency: float | None = None
    storage_efficiency: ArrayLike = 1.0
    prefer_charging_sooner: bool = True


@dataclass(frozen=True, kw_only=True)
class CurtailableProduction:
    """Production that can be turned down at no cost of its own, e.g. PV.

    Parameters
    ----------
    available_kw : float or ndarray
        Production possible at each step (a magnitude, >= 0). [kW]
    curtailable : bool
        False makes the production inflexible: always the available power.
    prefer_curtailing_later : bool
        When curtailing is indifferent, curtail at later steps first.
    """

    available_kw: ArrayLike
    name: str = "production"
    curtailable: bool = True
    prefer_curtailing_later: bool = True


@dataclass(frozen=True, kw_only=True)
class ProcessLoad:
    """A load that runs at a fixed power for a number of steps inside a window.

    Parameters
    ----------
    power_kw : float
        Power while running, signed (consumption positive). [kW]
    duration_steps : int
        Number of steps the process runs.
    earliest_start_step : int
        First step the process may run in.
    latest_end_step : int or None
        Steps ``>= latest_end_step`` are outside the window; None = end of horizon.
    kind : {"inflexible", "shiftable", "breakable"}
        inflexible: runs from the earliest start; shiftable: one contiguous run
        anywhere in the window; breakable: any ``duration_steps`` steps of the window.
    """

    power_kw: float
    duration_steps: int
    name: str = "process"
    earliest_start_step: int = 0
    latest_end_step: int | None = None
    kind: ProcessKind = "shiftable"


Device = StorageDevice | CurtailableProduction | ProcessLoad


@dataclass(frozen=True, kw_only=True)
class SiteContext:
    """Prices, limits and inflexible power of the site behind one grid connection.

    Parameters
    ----------
    consumption_price_per_kwh : float or ndarray
        Price of consumed energy per step; its length sets the number of steps
        (a scalar means one step). [currency/kWh]
    production_price_per_kwh : float, ndarray or None
        Price received for produced energy; None = the consumption price. [currency/kWh]
    inflexible_power_kw : float or ndarray
        Signed power of devices that are not scheduled (consumption positive). [kW]
    site_power_capacity_kw : float or ndarray
        Hard limit of the connection in both directions; inf = none. [kW]
    site_consumption_capacity_kw, site_production_capacity_kw : float or ndarray
        Limits per direction (magnitudes); inf or NaN = none; soft when a breach
        price is given. [kW]
    site_consumption_breach_price_per_kw, site_production_breach_price_per_kw : float
        NaN = the limit is hard. A breach costs its price on the largest breach and
        again per kW for every hour of breach. [currency/kW]
    site_peak_consumption_kw, site_peak_production_kw : float
        Peak already reached (or contracted); only power above it is charged. [kW]
    site_peak_consumption_price_per_kw, site_peak_production_price_per_kw : float
        Peak charge on the highest site power above that peak. [currency/kW]
    consumption_breach_price_per_kw, production_breach_price_per_kw : float
        Make the devices' consumption / production capacities soft; NaN = hard. [currency/kW]
    soc_minima_breach_price_per_kwh, soc_maxima_breach_price_per_kwh : float
        Make soc-minima / soc-maxima (and targets from below / above) soft, priced
        per kWh of deviation at each step; NaN = hard. [currency/kWh]
    co2_price_per_kg : float
        Price of emissions. [currency/kg]
    carbon_intensity_g_per_kwh : float, ndarray or None
        Grid intensity; exports are credited at the same intensity. [g/kWh]
    relax_constraints : bool
        Give every soft-capable limit without a breach price a default one, high
        enough that breaching is a last resort.
    """

    consumption_price_per_kwh: ArrayLike
    production_price_per_kwh: ArrayLike | None = None
    inflexible_power_kw: ArrayLike = 0.0
    site_power_capacity_kw: ArrayLike = INF
    site_consumption_capacity_kw: ArrayLike = INF
    site_production_capacity_kw: ArrayLike = INF
    site_consumption_breach_price_per_kw: float = NAN
    site_production_breach_price_per_kw: float = NAN
    site_peak_consumption_kw: float = 0.0
    site_peak_consumption_price_per_kw: float = 0.0
    site_peak_production_kw: float = 0.0
    site_peak_production_price_per_kw: float = 0.0
    consumption_breach_price_per_kw: float = NAN
    production_breach_price_per_kw: float = NAN
    soc_minima_breach_price_per_kwh: float = NAN
    soc_maxima_breach_price_per_kwh: float = NAN
    co2_price_per_kg: float = 0.0
    carbon_intensity_g_per_kwh: ArrayLike | None = None
    relax_constraints: bool = False


def split_roundtrip_efficiency(roundtrip_efficiency: float) -> tuple[float, float]:
    """Charging and discharging efficiency that together make a round trip.

    The loss is split evenly, the usual assumption when only the round trip is known.
    """
    root = math.sqrt(roundtrip_efficiency)
    return root, root


def efficiency_per_step(efficiency_frac: float, *, per_h: float, resolution_h: float) -> float:
    """Rescale a standing efficiency given per ``per_h`` hours to one step. [frac]"""
    return float(efficiency_frac ** (resolution_h / per_h))
