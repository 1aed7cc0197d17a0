"""Users: create, update, passwords, login and token issuing (the caller commits).

``login`` is the one way in for the API (``POST /api/requestAuthToken``) and the web
UI alike, so both get the same throttling (``login_throttle``) and the same answer
and cost for an unknown email as for a wrong password.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gridflex import permissions
from gridflex.config import Settings
from gridflex.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from gridflex.security import (
    check_password_strength,
    hash_password,
    issue_token,
    random_password,
    verify_password,
)
from gridflex.services import audit, login_throttle, user_cache
from gridflex.store.base import INT32_MAX
from gridflex.store.models import Account, Role, User
from gridflex.store.models.users import new_token_key
from gridflex.store.queries import users as q
from gridflex.store.queries.listing import Listed, Page
from gridflex.timing import utcnow


def roles_by_name_or_id(session: Session, items: list[int | str]) -> list[Role]:
    roles = list(session.scalars(sa.select(Role)))
    by_key: dict[Any, Role] = {r.name: r for r in roles} | {r.id: r for r in roles}
    unknown = [item for item in items if item not in by_key]
    if unknown:
        raise ValidationError(
            f"Unknown user role(s) {unknown}; choose from {sorted(r.name for r in roles)}.",
            field="roles",
        )
    return list({by_key[item].id: by_key[item] for item in items}.values())


def create_user(
    session: Session,
    *,
    email: str,
    username: str,
    account_id: int,
    password: str | None = None,
    roles: Sequence[int | str] = (),
    timezone: str = "Europe/Amsterdam",
    active: bool = True,
    actor: User | None = None,
) -> User:
    email = email.strip().lower()
    if actor is not None:  # first: nobody learns which emails exist elsewhere
        permissions.require(permissions.can_manage_users_of(actor, account_id))
    if session.get(Account, account_id) is None:
        raise ValidationError(f"Account {account_id} does not exist.", field="account_id")
    if session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise ValidationError(f"A user with email {email!r} already exists.", field="email")
    role_objects = roles_by_name_or_id(session, list(roles))
    if actor is not None:
        _check_grants(actor, {r.name for r in role_objects})
    if password is not None:
        check_password_strength(password, user_inputs=_guessable_words(email, username))
    user = User(
        email=email,
        username=username,
        account_id=account_id,
        password_hash=hash_password(password or random_password()),
        roles=role_objects,
        timezone=timezone,
        active=active,
    )
    session.add(user)
    session.flush()
    audit.record(
        session, f"User {username} created", actor=actor, user_id=user.id, account_id=account_id
    )
    return user


def _check_grants(actor: User, changed_roles: set[str]) -> None:
    not_allowed = changed_roles - permissions.grantable_roles(actor)
    if not_allowed:
        raise PermissionDeniedError(
            f"You cannot grant or revoke the role(s) {sorted(not_allowed)}."
        )


def update_user(session: Session, user: User, changes: dict[str, Any], *, actor: User) -> User:
    for field in ("id", "account_id"):
        if field in changes:
            raise ValidationError(f"The {field} of a user cannot be updated.", field=field)
    manages = permissions.can_manage_user(actor, user)
    if not manages and actor.id != user.id:
        raise PermissionDeniedError("You cannot be authorized for this content or functionality.")
    # An empty list is a request to remove every role, so test for None, not for truth.
    role_items = changes.pop("flexmeasures_roles", None)
    other_items = changes.pop("roles", None)
    if role_items is None:
        role_items = other_items
    if not manages and ("active" in changes or role_items is not None):
        raise PermissionDeniedError(
            "Only (account) admins can change whether a user is active or their roles."
        )
    if "email" in changes:
        changes["email"] = changes["email"].strip().lower()
        clash = session.scalar(
            sa.select(User.id).where(User.email == changes["email"], User.id != user.id)
        )
        if clash is not None:
            raise ValidationError(
                f"A user with email {changes['email']!r} already exists.", field="email"
            )
    if role_items is not None:
        new_roles = roles_by_name_or_id(session, role_items)
        _check_grants(actor, {r.name for r in new_roles} ^ {r.name for r in user.roles})
        user.roles = new_roles
        audit.record(
            session,
            f"User {user.username} roles set to {sorted(r.name for r in new_roles)}",
            actor=actor,
            user_id=user.id,
            account_id=user.account_id,
        )
    for field, value in changes.items():
        if getattr(user, field) != value:
            setattr(user, field, value)
            audit.record(
                session,
                f"User {user.username} {field} set to {value!r}",
                actor=actor,
                user_id=user.id,
                account_id=user.account_id,
            )
    if changes.get("active") is False:
        user.token_key = new_token_key()  # a deactivated user's tokens die with it
    return user


def reset_password(session: Session, user: User, *, actor: User) -> None:
    """Set a random password and invalidate every token of the user."""
    if actor.id != user.id and not permissions.is_admin(actor):
        raise PermissionDeniedError("Only admins can reset the password of another user.")
    user.password_hash = hash_password(random_password())
    user.token_key = new_token_key()
    audit.record(
        session,
        f"Password reset for user {user.username}",
        actor=actor,
        user_id=user.id,
        account_id=user.account_id,
    )


def set_password(session: Session, user: User, password: str) -> None:
    """Change a user's password (strength checked) and invalidate their tokens."""
    check_password_strength(password, user_inputs=_guessable_words(user.email, user.username))
    user.password_hash = hash_password(password)
    user.token_key = new_token_key()


def _guessable_words(email: str, username: str | None) -> list[str]:
    """What a guesser tries first for this user: the email, its parts, the user name."""
    local, _, domain = email.strip().lower().partition("@")
    parts = [*domain.split("."), *local.replace("-", ".").replace("_", ".").split(".")]
    return [email, local, domain, *parts, username or ""]


LOGIN_REFUSED = "Wrong email or password."


def login(
    session: Session,
    settings: Settings,
    email: str,
    password: str,
    *,
    address: str | None = None,
    now: datetime | None = None,
) -> tuple[User, str]:
    """Check the password and issue a token; ``address`` is the client's, ``now`` the clock.

    Raises ``RateLimitError`` while throttled, else ``AuthenticationError`` with the
    same message for an unknown email and a wrong password (after the same argon2 work).
    """
    now = now or utcnow()
    email = email.strip().lower()
    engine = session.get_bind().engine  # the counters are written in their own transactions
    login_throttle.check(engine, settings, email, address, now)
    user = session.scalar(sa.select(User).where(User.email == email))
    if not verify_password(user.password_hash if user else None, password) or user is None:
        login_throttle.record_failure(engine, settings, email, address, now)
        raise AuthenticationError(LOGIN_REFUSED)
    if not user.active:  # only said to whoever knows the password
        raise AuthenticationError("This user is inactive.")
    login_throttle.record_success(engine, settings, email)
    user.last_login_at = now
    token = issue_token(
        user.id,
        user.token_key,
        secret_key=settings.secret_key,
        max_age_s=settings.token_max_age.total_seconds(),
    )
    return user, token


def list_users(
    session: Session,
    user: User | None,
    page: Page,
    *,
    account_id: int | None = None,
    include_inactive: bool = False,
) -> Listed:
    """The users of ``account_id`` (default: the user's own account), which ``user`` must read;
    ``user=None`` is the operator at the command line (every account by default)."""
    from gridflex.services.accounts import get_account

    if user is not None:
        if account_id is not None and account_id != user.account_id:
            account = get_account(session, account_id)
            permissions.require(permissions.can_read_account(user, account))
        account_id = user.account_id if account_id is None else account_id
    return q.list_users(session, page, account_id=account_id, include_inactive=include_inactive)


ASSET_VIEWS = ("Audit Log", "Context", "Graphs", "Properties", "Status")


def set_preferences(session: Session, user: User, changes: dict[str, Any]) -> dict[str, Any]:
    """Merge ``changes`` into the user's own preferences (a None value removes one)."""
    view = changes.get("default_asset_view")
    if view is not None and view not in ASSET_VIEWS:
        raise ValidationError(
            f"default_asset_view must be one of {sorted(ASSET_VIEWS)}.", field="default_asset_view"
        )
    merged = {**(user.preferences or {}), **changes}
    user.preferences = {key: value for key, value in merged.items() if value is not None}
    audit.record(
        session,
        f"User {user.username} set preferences {sorted(changes)}",
        actor=user,
        user_id=user.id,
        account_id=user.account_id,
    )
    return user.preferences


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"User {user_id} not found.")
    return user


def delete_user(session: Session, user: User, *, actor: User | None) -> None:
    audit.record(
        session,
        f"User {user.username} ({user.email}) deleted",
        actor=actor,
        account_id=user.account_id,
    )
    session.delete(user)


def find_user(session: Session, user_id: int) -> User | None:
    """The user with this id, if there is one (None also for ids no user can have)."""
    return q.user_with_roles(session, user_id) if 1 <= user_id <= INT32_MAX else None


def find_token_user(session: Session, user_id: int, token_key: str, *, ttl: float) -> User | None:
    """The active user a token's claims name, if the token is still theirs (see ``user_cache``)."""
    return (
        user_cache.token_user(session, user_id, token_key, ttl=ttl)
        if 1 <= user_id <= INT32_MAX
        else None
    )


def find_user_by_email(session: Session, email: str) -> User | None:
    """The user with this email address (compared as stored: trimmed, lower-case)."""
    return q.user_by_email(session, email.strip().lower())
