"""Write a dataset in the seed's JSON shape or as GeoJSON (bytes, via orjson).

The JSON writer gives back exactly the seed's shape: the seed's field names and
order, absent fields left out, date-times as ``2024-01-01T00:00:00.000+0000``, and
any fields the specification does not know after the known ones. The CSV form lives
in `gridflex.engines.heatmap.csv_format`.

GeoJSON (RFC 7946) is a ``FeatureCollection``: each substation a ``Point`` feature,
each circuit a ``LineString`` or ``MultiLineString`` feature, positions as
``[longitude, latitude]``. The dataset's Dublin Core metadata is the foreign member
``metadata``; each feature's ``properties`` hold its fields in the seed's shape (minus
the coordinates, which the geometry carries) then ``class`` (``Substation`` or
``Circuit``); ``id`` is the mRID where there is one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import orjson

from gridflex.engines.heatmap.convert import format_datetime
from gridflex.engines.heatmap.model import FIELDS, Circuit, Dataset, Geometry, Substation

_Plan = tuple[tuple[str, str, Callable[[Any], Any] | None], ...]
_PLANS: dict[type, _Plan] = {}


def to_dict(record: Any) -> dict[str, Any]:
    """Any record of the model as a dict in the seed's shape (JSON-ready)."""
    plan = _PLANS.get(type(record)) or _plan(type(record))
    values = vars(record)  # one dict lookup per field: this is the hot path of GET /heatmap
    out = {
        key: value if write is None else write(value)
        for attr, key, write in plan
        if (value := values[attr]) is not None
    }
    for key, value in record.extra.items():
        out.setdefault(key, value)
    return out


def to_json(dataset: Dataset) -> bytes:
    """The dataset as JSON bytes in the seed's shape."""
    return orjson.dumps(to_dict(dataset))


def to_geojson(dataset: Dataset) -> bytes:
    """The dataset as a GeoJSON FeatureCollection (bytes)."""
    metadata = to_dict(dataclasses.replace(dataset, substations=None, circuits=None))
    features = [_substation_feature(s) for s in dataset.substations or ()]
    features += [_circuit_feature(c) for c in dataset.circuits or ()]
    return orjson.dumps({"type": "FeatureCollection", "metadata": metadata, "features": features})


def _plan(cls: type) -> _Plan:
    steps = []
    for attr, info in FIELDS[cls]:
        write: Callable[[Any], Any] | None = None
        if info.kind == "datetime":
            write = format_datetime
        elif info.kind == "datetimes":
            write = _write_datetimes
        elif info.kind == "records":
            write = _write_records
        elif info.kind == "record":
            write = to_dict
        elif info.kind in ("numbers", "strs"):
            write = list  # a copy: the caller may edit the dict without touching the model
        steps.append((attr, info.key, write))
    plan = tuple(steps)
    _PLANS[cls] = plan
    return plan


def _write_datetimes(values: list[Any]) -> list[str]:
    return [format_datetime(v) for v in values]


def _write_records(records: list[Any]) -> list[dict[str, Any]]:
    return [to_dict(r) for r in records]


def _feature(geometry: dict[str, Any] | None, properties: dict[str, Any]) -> dict[str, Any]:
    feature: dict[str, Any] = {"type": "Feature"}
    if properties.get("mRID"):
        feature["id"] = properties["mRID"]
    feature["geometry"] = geometry
    feature["properties"] = properties
    return feature


def _substation_feature(substation: Substation) -> dict[str, Any]:
    properties = to_dict(substation)
    properties.pop("longitude", None)
    properties.pop("latitude", None)
    properties["class"] = "Substation"
    lon, lat = substation.longitude_deg, substation.latitude_deg
    geometry = None if lon is None or lat is None else {"type": "Point", "coordinates": [lon, lat]}
    return _feature(geometry, properties)


def _circuit_feature(circuit: Circuit) -> dict[str, Any]:
    properties = to_dict(circuit)
    properties.pop("Geometry", None)
    properties["class"] = "Circuit"
    return _feature(_circuit_geometry(circuit.geometry), properties)


def _circuit_geometry(geometry: Geometry | None) -> dict[str, Any] | None:
    """Lines as GeoJSON; a line needs two positions, so shorter ones fall back to points.

    The seed's own example has a one-coordinate line: it is written as a ``Point``
    (several such lines as a ``MultiPoint``) rather than as an invalid ``LineString``.
    """
    if geometry is None:
        return None
    lines = [
        [[c.longitude_deg, c.latitude_deg] for c in line.coordinates or ()]
        for line in geometry.lines or ()
    ]
    drawable = [line for line in lines if len(line) >= 2]
    if drawable:
        if len(drawable) == 1 and geometry.type != "MultiLineString":
            return {"type": "LineString", "coordinates": drawable[0]}
        return {"type": "MultiLineString", "coordinates": drawable}
    points = [position for line in lines for position in line]
    if not points:
        return None
    if len(points) == 1:
        return {"type": "Point", "coordinates": points[0]}
    return {"type": "MultiPoint", "coordinates": points}
