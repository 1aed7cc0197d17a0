"""The one unit registry, and the sign convention.

Policy
------
- Units are pint units, parsed from the strings clients send (``kW``, ``EUR/MWh``,
  ``m³/h``, ``°C``, ``%``, ``gCO2eq/kWh``, ``kVA``...).
- Each currency is its own dimension: gridflex never converts EUR to USD.
- ``VA`` is treated as ``W`` (unity power factor) so that capacities stated as
  apparent power can bound real power; the API documents this approximation.
- Power and energy convert into each other *per event* through the event's
  resolution (a mean power of 4 kW over 15 minutes is 1 kWh).
- pint lives at the edges (API, store, CLI): engines receive plain float arrays.

Sign convention
---------------
Consumption (and charging) is positive, production (and discharging) negative,
everywhere inside gridflex. A sensor with the attribute
``consumption_is_positive: false`` stores production as positive numbers; the
edges flip signs where a message says which convention it uses.
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from gridflex.errors import UnitError

if TYPE_CHECKING:
    import pint

_QUANTITY = re.compile(r"^([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*)$")


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    """The registry, built on first use: building it costs a few hundred milliseconds that
    commands and server processes not touching units should not pay at start-up."""
    import pint

    ureg: pint.UnitRegistry = pint.UnitRegistry(
        preprocessors=[
            lambda s: s.replace("³", "**3").replace("²", "**2"),
            lambda s: s.replace("€", "EUR"),
        ],
        autoconvert_offset_to_baseunit=True,
    )
    ureg.define("VA = W")  # see the policy above
    ureg.define("var = VA = VAr")  # reactive power, for apparent-power arithmetic (sqrt(P² + Q²))
    for code in (
        "EUR",
        "USD",
        "GBP",
        "KRW",
        "JPY",
        "CHF",
        "AUD",
        "CAD",
        "SEK",
        "NOK",
        "DKK",
        "PLN",
    ):
        ureg.define(f"{code} = [currency_{code}]")
    ureg.define("gCO2eq = [emissions]")
    ureg.define("kgCO2eq = 1000 * gCO2eq")
    ureg.define("tCO2eq = 1000000 * gCO2eq")
    ureg.define("gCO2 = gCO2eq")
    ureg.define("kgCO2 = kgCO2eq")
    ureg.define("tCO2 = tCO2eq")
    return ureg


@lru_cache(maxsize=16)
def dimensionality(unit: str) -> Any:
    """The dimensionality of a unit (e.g. of "J" for energy, "W" for power)."""
    return parse_unit(unit).dimensionality


@lru_cache(maxsize=1024)
def parse_unit(unit: str) -> pint.Unit:
    """Parse a unit string; an empty string means dimensionless."""
    ureg = registry()
    text = (unit or "").strip()
    if text in ("", "dimensionless", "-"):
        return ureg.dimensionless
    try:
        return ureg.parse_units(text)
    except Exception as exc:  # pint raises several kinds
        raise UnitError(f"Unknown unit: {unit!r}.", field="unit") from exc


def is_energy_unit(unit: str) -> bool:
    """Energy-like (extensive per event) units are split when upsampled and summed when downsampled."""
    return parse_unit(unit).dimensionality == dimensionality("J")


def is_power_unit(unit: str) -> bool:
    return parse_unit(unit).dimensionality == dimensionality("W")


def is_convertible(from_unit: str, to_unit: str, *, resolution: timedelta | None = None) -> bool:
    try:
        _affine(from_unit, to_unit, _hours(resolution))
    except UnitError:
        return False
    return True


def _hours(resolution: timedelta | None) -> float | None:
    return None if resolution is None else resolution.total_seconds() / 3600


@lru_cache(maxsize=4096)
def _affine(from_unit: str, to_unit: str, resolution_h: float | None) -> tuple[float, float]:
    """(scale, offset) such that value_to = scale * value_from + offset."""
    import pint

    ureg = registry()
    quantity, energy, power = ureg.Quantity, dimensionality("J"), dimensionality("W")
    src, dst = parse_unit(from_unit), parse_unit(to_unit)
    try:
        if src.dimensionality == dst.dimensionality:
            zero = quantity(0.0, src).to(dst).magnitude
            one = quantity(1.0, src).to(dst).magnitude
            return one - zero, zero
        if resolution_h and src.dimensionality == power and dst.dimensionality == energy:
            return quantity(resolution_h, src * ureg.hour).to(dst).magnitude, 0.0
        if resolution_h and src.dimensionality == energy and dst.dimensionality == power:
            return quantity(1.0 / resolution_h, src / ureg.hour).to(dst).magnitude, 0.0
    except pint.DimensionalityError:
        pass
    raise UnitError(f"Unit {from_unit!r} cannot be converted to {to_unit!r}.", field="unit")


def convert(
    values: np.ndarray | float,
    from_unit: str,
    to_unit: str,
    *,
    resolution: timedelta | None = None,
) -> np.ndarray:
    """Convert values between units; power and energy convert per event of ``resolution``."""
    if from_unit == to_unit:
        return np.asarray(values, dtype=float)
    scale, offset = _affine(from_unit, to_unit, _hours(resolution))
    return np.asarray(values, dtype=float) * scale + offset


def parse_quantity(text: str | float | int, *, field: str = "value") -> tuple[float, str]:
    """Split a quantity string like ``"25 kWh"``, ``"95%"`` or ``"4"`` into magnitude and unit."""
    if isinstance(text, bool):
        raise UnitError(f"Not a quantity: {text!r}.", field=field)
    if isinstance(text, int | float):
        return float(text), ""
    match = _QUANTITY.match(str(text).strip())
    if not match:
        raise UnitError(f"Not a quantity: {text!r} (expected e.g. '25 kWh').", field=field)
    magnitude, unit = float(match.group(1)), match.group(2).strip()
    parse_unit(unit)  # validate
    return magnitude, unit
