"""Accounts: list, read, update, audit log."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter

from gridflex import permissions
from gridflex.api.deps import CurrentUser, ReadableAccount, SessionDep
from gridflex.api.listing import ListQueryDep, listing
from gridflex.api.schemas.entities import AccountUpdate, account_public, audit_public
from gridflex.services import accounts
from gridflex.store.models import Account, AuditLog

router = APIRouter(prefix="/api/v3_0/accounts", tags=["accounts"])


@router.get("", summary="List all accounts accessible to the current user.")
def read_accounts(user: CurrentUser, session: SessionDep, query: ListQueryDep) -> Any:
    stmt = sa.select(Account)
    if not permissions.reads_everything(user):
        consulted = Account.consultancy_account_id == user.account_id
        own = Account.id == user.account_id
        stmt = stmt.where(sa.or_(own, consulted) if user.has_role("consultant") else own)
    return listing(
        session,
        stmt,
        query,
        search_columns=[Account.name],
        sort_columns={"id": Account.id, "name": Account.name},
        default_sort=Account.id,
        serialize=account_public,
    )


@router.get("/{id}", summary="Fetch a given account.")
def read_account(account: ReadableAccount) -> dict[str, Any]:
    return account_public(account)


@router.patch("/{id}", summary="Update an account.")
def update_account(
    account: ReadableAccount, body: AccountUpdate, user: CurrentUser, session: SessionDep
) -> dict[str, Any]:
    permissions.require(permissions.can_update_account(user, account))
    accounts.update_account(session, account, body.model_dump(exclude_unset=True), actor=user)
    return account_public(account)


@router.get("/{id}/auditlog", summary="Get the history of actions for a specific account.")
def read_account_auditlog(
    account: ReadableAccount, user: CurrentUser, session: SessionDep
) -> list[dict[str, Any]]:
    permissions.require(
        permissions.reads_everything(user)
        or (user.account_id == account.id and user.has_role("account-admin"))
    )
    stmt = (
        sa.select(AuditLog).where(AuditLog.affected_account_id == account.id).order_by(AuditLog.id)
    )
    return [audit_public(entry) for entry in session.scalars(stmt)]
