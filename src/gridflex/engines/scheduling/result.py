"""What the scheduler returns."""

from __future__ import annotations

from dataclasses import dataclass

from .limits import FloatArray


@dataclass(frozen=True)
class ScheduleResult:
    """A schedule for every device, with its costs and breaches.

    Attributes
    ----------
    power_kw : ndarray, shape (n_devices, n)
        Mean power per step per device, in the order given; consumption (and
        charging) positive, production negative. [kW]
    soc_kwh : dict of int to ndarray, shape (n + 1,)
        Per storage device (by index), SoC at every step boundary: element 0 is
        soc-at-start, element t + 1 the SoC at the end of step t. [kWh]
    site_power_kw : ndarray, shape (n,)
        Inflexible power plus all device powers: the power at the connection. [kW]
    costs : dict of str to float
        Costs by term (see `costs.COST_TERMS`) and their ``total``. [currency]
    breaches : dict of str to ndarray, shape (n,)
        Soft limits that were breached, by ``"<field>"`` (site) or
        ``"<device>: <field>"``, with the breach per step. [kW or kWh]
    status : str
        ``"optimal"``, or ``"time-limit"`` for the best schedule found in time.
    used_mip : bool
        Whether integer variables were needed (process loads, price inversions,
        or forbidding simultaneous charging and discharging).
    device_names : tuple of str
        Names of the devices, in the order of ``power_kw``.
    """

    power_kw: FloatArray
    soc_kwh: dict[int, FloatArray]
    site_power_kw: FloatArray
    costs: dict[str, float]
    breaches: dict[str, FloatArray]
    status: str
    used_mip: bool
    device_names: tuple[str, ...]
