"""The carbon-intensity API by grid zone (seed 002), under ``/v3``.

Every data route takes ``zone`` or ``lat`` and ``lon`` and names the zone it
answers for. Tokens are gridflex tokens in the ``auth-token`` header (or
``Authorization``). Errors use this API's own shape, ``{"error", "message"}``:
401 for a missing or invalid token and for a zone or route the account may
not use, 400 for bad parameters and unknown zones, 404 when there are no data.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from gridflex import errors
from gridflex.api.deps import SessionDep, SettingsDep, authenticate, token_from_headers
from gridflex.api.responses import JSON
from gridflex.config import Settings
from gridflex.engines.carbon import zones_listing
from gridflex.security import read_token
from gridflex.services.belief_checks import to_us
from gridflex.services.carbon import Access, access_of, breakdown, forecasts, marginal, readings
from gridflex.services.carbon.registry import Registry
from gridflex.services.carbon.state import CarbonState, Expiring
from gridflex.store.base import session_scope
from gridflex.timing import parse_datetime, parse_duration, utcnow

_STATUS: list[tuple[type[errors.GridflexError], int, str]] = [
    (errors.AuthenticationError, 401, "Unauthorized"),
    (errors.PermissionDeniedError, 401, "Unauthorized"),
    (errors.NotFoundError, 404, "Not Found"),
    (errors.InsufficientDataError, 404, "Not Found"),
    (errors.ConflictError, 409, "Conflict"),
    (errors.GridflexError, 400, "Bad Request"),
]


def carbon_error(exc: errors.GridflexError) -> JSON:
    """This API's error shape; validation messages name their parameter."""
    for cls, code, name in _STATUS:
        if isinstance(exc, cls):
            message = exc.message
            if isinstance(exc, errors.ValidationError) and exc.field and exc.field not in message:
                message = f"{exc.field}: {message}"
            return JSON({"error": name, "message": message}, status_code=code)
    raise exc  # pragma: no cover - GridflexError closes the table


class CarbonRoute(APIRoute):
    """Answers errors of this router in its own shape, leaving the app's handlers alone."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except errors.GridflexError as exc:
                return carbon_error(exc)
            except RequestValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg')}"
                    for e in exc.errors()
                )
                return JSON({"error": "Bad Request", "message": problems}, status_code=400)

        return guarded


router = APIRouter(prefix="/v3", tags=["carbon intensity"], route_class=CarbonRoute)


_STATE_LOCK = threading.Lock()


def state_of(request: Request) -> CarbonState:
    """The app's carbon caches (made on first use)."""
    state = getattr(request.app.state, "carbon", None)
    if state is None:
        with _STATE_LOCK:
            state = getattr(request.app.state, "carbon", None)
            if state is None:
                state = CarbonState(request.app.state.settings.database_url)
                request.app.state.carbon = state
    return state


async def carbon_state(request: Request) -> CarbonState:
    return state_of(request)


StateDep = Annotated[CarbonState, Depends(carbon_state)]


AUTH_TTL_S = 2.0  # a deactivated user or a changed access list takes effect within this time
_AUTH_CACHE_MAX = 10_000


@dataclass
class _Caller:
    """A token seen before: its signature was valid; its expiry and user are kept here."""

    expires_at: float  # seconds since 1970
    access: Expiring[Access]


def _access(request: Request, session: Session, settings: Settings) -> Access:
    """The caller's access limits; the token must be valid and its user active.

    A token's signature is checked the first time it is seen, its expiry on
    every request, and the user and account behind it (a database read) again
    once the cached answer is ``AUTH_TTL_S`` old, because that read would
    otherwise cost more than the answer.
    """
    token = token_from_headers(request)
    if token is None:
        raise errors.AuthenticationError("Missing auth-token header.")
    cache = _auth_cache(request)
    hit = cache.get(token)
    if hit is not None and hit.expires_at > time.time() and hit.access.age_s() < AUTH_TTL_S:
        return hit.access.value
    try:
        claims = read_token(token, secret_key=settings.secret_key)
        user = authenticate(session, settings, token)
    except errors.AuthenticationError as exc:
        cache.pop(token, None)
        raise errors.AuthenticationError(f"Invalid auth-token: {exc.message}") from None
    access = access_of(user.account.attributes)
    if len(cache) >= _AUTH_CACHE_MAX:
        cache.clear()
    cache[token] = _Caller(claims.expires_at, Expiring(access, AUTH_TTL_S))
    return access


def _auth_cache(request: Request) -> dict[str, _Caller]:
    cache = getattr(request.app.state, "carbon_auth", None)
    if cache is None:
        cache = request.app.state.carbon_auth = {}
    return cache


@dataclass
class Context:
    """A data request: its session, the caches, and the zone it is about (access checked)."""

    session: Session
    state: CarbonState
    registry: Registry
    zone_id: str


ZoneParam = Annotated[str | None, Query(description="zone identifier, e.g. DE")]
LatParam = Annotated[float | None, Query(description="latitude (with lon)")]
LonParam = Annotated[float | None, Query(description="longitude (with lat)")]


def _route(request: Request) -> str:
    return request.scope["route"].path.removeprefix(router.prefix + "/")


def context_for(
    request: Request,
    session: Session,
    state: CarbonState,
    zone: str | None,
    lat: float | None,
    lon: float | None,
) -> Context:
    """Authenticate, find the zone (by id or point) and check the caller may use this route for it."""
    access = _access(request, session, request.app.state.settings)
    registry = state.registry(session)
    if zone is not None:
        if zone not in registry.zones:  # perhaps imported since the snapshot
            registry = state.registry(session, max_age_s=1.0)
        record = registry.get(zone)
    elif lat is not None and lon is not None:
        record = registry.locate(lat, lon)
    else:
        raise errors.ValidationError("Give zone, or lat and lon.", field="zone")
    route = _route(request)
    if not access.allows(record.zone_id, route):
        raise errors.PermissionDeniedError(
            f"This token has no access to {route} for zone {record.zone_id!r}."
        )
    return Context(session, state, registry, record.zone_id)


def zone_context(
    request: Request,
    session: SessionDep,
    state: StateDep,
    zone: ZoneParam = None,
    lat: LatParam = None,
    lon: LonParam = None,
) -> Context:
    return context_for(request, session, state, zone, lat, lon)


ZoneContext = Annotated[Context, Depends(zone_context)]


def _known_caller_zone(
    request: Request, zone: str | None, lat: float | None, lon: float | None
) -> str | None:
    """The zone id if this request can be answered from memory, else None (take the full path).

    Needs a token seen before, not expired, whose user was checked less than
    ``AUTH_TTL_S`` ago, a recent registry and access to the route; anything
    unusual goes the full way.
    """
    state: CarbonState | None = getattr(request.app.state, "carbon", None)
    token = token_from_headers(request)
    registry = None if state is None else state.cached_registry()
    hit = None if token is None else _auth_cache(request).get(token)
    if registry is None or hit is None or hit.expires_at <= time.time():
        return None
    access = hit.access.get()
    if access is None:
        return None
    if zone is not None:
        record = registry.zones.get(zone)
    else:
        try:
            record = None if lat is None or lon is None else registry.locate(lat, lon)
        except errors.GridflexError:
            return None
    if record is None or not access.allows(record.zone_id, _route(request)):
        return None
    return record.zone_id


def _recent_answer(
    request: Request,
    zone: str | None,
    lat: float | None,
    lon: float | None,
    *,
    whole_day: bool,
    shape: Callable[[Any, int, str], dict[str, Any]],
) -> Response:
    settings = request.app.state.settings
    with session_scope(settings.database_url) as session:
        ctx = context_for(request, session, state_of(request), zone, lat, lon)
        entry, at = readings.recent(
            session, ctx.state, ctx.registry, ctx.zone_id, now_us=_now_us(), whole_day=whole_day
        )
        return JSON(shape(entry, at, ctx.zone_id))


async def _recent(
    request: Request,
    zone: str | None,
    lat: float | None,
    lon: float | None,
    *,
    whole_day: bool,
    shape: Callable[[Any, int, str], dict[str, Any]],
) -> Response:
    # The hot path: no thread, no database (see readings.cached_recent).
    zone_id = _known_caller_zone(request, zone, lat, lon)
    if zone_id is not None:
        cached = readings.cached_recent(
            request.app.state.carbon, zone_id, now_us=_now_us(), whole_day=whole_day
        )
        if cached is not None:
            return JSON(shape(*cached, zone_id))
    return await run_in_threadpool(
        _recent_answer, request, zone, lat, lon, whole_day=whole_day, shape=shape
    )


Moment = Annotated[str, Query(alias="datetime", description="ISO 8601 datetime with an offset")]


def _now_us() -> int:
    return to_us(utcnow())


@router.get("/zones", summary="Zones (and, with a token, the routes it may use)")
def read_zones(
    request: Request, session: SessionDep, settings: SettingsDep, state: StateDep
) -> Response:
    """All zones without a token; with one, the zones it may use and their ``access`` lists."""
    listing = zones_listing([r.zone for r in state.registry(session).zones.values()])
    if token_from_headers(request) is None:
        return JSON(listing)
    access = _access(request, session, settings)
    return JSON(
        {
            zone_id: {**entry, "access": access.listing(zone_id)}
            for zone_id, entry in listing.items()
            if access.allows_zone(zone_id) and access.listing(zone_id)
        }
    )


_WHERE_DOCS = {
    "parameters": [
        {
            "name": "zone",
            "in": "query",
            "schema": {"type": "string"},
            "description": "zone id, e.g. DE",
        },
        {
            "name": "lat",
            "in": "query",
            "schema": {"type": "number"},
            "description": "latitude (with lon)",
        },
        {
            "name": "lon",
            "in": "query",
            "schema": {"type": "number"},
            "description": "longitude (with lat)",
        },
    ]
}


def _where(request: Request) -> tuple[str | None, float | None, float | None]:
    """``zone``, ``lat`` and ``lon`` read by hand: on the hot path FastAPI's parameter
    machinery would cost more than the answer."""
    params = request.query_params
    coordinates = []
    for name in ("lat", "lon"):
        text = params.get(name)
        try:
            coordinates.append(None if text is None else float(text))
        except ValueError:
            raise errors.ValidationError(
                f"{name} must be a number, got {text!r}.", field=name
            ) from None
    return params.get("zone"), coordinates[0], coordinates[1]


@router.get(
    "/carbon-intensity/latest",
    summary="Live carbon intensity [gCO2eq/kWh]",
    openapi_extra=_WHERE_DOCS,
)
async def read_latest_intensity(request: Request) -> Response:
    """The last known consumption-based carbon intensity of the zone."""
    return await _recent(
        request, *_where(request), whole_day=False, shape=readings.latest_intensity
    )


@router.get(
    "/carbon-intensity/history",
    summary="Last 24 h of carbon intensity",
    openapi_extra=_WHERE_DOCS,
)
async def read_intensity_history(request: Request) -> Response:
    """The 24 hours up to the latest event, at the zone's resolution."""
    return await _recent(
        request, *_where(request), whole_day=True, shape=readings.intensity_history
    )


@router.get("/carbon-intensity/past", summary="Carbon intensity of a past hour")
def read_past_intensity(ctx: ZoneContext, moment: Moment) -> Response:
    """The hour containing ``datetime`` (aggregated: the mean of finer steps)."""
    when = parse_datetime(moment, field="datetime")
    return JSON(readings.intensity_at(ctx.session, ctx.registry, ctx.zone_id, when))


@router.get("/carbon-intensity/past-range", summary="Carbon intensity over a past range")
def read_intensity_range(ctx: ZoneContext, start: str, end: str) -> Response:
    """Every step in [start, end) (at most 31 days), each with its ``updatedAt``."""
    lo, hi = parse_datetime(start, field="start"), parse_datetime(end, field="end")
    return JSON(readings.intensity_range(ctx.session, ctx.registry, ctx.zone_id, lo, hi))


@router.get("/carbon-intensity/forecast", summary="Forecast carbon intensity")
def read_intensity_forecast(ctx: ZoneContext) -> Response:
    """48 hours from the end of the measured data, from traced forecasts of production and exchanges."""
    ahead = forecasts.zone_forecast(ctx.session, ctx.registry, ctx.zone_id)
    return JSON(forecasts.intensity_payload(ahead))


@router.get("/carbon-intensity/best-window", summary="Lowest-intensity window for a flexible job")
def read_best_window(
    ctx: ZoneContext,
    duration: Annotated[str, Query(description="length of the job, ISO 8601, e.g. PT3H")],
    before: Annotated[str | None, Query(description="the job must end by then")] = None,
) -> Response:
    """The window of ``duration`` with the lowest mean forecast intensity, ending by ``before``."""
    length = parse_duration(duration, field="duration")
    deadline = None if before is None else parse_datetime(before, field="before")
    ahead = forecasts.zone_forecast(ctx.session, ctx.registry, ctx.zone_id)
    return JSON(marginal.best_window(ahead, length, deadline))


def _latest_breakdown(ctx: Context) -> dict[str, Any]:
    entry, at = readings.recent(
        ctx.session, ctx.state, ctx.registry, ctx.zone_id, now_us=_now_us(), whole_day=False
    )
    row = breakdown.measured(
        ctx.session, ctx.registry, ctx.zone_id, int(entry.events_us[at]), 1, entry.resolution_us
    )[0]
    row.pop("createdAt")
    return {"zone": ctx.zone_id, **row}


@router.get("/power-breakdown/latest", summary="Live power breakdown [MW, %]")
def read_latest_breakdown(ctx: ZoneContext) -> Response:
    """Production, consumption, imports and exports of the latest event."""
    return JSON(_latest_breakdown(ctx))


def _breakdown_history(ctx: Context) -> dict[str, Any]:
    entry, at = readings.recent(
        ctx.session, ctx.state, ctx.registry, ctx.zone_id, now_us=_now_us(), whole_day=True
    )
    first, n = readings.history_window(entry, at)
    rows = breakdown.measured(ctx.session, ctx.registry, ctx.zone_id, first, n, entry.resolution_us)
    history = [row for row in rows if row.pop("updatedAt") is not None]  # steps never computed
    for row in history:
        row.pop("createdAt")
    return {"zone": ctx.zone_id, "history": history}


@router.get("/power-breakdown/history", summary="Last 24 h of power breakdowns")
def read_breakdown_history(ctx: ZoneContext) -> Response:
    return JSON(_breakdown_history(ctx))


@router.get("/power-consumption-breakdown/history", summary="Last 24 h of power breakdowns")
def read_consumption_breakdown_history(ctx: ZoneContext) -> Response:
    """The same answer as ``power-breakdown/history`` (the contract names both)."""
    return JSON(_breakdown_history(ctx))


@router.get("/power-breakdown/past", summary="Power breakdown of a past hour")
def read_past_breakdown(ctx: ZoneContext, moment: Moment) -> Response:
    """The hour containing ``datetime`` (aggregated: the mean of finer steps)."""
    when = parse_datetime(moment, field="datetime")
    return JSON(breakdown.breakdown_at(ctx.session, ctx.registry, ctx.zone_id, when))


@router.get("/power-consumption-breakdown/forecast", summary="Forecast consumption breakdown [MW]")
def read_consumption_forecast(ctx: ZoneContext) -> Response:
    ahead = forecasts.zone_forecast(ctx.session, ctx.registry, ctx.zone_id)
    return JSON(forecasts.consumption_payload(ahead))


@router.get("/marginal-carbon-intensity/forecast", summary="Forecast marginal intensity (estimate)")
def read_marginal_intensity_forecast(ctx: ZoneContext) -> Response:
    """An estimate: the zone's fitted marginal mix at each forecast step's hour."""
    ahead = forecasts.zone_forecast(ctx.session, ctx.registry, ctx.zone_id)
    return JSON(marginal.marginal_intensity_forecast(ctx.session, ctx.registry, ahead))


@router.get(
    "/marginal-power-consumption-breakdown/forecast",
    summary="Forecast marginal consumption breakdown (estimate)",
)
def read_marginal_breakdown_forecast(ctx: ZoneContext) -> Response:
    ahead = forecasts.zone_forecast(ctx.session, ctx.registry, ctx.zone_id)
    return JSON(marginal.marginal_breakdown_forecast(ctx.session, ctx.registry, ahead))


@router.get("/updated-since", summary="Events whose figures changed since a moment")
def read_updated_since(
    ctx: ZoneContext,
    since: str,
    start: str | None = None,
    end: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    threshold: str = "PT0S",
) -> Response:
    """Events (by event start) recomputed after ``since``, within [start, end), at most ``limit``."""
    gap = parse_duration(threshold, field="threshold")
    if gap < timedelta(0):
        raise errors.ValidationError("threshold must not be negative.", field="threshold")
    return JSON(
        readings.updated_since(
            ctx.session,
            ctx.registry,
            ctx.zone_id,
            since=parse_datetime(since, field="since"),
            start=_optional_datetime(start, "start"),
            end=_optional_datetime(end, "end"),
            limit=limit,
            threshold=gap,
            threshold_text=threshold,
        )
    )


def _optional_datetime(text: str | None, field: str) -> datetime | None:
    return None if text is None else parse_datetime(text, field=field)
