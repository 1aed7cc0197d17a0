"""Emission factors per production type, and their resolution for zones and years.

Two kinds of factor [gCO2eq/kWh] are kept, selected by ``factor_type`` (the
API's ``emissionFactorType``):

``lifecycle`` (default)
    Emissions over the whole life of a plant and its fuel chain (building,
    mining, transport, operation, decommissioning) per kWh generated. Medians
    from IPCC AR5 WGIII (2014), Annex III, Table A.III.2: coal 820 (pulverised
    coal), gas 490 (combined cycle), biomass 230 (dedicated), geothermal 38,
    hydro 24, nuclear 12, wind 11 (onshore; offshore 12), solar 45 (between
    utility PV 48 and rooftop PV 41). Oil is not in that table; 650 is the
    figure in common use for oil-fired plants. ``unknown`` is 700, a
    conservative stand-in for an unreported mostly thermal mix.
``direct``
    Only what leaves the stack when generating. IPCC AR5 Annex III direct
    medians: coal 760, gas 370; zero for geothermal, hydro, nuclear, solar and
    wind. Biomass is 0 because biogenic CO2 is treated as carbon-neutral in
    direct accounting. Oil (600) and unknown (650) have no IPCC median; they
    are their lifecycle figures scaled by coal's direct/lifecycle ratio
    (760/820), which keeps every direct factor below its lifecycle one.

Storage discharge ("hydro discharge", "battery discharge") re-delivers energy
charged earlier from a mix the engine does not track, so by default it
carries the ``unknown`` factor (the table's, or ``unknown_g_per_kwh``);
``storage_discharge_g_per_kwh`` or a storage-type override changes that.

Overrides
---------
A :class:`FactorOverride` replaces one factor, globally (``zone_id=None``) or
for one zone, for every year (``year=None``) or one year. The most specific
override wins: zone and year, then zone, then year, then global, then the
default above. Overrides of the storage-discharge or unknown factor beat the
``storage_discharge_g_per_kwh`` / ``unknown_g_per_kwh`` keywords.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from gridflex.engines.carbon.production_types import PRODUCTION_TYPES, STORAGE_DISCHARGE_TYPES
from gridflex.errors import ValidationError

FactorType = Literal["lifecycle", "direct"]
FACTOR_TYPES: tuple[str, ...] = ("lifecycle", "direct")

LIFECYCLE_G_PER_KWH: Mapping[str, float] = {
    "biomass": 230.0,
    "coal": 820.0,
    "gas": 490.0,
    "geothermal": 38.0,
    "hydro": 24.0,
    "nuclear": 12.0,
    "oil": 650.0,
    "solar": 45.0,
    "wind": 11.0,
    "unknown": 700.0,
}
"""Default lifecycle emission factors [gCO2eq/kWh] (sources in the module docstring)."""

DIRECT_G_PER_KWH: Mapping[str, float] = {
    "biomass": 0.0,
    "coal": 760.0,
    "gas": 370.0,
    "geothermal": 0.0,
    "hydro": 0.0,
    "nuclear": 0.0,
    "oil": 600.0,
    "solar": 0.0,
    "wind": 0.0,
    "unknown": 650.0,
}
"""Default direct (combustion-only) emission factors [gCO2eq/kWh]."""

DEFAULT_FACTORS_G_PER_KWH: Mapping[str, Mapping[str, float]] = {
    "lifecycle": LIFECYCLE_G_PER_KWH,
    "direct": DIRECT_G_PER_KWH,
}


@dataclass(frozen=True)
class FactorOverride:
    """One replaced emission factor.

    Attributes
    ----------
    production_type : str
        One of ``PRODUCTION_TYPES``.
    factor_g_per_kwh : float
        The factor to use. [gCO2eq/kWh]
    factor_type : {"lifecycle", "direct"}
        Which kind of factor this replaces.
    zone_id : str or None
        The zone it applies to; None for every zone.
    year : int or None
        The calendar year (UTC) it applies to; None for every year.
    """

    production_type: str
    factor_g_per_kwh: float
    factor_type: str = "lifecycle"
    zone_id: str | None = None
    year: int | None = None

    def __post_init__(self) -> None:
        if self.production_type not in PRODUCTION_TYPES:
            raise ValidationError(
                f"Unknown production type {self.production_type!r}; expected one of "
                f"{', '.join(PRODUCTION_TYPES)}.",
                field="productionType",
            )
        if self.factor_type not in FACTOR_TYPES:
            raise ValidationError(
                f"Unknown emission factor type {self.factor_type!r}; expected lifecycle or direct.",
                field="emissionFactorType",
            )
        if not np.isfinite(self.factor_g_per_kwh) or self.factor_g_per_kwh < 0:
            raise ValidationError(
                f"Emission factor for {self.production_type!r} must be a finite number >= 0, "
                f"got {self.factor_g_per_kwh!r}.",
                field="emissionFactor",
            )

    @property
    def specificity(self) -> int:
        """Rank used to pick the most specific override (higher wins)."""
        return 2 * (self.zone_id is not None) + (self.year is not None)


def default_factors_g_per_kwh(
    *,
    factor_type: str = "lifecycle",
    storage_discharge_g_per_kwh: float | None = None,
    unknown_g_per_kwh: float | None = None,
) -> NDArray[np.float64]:
    """Default factor of every production type, in ``PRODUCTION_TYPES`` order.

    Parameters
    ----------
    factor_type : {"lifecycle", "direct"}
    storage_discharge_g_per_kwh : float, optional
        Factor of storage discharge; defaults to the unknown factor. [gCO2eq/kWh]
    unknown_g_per_kwh : float, optional
        Factor of the ``unknown`` type; defaults to the table value. [gCO2eq/kWh]

    Returns
    -------
    ndarray, shape (K,)
        [gCO2eq/kWh]
    """
    _check_factor_type(factor_type)
    table = DEFAULT_FACTORS_G_PER_KWH[factor_type]
    unknown = table["unknown"] if unknown_g_per_kwh is None else float(unknown_g_per_kwh)
    storage = unknown if storage_discharge_g_per_kwh is None else float(storage_discharge_g_per_kwh)
    values = []
    for name in PRODUCTION_TYPES:
        if name in STORAGE_DISCHARGE_TYPES:
            values.append(storage)
        elif name == "unknown":
            values.append(unknown)
        else:
            values.append(table[name])
    factors = np.array(values, dtype=np.float64)
    if not np.all(np.isfinite(factors)) or np.any(factors < 0):
        raise ValidationError("Emission factors must be finite and >= 0.", field="emissionFactor")
    return factors


def resolve_factors_g_per_kwh(
    zone_ids: Sequence[str],
    *,
    year: int,
    factor_type: str = "lifecycle",
    overrides: Iterable[FactorOverride] = (),
    storage_discharge_g_per_kwh: float | None = None,
    unknown_g_per_kwh: float | None = None,
) -> NDArray[np.float64]:
    """Emission factor of every zone and production type for one year.

    Parameters
    ----------
    zone_ids : sequence of str, length Z
        The zones, in the order of the ``Z`` axis of the power arrays.
    year : int
        Calendar year (UTC) of the time steps the factors are for.
    factor_type : {"lifecycle", "direct"}
    overrides : iterable of FactorOverride
        Replaced factors; those of another factor type, year or zone are ignored.
    storage_discharge_g_per_kwh, unknown_g_per_kwh : float, optional
        See :func:`default_factors_g_per_kwh`. [gCO2eq/kWh]

    Returns
    -------
    ndarray, shape (Z, K)
        [gCO2eq/kWh]
    """
    base = default_factors_g_per_kwh(
        factor_type=factor_type,
        storage_discharge_g_per_kwh=storage_discharge_g_per_kwh,
        unknown_g_per_kwh=unknown_g_per_kwh,
    )
    factors = np.tile(base, (len(zone_ids), 1))
    row_of = {zone_id: row for row, zone_id in enumerate(zone_ids)}
    applicable = [
        o
        for o in overrides
        if o.factor_type == factor_type
        and (o.year is None or o.year == year)
        and (o.zone_id is None or o.zone_id in row_of)
    ]
    # Apply the least specific first so that more specific ones overwrite them.
    column_of = {name: k for k, name in enumerate(PRODUCTION_TYPES)}
    for override in sorted(applicable, key=lambda o: o.specificity):
        rows = slice(None) if override.zone_id is None else row_of[override.zone_id]
        factors[rows, column_of[override.production_type]] = override.factor_g_per_kwh
    return factors


def _check_factor_type(factor_type: str) -> None:
    if factor_type not in FACTOR_TYPES:
        raise ValidationError(
            f"Unknown emission factor type {factor_type!r}; expected lifecycle or direct.",
            field="emissionFactorType",
        )
