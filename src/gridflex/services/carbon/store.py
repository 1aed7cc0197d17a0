"""Sensors and data sources of zone assets: find them, create them as the naming scheme says."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from gridflex.services import sensors, sources
from gridflex.services.carbon import naming
from gridflex.store.models import DataSource, Sensor
from gridflex.store.queries import carbon as q

HOUR = timedelta(hours=1)


def zone_sensors(session: Session, asset_ids: Iterable[int]) -> dict[tuple[int, str], Sensor]:
    """The sensors of these zone assets, keyed by (asset id, sensor name)."""
    found = q.sensors_of(session, sorted(set(asset_ids)))
    return {(s.generic_asset_id, s.name): s for s in found}


def sensor_id(session: Session, asset_id: int, name: str) -> int | None:
    return q.sensor_id(session, asset_id, name)


def input_attributes(name: str) -> dict[str, Any]:
    """Sign attributes of an input sensor: production and charging are stored as magnitudes."""
    if naming.production_type_of(name) is not None:
        return {"consumption_is_positive": False, "is_pure_producer": True}
    if name in naming.CHARGE_TYPES.values():
        return {"is_pure_consumer": True}
    return {}  # exchanges are signed: positive flows from the first zone to the second


def get_or_create_sensor(
    session: Session,
    known: dict[tuple[int, str], Sensor],
    asset_id: int,
    name: str,
    *,
    unit: str,
    resolution: timedelta,
    attributes: dict[str, Any] | None = None,
) -> Sensor:
    """The zone asset's sensor of this name, created (in UTC) if it does not exist yet."""
    sensor = known.get((asset_id, name))
    if sensor is None:
        sensor = sensors.create_sensor(
            session,
            {
                "name": name,
                "unit": unit,
                "event_resolution": resolution,
                "timezone": "UTC",
                "generic_asset_id": asset_id,
                "attributes": attributes or {},
            },
            actor=None,
        )
        known[(asset_id, name)] = sensor
    return sensor


def reporter(session: Session) -> DataSource:
    return sources.get_or_create_source(session, **naming.REPORTER)


def forecaster(session: Session) -> DataSource:
    return sources.get_or_create_source(session, **naming.FORECASTER)


def source_id(session: Session, spec: naming.SourceSpec) -> int | None:
    """The id of a carbon data source if it exists (reads never create one)."""
    return q.source_id(session, spec["name"], spec["type"], spec["model"], spec["version"])
