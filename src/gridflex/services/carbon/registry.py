"""The zone registry: shipped country zones merged with the zone assets of the store.

A :class:`Registry` is a snapshot: every known zone (the engine's default
registry, overridden by zone assets with the same id), the sensors of each
zone asset, the links between zones (from the ``exchange A->B`` sensors) and a
point index for lat/lon lookups. Zones joined by links form a *system*, the
unit that flow tracing works on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from gridflex.engines.carbon import FactorOverride, Zone, ZoneIndex, load_default_zones
from gridflex.errors import NotFoundError, ValidationError
from gridflex.services import assets
from gridflex.services.carbon import naming
from gridflex.store.models import Asset
from gridflex.store.queries import carbon as q


@dataclass(frozen=True)
class SensorRef:
    """What the carbon services need to know of a sensor, without holding ORM objects."""

    id: int
    name: str
    asset_id: int
    resolution: timedelta


@dataclass(frozen=True)
class ZoneRecord:
    """A zone, its asset (None: a shipped zone nobody sent data for yet) and its sensors."""

    zone: Zone
    asset_id: int | None = None
    sensors: Mapping[str, SensorRef] = field(default_factory=dict)
    price_sensor_id: int | None = None  # a day-ahead price sensor linked to the zone

    @property
    def zone_id(self) -> str:
        return self.zone.zone_id


@dataclass(frozen=True)
class Link:
    """An exchange sensor: net flow between two zones, positive from ``from_zone`` to ``to_zone``."""

    from_zone: str
    to_zone: str
    sensor: SensorRef


@dataclass(frozen=True)
class Registry:
    zones: Mapping[str, ZoneRecord]
    links: tuple[Link, ...]
    index: ZoneIndex

    def get(self, zone_id: str) -> ZoneRecord:
        """The zone with this id; an unknown id is a bad request naming it."""
        record = self.zones.get(zone_id)
        if record is None:
            raise ValidationError(f"Unknown zone {zone_id!r}; see /v3/zones.", field="zone")
        return record

    def locate(self, lat: float, lon: float) -> ZoneRecord:
        """The most specific zone containing the point."""
        zone = self.index.find(lat, lon)
        if zone is None:
            raise NotFoundError(
                f"No zone contains the point lat={lat}, lon={lon} (at sea, or outside every "
                "known zone)."
            )
        return self.zones[zone.zone_id]

    def neighbours(self, zone_id: str) -> list[str]:
        linked = {link.to_zone for link in self.links if link.from_zone == zone_id}
        linked |= {link.from_zone for link in self.links if link.to_zone == zone_id}
        return sorted(linked)

    def system(self, zone_id: str) -> tuple[str, ...]:
        """The zones connected to ``zone_id`` through links, itself included, sorted."""
        seen, todo = {zone_id}, [zone_id]
        while todo:
            for other in self.neighbours(todo.pop()):
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
        return tuple(sorted(seen))

    def systems(self, zone_ids: Iterable[str] | None = None) -> list[tuple[str, ...]]:
        """The systems holding ``zone_ids`` (default: every zone that has data sensors)."""
        wanted = (
            [z for z, r in self.zones.items() if any(naming.is_input(n) for n in r.sensors)]
            if zone_ids is None
            else [self.get(z).zone_id for z in zone_ids]
        )
        found: dict[str, tuple[str, ...]] = {}
        for zone_id in wanted:
            if zone_id not in found:
                system = self.system(zone_id)
                found.update(dict.fromkeys(system, system))
        return sorted(set(found.values()))

    def input_sensors(self, system: Iterable[str]) -> list[SensorRef]:
        """Production and exchange sensors of the zones of a system."""
        out: list[SensorRef] = []
        for zone_id in system:
            record = self.zones.get(zone_id)
            if record is not None:
                out.extend(s for name, s in record.sensors.items() if naming.is_input(name))
        return sorted(out, key=lambda s: s.id)

    def asset_ids(self, system: Iterable[str]) -> list[int]:
        return sorted(
            r.asset_id
            for z in system
            if (r := self.zones.get(z)) is not None and r.asset_id is not None
        )


def load_registry(session: Session) -> Registry:
    """A fresh snapshot of the zones, their sensors and links."""
    defaults = {zone.zone_id: zone for zone in load_default_zones()}
    records: dict[str, ZoneRecord] = {z: ZoneRecord(zone) for z, zone in defaults.items()}
    zone_assets = q.zone_assets(session, naming.ZONE_ASSET_TYPE)
    sensors_by_asset: dict[int, dict[str, SensorRef]] = {}
    for sid, name, asset_id, resolution_s in q.sensor_rows(session, [a.id for a in zone_assets]):
        sensors_by_asset.setdefault(asset_id, {})[name] = SensorRef(
            sid, name, asset_id, timedelta(seconds=resolution_s or 3600)
        )
    for asset in zone_assets:
        zone = zone_of(asset.attributes or {}, defaults)
        if zone is not None:
            price = (asset.attributes or {}).get(naming.PRICE_SENSOR_ATTRIBUTE)
            records[zone.zone_id] = ZoneRecord(
                zone,
                asset.id,
                sensors_by_asset.get(asset.id, {}),
                int(price) if isinstance(price, int | str) and str(price).isdigit() else None,
            )
    links = []
    for record in records.values():
        for name, sensor in record.sensors.items():
            pair = naming.exchange_of(name)
            if pair is not None:
                links.append(Link(pair[0], pair[1], sensor))
                for zone_id in pair:  # a neighbour nobody described: a zone without data
                    records.setdefault(zone_id, ZoneRecord(Zone(zone_id, zone_id)))
    return Registry(records, tuple(links), _index([r.zone for r in records.values()]))


_INDEX_CACHE: dict[int, tuple[tuple[Zone, ...], ZoneIndex]] = {}


def _index(zones: list[Zone]) -> ZoneIndex:
    # Building the index takes ~15 ms; snapshots are taken often and zones rarely change.
    key = tuple(sorted(zones, key=lambda z: z.zone_id))
    cached = _INDEX_CACHE.get(0)
    if cached is not None and cached[0] == key:
        return cached[1]
    index = ZoneIndex(list(key))
    _INDEX_CACHE[0] = (key, index)
    return index


def zone_of(attributes: Mapping[str, Any], defaults: Mapping[str, Zone]) -> Zone | None:
    """The zone a zone asset describes; a missing geometry falls back to the shipped shape."""
    zone_id = attributes.get("zone_id")
    if not zone_id:
        return None
    default = defaults.get(zone_id)
    geometry = attributes.get("geometry") or (default.geometry if default else None)
    overrides = tuple(
        FactorOverride(
            o["production_type"],
            float(o["factor_g_per_kwh"]),
            o.get("factor_type", "lifecycle"),
            zone_id,
            o.get("year"),
        )
        for o in attributes.get("factor_overrides") or ()
    )
    return Zone(
        zone_id=zone_id,
        zone_name=attributes.get("zone_name") or (default.zone_name if default else zone_id),
        country_name=attributes.get("country_name"),
        parent_zone_id=attributes.get("parent_zone_id"),
        geometry=geometry,
        emission_factor_overrides=overrides,
    )


def zone_attributes(zone: Zone, *, keep_geometry: bool = True) -> dict[str, Any]:
    """The asset attributes that describe ``zone`` (see :mod:`.naming`)."""
    return {
        "zone_id": zone.zone_id,
        "zone_name": zone.zone_name,
        "country_name": zone.country_name,
        "parent_zone_id": zone.parent_zone_id,
        "geometry": zone.geometry if keep_geometry else None,
        "factor_overrides": [
            {
                "production_type": o.production_type,
                "factor_g_per_kwh": o.factor_g_per_kwh,
                "factor_type": o.factor_type,
                "year": o.year,
            }
            for o in zone.emission_factor_overrides
        ],
    }


def zone_assets_by_id(session: Session) -> dict[str, Asset]:
    """Zone assets keyed by zone id."""
    found: dict[str, Asset] = {}
    for asset in q.zone_assets(session, naming.ZONE_ASSET_TYPE):
        zone_id = (asset.attributes or {}).get("zone_id")
        if zone_id:
            found.setdefault(zone_id, asset)
    return found


def save_zone(session: Session, zone: Zone, existing: Asset | None, *, shipped: bool) -> Asset:
    """Create or update the asset of a zone (shipped zones keep their geometry in the package)."""
    attributes = zone_attributes(zone, keep_geometry=not shipped)
    name = f"{zone.zone_name} ({zone.zone_id})"
    if existing is not None:
        existing.attributes = {**(existing.attributes or {}), **attributes}
        existing.name = name
        return existing
    type_id = assets.asset_type_by_name_or_id(session, naming.ZONE_ASSET_TYPE).id
    return assets.create_asset(
        session,
        {
            "name": name,
            "generic_asset_type_id": type_id,
            "account_id": None,
            "external_id": zone.zone_id,
            "attributes": attributes,
        },
        actor=None,
    )


def ensure_zone_assets(session: Session, zone_ids: Iterable[str]) -> dict[str, Asset]:
    """The assets of these zones, creating those of shipped zones; unknown ids are refused."""
    existing = zone_assets_by_id(session)
    defaults = {zone.zone_id: zone for zone in load_default_zones()}
    out = {}
    for zone_id in sorted(set(zone_ids)):
        if zone_id in existing:
            out[zone_id] = existing[zone_id]
        elif zone_id in defaults:
            out[zone_id] = existing[zone_id] = save_zone(
                session, defaults[zone_id], None, shipped=True
            )
        else:
            raise ValidationError(
                f"Unknown zone {zone_id!r}: import it first (gridflex carbon import-zones FILE.geojson).",
                field="zone",
            )
    return out


def link_price_sensor(session: Session, zone_ids: Iterable[str], sensor_id: int) -> None:
    """Name ``sensor_id`` the day-ahead price sensor of these zones (their zone assets)."""
    for asset in ensure_zone_assets(session, zone_ids).values():
        asset.attributes = {**(asset.attributes or {}), naming.PRICE_SENSOR_ATTRIBUTE: sensor_id}
    session.flush()
