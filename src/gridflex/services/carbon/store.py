"""Sensors and data sources of zone assets: find them, create them as the naming scheme says."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gridflex.services import sensors, sources
from gridflex.services.carbon import naming
from gridflex.store.models import DataSource, Sensor

HOUR = timedelta(hours=1)


def zone_sensors(session: Session, asset_ids: Iterable[int]) -> dict[tuple[int, str], Sensor]:
    """The sensors of these zone assets, keyed by (asset id, sensor name)."""
    ids = sorted(set(asset_ids))
    if not ids:
        return {}
    found = session.scalars(sa.select(Sensor).where(Sensor.generic_asset_id.in_(ids)))
    return {(s.generic_asset_id, s.name): s for s in sorted(found, key=lambda s: s.id)}


def sensor_id(session: Session, asset_id: int, name: str) -> int | None:
    return session.scalar(
        sa.select(Sensor.id)
        .where(Sensor.generic_asset_id == asset_id, Sensor.name == name)
        .order_by(Sensor.id)
        .limit(1)
    )


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


def source_id(session: Session, spec: dict[str, str]) -> int | None:
    """The id of a carbon data source if it exists (reads never create one)."""
    return session.scalar(
        sa.select(DataSource.id)
        .where(
            DataSource.name == spec["name"],
            DataSource.type == spec["type"],
            DataSource.model == spec["model"],
            DataSource.version == spec["version"],
        )
        .order_by(DataSource.id)
        .limit(1)
    )
