"""Sensors: lookups and the sensor list."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gridflex.store.models import Account, Asset, Sensor, User
from gridflex.store.queries.access import in_readable_accounts
from gridflex.store.queries.listing import Listed, Page, list_rows

SORT_COLUMNS = {"id": Sensor.id, "name": Sensor.name, "unit": Sensor.unit}


def list_sensors(
    session: Session,
    page: Page,
    *,
    viewer: User | None,
    asset_ids: list[int] | None = None,
    account_id: int | None = None,
    include_public: bool = False,
    unit: str | None = None,
) -> Listed:
    """Sensors of the assets ``asset_ids``, else of ``account_id``'s assets, else of the assets
    of ``viewer``'s own and consulted accounts; optionally with public assets' sensors, of one
    unit."""
    where: sa.ColumnElement[bool]
    if asset_ids is not None:
        where = Sensor.generic_asset_id.in_(asset_ids)
    elif account_id is not None:
        where = Asset.account_id == account_id
    else:
        where = in_readable_accounts(viewer, Asset.account_id, consulted_only=True)
    if include_public:
        where = sa.or_(where, Asset.account_id.is_(None))
    if unit:
        where = sa.and_(where, Sensor.unit == unit)
    stmt = (
        sa.select(Sensor)
        .join(Asset, Sensor.generic_asset_id == Asset.id)
        .outerjoin(Account, Asset.account_id == Account.id)
        .where(where)
    )
    return list_rows(
        session,
        stmt,
        page,
        search_columns=[Sensor.name, Account.name],
        sort_columns=SORT_COLUMNS,
        default_sort=Sensor.id,
    )


def sensor_id_by_name(session: Session, asset_id: int, name: str) -> int | None:
    """The id of the asset's first sensor with this name."""
    return session.scalar(
        sa.select(Sensor.id)
        .where(Sensor.generic_asset_id == asset_id, Sensor.name == name)
        .order_by(Sensor.id)
        .limit(1)
    )


def sensor_ids_by_name(
    session: Session, account_id: int, public_assets: tuple[str, ...] = ()
) -> dict[str, int]:
    """Sensor ids by name, of the account's assets and of the named public assets; where names
    repeat, the newest sensor's."""
    owner = Asset.account_id == account_id
    if public_assets:
        owner = owner | (Asset.account_id.is_(None) & Asset.name.in_(public_assets))
    rows = session.execute(
        sa.select(Sensor.name, Sensor.id)
        .join(Asset, Asset.id == Sensor.generic_asset_id)
        .where(owner)
        .order_by(Sensor.id)
    )
    return {name: sensor_id for name, sensor_id in rows}
