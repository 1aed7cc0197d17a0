"""Sensors: list, create, read, update, delete."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Response

from gridflex import permissions
from gridflex.api.deps import (
    CurrentUser,
    DeletableSensor,
    ReadableSensor,
    SessionDep,
    SettingsDep,
    StrictQuery,
    UpdatableSensor,
)
from gridflex.api.listing import ListQueryDep, listing
from gridflex.api.routers.assets import accessible_account_ids
from gridflex.api.schemas.entities import SensorCreate, SensorUpdate, sensor_public
from gridflex.errors import ValidationError
from gridflex.services import sensors
from gridflex.services.accounts import get_account
from gridflex.services.assets import descendant_ids, get_asset
from gridflex.store.models import Account, Asset, Sensor

router = APIRouter(prefix="/api/v3_0/sensors", tags=["sensors"])


@router.get("", summary="Get list of sensors")
def read_sensors(
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    query: ListQueryDep,
    account_id: Annotated[int | None, Query()] = None,
    asset_id: Annotated[int | None, Query()] = None,
    include_consultancy_clients: Annotated[bool, Query()] = False,
    include_public_assets: Annotated[bool, Query()] = False,
    unit: Annotated[str | None, Query()] = None,
) -> Any:
    stmt = (
        sa.select(Sensor)
        .join(Asset, Sensor.generic_asset_id == Asset.id)
        .outerjoin(Account, Asset.account_id == Account.id)
    )
    if asset_id is not None:
        asset = get_asset(session, asset_id)
        permissions.require(permissions.can_access_asset(user, asset, permissions.READ))
        if account_id is not None and asset.account_id != account_id:
            raise ValidationError("Set either account_id or asset_id, not both.", field="asset_id")
        where = Sensor.generic_asset_id.in_(descendant_ids(session, asset_id))
    elif account_id is not None:
        permissions.require(permissions.can_read_account(user, get_account(session, account_id)))
        where = Asset.account_id == account_id
    else:
        where = (
            accessible_account_ids(user)
            if include_consultancy_clients
            else Asset.account_id == user.account_id
        )
    if include_public_assets:
        where = sa.or_(where, Asset.account_id.is_(None))
    if unit:
        where = sa.and_(where, Sensor.unit == unit)
    return listing(
        session,
        stmt.where(where),
        query,
        search_columns=[Sensor.name, Account.name],
        sort_columns={"id": Sensor.id, "name": Sensor.name, "unit": Sensor.unit},
        default_sort=Sensor.id,
        serialize=lambda s: sensor_public(s, settings.entity_host),
    )


@router.post("", status_code=201, summary="Create a new sensor")
def create_sensor(
    body: SensorCreate, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    sensor = sensors.create_sensor(session, body.model_dump(), actor=user)
    return sensor_public(sensor, settings.entity_host)


@router.get("/{id}", summary="Fetch a given sensor")
def read_sensor(sensor: ReadableSensor, settings: SettingsDep) -> dict[str, Any]:
    return sensor_public(sensor, settings.entity_host)


@router.patch("/{id}", summary="Update a sensor")
def update_sensor(
    sensor: UpdatableSensor,
    body: SensorUpdate,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Changing unit, resolution or knowledge horizon of a sensor with data re-interprets that data."""
    permissions.require(
        permissions.can_update_sensor_fields(user, sensor),
        "Only admins and account-admins can update sensors.",
    )
    sensors.update_sensor(session, sensor, body.model_dump(exclude_unset=True), actor=user)
    return sensor_public(sensor, settings.entity_host)


@router.delete("/{id}", status_code=204, summary="Delete a sensor", dependencies=[StrictQuery])
def delete_sensor(sensor: DeletableSensor, user: CurrentUser, session: SessionDep) -> Response:
    """Deletes the sensor and all its data."""
    sensors.delete_sensor(session, sensor, actor=user)
    return Response(status_code=204)
