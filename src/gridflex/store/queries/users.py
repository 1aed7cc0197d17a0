"""Users: lookups and the user list."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from gridflex.store.models import Account, User
from gridflex.store.queries.listing import Listed, Page, list_rows


def list_users(
    session: Session, page: Page, *, account_id: int | None, include_inactive: bool = False
) -> Listed:
    """The users of one account (of all for None), active ones only unless ``include_inactive``."""
    stmt = sa.select(User)
    if account_id is not None:
        stmt = stmt.where(User.account_id == account_id)
    if not include_inactive:
        stmt = stmt.where(User.active.is_(True))
    return list_rows(
        session,
        stmt,
        page,
        search_columns=[User.username, User.email],
        sort_columns={"id": User.id, "username": User.username, "email": User.email},
        default_sort=User.id,
    )


def user_with_roles(session: Session, user_id: int) -> User | None:
    """The user with its roles, its account and the account's roles, in one query: every
    authenticated request asks for these (three round trips with the relations' own loading)."""
    statement = (
        sa.select(User)
        .where(User.id == user_id)
        .options(
            joinedload(User.roles),
            joinedload(User.account).joinedload(Account.account_roles),
        )
    )
    return session.execute(statement).unique().scalar_one_or_none()


def user_by_email(session: Session, email: str) -> User | None:
    """The user with this (unique, stored lower-case) email address."""
    return session.scalar(sa.select(User).where(User.email == email))
