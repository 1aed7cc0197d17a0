"""Data sources: find or create the source that says something (a user, a scheduler, a model)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gridflex import permissions
from gridflex.errors import PermissionDeniedError, ValidationError
from gridflex.store.models import AccountRole, DataSource, User
from gridflex.store.models.accounts import ACCOUNT_ROLE_NAMES, account_roles_accounts


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


def posting_source(session: Session, user: User, named: int | str | None) -> DataSource:
    """The source a user's posted data are recorded under: their own, or (admins only) a named one."""
    own = user_source(session, user)
    if named is None or str(named).strip() == str(own.id):
        return own
    text = str(named).strip()
    source = session.get(DataSource, int(text)) if text.isascii() and text.isdigit() else None
    if source is None:
        raise ValidationError(
            f"Unknown data source {named!r} (give a data source id).", field="source"
        )
    if not permissions.is_admin(user):
        raise PermissionDeniedError(
            "Only admins may record data under another data source than their own."
        )
    return source


def resolve_sources(session: Session, keys: Sequence[str | int]) -> list[int]:
    """Source ids matching ids, names, types or account (USEF) roles of the source's account.

    A key that matches no source is refused, except a known account role or
    source type (which may simply have no data yet).
    """
    ids: set[int] = set()
    for key in keys:
        text = str(key).strip()
        conditions = [DataSource.name == text, DataSource.type == text]
        if text.isascii() and text.isdigit():
            conditions.append(DataSource.id == int(text))
        found = set(session.scalars(sa.select(DataSource.id).where(sa.or_(*conditions))))
        if text in ACCOUNT_ROLE_NAMES:
            found |= _sources_of_role(session, text)
        elif not found and text not in (
            "user",
            "scheduler",
            "forecaster",
            "reporter",
            "demo script",
        ):
            raise ValidationError(
                f"No data source matches {text!r} (give an id, name, type or role).", field="source"
            )
        ids |= found
    return sorted(ids)


def _sources_of_role(session: Session, role: str) -> set[int]:
    accounts = (
        sa.select(account_roles_accounts.c.account_id)
        .join(AccountRole, AccountRole.id == account_roles_accounts.c.role_id)
        .where(AccountRole.name == role)
    )
    users = sa.select(User.id).where(User.account_id.in_(accounts))
    stmt = sa.select(DataSource.id).where(
        sa.or_(DataSource.account_id.in_(accounts), DataSource.user_id.in_(users))
    )
    return set(session.scalars(stmt))


__all__ = ["get_or_create_source", "posting_source", "resolve_sources", "user_source"]
