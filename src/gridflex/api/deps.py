"""Dependencies: settings, the request's session, the current user and entity lookups.

Lookup, 404 and 403 live here, once, so that handlers stay a few lines long.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from gridflex import permissions
from gridflex.api.errors import UNAUTHORIZED_MESSAGE
from gridflex.config import Settings
from gridflex.errors import AuthenticationError, NotFoundError
from gridflex.security import read_token
from gridflex.store import replica
from gridflex.store.base import session_scope
from gridflex.store.models import Account, Asset, Sensor, User
from gridflex.timing import utcnow


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_session(request: Request, settings: SettingsDep) -> Iterator[Session]:
    """One session per request; it commits when the handler succeeds, else rolls back.

    With a read replica configured, read-only requests may run on it and write
    requests leave their caller's write mark (see ``gridflex.store.replica``).
    """
    primary = settings.database_url
    if not settings.database_read_url:
        with session_scope(primary) as session:
            yield session
        return
    user_id = _claimed_user_id(request, settings)
    read_only = request.method in replica.READ_ONLY_METHODS
    url = (
        replica.url_for_read(primary, settings.database_read_url, user_id) if read_only else primary
    )
    wrote = False
    with session_scope(url) as session:
        session.info["replica"] = url != primary
        yield session
        wrote = user_id is not None and url == primary and replica.has_written(session)
    if wrote:
        replica.note_write(primary, user_id)  # type: ignore[arg-type]


def _claimed_user_id(request: Request, settings: Settings) -> int | None:
    """The user id a valid token claims (no database: the user is checked by authentication)."""
    token = token_from_headers(request)
    try:
        return read_token(token, secret_key=settings.secret_key).user_id if token else None
    except AuthenticationError:
        return None


# "function" scope: commit before the answer is sent, so a client that reads right after a write sees it.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def token_from_headers(request: Request) -> str | None:
    header = request.headers.get("Authorization") or request.headers.get("auth-token")
    if not header:
        return None
    if header.lower().startswith("bearer "):
        header = header[7:]
    return header.strip() or None


def authenticate(session: Session, settings: Settings, token: str | None) -> User:
    """The user a token belongs to, if the token is valid, current and the user active."""
    if not token:
        raise AuthenticationError(UNAUTHORIZED_MESSAGE)
    claims = read_token(token, secret_key=settings.secret_key)
    user = session.get(User, claims.user_id)
    if user is None or not user.active or user.token_key != claims.token_key:
        raise AuthenticationError(UNAUTHORIZED_MESSAGE)
    now = utcnow()
    # Record activity without writing on every request.
    if user.last_seen_at is None or now - user.last_seen_at > timedelta(minutes=5):
        if session.info.get("replica"):  # a replica is read-only: record it on the primary
            with session_scope(settings.database_url) as primary:
                primary.get_one(User, user.id).last_seen_at = now
        else:
            user.last_seen_at = now
    return user


def get_current_user(request: Request, session: SessionDep, settings: SettingsDep) -> User:
    try:
        return authenticate(session, settings, token_from_headers(request))
    except AuthenticationError as exc:
        raise AuthenticationError(UNAUTHORIZED_MESSAGE) from exc


CurrentUser = Annotated[User, Depends(get_current_user)]


def _asset(session: Session, asset_id: int) -> Asset:
    asset = session.get(Asset, asset_id)
    if asset is None:
        raise NotFoundError(f"Asset {asset_id} not found.")
    return asset


def _sensor(session: Session, sensor_id: int) -> Sensor:
    sensor = session.get(Sensor, sensor_id)
    if sensor is None:
        raise NotFoundError(f"Sensor {sensor_id} not found")
    return sensor


def asset_with(action: str):  # noqa: ANN201 - returns a dependency
    def dependency(
        user: CurrentUser, session: SessionDep, id: Annotated[int, Path(description="asset id")]
    ) -> Asset:
        asset = _asset(session, id)
        permissions.require(permissions.can_access_asset(user, asset, action))
        return asset

    return dependency


def sensor_with(action: str):  # noqa: ANN201 - returns a dependency
    def dependency(
        user: CurrentUser, session: SessionDep, id: Annotated[int, Path(description="sensor id")]
    ) -> Sensor:
        sensor = _sensor(session, id)
        permissions.require(permissions.can_access_sensor(user, sensor, action))
        return sensor

    return dependency


def readable_account(
    user: CurrentUser, session: SessionDep, id: Annotated[int, Path(description="account id")]
) -> Account:
    account = session.get(Account, id)
    if account is None:
        raise NotFoundError(f"Account {id} not found.")
    permissions.require(permissions.can_read_account(user, account))
    return account


def readable_user(
    user: CurrentUser, session: SessionDep, id: Annotated[int, Path(description="user id")]
) -> User:
    other = session.get(User, id)
    if other is None:
        raise NotFoundError(f"User {id} not found.")
    permissions.require(permissions.can_read_user(user, other))
    return other


ReadableAsset = Annotated[Asset, Depends(asset_with(permissions.READ))]
UpdatableAsset = Annotated[Asset, Depends(asset_with(permissions.UPDATE))]
DeletableAsset = Annotated[Asset, Depends(asset_with(permissions.DELETE))]
ReadableSensor = Annotated[Sensor, Depends(sensor_with(permissions.READ))]
UpdatableSensor = Annotated[Sensor, Depends(sensor_with(permissions.UPDATE))]
DeletableSensor = Annotated[Sensor, Depends(sensor_with(permissions.DELETE))]
ReadableAccount = Annotated[Account, Depends(readable_account)]
ReadableUser = Annotated[User, Depends(readable_user)]
