"""Grid zones: the registry shipped with gridflex and the GeoJSON form users upload.

A zone file is a GeoJSON ``FeatureCollection``; each feature is one zone:

=====================  ========  ===============================================
property               required  meaning
=====================  ========  ===============================================
``zoneId``             yes       e.g. ``DE``, ``DK-DK1``, ``US-CAR-DUK``
``zoneName``           yes       e.g. ``Duke Energy Carolinas``
``countryName``        no        e.g. ``United States of America``
``parentZoneId``       no        the zone this one lies in (e.g. ``US``)
``emissionFactors``    no        ``{"lifecycle": {"coal": 900}, "direct": {...}}``
``emissionFactorsByYear`` no     ``{"2021": {"lifecycle": {"coal": 950}}}``
=====================  ========  ===============================================

and its geometry is a ``Polygon`` or ``MultiPolygon`` in WGS 84 longitude and
latitude (RFC 7946). The default registry lists every ISO 3166-1 country,
with Natural Earth 1:110m shapes (public domain, see ``data/NOTICE``) where
the country is large enough to appear at that scale and no geometry otherwise.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from gridflex.engines.carbon.factors import FACTOR_TYPES, FactorOverride
from gridflex.engines.carbon.production_types import PRODUCTION_TYPES
from gridflex.errors import ValidationError

_ZONE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class Zone:
    """A grid zone.

    Attributes
    ----------
    zone_id : str
        Identifier, e.g. ``DK-DK1``.
    zone_name : str
        Display name.
    country_name : str or None
        Country of a sub-national zone; None for a country-level zone.
    parent_zone_id : str or None
        The enclosing zone, if any.
    geometry : dict or None
        GeoJSON ``Polygon`` or ``MultiPolygon`` (longitude, latitude), or None.
    emission_factor_overrides : tuple of FactorOverride
        Factors that replace the defaults in this zone.
    """

    zone_id: str
    zone_name: str
    country_name: str | None = None
    parent_zone_id: str | None = None
    geometry: dict[str, Any] | None = field(default=None, hash=False, repr=False)
    emission_factor_overrides: tuple[FactorOverride, ...] = ()


@lru_cache(maxsize=1)
def load_default_zones() -> tuple[Zone, ...]:
    """The shipped registry of country-level zones (ISO 3166-1 alpha-2 ids)."""
    text = (
        resources.files("gridflex.engines.carbon")
        .joinpath("data/countries.geojson")
        .read_text(encoding="utf-8")
    )
    return tuple(parse_zones_geojson(json.loads(text), require_geometry=False))


def zones_listing(zones: Collection[Zone]) -> dict[str, dict[str, str]]:
    """The ``/zones`` object: zone id to ``zoneName`` (and ``countryName`` when set)."""
    listing: dict[str, dict[str, str]] = {}
    for zone in sorted(zones, key=lambda z: z.zone_id):
        entry = {"zoneName": zone.zone_name}
        if zone.country_name:
            entry["countryName"] = zone.country_name
        listing[zone.zone_id] = entry
    return listing


def parse_zones_geojson(
    collection: Mapping[str, Any],
    *,
    require_geometry: bool = True,
    known_zone_ids: Collection[str] | None = None,
) -> list[Zone]:
    """Zones from a GeoJSON FeatureCollection, checked field by field.

    Parameters
    ----------
    collection : mapping
        The parsed GeoJSON document.
    require_geometry : bool
        Whether every feature must carry a polygon geometry.
    known_zone_ids : collection of str, optional
        Zones that exist already; when given, every ``parentZoneId`` must be one
        of them or a zone of this collection.

    Returns
    -------
    list of Zone

    Raises
    ------
    ValidationError
        Naming the feature index and the property at fault, e.g.
        ``features[3].properties.zoneName``.
    """
    if not isinstance(collection, Mapping) or collection.get("type") != "FeatureCollection":
        raise ValidationError("Expected a GeoJSON FeatureCollection.", field="type")
    features = collection.get("features")
    if not isinstance(features, list):
        raise ValidationError("A FeatureCollection needs a list of features.", field="features")
    zones = [_zone(feature, i, require_geometry) for i, feature in enumerate(features)]
    _check_ids_and_parents(zones, known_zone_ids)
    return zones


def _zone(feature: Any, i: int, require_geometry: bool) -> Zone:
    where = f"features[{i}]"
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        raise ValidationError(f"{where} must be a GeoJSON Feature.", field=where)
    props = feature.get("properties")
    if not isinstance(props, Mapping):
        raise ValidationError(f"{where}.properties must be an object.", field=f"{where}.properties")
    zone_id = _text(props, "zoneId", where, required=True)
    if not _ZONE_ID.match(zone_id):
        raise ValidationError(
            f"{where}.properties.zoneId {zone_id!r} must be letters, digits, '-' or '_' "
            "(at most 64).",
            field=f"{where}.properties.zoneId",
        )
    geometry = feature.get("geometry")
    if geometry is None:
        if require_geometry:
            raise ValidationError(
                f"{where}.geometry is missing; zone {zone_id!r} needs a Polygon or MultiPolygon.",
                field=f"{where}.geometry",
            )
    else:
        _check_geometry(geometry, f"{where}.geometry")
    return Zone(
        zone_id=zone_id,
        zone_name=_text(props, "zoneName", where, required=True),
        country_name=_text(props, "countryName", where),
        parent_zone_id=_text(props, "parentZoneId", where),
        geometry=dict(geometry) if geometry is not None else None,
        emission_factor_overrides=_overrides(props, zone_id, where),
    )


def _text(props: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> Any:
    value = props.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            f"{where}.properties.{key} must be a non-empty string.",
            field=f"{where}.properties.{key}",
        )
    return value.strip()


def _overrides(props: Mapping[str, Any], zone_id: str, where: str) -> tuple[FactorOverride, ...]:
    found: list[FactorOverride] = []
    sets: list[tuple[str, Any, int | None]] = [
        (f"{where}.properties.emissionFactors", props.get("emissionFactors"), None)
    ]
    by_year = props.get("emissionFactorsByYear")
    if by_year is not None:
        if not isinstance(by_year, Mapping):
            raise ValidationError(
                f"{where}.properties.emissionFactorsByYear must be an object keyed by year.",
                field=f"{where}.properties.emissionFactorsByYear",
            )
        for year, factors in by_year.items():
            path = f"{where}.properties.emissionFactorsByYear.{year}"
            if not re.fullmatch(r"\d{4}", str(year)):
                raise ValidationError(f"{path}: a year must have four digits.", field=path)
            sets.append((path, factors, int(year)))
    for path, factors, year in sets:
        if factors is None:
            continue
        if not isinstance(factors, Mapping) or not set(factors) <= set(FACTOR_TYPES):
            raise ValidationError(
                f"{path} must be an object with keys among {', '.join(FACTOR_TYPES)}.", field=path
            )
        for factor_type, by_type in factors.items():
            found.extend(
                _typed_overrides(by_type, f"{path}.{factor_type}", factor_type, zone_id, year)
            )
    return tuple(found)


def _typed_overrides(
    by_type: Any, path: str, factor_type: str, zone_id: str, year: int | None
) -> list[FactorOverride]:
    if not isinstance(by_type, Mapping):
        raise ValidationError(f"{path} must map production types to factors.", field=path)
    found = []
    for name, value in by_type.items():
        if name not in PRODUCTION_TYPES:
            raise ValidationError(
                f"{path}: unknown production type {name!r}; expected one of "
                f"{', '.join(PRODUCTION_TYPES)}.",
                field=f"{path}.{name}",
            )
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not (math.isfinite(value) and value >= 0)
        ):
            raise ValidationError(
                f"{path}.{name} must be a number >= 0 [gCO2eq/kWh].", field=f"{path}.{name}"
            )
        found.append(FactorOverride(name, float(value), factor_type, zone_id, year))
    return found


def _check_geometry(geometry: Any, where: str) -> None:
    if not isinstance(geometry, Mapping) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValidationError(f"{where} must be a Polygon or MultiPolygon.", field=where)
    coords = geometry.get("coordinates")
    polygons = coords if geometry["type"] == "MultiPolygon" else [coords]
    if not isinstance(polygons, list) or not polygons:
        raise ValidationError(f"{where}.coordinates must be a non-empty list.", field=where)
    for p, rings in enumerate(polygons):
        if not isinstance(rings, list) or not rings:
            raise ValidationError(f"{where}: polygon {p} needs at least one ring.", field=where)
        for r, ring in enumerate(rings):
            _check_ring(ring, f"{where}: polygon {p}, ring {r}", where)


def _check_ring(ring: Any, label: str, where: str) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise ValidationError(f"{label} needs at least 4 positions.", field=where)
    for position in ring:
        if (
            not isinstance(position, list | tuple)
            or len(position) < 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in position[:2])
            or not all(math.isfinite(c) for c in position[:2])
        ):
            raise ValidationError(f"{label} has a position that is not [lon, lat].", field=where)
        lon, lat = position[0], position[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValidationError(
                f"{label} has [{lon}, {lat}] outside longitude [-180, 180] / latitude [-90, 90].",
                field=where,
            )
    if list(ring[0][:2]) != list(ring[-1][:2]):
        raise ValidationError(
            f"{label} is not closed (first and last position differ).", field=where
        )


def _check_ids_and_parents(zones: list[Zone], known_zone_ids: Collection[str] | None) -> None:
    seen: dict[str, int] = {}
    for i, zone in enumerate(zones):
        if zone.zone_id in seen:
            raise ValidationError(
                f"features[{i}].properties.zoneId {zone.zone_id!r} repeats features[{seen[zone.zone_id]}].",
                field=f"features[{i}].properties.zoneId",
            )
        seen[zone.zone_id] = i
    parents = {z.zone_id: z.parent_zone_id for z in zones}
    for i, zone in enumerate(zones):
        parent = zone.parent_zone_id
        where = f"features[{i}].properties.parentZoneId"
        if parent is None:
            continue
        if known_zone_ids is not None and parent not in seen and parent not in known_zone_ids:
            raise ValidationError(f"{where}: unknown zone {parent!r}.", field=where)
        chain = {zone.zone_id}
        while parent is not None:
            if parent in chain:
                raise ValidationError(
                    f"{where}: zone {zone.zone_id!r} is its own ancestor.", field=where
                )
            chain.add(parent)
            parent = parents.get(parent)
