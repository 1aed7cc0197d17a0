"""Users: list, create, read, update, audit log, password reset."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from gridflex.api.deps import AuditableUser, CurrentUser, ReadableUser, SessionDep
from gridflex.api.listing import ListQueryDep, list_answer, paged
from gridflex.api.responses import JSON
from gridflex.api.schemas.entities import UserCreate, UserUpdate, audit_public, user_public
from gridflex.services import audit, users

router = APIRouter(prefix="/api/v3_0/users", tags=["users"])


@router.get("", summary="List users.")
def read_users(
    user: CurrentUser,
    session: SessionDep,
    query: ListQueryDep,
    account_id: Annotated[int | None, Query()] = None,
    include_inactive: Annotated[bool, Query()] = False,
) -> Any:
    listed = users.list_users(
        session, user, query, account_id=account_id, include_inactive=include_inactive
    )
    return list_answer(listed, query, lambda u: user_public(u, with_account=True))


@router.post(
    "",
    status_code=201,
    summary="Create new user",
)
def create_user(body: UserCreate, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
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
def read_user_auditlog(other: AuditableUser, session: SessionDep, query: ListQueryDep) -> Any:
    page = paged(query)
    return list_answer(audit.entries(session, page, user_id=other.id), page, audit_public)


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
