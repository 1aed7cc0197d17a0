"""Assets: list, create, read, update, delete, audit log, sensors, types, UI preferences."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Body, Query, Response
from sqlalchemy.orm import selectinload

from gridflex import permissions
from gridflex.api.deps import (
    CurrentUser,
    DeletableAsset,
    ReadableAsset,
    SessionDep,
    SettingsDep,
    UpdatableAsset,
)
from gridflex.api.listing import ListQueryDep, audit_listing, listing
from gridflex.api.schemas.entities import (
    AssetCreate,
    AssetUpdate,
    asset_public,
    sensor_public,
)
from gridflex.jobs import expire_overdue, jobs_for_asset
from gridflex.services import assets
from gridflex.services.accounts import get_account
from gridflex.store.models import Account, Asset, AssetType, AuditLog, Sensor, User

router = APIRouter(prefix="/api/v3_0/assets", tags=["assets"])

_LOAD = (selectinload(Asset.children).joinedload(Asset.asset_type), selectinload(Asset.sensors))
_SORT = {"id": Asset.id, "name": Asset.name, "owner": Account.name}


def accessible_account_ids(user: User) -> sa.ColumnElement[bool]:
    """Assets of the user's account and of the accounts the user consults for."""
    own = Asset.account_id == user.account_id
    if user.has_role("consultant"):
        consulted = sa.select(Account.id).where(Account.consultancy_account_id == user.account_id)
        return sa.or_(own, Asset.account_id.in_(consulted))
    return own


@router.get(
    "",
    summary="List all assets owned by user's accounts, or a certain account or all accessible accounts.",
)
def read_assets(
    user: CurrentUser,
    session: SessionDep,
    query: ListQueryDep,
    account_id: Annotated[int | None, Query()] = None,
    all_accessible: Annotated[bool, Query()] = False,
    include_public: Annotated[bool, Query()] = False,
) -> Any:
    stmt = sa.select(Asset).outerjoin(Account, Asset.account_id == Account.id).options(*_LOAD)
    if account_id is not None:
        permissions.require(permissions.can_read_account(user, get_account(session, account_id)))
        where = Asset.account_id == account_id
    elif all_accessible:
        where = sa.true() if permissions.reads_everything(user) else accessible_account_ids(user)
        include_public = True
    else:
        where = Asset.account_id == user.account_id
    if include_public:
        where = sa.or_(where, Asset.account_id.is_(None))
    return listing(
        session,
        stmt.where(where),
        query,
        search_columns=[Asset.name, Account.name],
        sort_columns=_SORT,
        default_sort=Asset.id,
        serialize=asset_public,
    )


@router.post("", status_code=201, summary="Creates a new asset.")
def create_asset(body: AssetCreate, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """Without ``account_id`` the asset goes to the user's own account; ``"account_id": null`` makes it public."""
    fields = body.model_dump()
    if "account_id" not in body.model_fields_set:
        del fields["account_id"]
    asset = assets.create_asset(session, fields, actor=user)
    session.refresh(asset)
    return asset_public(asset)


@router.get("/public", summary="Return all public assets.")
def read_public_assets(user: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    stmt = sa.select(Asset).where(Asset.account_id.is_(None)).options(*_LOAD).order_by(Asset.id)
    return [asset_public(asset) for asset in session.scalars(stmt).unique()]


@router.get("/types", summary="Get list of available asset types")
def read_asset_types(user: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    return [
        {"id": t.id, "name": t.name, "description": t.description}
        for t in session.scalars(sa.select(AssetType).order_by(AssetType.id))
    ]


@router.post("/default_asset_view", summary="Update the default asset view for the current user")
def update_default_asset_view(
    user: CurrentUser,
    default_asset_view: Annotated[str | None, Body()] = None,
    use_as_default: Annotated[bool, Body()] = True,
) -> dict[str, Any]:
    views = {"Audit Log", "Context", "Graphs", "Properties", "Status"}
    if use_as_default and default_asset_view not in views:
        from gridflex.errors import ValidationError

        raise ValidationError(
            f"default_asset_view must be one of {sorted(views)}.", field="default_asset_view"
        )
    prefs = dict(user.account.attributes or {})
    user_prefs = dict(prefs.get("user_preferences", {}).get(str(user.id), {}))
    user_prefs["default_asset_view"] = default_asset_view if use_as_default else None
    prefs.setdefault("user_preferences", {})
    prefs["user_preferences"] = {**prefs["user_preferences"], str(user.id): user_prefs}
    user.account.attributes = prefs
    return {"message": "Default asset view updated successfully."}


@router.post(
    "/keep_legends_below_graphs", summary="Toggle whether legends are always combined below graphs."
)
def update_keep_legends_below_graphs(
    user: CurrentUser, keep_legends_below_graphs: Annotated[bool, Body(embed=True)]
) -> dict[str, Any]:
    prefs = dict(user.account.attributes or {})
    per_user = dict(prefs.get("user_preferences", {}))
    per_user[str(user.id)] = {
        **per_user.get(str(user.id), {}),
        "keep_legends_below_graphs": keep_legends_below_graphs,
    }
    user.account.attributes = {**prefs, "user_preferences": per_user}
    return {"message": "Legend position preference updated successfully."}


@router.get("/{id}", summary="Fetch a given asset.")
def read_asset(asset: ReadableAsset) -> dict[str, Any]:
    return asset_public(asset)


@router.patch("/{id}", summary="Update an asset given its identifier.")
def update_asset(
    asset: UpdatableAsset, body: AssetUpdate, user: CurrentUser, session: SessionDep
) -> dict[str, Any]:
    assets.update_asset(session, asset, body.model_dump(exclude_unset=True), actor=user)
    return asset_public(asset)


@router.delete("/{id}", status_code=204, summary="Delete an asset.")
def delete_asset(asset: DeletableAsset, user: CurrentUser, session: SessionDep) -> Response:
    """Deletes the asset with its sub-assets, their sensors and all their data."""
    assets.delete_asset(session, asset, actor=user)
    return Response(status_code=204)


@router.get("/{id}/auditlog", summary="Get history of asset related actions.")
def read_asset_auditlog(asset: ReadableAsset, session: SessionDep, query: ListQueryDep) -> Any:
    return audit_listing(session, AuditLog.affected_asset_id == asset.id, query)


@router.get("/{id}/sensors", summary="Return all sensors under an asset.")
def read_asset_sensors(
    asset: ReadableAsset, session: SessionDep, settings: SettingsDep, query: ListQueryDep
) -> Any:
    stmt = sa.select(Sensor).where(Sensor.generic_asset_id == asset.id)
    return listing(
        session,
        stmt,
        query,
        search_columns=[Sensor.name],
        sort_columns={"id": Sensor.id, "name": Sensor.name, "unit": Sensor.unit},
        default_sort=Sensor.id,
        serialize=lambda s: sensor_public(s, settings.entity_host),
    )


@router.get("/{id}/jobs", summary="Get all background jobs related to an asset.")
def read_asset_jobs(asset: ReadableAsset, session: SessionDep) -> dict[str, Any]:
    """Jobs about the asset, its sub-assets and their sensors, newest first."""
    asset_ids = assets.descendant_ids(session, asset.id)
    sensor_ids = assets.select_sensor_ids(session, asset_ids)
    expire_overdue(session)
    return {
        "jobs": [
            {
                "job_id": job.id,
                "queue": job.queue,
                "asset_or_sensor_type": "asset" if job.asset_id is not None else "sensor",
                "asset_id": job.asset_id,
                "sensor_id": job.sensor_id,
                "status": job.status,
                "err": job.error,
                "enqueued_at": job.enqueued_at.isoformat(),
                "metadata_hash": job.metadata_hash,
            }
            for job in jobs_for_asset(session, asset_ids, sensor_ids)
        ],
        "redis_connection_err": None,
    }
