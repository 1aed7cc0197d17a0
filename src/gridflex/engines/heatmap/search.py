"""Filters over a dataset and the "nearest substations with room" search.

Filters (all optional, combined with AND; a filter given several values matches any
of them): ``area`` (case-insensitive), ``type``, ``voltage`` (one of the
substation's voltages, kV), ``demandConstraint``, ``generationConstraint`` and
``bbox`` (``min_lon, min_lat, max_lon, max_lat`` as in GeoJSON; a box with
``min_lon > max_lon`` crosses the antimeridian). Circuits are kept when they pass
the filters that apply to them (voltage, demandConstraint, bbox on any coordinate)
and, when a substation-only filter is given (area, type, generationConstraint),
when they start or end at a kept substation.

The near search returns the substations within ``radius_km`` of a point with at
least ``mva`` available for demand or generation, nearest first, by great-circle
distance on a sphere of the Earth's mean radius.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gridflex.engines.heatmap.arrays import column
from gridflex.engines.heatmap.convert import Unreadable, read_enum
from gridflex.engines.heatmap.model import (
    RAG_VALUES,
    SUBSTATION_TYPES,
    Circuit,
    Dataset,
    Substation,
)
from gridflex.errors import ValidationError

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG) [km]."""

NEEDS = ("demand", "generation")


@dataclass(frozen=True)
class Near:
    """One result of the near search: the substation's position in the dataset and distance."""

    index: int
    distance_km: float


def great_circle_km(
    lat_deg: ArrayLike, lon_deg: ArrayLike, lat2_deg: ArrayLike, lon2_deg: ArrayLike
) -> NDArray[np.float64]:
    """Great-circle distance by the haversine formula [km]; angles in decimal degrees."""
    lat1, lon1, lat2, lon2 = (
        np.radians(np.asarray(a, dtype=np.float64)) for a in (lat_deg, lon_deg, lat2_deg, lon2_deg)
    )
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def nearest_substations(
    dataset: Dataset, *, lat: float, lon: float, radius_km: float, needs: str, mva: float = 0.0
) -> list[Near]:
    """Substations within ``radius_km`` with at least ``mva`` available, nearest first.

    Parameters
    ----------
    lat, lon : float
        The point. [decimal degrees]
    radius_km : float
        Search radius. [km]
    needs : {"demand", "generation"}
        Which available capacity must reach ``mva``.
    mva : float
        Least available capacity. [MVA]
    """
    _check_point(lat, lon)
    if not radius_km > 0:
        raise ValidationError("The radius must be a positive number of km.", field="radius")
    if needs not in NEEDS:
        raise ValidationError("'needs' must be 'demand' or 'generation'.", field="needs")
    if not mva >= 0:
        raise ValidationError("'mva' must be zero or more.", field="mva")
    substations = dataset.substations or []
    available = column(substations, f"{needs}_available_capacity_mva")
    distance = great_circle_km(
        lat, lon, column(substations, "latitude_deg"), column(substations, "longitude_deg")
    )
    hit = np.flatnonzero((distance <= radius_km) & (available >= mva))  # NaN never passes
    order = hit[np.argsort(distance[hit], kind="stable")]
    return [Near(int(i), float(distance[i])) for i in order]


def filter_dataset(
    dataset: Dataset,
    *,
    area: str | Sequence[str] | None = None,
    type: str | Sequence[str] | None = None,  # the query parameter's name
    voltage_kv: float | Sequence[float] | None = None,
    demand_constraint: str | Sequence[str] | None = None,
    generation_constraint: str | Sequence[str] | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> Dataset:
    """The dataset with only the substations and circuits that pass every filter given."""
    areas = {a.casefold() for a in _many(area)} if area is not None else None
    types = _enums(type, SUBSTATION_TYPES, "type")
    voltages = [float(v) for v in _many(voltage_kv)] if voltage_kv is not None else None
    demand = _enums(demand_constraint, RAG_VALUES, "demandConstraint")
    generation = _enums(generation_constraint, RAG_VALUES, "generationConstraint")
    box = check_bbox(bbox) if bbox is not None else None

    def keep_substation(s: Substation) -> bool:
        return (
            (areas is None or (s.area or "").casefold() in areas)
            and (types is None or s.type in types)
            and (voltages is None or any(_has_voltage(s.voltages_kv, v) for v in voltages))
            and (demand is None or s.demand_constraint in demand)
            and (generation is None or s.generation_constraint in generation)
            and (box is None or _in_box(s.longitude_deg, s.latitude_deg, box))
        )

    kept = [s for s in dataset.substations or () if keep_substation(s)]
    by_substation = area is not None or type is not None or generation_constraint is not None
    kept_ids = {ident for s in kept for ident in (s.mrid, s.name) if ident}

    def keep_circuit(c: Circuit) -> bool:
        ends = [c.from_substation, *(c.to_substation or ())]
        return (
            (voltages is None or any(_has_voltage([c.voltage_kv], v) for v in voltages))
            and (demand is None or c.demand_constraint in demand)
            and (box is None or any(_in_box(lon, lat, box) for lon, lat in _points(c)))
            and (not by_substation or any(end in kept_ids for end in ends))
        )

    return dataclasses.replace(
        dataset,
        substations=kept if dataset.substations is not None else None,
        circuits=[c for c in dataset.circuits or () if keep_circuit(c)]
        if dataset.circuits is not None
        else None,
    )


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``"min_lon,min_lat,max_lon,max_lat"`` (the GeoJSON order) as four floats."""
    parts = _floats(text, 4, "bbox", "min_lon,min_lat,max_lon,max_lat")
    return check_bbox((parts[0], parts[1], parts[2], parts[3]))


def parse_near(text: str) -> tuple[float, float]:
    """``"lat,lon"`` as two floats [decimal degrees]."""
    lat, lon = _floats(text, 2, "near", "lat,lon")
    _check_point(lat, lon)
    return lat, lon


def check_bbox(bbox: Sequence[float]) -> tuple[float, float, float, float]:
    """A bbox ``(min_lon, min_lat, max_lon, max_lat)`` checked for range and order."""
    if len(bbox) != 4:
        raise ValidationError(
            "bbox needs four numbers: min_lon,min_lat,max_lon,max_lat.", field="bbox"
        )
    min_lon, min_lat, max_lon, max_lat = (float(v) for v in bbox)
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise ValidationError("bbox longitudes must lie in [-180, 180].", field="bbox")
    if not -90 <= min_lat <= max_lat <= 90:
        raise ValidationError("bbox latitudes must lie in [-90, 90], min first.", field="bbox")
    return min_lon, min_lat, max_lon, max_lat


def _floats(text: str, count: int, field: str, form: str) -> list[float]:
    try:
        values = [float(part) for part in str(text).split(",")]
    except ValueError:
        values = []
    if len(values) != count or not all(np.isfinite(values)):
        raise ValidationError(f"'{field}' must be {form}, got {text!r}.", field=field)
    return values


def _check_point(lat: float, lon: float) -> None:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError(
            "The point must have latitude in [-90, 90] and longitude in [-180, 180].", field="near"
        )


def _many(value: object) -> list:
    if isinstance(value, str | int | float):
        return [value]
    return list(value)  # type: ignore[call-overload]


def _enums(value: str | Sequence[str] | None, choices: tuple[str, ...], field: str) -> set | None:
    if value is None:
        return None
    try:
        return {read_enum(v, choices)[0] for v in _many(value)}
    except Unreadable as exc:
        raise ValidationError(f"Filter '{field}': {exc}.", field=field) from None


def _has_voltage(voltages: Iterable[float | None] | None, wanted: float) -> bool:
    return any(v is not None and abs(v - wanted) < 1e-9 for v in voltages or ())


def _in_box(lon: float | None, lat: float | None, box: tuple[float, float, float, float]) -> bool:
    if lon is None or lat is None:
        return False
    min_lon, min_lat, max_lon, max_lat = box
    in_lon = min_lon <= lon <= max_lon if min_lon <= max_lon else (lon >= min_lon or lon <= max_lon)
    return in_lon and min_lat <= lat <= max_lat


def _points(circuit: Circuit) -> list[tuple[float | None, float | None]]:
    if circuit.geometry is None:
        return []
    return [
        (point.longitude_deg, point.latitude_deg)
        for line in circuit.geometry.lines or ()
        for point in line.coordinates or ()
    ]
