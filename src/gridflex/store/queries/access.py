"""What a user may see, as SQL: the scope every listing filters on.

``gridflex.permissions`` holds the rule for one object (may this user read this
account?); this module states the same rule for sets of rows, so that a list never
shows what reading one of its rows would refuse, and nothing else writes it again.
``tests/api/test_permission_matrix.py`` checks that the two agree for every role.

The rule: admins and admin-readers read every account; everyone else reads their
own account, and consultants also the accounts whose consultancy is their own
account. Rows without an account (public assets) are readable by every user.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from gridflex import permissions
from gridflex.store.models import Account, User


def own_and_consulted_account_ids(user: User) -> sa.Select[int]:
    """The user's own account and, for consultants, the accounts their account consults for."""
    own = Account.id == user.account_id
    if user.has_role("consultant"):
        return sa.select(Account.id).where(
            sa.or_(own, Account.consultancy_account_id == user.account_id)
        )
    return sa.select(Account.id).where(own)


def readable_account_ids(user: User | None) -> sa.Select[int] | None:
    """The ids of the accounts ``user`` may read; None when that is every account (also for
    ``user=None``: the operator at the command line)."""
    if user is None or permissions.reads_everything(user):
        return None
    return own_and_consulted_account_ids(user)


def in_readable_accounts(
    user: User | None,
    account_id: Any,
    *,
    include_public: bool = False,
    consulted_only: bool = False,
) -> sa.ColumnElement[bool]:
    """``account_id`` (a column) names an account ``user`` may read (or none, with
    ``include_public``: public rows are readable by every user). ``consulted_only``: only
    the user's own and consulted accounts, also for admins."""
    ids = (
        own_and_consulted_account_ids(user)
        if consulted_only and user is not None
        else readable_account_ids(user)
    )
    scope: sa.ColumnElement[bool] = account_id.is_not(None) if ids is None else account_id.in_(ids)
    return sa.or_(scope, account_id.is_(None)) if include_public else scope
