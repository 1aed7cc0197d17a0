"""Accounts: create and update (used by the API and the CLI alike; the caller commits).

Platform-owned attributes
-------------------------
Some keys of ``account.attributes`` are set by the platform's operators, not by the
account: ``carbon_api`` holds the account's carbon-API limits (zones and routes, read
by ``services/carbon/access.py``). An account-admin may edit the account's other
attributes, so a PATCH of ``attributes`` by anyone but an admin

- keeps the platform-owned keys as they are when the body leaves them out (their
  attributes are merged in, not dropped: a client that never heard of them cannot
  lift its limits by accident or on purpose), and
- is refused (403, naming the key) when it sets one to another value.

We keep the limits in ``attributes`` (rather than moving them to a column) because the
carbon routes, the ``gridflex carbon access`` command and existing deployments already
read and write them there; one guard here covers every way an account is updated.
Admins set them with a PATCH (validated) or with ``gridflex carbon access``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gridflex import permissions
from gridflex.errors import NotFoundError, PermissionDeniedError, ValidationError
from gridflex.services import audit
from gridflex.store.models import Account, AccountRole, User
from gridflex.store.queries import accounts as q
from gridflex.store.queries.listing import Listed, Page


def account_roles_by_name(session: Session, names: list[str]) -> list[AccountRole]:
    roles = {role.name.lower(): role for role in session.scalars(sa.select(AccountRole))}
    unknown = [name for name in names if name.lower() not in roles]
    if unknown:
        raise ValidationError(
            f"Unknown account role(s) {unknown}; choose from {sorted(r.name for r in roles.values())}.",
            field="roles",
        )
    return [roles[name.lower()] for name in names]


def create_account(
    session: Session,
    *,
    name: str,
    roles: Sequence[str] = (),
    consultancy_account_id: int | None = None,
    actor: User | None = None,
) -> Account:
    if session.scalar(sa.select(Account.id).where(Account.name == name)) is not None:
        raise ValidationError(f"An account named {name!r} already exists.", field="name")
    if consultancy_account_id is not None and session.get(Account, consultancy_account_id) is None:
        raise ValidationError(
            f"Consultancy account {consultancy_account_id} does not exist.",
            field="consultancy_account_id",
        )
    account = Account(
        name=name,
        consultancy_account_id=consultancy_account_id,
        account_roles=account_roles_by_name(session, list(roles)),
        attributes={},
    )
    session.add(account)
    session.flush()
    audit.record(session, f"Account {name} created", actor=actor, account_id=account.id)
    return account


# Keys of account.attributes that only admins set (see the module docstring).
PLATFORM_OWNED_ATTRIBUTES = frozenset({"carbon_api"})


def update_account(
    session: Session, account: Account, changes: dict[str, Any], *, actor: User
) -> Account:
    if "attributes" in changes:
        changes["attributes"] = _attributes_after(account, changes["attributes"], actor)
    if "id" in changes:
        raise ValidationError("The id of an account cannot be updated.", field="id")
    if "consultancy_account_id" in changes:
        if not permissions.is_admin(actor):
            raise ValidationError(
                "Only admins can change consultancy_account_id.", field="consultancy_account_id"
            )
        target = changes["consultancy_account_id"]
        if target is not None and (target == account.id or session.get(Account, target) is None):
            raise ValidationError(
                f"Account {target} cannot be this account's consultancy.",
                field="consultancy_account_id",
            )
    if "name" in changes and changes["name"] != account.name:
        clash = session.scalar(sa.select(Account.id).where(Account.name == changes["name"]))
        if clash is not None:
            raise ValidationError(
                f"An account named {changes['name']!r} already exists.", field="name"
            )
    for field, value in changes.items():
        old = getattr(account, field)
        if old != value:
            setattr(account, field, value)
            audit.record(
                session,
                f"Account {field} changed from {old!r} to {value!r}",
                actor=actor,
                account_id=account.id,
            )
    return account


def _attributes_after(account: Account, new: dict[str, Any], actor: User) -> dict[str, Any]:
    """The attributes a PATCH leaves: platform-owned keys change only by an admin's hand."""
    old = account.attributes or {}
    if permissions.is_admin(actor):
        if new.get("carbon_api"):
            from gridflex.services.carbon.access import parse  # the carbon package is heavy

            try:
                parse(new["carbon_api"])
            except ValidationError as exc:
                raise ValidationError(exc.message, field="attributes") from None
        return new
    for key in sorted(PLATFORM_OWNED_ATTRIBUTES & new.keys()):
        if new[key] != old.get(key):
            raise PermissionDeniedError(
                f"Only admins can change attributes[{key!r}]: it is set by the platform "
                "(leave it out to keep it as it is)."
            )
    kept = {key: old[key] for key in PLATFORM_OWNED_ATTRIBUTES if key in old}
    return {**{k: v for k, v in new.items() if k not in PLATFORM_OWNED_ATTRIBUTES}, **kept}


def get_account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFoundError(f"Account {account_id} not found.")
    return account


def list_accounts(session: Session, user: User | None, page: Page) -> Listed:
    """The accounts ``user`` may read (all for None: the operator at the command line)."""
    return q.list_accounts(session, page, viewer=user)


def find_account_by_name(session: Session, name: str) -> Account | None:
    return q.account_by_name(session, name)
