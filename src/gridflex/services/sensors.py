"""Sensors: create, update, delete (the caller commits)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, joinedload

from gridflex import permissions
from gridflex.engines.beliefs.knowledge import validate_knowledge_horizon
from gridflex.errors import NotFoundError, PermissionDeniedError, ValidationError
from gridflex.services import audit
from gridflex.store.models import Account, Asset, Sensor, User
from gridflex.store.queries import assets as q_assets
from gridflex.store.queries import sensors as q
from gridflex.store.queries.beliefs import delete_sensors_beliefs
from gridflex.store.queries.listing import Listed, Page
from gridflex.units import parse_unit


def create_sensor(session: Session, fields: dict[str, Any], *, actor: User | None) -> Sensor:
    asset = session.get(Asset, fields["generic_asset_id"])
    if asset is None:
        raise ValidationError(
            f"Asset {fields['generic_asset_id']} does not exist.", field="generic_asset_id"
        )
    if actor is not None and not permissions.can_access_asset(actor, asset, permissions.CREATE):
        raise PermissionDeniedError("You cannot add sensors to this asset.")
    values = _checked(dict(fields))
    sensor = Sensor(**values)
    session.add(sensor)
    session.flush()
    audit.record(
        session,
        f"Sensor {sensor.name} created on asset {asset.name}",
        actor=actor,
        account_id=asset.account_id,
        asset_id=asset.id,
    )
    return sensor


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    if "unit" in fields:
        parse_unit(fields["unit"])  # raises a UnitError naming the field
    if "event_resolution" in fields:
        resolution: timedelta = fields.pop("event_resolution")
        if resolution < timedelta(0) or resolution.total_seconds() % 1:
            raise ValidationError(
                "event_resolution must be a whole, non-negative number of seconds.",
                field="event_resolution",
            )
        fields["event_resolution_s"] = int(resolution.total_seconds())
    if fields.get("knowledge_horizon") is not None:
        fields["knowledge_horizon"] = validate_knowledge_horizon(fields["knowledge_horizon"])
    elif "knowledge_horizon" in fields:
        fields["knowledge_horizon"] = {}
    return fields


def update_sensor(
    session: Session, sensor: Sensor, changes: dict[str, Any], *, actor: User
) -> Sensor:
    for field in ("id", "generic_asset_id", "entity_address"):
        if field in changes:
            raise ValidationError(f"The {field} of a sensor cannot be updated.", field=field)
    for field, value in _checked(changes).items():
        if getattr(sensor, field) != value:
            setattr(sensor, field, value)
            audit.record(
                session,
                f"Sensor {sensor.name} {field} set to {value!r}",
                actor=actor,
                account_id=sensor.asset.account_id,
                asset_id=sensor.generic_asset_id,
            )
    return sensor


def delete_sensor(session: Session, sensor: Sensor, *, actor: User | None) -> None:
    delete_sensors_beliefs(session, [sensor.id])
    audit.record(
        session,
        f"Sensor {sensor.name} deleted",
        actor=actor,
        account_id=sensor.asset.account_id,
        asset_id=sensor.generic_asset_id,
    )
    session.delete(sensor)


def get_sensor(session: Session, sensor_id: int) -> Sensor:
    # With its asset (and owner) in the same query: every permission check on a sensor asks
    # for them; the owner's roles only when something asks.
    asset = joinedload(Sensor.asset)
    load = [
        asset.joinedload(Asset.owner).lazyload(Account.account_roles),
        asset.lazyload(Asset.asset_type),
    ]
    sensor = session.get(Sensor, sensor_id, options=load)
    if sensor is None:
        raise NotFoundError(f"Sensor {sensor_id} not found")
    return sensor


def list_sensors(
    session: Session,
    user: User | None,
    page: Page,
    *,
    account_id: int | None = None,
    asset_id: int | None = None,
    subassets: bool = True,
    include_consultancy_clients: bool = False,
    include_public_assets: bool = False,
    unit: str | None = None,
) -> Listed:
    """Sensors of an asset (and its sub-assets), else of an account, else of the user's own
    account (with ``include_consultancy_clients``: of every account the user reads).
    ``user=None`` is the operator at the command line, who reads every account."""
    from gridflex.services.accounts import get_account
    from gridflex.services.assets import get_asset

    asset_ids = None
    if asset_id is not None:
        asset = get_asset(session, asset_id)
        if user is not None:
            permissions.require(permissions.can_access_asset(user, asset, permissions.READ))
        if account_id is not None and asset.account_id != account_id:
            raise ValidationError("Set either account_id or asset_id, not both.", field="asset_id")
        asset_ids = q_assets.tree_ids(session, asset_id) if subassets else [asset_id]
    elif account_id is not None:
        account = get_account(session, account_id)
        if user is not None:
            permissions.require(permissions.can_read_account(user, account))
    elif not include_consultancy_clients and user is not None:
        account_id = user.account_id
    return q.list_sensors(
        session,
        page,
        viewer=user,
        asset_ids=asset_ids,
        account_id=account_id,
        include_public=include_public_assets,
        unit=unit,
    )


def find_sensor(session: Session, sensor_id: int) -> Sensor | None:
    """The sensor with this id, if there is one."""
    return session.get(Sensor, sensor_id)


def find_sensor_by_name(session: Session, asset_id: int, name: str) -> Sensor | None:
    """The asset's first sensor with this name, if there is one."""
    found = q.sensor_id_by_name(session, asset_id, name)
    return None if found is None else session.get(Sensor, found)


def sensor_ids_by_name(
    session: Session, account_id: int, public_assets: tuple[str, ...] = ()
) -> dict[str, int]:
    """Sensor ids by name, of the account's assets and of the named public assets."""
    return q.sensor_ids_by_name(session, account_id, public_assets)
