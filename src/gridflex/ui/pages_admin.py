"""Accounts and users: lists, create, edit roles, (de)activate, password reset.

Who may do what is decided by the services and `gridflex.permissions`, as for the API.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from gridflex import permissions
from gridflex.api.deps import SessionDep
from gridflex.errors import ValidationError
from gridflex.security import random_password
from gridflex.services import accounts, audit, users
from gridflex.store.models import Account, User
from gridflex.store.models.accounts import ACCOUNT_ROLE_NAMES
from gridflex.store.models.users import USER_ROLE_NAMES
from gridflex.store.queries.listing import Page
from gridflex.ui.web import Csrf, UiRoute, UiUser, render

router = APIRouter(route_class=UiRoute, include_in_schema=False)


@router.get("/ui/accounts")
def account_list(
    request: Request, user: UiUser, session: SessionDep, q: str | None = None
) -> Response:
    listed = accounts.list_accounts(
        session, user, Page(cap=2_000, search=q or None, sort_by="name")
    )
    if len(listed.rows) == 1 and not q:
        return RedirectResponse(f"/ui/accounts/{listed.rows[0].id}", status_code=303)
    return render(
        request, "accounts.html", accounts=listed.rows, q=q or "", roles=ACCOUNT_ROLE_NAMES
    )


@router.post("/ui/accounts", dependencies=[Csrf])
async def create_account(
    request: Request,
    user: UiUser,
    session: SessionDep,
    name: Annotated[str, Form()],
) -> Response:
    permissions.require(permissions.is_admin(user), "Only admins create accounts.")
    roles = [str(r) for r in (await request.form()).getlist("roles")]
    account = accounts.create_account(session, name=name.strip(), roles=roles, actor=user)
    return RedirectResponse(f"/ui/accounts/{account.id}", status_code=303)


def _readable_account(session: Session, user: User, account_id: int) -> Account:
    account = accounts.get_account(session, account_id)
    permissions.require(permissions.can_read_account(user, account))
    return account


@router.get("/ui/accounts/{account_id}")
def account_page(
    request: Request,
    account_id: int,
    user: UiUser,
    session: SessionDep,
    created: str | None = None,
) -> Response:
    account = _readable_account(session, user, account_id)
    members = users.list_users(
        session,
        user,
        Page(cap=2_000, sort_by="email"),
        account_id=account.id,
        include_inactive=True,
    )
    return render(
        request,
        "account.html",
        account=account,
        members=members.rows,
        can_manage=permissions.can_manage_users_of(user, account.id),
        grantable=sorted(permissions.grantable_roles(user)),
        created=created,
    )


@router.post("/ui/accounts/{account_id}/users", dependencies=[Csrf])
async def create_user(
    request: Request,
    account_id: int,
    user: UiUser,
    session: SessionDep,
    email: Annotated[str, Form()],
    username: Annotated[str, Form()] = "",
) -> Response:
    account = _readable_account(session, user, account_id)
    permissions.require(permissions.can_manage_users_of(user, account.id))
    roles: list[int | str] = [str(r) for r in (await request.form()).getlist("roles")]
    if "@" not in email:
        raise ValidationError("Give a valid email address.", field="email")
    new = users.create_user(
        session,
        email=email,
        username=username.strip() or email.split("@")[0],
        account_id=account.id,
        roles=roles,
        actor=user,
    )
    return RedirectResponse(f"/ui/users/{new.id}?created=1", status_code=303)


def _readable_user(session: Session, user: User, user_id: int) -> User:
    other = users.get_user(session, user_id)
    permissions.require(permissions.can_read_user(user, other))
    return other


@router.get("/ui/users/{user_id}")
def user_page(
    request: Request, user_id: int, user: UiUser, session: SessionDep, created: str | None = None
) -> Response:
    other = _readable_user(session, user, user_id)
    return _user_view(request, session, user, other, created=bool(created))


def _user_view(
    request: Request,
    session: Session,
    user: User,
    other: User,
    *,
    created: bool = False,
    message: str | None = None,
    new_password: str | None = None,
) -> Response:
    sees_log = (
        permissions.reads_everything(user)
        or user.id == other.id
        or permissions.can_manage_users_of(user, other.account_id)
    )
    log = (
        audit.entries(
            session,
            Page(number=1, size=15, sort_by="event_datetime", descending=True),
            user_id=other.id,
        ).rows
        if sees_log
        else []
    )
    return render(
        request,
        "user.html",
        other=other,
        manages=permissions.can_manage_user(user, other),
        grantable=permissions.grantable_roles(user),
        all_roles=USER_ROLE_NAMES,
        can_reset=permissions.is_admin(user) or user.id == other.id,
        log=log,
        created=created,
        message=message,
        new_password=new_password,
    )


@router.post("/ui/users/{user_id}", dependencies=[Csrf])
async def update_user(
    request: Request,
    user_id: int,
    user: UiUser,
    session: SessionDep,
    username: Annotated[str, Form()],
    timezone: Annotated[str, Form()],
) -> Response:
    """Own name and timezone for everyone; roles and active for those who manage the user."""
    other = _readable_user(session, user, user_id)
    form = await request.form()
    changes: dict[str, object] = {"username": username.strip(), "timezone": timezone.strip()}
    if permissions.can_manage_user(user, other):
        # Only the roles this user may grant are on the form; keep the others as they are.
        grantable = permissions.grantable_roles(user)
        kept = [r for r in other.role_names if r not in grantable]
        changes["roles"] = kept + [str(r) for r in form.getlist("roles") if str(r) in grantable]
        if other.id != user.id:  # nobody locks themselves out by accident
            changes["active"] = form.get("active") == "on"
    users.update_user(session, other, changes, actor=user)
    return _user_view(request, session, user, other, message="Saved.")


@router.post("/ui/users/{user_id}/reset-password", dependencies=[Csrf])
def reset_password(request: Request, user_id: int, user: UiUser, session: SessionDep) -> Response:
    """A new random password, shown once; every session and token of the user ends."""
    other = _readable_user(session, user, user_id)
    users.reset_password(session, other, actor=user)
    password = random_password()
    users.set_password(session, other, password)
    return _user_view(
        request,
        session,
        user,
        other,
        message="Password reset: the user's sessions and API tokens no longer work.",
        new_password=password,
    )
