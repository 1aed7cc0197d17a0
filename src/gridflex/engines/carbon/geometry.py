"""Which zone a point lies in.

Each zone's rings (exteriors and holes of all its polygons) are flattened into
one array of edges. A point is inside when a ray from it crosses those edges an
odd number of times (even-odd rule): crossing a hole's edge toggles the answer
back, so holes are respected without telling rings apart. A bounding-box test
first leaves only a few candidate zones. Where zones nest (a zone and its
parent), the deepest zone wins, then the smallest. Points exactly on a border
may fall on either side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gridflex.engines.carbon.zones import Zone, load_default_zones
from gridflex.errors import ValidationError


@dataclass(frozen=True)
class _Shape:
    zone: Zone
    edges: NDArray[np.float64]  # (n, 4): lon0, lat0, lon1, lat1
    depth: int
    area_deg2: float


class ZoneIndex:
    """Zones prepared for repeated point lookups; build once, query often.

    Parameters
    ----------
    zones : sequence of Zone
        Zones without geometry are kept out of the index.
    """

    def __init__(self, zones: Sequence[Zone]) -> None:
        by_id = {zone.zone_id: zone for zone in zones}
        self._shapes = [
            _Shape(zone, edges, _depth(zone, by_id), _area(zone.geometry))
            for zone in zones
            if zone.geometry is not None
            for edges in [_edges(zone.geometry)]
        ]
        boxes = [
            (
                s.edges[:, [0, 2]].min(),
                s.edges[:, [1, 3]].min(),
                s.edges[:, [0, 2]].max(),
                s.edges[:, [1, 3]].max(),
            )
            for s in self._shapes
        ]
        self._boxes = np.array(boxes, dtype=np.float64).reshape(-1, 4)

    def find(self, lat: float, lon: float) -> Zone | None:
        """The most specific zone containing the point, or None.

        Parameters
        ----------
        lat : float
            Latitude, WGS 84. [degree]
        lon : float
            Longitude, WGS 84. [degree]

        Raises
        ------
        ValidationError
            If the coordinates are not finite or out of range.
        """
        lat, lon = _checked(lat, lon)
        boxes = self._boxes
        candidates = np.flatnonzero(
            (boxes[:, 0] <= lon)
            & (lon <= boxes[:, 2])
            & (boxes[:, 1] <= lat)
            & (lat <= boxes[:, 3])
        )
        hits = [self._shapes[i] for i in candidates if _contains(self._shapes[i].edges, lon, lat)]
        if not hits:
            return None
        return min(hits, key=lambda s: (-s.depth, s.area_deg2)).zone


def find_zone(zones: Sequence[Zone] | ZoneIndex, lat: float, lon: float) -> Zone | None:
    """The most specific zone containing a point, or None.

    Parameters
    ----------
    zones : sequence of Zone or ZoneIndex
        Pass a :class:`ZoneIndex` when looking up many points.
    lat, lon : float
        WGS 84 coordinates. [degree]
    """
    index = zones if isinstance(zones, ZoneIndex) else ZoneIndex(zones)
    return index.find(lat, lon)


@lru_cache(maxsize=1)
def default_zone_index() -> ZoneIndex:
    """A :class:`ZoneIndex` over :func:`load_default_zones`, built once."""
    return ZoneIndex(load_default_zones())


def _contains(edges: NDArray[np.float64], lon: float, lat: float) -> bool:
    lon0, lat0, lon1, lat1 = edges.T
    straddles = (lat0 > lat) != (lat1 > lat)
    # Only straddling edges are divided by, so lat1 - lat0 is never zero there.
    with np.errstate(divide="ignore", invalid="ignore"):
        cross_lon = lon0 + (lat - lat0) * (lon1 - lon0) / (lat1 - lat0)
    return bool(np.count_nonzero(straddles & (lon < cross_lon)) % 2)


def _rings(geometry: dict[str, Any]) -> list[NDArray[np.float64]]:
    polygons = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    return [
        np.asarray([p[:2] for p in ring], dtype=np.float64) for rings in polygons for ring in rings
    ]


def _edges(geometry: dict[str, Any]) -> NDArray[np.float64]:
    return np.concatenate([np.hstack([ring[:-1], ring[1:]]) for ring in _rings(geometry)])


def _area(geometry: dict[str, Any]) -> float:
    # Even-odd area: exteriors minus holes, in square degrees (only compared).
    area = 0.0
    polygons = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    for rings in polygons:
        for r, ring in enumerate(rings):
            xy = np.asarray([p[:2] for p in ring], dtype=np.float64)
            ring_area = 0.5 * abs(
                float(np.dot(xy[:-1, 0], xy[1:, 1]) - np.dot(xy[1:, 0], xy[:-1, 1]))
            )
            area += ring_area if r == 0 else -ring_area
    return area


def _depth(zone: Zone, by_id: dict[str, Zone]) -> int:
    depth, parent, seen = 0, zone.parent_zone_id, {zone.zone_id}
    while parent is not None and parent in by_id and parent not in seen:
        seen.add(parent)
        depth += 1
        parent = by_id[parent].parent_zone_id
    return depth


def _checked(lat: float, lon: float) -> tuple[float, float]:
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        raise ValidationError("lat and lon must be numbers.", field="lat") from None
    if not (np.isfinite(lat) and -90 <= lat <= 90):
        raise ValidationError(f"lat must be within [-90, 90], got {lat}.", field="lat")
    if not (np.isfinite(lon) and -180 <= lon <= 180):
        raise ValidationError(f"lon must be within [-180, 180], got {lon}.", field="lon")
    return lat, lon
