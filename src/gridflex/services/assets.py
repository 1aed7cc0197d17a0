"""Assets and asset types: create, update, delete (the caller commits)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gridflex import permissions
from gridflex.errors import NotFoundError, PermissionDeniedError, ValidationError
from gridflex.services import audit
from gridflex.store.models import Account, Asset, AssetType, Sensor, User
from gridflex.store.queries import assets as q
from gridflex.store.queries.beliefs import delete_sensors_beliefs
from gridflex.store.queries.listing import Listed, Page


def asset_type_by_name_or_id(session: Session, key: int | str) -> AssetType:
    asset_type = q.asset_type(session, key)
    if asset_type is None:
        raise ValidationError(f"Asset type {key!r} does not exist.", field="generic_asset_type_id")
    return asset_type


def create_asset_type(session: Session, *, name: str, description: str | None = None) -> AssetType:
    if session.scalar(sa.select(AssetType.id).where(AssetType.name == name)) is not None:
        raise ValidationError(f"Asset type {name!r} already exists.", field="name")
    asset_type = AssetType(name=name, description=description)
    session.add(asset_type)
    session.flush()
    return asset_type


def _check_parent(
    session: Session, asset: Asset | None, parent_id: int | None, account_id: int | None
) -> None:
    if parent_id is None:
        return
    parent = session.get(Asset, parent_id)
    if parent is None:
        raise ValidationError(f"Parent asset {parent_id} does not exist.", field="parent_asset_id")
    if parent.account_id != account_id:
        raise ValidationError(
            "A parent asset must belong to the same account.", field="parent_asset_id"
        )
    ancestor: Asset | None = parent
    while asset is not None and ancestor is not None:  # refuse cycles
        if ancestor.id == asset.id:
            raise ValidationError("An asset cannot be its own ancestor.", field="parent_asset_id")
        ancestor = ancestor.parent


def create_asset(session: Session, fields: dict[str, Any], *, actor: User | None) -> Asset:
    """Create an asset; without an ``account_id`` key a user's asset goes to their own account.

    An explicit ``account_id`` of ``None`` asks for a public asset, which only admins
    (and the CLI, ``actor=None``) may create.
    """
    if "account_id" in fields or actor is None:
        account_id = fields.get("account_id")
    else:
        account_id = actor.account_id
    if account_id is not None and session.get(Account, account_id) is None:
        raise ValidationError(f"Account {account_id} does not exist.", field="account_id")
    if actor is not None:
        probe = Asset(account_id=account_id)
        if not permissions.can_access_asset(actor, probe, permissions.CREATE):
            raise PermissionDeniedError("You cannot create assets in this account.")
    asset_type_by_name_or_id(session, fields["generic_asset_type_id"])
    _check_parent(session, None, fields.get("parent_asset_id"), account_id)
    asset = Asset(**{**fields, "account_id": account_id})
    session.add(asset)
    session.flush()
    audit.record(
        session,
        f"Asset {asset.name} created",
        actor=actor,
        account_id=account_id,
        asset_id=asset.id,
    )
    return asset


def update_asset(session: Session, asset: Asset, changes: dict[str, Any], *, actor: User) -> Asset:
    for field in ("id", "account_id"):
        if field in changes:
            raise ValidationError(f"The {field} of an asset cannot be updated.", field=field)
    if "generic_asset_type_id" in changes:
        asset_type_by_name_or_id(session, changes["generic_asset_type_id"])
    if "parent_asset_id" in changes:
        _check_parent(session, asset, changes["parent_asset_id"], asset.account_id)
    for field, value in changes.items():
        if getattr(asset, field) != value:
            setattr(asset, field, value)
            audit.record(
                session,
                f"Asset {asset.name} {field} set to {value!r}"[:1000],
                actor=actor,
                account_id=asset.account_id,
                asset_id=asset.id,
            )
    # Relationships loaded before a foreign key changed would still show the old type or parent.
    session.flush()
    session.expire(asset, ["asset_type", "parent"])
    return asset


def delete_asset(session: Session, asset: Asset, *, actor: User | None) -> None:
    """Delete an asset with its sub-assets, sensors and their data."""
    ids = descendant_ids(session, asset.id)
    sensor_ids = select_sensor_ids(session, ids)
    if sensor_ids:
        delete_sensors_beliefs(session, sensor_ids)
        session.execute(sa.delete(Sensor).where(Sensor.id.in_(sensor_ids)))
    audit.record(
        session,
        f"Asset {asset.name} deleted",
        actor=actor,
        account_id=asset.account_id,
        asset_id=asset.id,
    )
    for asset_id in reversed(ids):  # children before parents
        session.execute(sa.delete(Asset).where(Asset.id == asset_id))
    session.expunge_all()


def descendant_ids(session: Session, asset_id: int) -> list[int]:
    """The asset and all its (grand)children, parents before children."""
    return q.tree_ids(session, asset_id)


def select_sensor_ids(session: Session, asset_ids: list[int]) -> list[int]:
    return q.sensor_ids_of(session, asset_ids)


def get_asset(session: Session, asset_id: int) -> Asset:
    asset = session.get(Asset, asset_id)
    if asset is None:
        raise NotFoundError(f"Asset {asset_id} not found.")
    return asset


def asset_types(session: Session) -> list[AssetType]:
    return q.asset_types(session)


def public_assets(session: Session) -> list[Asset]:
    return q.public_assets(session)


def list_assets(
    session: Session,
    user: User | None,
    page: Page,
    *,
    account_id: int | None = None,
    all_accessible: bool = False,
    include_public: bool = False,
    root_id: int | None = None,
    max_depth: int | None = None,
) -> Listed:
    """The assets a list route asks for: of ``account_id`` (which ``user`` must read), else of
    every account ``user`` reads (``all_accessible`` or under ``root_id``, public assets
    included), else of the user's own account; optionally only the tree under ``root_id``.
    ``user=None`` is the operator at the command line, who reads every account."""
    from gridflex.services.accounts import get_account

    if root_id is not None:
        root = get_asset(session, root_id)
        if user is not None:
            permissions.require(permissions.can_access_asset(user, root, permissions.READ))
    if account_id is not None:
        account = get_account(session, account_id)
        if user is not None:
            permissions.require(permissions.can_read_account(user, account))
    elif all_accessible or root_id is not None:
        include_public = True
    elif user is not None:
        account_id = user.account_id
    return q.list_assets(
        session,
        page,
        viewer=user,
        account_id=account_id,
        include_public=include_public,
        root_id=root_id,
        max_depth=max_depth,
    )


def find_asset_by_name(session: Session, account_id: int, name: str) -> Asset | None:
    """The account's first asset with this name, if there is one."""
    return q.asset_by_name(session, account_id, name)


def top_level_assets(session: Session, account_id: int) -> list[Asset]:
    """The account's assets without a parent, oldest first."""
    return q.top_level_assets(session, account_id)


def assets_with_external_ids(
    session: Session, account_id: int, external_ids: Sequence[str]
) -> list[Asset]:
    """The account's assets keyed (``external_id``) by one of ``external_ids``, oldest first."""
    return q.assets_with_external_ids(session, account_id, external_ids)
