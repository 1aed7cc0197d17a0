"""Accounts: list, read, update, audit log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gridflex.api.deps import (
    AuditableAccount,
    CurrentUser,
    ReadableAccount,
    SessionDep,
    UpdatableAccount,
)
from gridflex.api.listing import ListQueryDep, list_answer
from gridflex.api.schemas.entities import AccountUpdate, account_public, audit_public
from gridflex.services import accounts, audit
from gridflex.store.queries.listing import Page

router = APIRouter(prefix="/api/v3_0/accounts", tags=["accounts"])


@router.get(
    "",
    summary="List all accounts accessible to the current user.",
)
def read_accounts(user: CurrentUser, session: SessionDep, query: ListQueryDep) -> Any:
    return list_answer(accounts.list_accounts(session, user, query), query, account_public)


@router.get("/{id}", summary="Fetch a given account.")
def read_account(account: ReadableAccount) -> dict[str, Any]:
    return account_public(account)


@router.patch("/{id}", summary="Update an account.")
def update_account(
    account: UpdatableAccount, body: AccountUpdate, user: CurrentUser, session: SessionDep
) -> dict[str, Any]:
    accounts.update_account(session, account, body.model_dump(exclude_unset=True), actor=user)
    return account_public(account)


@router.get("/{id}/auditlog", summary="Get the history of actions for a specific account.")
def read_account_auditlog(account: AuditableAccount, session: SessionDep) -> list[dict[str, Any]]:
    return [
        audit_public(entry) for entry in audit.entries(session, Page(), account_id=account.id).rows
    ]
