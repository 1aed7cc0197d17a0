"""Sensors: list, create, read, update, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from gridflex.api.deps import (
    CurrentUser,
    DeletableSensor,
    DescribableSensor,
    ReadableSensor,
    SessionDep,
    SettingsDep,
    StrictQuery,
)
from gridflex.api.listing import ListQueryDep, list_answer
from gridflex.api.schemas.entities import SensorCreate, SensorUpdate, sensor_public
from gridflex.services import sensors

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
    listed = sensors.list_sensors(
        session,
        user,
        query,
        account_id=account_id,
        asset_id=asset_id,
        include_consultancy_clients=include_consultancy_clients,
        include_public_assets=include_public_assets,
        unit=unit,
    )
    return list_answer(listed, query, lambda s: sensor_public(s, settings.entity_host))


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
    sensor: DescribableSensor,
    body: SensorUpdate,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Changing unit, resolution or knowledge horizon of a sensor with data re-interprets that
    data: admins and account-admins of the owning account only."""
    sensors.update_sensor(session, sensor, body.model_dump(exclude_unset=True), actor=user)
    return sensor_public(sensor, settings.entity_host)


@router.delete("/{id}", status_code=204, summary="Delete a sensor", dependencies=[StrictQuery])
def delete_sensor(sensor: DeletableSensor, user: CurrentUser, session: SessionDep) -> Response:
    """Deletes the sensor and all its data."""
    sensors.delete_sensor(session, sensor, actor=user)
    return Response(status_code=204)
