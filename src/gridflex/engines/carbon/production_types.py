"""The production types of the carbon engine, in the order of every array axis ``K``.

The names are the keys of the carbon API's ``powerProductionBreakdown`` and
``powerConsumptionBreakdown`` objects. Storage appears only as *discharge*:
discharging storage is a source of power in its zone, while charging storage is
load, so it is part of the zone's consumption (see ``tracing``).

Nomenclature
------------
``T`` time steps, ``Z`` zones, ``K`` production types, ``E`` exchange links.
"""

from __future__ import annotations

PRODUCTION_TYPES: tuple[str, ...] = (
    "biomass",
    "coal",
    "gas",
    "geothermal",
    "hydro",
    "nuclear",
    "oil",
    "solar",
    "wind",
    "unknown",
    "hydro discharge",
    "battery discharge",
)
"""Every production type, in array order."""

STORAGE_DISCHARGE_TYPES: frozenset[str] = frozenset({"hydro discharge", "battery discharge"})
"""Types whose emission factor is the configurable storage-discharge factor."""

RENEWABLE_TYPES: frozenset[str] = frozenset(
    {"biomass", "geothermal", "hydro", "solar", "wind"} | STORAGE_DISCHARGE_TYPES
)
"""Types counted in ``renewablePercentage`` (storage discharge is counted as renewable)."""

FOSSIL_FREE_TYPES: frozenset[str] = RENEWABLE_TYPES | {"nuclear"}
"""Types counted in ``fossilFreePercentage``: the renewables plus nuclear."""

MUST_RUN_TYPES: frozenset[str] = frozenset({"nuclear", "solar", "wind", "geothermal"})
"""Types that do not follow load, so their marginal share is fixed at zero.

Nuclear and geothermal run at constant output for economic and technical
reasons; solar and wind output is set by the weather, not by demand.
"""


def type_index(production_type: str) -> int:
    """Position of a production type on the ``K`` axis.

    Raises
    ------
    KeyError
        If the name is not one of ``PRODUCTION_TYPES``.
    """
    try:
        return PRODUCTION_TYPES.index(production_type)
    except ValueError:
        raise KeyError(production_type) from None


def type_mask(types: frozenset[str] | set[str]) -> list[bool]:
    """Boolean mask over ``PRODUCTION_TYPES`` selecting ``types``."""
    return [name in types for name in PRODUCTION_TYPES]
