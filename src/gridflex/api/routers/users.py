"""Users: list, create, read, update, audit log, password reset."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query

from gridflex import permissions
from gridflex.api.deps import CurrentUser, ReadableUser, SessionDep
from gridflex.api.listing import ListQueryDep, audit_listing, listing
from gridflex.api.responses import JSON
from gridflex.api.schemas.entities import UserCreate, UserUpdate, user_public
from gridflex.services import users
from gridflex.store.models import AuditLog, User

router = APIRouter(prefix="/api/v3_0/users", tags=["users"])


@router.get("", summary="List users.")
def read_users(
    user: CurrentUser,
    session: SessionDep,
    query: ListQueryDep,
    account_id: Annotated[int | None, Query()] = None,
    include_inactive: Annotated[bool, Query()] = False,
) -> Any:
    stmt = sa.select(User)
    target = account_id if account_id is not None else user.account_id
    if account_id is not None and account_id != user.account_id:
        from gridflex.services.accounts import get_account

        permissions.require(permissions.can_read_account(user, get_account(session, account_id)))
    stmt = stmt.where(User.account_id == target)
    if not include_inactive:
        stmt = stmt.where(User.active.is_(True))
    return listing(
        session,
        stmt,
        query,
        search_columns=[User.username, User.email],
        sort_columns={"id": User.id, "username": User.username, "email": User.email},
        default_sort=User.id,
        serialize=lambda u: user_public(u, with_account=True),
    )


@router.post("", status_code=201, summary="Create new user")
def create_user(body: UserCreate, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    permissions.require(permissions.can_manage_users_of(user, body.account_id))
    new = users.create_user(session, **body.model_dump(), actor=user)
    return {"data": [user_public(new)], **user_public(new)}


@router.get("/{id}", summary="Fetch a user")
def read_user(other: ReadableUser) -> dict[str, Any]:
    return {"data": user_public(other), **user_public(other)}


@router.patch("/{id}", summary="Update a user.")
def update_user(
    other: ReadableUser, body: UserUpdate, user: CurrentUser, session: SessionDep
) -> dict[str, Any]:
    users.update_user(session, other, body.model_dump(exclude_unset=True), actor=user)
    return {"data": [user_public(other)], **user_public(other)}


@router.get("/{id}/auditlog", summary="Get history of user actions.")
def read_user_auditlog(
    other: ReadableUser, user: CurrentUser, session: SessionDep, query: ListQueryDep
) -> Any:
    permissions.require(
        permissions.reads_everything(user)
        or user.id == other.id
        or permissions.can_manage_users_of(user, other.account_id)
    )
    return audit_listing(session, AuditLog.affected_user_id == other.id, query)


@router.patch("/{id}/password-reset", summary="Password reset")
def reset_user_password(other: ReadableUser, user: CurrentUser, session: SessionDep) -> JSON:
    """Set a random password and invalidate every token of the user."""
    users.reset_password(session, other, actor=user)
    return JSON(
        {
            "message": "Password reset; all tokens of this user are invalidated.",
            "status": "PROCESSED",
        }
    )
