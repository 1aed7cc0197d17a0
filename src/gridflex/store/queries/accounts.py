"""Accounts: lookups and the account list."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gridflex.store.models import Account, User
from gridflex.store.queries.access import in_readable_accounts
from gridflex.store.queries.listing import Listed, Page, list_rows


def list_accounts(session: Session, page: Page, *, viewer: User | None) -> Listed:
    """The accounts ``viewer`` may read (all for None: the operator at the command line)."""
    return list_rows(
        session,
        sa.select(Account).where(in_readable_accounts(viewer, Account.id)),
        page,
        search_columns=[Account.name],
        sort_columns={"id": Account.id, "name": Account.name},
        default_sort=Account.id,
    )


def account_by_name(session: Session, name: str) -> Account | None:
    """The account with this (unique) name."""
    return session.scalar(sa.select(Account).where(Account.name == name))
