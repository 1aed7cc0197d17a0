"""Results shaped like the carbon API's JSON objects (keys exactly as in its contract).

Powers [MW], intensities [gCO2eq/kWh] and percentages are whole numbers,
rounded half up; what is unknown is ``None`` (JSON ``null``): a type a zone did
not report, and every figure of a zone without data. Routes add ``zone``,
``datetime`` and ``updatedAt``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gridflex.engines.carbon.intensity import fossil_free_frac, renewable_frac, round_half_up
from gridflex.engines.carbon.production_types import PRODUCTION_TYPES, STORAGE_DISCHARGE_TYPES
from gridflex.engines.carbon.tracing import TracedFlows
from gridflex.errors import ValidationError


def whole_numbers(values: ArrayLike) -> list[int | None]:
    """Values rounded half up as ``int``, NaN as ``None``; e.g. ``carbonIntensity`` per step."""
    rounded = round_half_up(np.ravel(np.asarray(values, dtype=np.float64)))
    return [None if np.isnan(v) else int(v) for v in rounded]


def power_breakdown_records(
    traced: TracedFlows, zone: int, *, zone_ids: Sequence[str]
) -> list[dict[str, Any]]:
    """The power breakdown of one zone at every step, as the API returns it.

    Parameters
    ----------
    traced : TracedFlows
    zone : int
        Index of the zone on the ``Z`` axis.
    zone_ids : sequence of str, length Z
        Zone ids, used as keys of the import and export breakdowns.

    Returns
    -------
    list of dict, length T
        Keys ``powerConsumptionBreakdown``, ``powerConsumptionTotal``,
        ``powerProductionBreakdown``, ``powerProductionTotal``,
        ``powerImportBreakdown``, ``powerImportTotal``, ``powerExportBreakdown``,
        ``powerExportTotal``, ``fossilFreePercentage``, ``renewablePercentage``.
        Import and export breakdowns list every zone linked to this one.
    """
    n_zones = traced.has_data.shape[1]
    if len(zone_ids) != n_zones or not 0 <= zone < n_zones:
        raise ValidationError(
            f"zone_ids must name all {n_zones} zones and zone must index one of them.",
            field="zone_ids",
        )
    neighbours = traced.neighbours(zone)
    imports = traced.import_mw(zone)[:, neighbours]
    exports = traced.export_mw(zone)[:, neighbours]
    consumption = traced.consumption_mw[:, zone]
    percentages = {
        "fossilFreePercentage": whole_numbers(100.0 * fossil_free_frac(consumption)),
        "renewablePercentage": whole_numbers(100.0 * renewable_frac(consumption)),
    }
    records = []
    for t in range(traced.has_data.shape[0]):
        has_data = bool(traced.has_data[t, zone])
        records.append(
            {
                "powerConsumptionBreakdown": _consumption_breakdown(traced, t, zone),
                "powerConsumptionTotal": _whole(traced.consumption_total_mw[t, zone]),
                "powerProductionBreakdown": _production_breakdown(traced, t, zone),
                "powerProductionTotal": _whole(traced.production_total_mw[t, zone]),
                "powerImportBreakdown": _by_zone(imports[t], neighbours, zone_ids),
                "powerImportTotal": _whole(traced.import_total_mw[t, zone]),
                "powerExportBreakdown": _by_zone(exports[t], neighbours, zone_ids),
                "powerExportTotal": _whole(traced.export_total_mw[t, zone]),
                "fossilFreePercentage": percentages["fossilFreePercentage"][t]
                if has_data
                else None,
                "renewablePercentage": percentages["renewablePercentage"][t] if has_data else None,
            }
        )
    return records


def marginal_breakdown_record(mix_frac: ArrayLike) -> dict[str, float]:
    """A ``marginalPowerConsumptionBreakdown`` object from one marginal mix.

    The contract spells storage types with a hyphen here (``hydro-discharge``).

    Parameters
    ----------
    mix_frac : array_like, shape (K,)
        Marginal share of each type. [-]
    """
    values = np.asarray(mix_frac, dtype=np.float64)
    if values.shape != (len(PRODUCTION_TYPES),):
        raise ValidationError(
            f"mix_frac must have shape ({len(PRODUCTION_TYPES)},), got {values.shape}.",
            field="mix_frac",
        )
    return {
        (name.replace(" ", "-") if name in STORAGE_DISCHARGE_TYPES else name): float(v)
        for name, v in zip(PRODUCTION_TYPES, values, strict=True)
    }


def _production_breakdown(traced: TracedFlows, t: int, zone: int) -> dict[str, int | None]:
    if not traced.has_data[t, zone]:
        return dict.fromkeys(PRODUCTION_TYPES)
    values = whole_numbers(traced.production_mw[t, zone])
    reported = traced.production_reported[t, zone]
    return {
        name: (v if ok else None)
        for name, v, ok in zip(PRODUCTION_TYPES, values, reported, strict=True)
    }


def _consumption_breakdown(traced: TracedFlows, t: int, zone: int) -> dict[str, int | None]:
    if not traced.has_data[t, zone]:
        return dict.fromkeys(PRODUCTION_TYPES)
    consumed = traced.consumption_mw[t, zone]
    values = whole_numbers(consumed)
    reported = traced.production_reported[t, zone]
    # A type the zone does not report is still consumed if it is imported;
    # only when none arrives is it unknown rather than zero.
    return {
        name: (v if ok or c > 0 else None)
        for name, v, ok, c in zip(PRODUCTION_TYPES, values, reported, consumed, strict=True)
    }


def _by_zone(
    values: NDArray[np.float64], zones: NDArray[np.intp], zone_ids: Sequence[str]
) -> dict[str, int | None]:
    return dict(zip((zone_ids[j] for j in zones), whole_numbers(values), strict=True))


def _whole(value: float) -> int | None:
    return whole_numbers(value)[0]
