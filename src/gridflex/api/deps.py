"""Dependencies: settings, the request's session, the current user and entity lookups.

Lookup, 404 and 403 live here, once, so that handlers stay a few lines long.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.concurrency import contextmanager_in_threadpool, run_in_threadpool
from fastapi.exceptions import RequestValidationError
from sqlalchemy.orm import Session

from gridflex import permissions
from gridflex.api.errors import UNAUTHORIZED_MESSAGE
from gridflex.config import Settings
from gridflex.errors import AuthenticationError, NotFoundError, ValidationError
from gridflex.security import read_token
from gridflex.services import user_cache
from gridflex.store import replica
from gridflex.store.base import INT32_MAX, end_session, get_sessionmaker, session_scope
from gridflex.store.models import Account, Asset, Job, Sensor, User
from gridflex.timing import utcnow


# Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency in a
# worker thread, and that hop costs more than their work.
async def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


async def get_session(request: Request, settings: SettingsDep) -> AsyncIterator[Session]:
    """One session per request; it commits when the handler succeeds, else rolls back.

    Opening a session does no I/O (it connects on first use, in the handler's thread), so
    only its end runs in a worker thread: one thread hop, not two. With a read replica
    configured, choosing the database takes queries, so all of it runs in a thread.
    """
    if settings.database_read_url:
        async with contextmanager_in_threadpool(_replica_session(request, settings)) as session:
            yield session
        return
    session = get_sessionmaker(settings.database_url)()
    try:
        yield session
    except BaseException:
        await run_in_threadpool(end_session, session, commit=False)
        raise
    await run_in_threadpool(end_session, session, commit=True)


@contextmanager
def _replica_session(request: Request, settings: Settings) -> Iterator[Session]:
    """The request's session on the replica or the primary (see ``gridflex.store.replica``);
    write requests leave their caller's write mark."""
    primary = settings.database_url
    user_id = _claimed_user_id(request, settings)
    read_only = request.method in replica.READ_ONLY_METHODS
    url = (
        replica.url_for_read(primary, settings.database_read_url, user_id) if read_only else primary
    )
    writer: int | None = None  # a user who wrote: their next reads go to the primary
    with session_scope(url) as session:
        session.info["replica"] = url != primary
        yield session
        if user_id is not None and url == primary and replica.has_written(session):
            writer = user_id
    if writer is not None:
        replica.note_write(primary, writer)


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
    from gridflex.services.users import find_token_user

    claims = read_token(
        token, secret_key=settings.secret_key, max_age_s=settings.token_max_age.total_seconds()
    )
    user = find_token_user(
        session, claims.user_id, claims.token_key, ttl=settings.auth_cache_seconds
    )
    if user is None:
        raise AuthenticationError(UNAUTHORIZED_MESSAGE)
    now = utcnow()
    # Record activity without writing on every request.
    if user.last_seen_at is None or now - user.last_seen_at > timedelta(minutes=5):
        if session.info.get("replica"):  # a replica is read-only: record it on the primary
            with session_scope(settings.database_url) as primary:
                primary.get_one(User, user.id).last_seen_at = now
        else:
            user.last_seen_at = now
        user_cache.note_seen(user.id, now)  # else a cached copy would ask to write it again
    return user


def get_current_user(request: Request, session: SessionDep, settings: SettingsDep) -> User:
    try:
        return authenticate(session, settings, token_from_headers(request))
    except AuthenticationError as exc:
        raise AuthenticationError(UNAUTHORIZED_MESSAGE) from exc


CurrentUser = Annotated[User, Depends(get_current_user)]


def _query_names(dependant: Any) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def refuse_unknown_query(request: Request) -> None:
    """A destructive route never ignores a parameter: one it does not declare is refused."""
    route = request.scope.get("route")
    known = _query_names(route.dependant) if route is not None else set()
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        takes = ", ".join(sorted(known)) or "none"
        raise ValidationError(
            f"Unknown parameter {unknown[0]!r}: nothing was deleted (this route takes: {takes}).",
            field=unknown[0],
        )


# For every DELETE route: ``@router.delete(..., dependencies=[StrictQuery])``.
StrictQuery = Depends(refuse_unknown_query)


def _entity(
    lookup: Callable[[Session, int], Any],
    rule: Callable[[User, Any], bool],
    description: str,
    *,
    missing_is_invalid: bool = False,
) -> Callable[..., Any]:
    """A dependency: the entity with the path's ``id`` (else 404, or 422 naming ``id`` where
    the reference answers so), if ``rule`` lets the user at it (else 403). Every entity route
    gets its entity through one of these."""

    def dependency(user: CurrentUser, session: SessionDep, id: int) -> Any:
        try:
            entity = lookup(session, id)
        except NotFoundError as exc:
            if not missing_is_invalid:
                raise
            what = description.removesuffix(" id")
            raise RequestValidationError(
                [
                    {
                        "loc": ("path", "id"),
                        "msg": f"No {what} found with ID {id}.",
                        "type": "value_error",
                    }
                ]
            ) from exc
        permissions.require(rule(user, entity))
        return entity

    # A real object, not a string: the description differs per entity (FastAPI reads it).
    dependency.__annotations__["id"] = Annotated[
        int, Path(ge=1, le=INT32_MAX, description=description)
    ]
    return dependency


def _asset(rule: Callable[[User, Asset], bool], **options: bool) -> Callable[..., Any]:
    from gridflex.services.assets import get_asset

    return _entity(get_asset, rule, "asset id", **options)


def _sensor(rule: Callable[[User, Sensor], bool], **options: bool) -> Callable[..., Any]:
    from gridflex.services.sensors import get_sensor

    return _entity(get_sensor, rule, "sensor id", **options)


def _account(rule: Callable[[User, Account], bool]) -> Callable[..., Any]:
    from gridflex.services.accounts import get_account

    return _entity(get_account, rule, "account id")


def _user(rule: Callable[[User, User], bool]) -> Callable[..., Any]:
    from gridflex.services.users import get_user

    return _entity(get_user, rule, "user id")


def _to(check: Callable[[User, Any, str], bool], action: str) -> Callable[[User, Any], bool]:
    return lambda user, entity: check(user, entity, action)


P = permissions
ReadableAsset = Annotated[Asset, Depends(_asset(_to(P.can_access_asset, P.READ)))]
UpdatableAsset = Annotated[Asset, Depends(_asset(_to(P.can_access_asset, P.UPDATE)))]
DeletableAsset = Annotated[Asset, Depends(_asset(_to(P.can_access_asset, P.DELETE)))]
ReadableSensor = Annotated[Sensor, Depends(_sensor(_to(P.can_access_sensor, P.READ)))]
UpdatableSensor = Annotated[Sensor, Depends(_sensor(_to(P.can_access_sensor, P.UPDATE)))]
DeletableSensor = Annotated[Sensor, Depends(_sensor(_to(P.can_access_sensor, P.DELETE)))]
# Schedule triggers: an unknown sensor or asset is invalid input (422 naming ``id``), as the
# reference answers; the user must be allowed to update what is scheduled.
SchedulableSensor = Annotated[
    Sensor, Depends(_sensor(_to(P.can_access_sensor, P.UPDATE), missing_is_invalid=True))
]
SchedulableAsset = Annotated[
    Asset, Depends(_asset(_to(P.can_access_asset, P.UPDATE), missing_is_invalid=True))
]
# A sensor whose description (unit, resolution, timezone...) the user may change.
DescribableSensor = Annotated[Sensor, Depends(_sensor(P.can_update_sensor_fields))]
ReadableAccount = Annotated[Account, Depends(_account(P.can_read_account))]
UpdatableAccount = Annotated[Account, Depends(_account(P.can_update_account))]
AuditableAccount = Annotated[Account, Depends(_account(P.can_read_account_audit))]
ReadableUser = Annotated[User, Depends(_user(P.can_read_user))]
AuditableUser = Annotated[User, Depends(_user(P.can_read_user_audit))]


def _readable_job(uuid: str, user: CurrentUser, session: SessionDep) -> Job:
    from gridflex.jobs import get_job

    job = get_job(session, uuid)
    permissions.require(permissions.can_read_job(user, job))
    return job


ReadableJob = Annotated[Job, Depends(_readable_job)]
