"""Serving published datasets: formats, filters, the near search, and a cache of the answers.

Published datasets never change, so each answer is computed once per process and
kept by (content hash, format, selection): the content hash (not the identifier)
makes a key that cannot go stale, even where a database is emptied and a dataset
published again under the same identifier (as in tests).

Formats: ``json`` (the seed's shape) and ``geojson`` (substations as points,
circuits as lines, ``[lon, lat]``), unfiltered the bytes stored when published, and
``csv`` (one table per class, zipped). A near search keeps the substations found,
nearest first, each with its great-circle ``distanceKm``, and the circuits that
start or end at them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from gridflex.engines.heatmap import (
    Dataset,
    filter_dataset,
    nearest_substations,
    parse_bbox,
    parse_json,
    parse_near,
    to_csv_zip,
    to_geojson,
    to_json,
)
from gridflex.errors import ValidationError
from gridflex.services.heatmap.publishing import content_of
from gridflex.store.models import HeatmapDataset

MEDIA_TYPES = {
    "json": "application/json",
    "geojson": "application/geo+json",
    "csv": "application/zip",
}
_WRITERS: dict[str, Callable[[Dataset], bytes]] = {
    "json": to_json,
    "geojson": to_geojson,
    "csv": to_csv_zip,
}
_ACCEPTED = {
    "application/json": "json",
    "application/geo+json": "geojson",
    "application/vnd.geo+json": "geojson",
    "application/zip": "csv",
    "text/csv": "csv",
    "application/*": "json",
    "*/*": "json",
}


@dataclass(frozen=True)
class Selection:
    """Filters and near search, normalised (sorted tuples), so equal requests share a cache key."""

    area: tuple[str, ...] = ()
    type: tuple[str, ...] = ()
    voltage_kv: tuple[float, ...] = ()
    demand_constraint: tuple[str, ...] = ()
    generation_constraint: tuple[str, ...] = ()
    bbox: tuple[float, float, float, float] | None = None
    near: tuple[float, float] | None = None
    radius_km: float | None = None
    needs: str = "demand"
    mva: float = 0.0

    @property
    def is_empty(self) -> bool:
        return self == Selection()


def selection(
    *,
    area: Iterable[str] | None = None,
    type: Iterable[str] | None = None,
    voltage: Iterable[str] | None = None,
    demand_constraint: Iterable[str] | None = None,
    generation_constraint: Iterable[str] | None = None,
    bbox: str | None = None,
    near: str | None = None,
    radius: float | None = None,
    needs: str | None = None,
    mva: float | None = None,
) -> Selection:
    """A `Selection` from query parameters; lists may also be comma-separated (not areas)."""
    if near is None and (radius is not None or needs is not None or mva is not None):
        raise ValidationError("'radius', 'needs' and 'mva' go with 'near=lat,lon'.", field="near")
    if near is not None and radius is None:
        raise ValidationError("A near search needs 'radius' (km).", field="radius")
    return Selection(
        area=tuple(sorted({a.strip() for a in area or () if a.strip()})),
        type=_split(type),
        voltage_kv=tuple(sorted({_voltage(v) for v in _split(voltage)})),
        demand_constraint=_split(demand_constraint),
        generation_constraint=_split(generation_constraint),
        bbox=parse_bbox(bbox) if bbox is not None else None,
        near=parse_near(near) if near is not None else None,
        radius_km=radius,
        needs=needs or "demand",
        mva=mva if mva is not None else 0.0,
    )


def _split(values: Iterable[str] | None) -> tuple[str, ...]:
    parts = {p.strip() for v in values or () for p in v.split(",")}
    return tuple(sorted(p for p in parts if p))


def _voltage(text: str) -> float:
    try:
        return float(text.lower().removesuffix("kv").strip())
    except ValueError:
        raise ValidationError(
            f"'voltage' must be a number of kV, got {text!r}.", field="voltage"
        ) from None


def negotiate(fmt: str | None, accept: str | None) -> str:
    """The format: ``?format=`` if given, else the first acceptable type in ``Accept``."""
    if fmt is not None:
        key = fmt.strip().lower()
        if key not in MEDIA_TYPES:
            raise ValidationError(
                f"'format' must be one of {', '.join(MEDIA_TYPES)}, got {fmt!r}.", field="format"
            )
        return key
    if not accept:
        return "json"
    ranked = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = next((float(p[2:]) for p in params if p.startswith("q=")), 1.0)
        if media.lower() in _ACCEPTED and quality > 0:
            ranked.append((-quality, position, _ACCEPTED[media.lower()]))
    if not ranked:
        raise NotAcceptableError(accept)
    return min(ranked)[2]


class NotAcceptableError(ValidationError):
    """No format the client accepts (HTTP 406)."""

    def __init__(self, accept: str) -> None:
        super().__init__(
            f"Cannot answer in {accept!r}: the heatmap is served as "
            f"{', '.join(MEDIA_TYPES.values())}.",
            field="Accept",
        )


def select(dataset: Dataset, chosen: Selection) -> Dataset:
    """The dataset reduced by the filters, then by the near search (nearest first)."""
    if chosen.is_empty:
        return dataset
    filtered = filter_dataset(
        dataset,
        area=chosen.area or None,
        type=chosen.type or None,
        voltage_kv=chosen.voltage_kv or None,
        demand_constraint=chosen.demand_constraint or None,
        generation_constraint=chosen.generation_constraint or None,
        bbox=chosen.bbox,
    )
    if chosen.near is None:
        return filtered
    assert chosen.radius_km is not None
    found = nearest_substations(
        filtered,
        lat=chosen.near[0],
        lon=chosen.near[1],
        radius_km=chosen.radius_km,
        needs=chosen.needs,
        mva=chosen.mva,
    )
    substations = filtered.substations or []
    kept = [
        dataclasses.replace(
            substations[n.index],
            extra={**substations[n.index].extra, "distanceKm": round(n.distance_km, 3)},
        )
        for n in found
    ]
    ids = {ident for s in kept for ident in (s.mrid, s.name) if ident}
    circuits = [
        c
        for c in filtered.circuits or ()
        if any(end in ids for end in (c.from_substation, *(c.to_substation or ())))
    ]
    return dataclasses.replace(
        filtered,
        substations=kept,
        circuits=circuits if filtered.circuits is not None else None,
    )


# ---------------------------------------------------------------- rendering and caching


class _LRU:
    """A least-recently-used map bounded by entries and by the total ``weight`` of its values."""

    def __init__(
        self,
        entries: int,
        budget: float = float("inf"),
        weight: Callable[[Any], float] = lambda value: 0,
    ) -> None:
        self.entries = entries
        self.budget = budget
        self.weight = weight
        self.total = 0.0
        self.items: OrderedDict[Any, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def put(self, key: Any, value: Any) -> None:
        with self.lock:
            if key in self.items:
                self.total -= self.weight(self.items.pop(key))
            self.items[key] = value
            self.total += self.weight(value)
            while len(self.items) > 1 and (
                len(self.items) > self.entries or self.total > self.budget
            ):
                _, old = self.items.popitem(last=False)
                self.total -= self.weight(old)


_ANSWERS = _LRU(512, budget=256e6, weight=lambda answer: len(answer.body))  # bytes served
_DATASETS = _LRU(8)  # parsed datasets, for filtered answers and other formats


@dataclass(frozen=True)
class Answer:
    body: bytes
    media_type: str
    etag: str


def answer(session: Session, row: HeatmapDataset, fmt: str, chosen: Selection) -> Answer:
    """The dataset in ``fmt`` reduced by ``chosen``: from the cache, else computed once."""
    key = (row.content_sha256, fmt, chosen)
    cached = _ANSWERS.get(key)
    if cached is not None:
        return cached
    if fmt in ("json", "geojson") and chosen.is_empty:
        body = content_of(session, row, geojson=fmt == "geojson")  # stored as served
    else:
        body = _WRITERS[fmt](select(_dataset(session, row), chosen))
    etag = '"' + hashlib.sha256(repr(key).encode()).hexdigest()[:32] + '"'
    result = Answer(body, MEDIA_TYPES[fmt], etag)
    _ANSWERS.put(key, result)
    return result


def _dataset(session: Session, row: HeatmapDataset) -> Dataset:
    dataset = _DATASETS.get(row.content_sha256)
    if dataset is None:
        dataset, _ = parse_json(content_of(session, row))
        _DATASETS.put(row.content_sha256, dataset)
    return dataset
