"""SQL of the network-capacity heatmap: registry assets, published datasets, demand sensors.

The heatmap services (`gridflex.services.heatmap`) call these and nothing else of
SQLAlchemy's query language, so that every statement they run is in this one file.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gridflex.store.models import (
    Account,
    AccountRole,
    Asset,
    AssetType,
    AuditLog,
    HeatmapDataset,
    Sensor,
    User,
)
from gridflex.store.models.accounts import account_roles_accounts
from gridflex.timing import utcnow

_IN_CHUNK = 1000  # ids per IN (...) list: well under every backend's parameter limit


# ---------------------------------------------------------------- registry


def asset_type_ids(session: Session, names: Sequence[str]) -> dict[str, int]:
    """Asset type name -> id, for those of ``names`` that exist."""
    rows = session.execute(sa.select(AssetType.name, AssetType.id).where(AssetType.name.in_(names)))
    return {name: type_id for name, type_id in rows}


def accounts_with_role(session: Session, role: str) -> list[Account]:
    """Accounts holding an account role, in id order."""
    return list(
        session.scalars(
            sa.select(Account)
            .join(account_roles_accounts, account_roles_accounts.c.account_id == Account.id)
            .join(AccountRole, AccountRole.id == account_roles_accounts.c.role_id)
            .where(AccountRole.name == role)
            .order_by(Account.id)
        )
    )


def keyed_assets(session: Session, account_id: int, type_ids: Sequence[int]) -> list[Asset]:
    """The account's assets of these types that carry a key (``external_id``)."""
    return list(
        session.scalars(
            sa.select(Asset).where(
                Asset.account_id == account_id,
                Asset.generic_asset_type_id.in_(type_ids),
                Asset.external_id.is_not(None),
            )
        )
    )


def insert_assets(
    session: Session, rows: Sequence[dict[str, Any]]
) -> list[tuple[int, str | None, int | None]]:
    """Insert assets, a few statements for thousands of rows; ``(id, external_id,
    parent_asset_id)`` of each, in no particular order.

    Core, not the ORM, and no ordered RETURNING: asking PostgreSQL for rows in parameter
    order without a sentinel column makes SQLAlchemy insert them one at a time.
    """
    if not rows:
        return []
    table = cast(sa.Table, Asset.__table__)  # declarative types it as any FromClause
    full = [{**_ASSET_DEFAULTS, **row} for row in rows]
    statement = sa.insert(table).returning(table.c.id, table.c.external_id, table.c.parent_asset_id)
    return [tuple(r) for r in session.execute(statement, full)]


_ASSET_DEFAULTS: dict[str, Any] = {
    "description": None,
    "flex_context": {},
    "flex_model": {},
    "sensors_to_show": [],
    "sensors_to_show_as_kpis": [],
}


def set_parents(session: Session, changes: Sequence[dict[str, int | None]]) -> None:
    """``parent_asset_id`` of many assets at once (rows of ``id`` and ``parent_asset_id``)."""
    if changes:
        session.execute(sa.update(Asset), list(changes))


def insert_audit_entries(
    session: Session,
    events: Sequence[str],
    *,
    asset_ids: Sequence[int],
    account_id: int,
    actor: User | None,
) -> None:
    """One audit-log line per asset, in one statement (as `services.audit.record` writes them)."""
    now = utcnow()
    rows = [
        {
            "event": event[:1000],
            "active_user_id": actor.id if actor else None,
            "active_user_name": actor.username if actor else "gridflex CLI",
            "affected_account_id": account_id,
            "affected_asset_id": asset_id,
        }
        for event, asset_id in zip(events, asset_ids, strict=True)
    ]
    if rows:
        session.execute(
            sa.insert(cast(sa.Table, AuditLog.__table__)),
            [{**row, "event_datetime": now} for row in rows],
        )


def sensors_named(session: Session, asset_ids: Sequence[int], names: Sequence[str]) -> list[Sensor]:
    """Sensors of these assets whose lower-cased name is one of ``names``, in id order."""
    found: list[Sensor] = []
    ids = list(asset_ids)
    for i in range(0, len(ids), _IN_CHUNK):
        found += session.scalars(
            sa.select(Sensor)
            .where(
                Sensor.generic_asset_id.in_(ids[i : i + _IN_CHUNK]),
                sa.func.lower(Sensor.name).in_(names),
            )
            .order_by(Sensor.id)
        )
    return sorted(found, key=lambda s: s.id)


# ---------------------------------------------------------------- published datasets


def latest_dataset_of(session: Session, account_id: int) -> HeatmapDataset | None:
    """The account's most recently published dataset."""
    return session.scalars(
        sa.select(HeatmapDataset)
        .where(HeatmapDataset.account_id == account_id)
        .order_by(HeatmapDataset.published_at.desc(), HeatmapDataset.id.desc())
        .limit(1)
    ).first()


def dataset_with_identifier(session: Session, identifier: str) -> HeatmapDataset | None:
    return session.scalars(
        sa.select(HeatmapDataset).where(HeatmapDataset.identifier == identifier)
    ).first()


def dataset_valid_at(session: Session, moment: datetime) -> HeatmapDataset | None:
    """Of the datasets valid at ``moment``, the last issued."""
    return session.scalars(
        sa.select(HeatmapDataset)
        .where(HeatmapDataset.valid_from <= moment, HeatmapDataset.valid_to > moment)
        .order_by(
            HeatmapDataset.issued.desc(),
            HeatmapDataset.published_at.desc(),
            HeatmapDataset.id.desc(),
        )
        .limit(1)
    ).first()


def all_datasets(session: Session) -> list[HeatmapDataset]:
    """Every published dataset, latest validity first."""
    return list(
        session.scalars(
            sa.select(HeatmapDataset).order_by(
                HeatmapDataset.valid_from.desc(),
                HeatmapDataset.issued.desc(),
                HeatmapDataset.id.desc(),
            )
        )
    )


def dataset_column(session: Session, dataset_id: int, column: str) -> bytes | dict | None:
    """One deferred column of a dataset row (``content``, ``geojson``, ``conformance``)."""
    return session.scalar(
        sa.select(getattr(HeatmapDataset, column)).where(HeatmapDataset.id == dataset_id)
    )
