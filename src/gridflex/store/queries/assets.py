"""Assets and asset types: lookups, the asset tree and the asset list."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, lazyload, load_only, selectinload

from gridflex.store.models import Account, Asset, AssetType, Sensor, User
from gridflex.store.queries.access import in_readable_accounts
from gridflex.store.queries.listing import Listed, Page, list_rows

SORT_COLUMNS = {"id": Asset.id, "name": Asset.name, "owner": Account.name}
# What an asset's public form shows, and no more (lists are ORM-bound: every column and
# relation loaded costs): its owner without the owner's roles, its children's brief form
# (with their type) and its sensors' ids and names.
_LOAD = (
    joinedload(Asset.owner).lazyload(Account.account_roles),
    selectinload(Asset.children).options(
        load_only(Asset.id, Asset.name, Asset.account_id, Asset.generic_asset_type_id),
        joinedload(Asset.asset_type),
        lazyload(Asset.owner),
    ),
    selectinload(Asset.sensors).load_only(Sensor.id, Sensor.name, Sensor.generic_asset_id),
)


def asset_type(session: Session, key: int | str) -> AssetType | None:
    """The asset type with this id (an int) or name (a str)."""
    column = AssetType.id if isinstance(key, int) else AssetType.name
    return session.scalar(sa.select(AssetType).where(column == key))


def asset_types(session: Session) -> list[AssetType]:
    return list(session.scalars(sa.select(AssetType).order_by(AssetType.id)))


def tree_ids(session: Session, root_id: int | None, max_depth: int | None = None) -> list[int]:
    """Ids of ``root_id`` and its (grand)children down to ``max_depth`` generations (all when
    None), parents before children; without a root, the trees of every top-level asset."""
    start = Asset.id == root_id if root_id is not None else Asset.parent_asset_id.is_(None)
    tree = (
        sa.select(Asset.id, sa.literal(0).label("level")).where(start).cte("tree", recursive=True)
    )
    step = sa.select(Asset.id, (tree.c.level + 1).label("level")).where(
        Asset.parent_asset_id == tree.c.id
    )
    if max_depth is not None:
        step = step.where(tree.c.level < max_depth)
    tree = tree.union_all(step)
    return list(session.scalars(sa.select(tree.c.id).order_by(tree.c.level, tree.c.id)))


def sensor_ids_of(session: Session, asset_ids: list[int]) -> list[int]:
    return list(session.scalars(sa.select(Sensor.id).where(Sensor.generic_asset_id.in_(asset_ids))))


def public_assets(session: Session) -> list[Asset]:
    stmt = sa.select(Asset).where(Asset.account_id.is_(None)).options(*_LOAD).order_by(Asset.id)
    return list(session.scalars(stmt).unique())


def list_assets(
    session: Session,
    page: Page,
    *,
    viewer: User | None,
    account_id: int | None = None,
    include_public: bool = False,
    root_id: int | None = None,
    max_depth: int | None = None,
) -> Listed:
    """Assets of ``account_id`` (None: of every account ``viewer`` may read; all accounts for
    ``viewer=None``, the operator at the command line), optionally with
    the public ones, optionally only the tree under ``root_id`` to ``max_depth`` generations
    (without a root, ``max_depth`` counts from the top-level assets)."""
    if account_id is not None:
        where = Asset.account_id == account_id
        if include_public:
            where = sa.or_(where, Asset.account_id.is_(None))
    else:
        where = in_readable_accounts(viewer, Asset.account_id, include_public=include_public)
    if root_id is not None or max_depth is not None:
        where = sa.and_(where, Asset.id.in_(tree_ids(session, root_id, max_depth)))
    stmt = (
        sa.select(Asset)
        .outerjoin(Account, Asset.account_id == Account.id)
        .options(*_LOAD)
        .where(where)
    )
    return list_rows(
        session,
        stmt,
        page,
        search_columns=[Asset.name, Account.name],
        sort_columns=SORT_COLUMNS,
        default_sort=Asset.id,
    )


def readable_assets(session: Session, viewer: User, *, newest_first: bool = False) -> list[Asset]:
    """Every asset of the accounts ``viewer`` may read (not the public ones), sensors loaded."""
    order = Asset.id.desc() if newest_first else Asset.id
    stmt = (
        sa.select(Asset)
        .where(in_readable_accounts(viewer, Asset.account_id))
        .options(selectinload(Asset.sensors))
        .order_by(order)
    )
    return list(session.scalars(stmt))


def asset_by_name(session: Session, account_id: int, name: str) -> Asset | None:
    """The account's first asset (by id) with this name."""
    stmt = (
        sa.select(Asset)
        .where(Asset.account_id == account_id, Asset.name == name)
        .order_by(Asset.id)
        .limit(1)
    )
    return session.scalar(stmt)


def top_level_assets(session: Session, account_id: int) -> list[Asset]:
    """The account's assets without a parent, by id."""
    stmt = (
        sa.select(Asset)
        .where(Asset.account_id == account_id, Asset.parent_asset_id.is_(None))
        .order_by(Asset.id)
    )
    return list(session.scalars(stmt))


def assets_with_external_ids(
    session: Session, account_id: int, external_ids: Sequence[str]
) -> list[Asset]:
    """The account's assets whose key (``external_id``) is one of ``external_ids``, by id."""
    stmt = (
        sa.select(Asset)
        .where(Asset.account_id == account_id, Asset.external_id.in_(list(external_ids)))
        .order_by(Asset.id)
    )
    return list(session.scalars(stmt))
