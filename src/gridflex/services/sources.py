"""Data sources: find or create the source that says something (a user, a scheduler, a model)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gridflex.store.models import DataSource, User


def get_or_create_source(
    session: Session,
    *,
    name: str,
    type: str,
    model: str | None = None,
    version: str | None = None,
    user_id: int | None = None,
    account_id: int | None = None,
) -> DataSource:
    stmt = sa.select(DataSource).where(
        DataSource.name == name,
        DataSource.type == type,
        DataSource.model.is_(None) if model is None else DataSource.model == model,
        DataSource.version.is_(None) if version is None else DataSource.version == version,
        DataSource.user_id.is_(None) if user_id is None else DataSource.user_id == user_id,
    )
    source = session.scalars(stmt.order_by(DataSource.id)).first()
    if source is None:
        source = DataSource(
            name=name,
            type=type,
            model=model,
            version=version,
            user_id=user_id,
            account_id=account_id,
            attributes={},
        )
        session.add(source)
        session.flush()
    return source


def user_source(session: Session, user: User) -> DataSource:
    """The data source that stands for data a user posts."""
    return get_or_create_source(
        session, name=user.username, type="user", user_id=user.id, account_id=user.account_id
    )


def resolve_sources(session: Session, keys: Sequence[str | int]) -> list[int]:
    """Source ids matching ids, names, types, user ids or account (USEF) roles."""
    ids: set[int] = set()
    for key in keys:
        text = str(key).strip()
        conditions = [DataSource.name == text, DataSource.type == text]
        if text.isdigit():
            conditions.append(DataSource.id == int(text))
        ids.update(session.scalars(sa.select(DataSource.id).where(sa.or_(*conditions))))
    return sorted(ids)
