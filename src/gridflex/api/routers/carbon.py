"""The carbon-intensity API by grid zone (seed 002 and the current Electricity Maps API), under ``/v3``.

Every data route takes ``zone`` (or ``zoneKey``, or legacy ``countryCode``) or
``lat`` and ``lon`` and names the zone it answers for. Tokens are gridflex
tokens in the ``auth-token`` header (or ``Authorization``). Errors use this
API's own shape, ``{"error", "message"}`` (``api/errors.py``, its carbon column); invalid
parameters are 400 naming the parameter. The answers come from
``services.carbon.answers``; this module only speaks HTTP.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import AwareDatetime
from sqlalchemy.orm import Session

from gridflex import errors
from gridflex.api.deps import SessionDep, authenticate, token_from_headers
from gridflex.api.errors import retry_headers, status_for
from gridflex.api.responses import JSON
from gridflex.engines.carbon import zones_listing
from gridflex.security import read_token
from gridflex.services.carbon import Access, access_of, answers, readings
from gridflex.services.carbon.answers import Context, Recent, Where
from gridflex.services.carbon.periods import Granularity
from gridflex.services.carbon.state import CarbonState
from gridflex.store.base import session_scope
from gridflex.timing import parse_duration


def carbon_error(exc: errors.GridflexError) -> JSON:
    """This API's error shape (status and name from the app's one error table); validation
    messages name their parameter."""
    status, name = status_for(exc, "carbon")
    message = exc.message
    if isinstance(exc, errors.ValidationError) and exc.field and exc.field not in message:
        message = f"{exc.field}: {message}"
    return JSON({"error": name, "message": message}, status_code=status, headers=retry_headers(exc))


class CarbonRoute(APIRoute):
    """Answers errors of this router in its own shape, leaving the app's handlers alone."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        route = self.path.removeprefix("/v3/")

        async def guarded(request: Request) -> Response:
            try:
                return _from_memory(request, route) or await handler(request)
            except errors.GridflexError as exc:
                return carbon_error(exc)
            except RequestValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg')}"
                    for e in exc.errors()
                )
                return JSON({"error": "Bad Request", "message": problems}, status_code=400)

        return guarded


def _from_memory(request: Request, route: str) -> Response | None:
    """A repeated ``latest``/``history`` query whose answer is in memory: a dict lookup for the
    parameters (validated by FastAPI the first time this query string came) and the answer."""
    state: CarbonState | None = getattr(request.app.state, "carbon", None)
    if state is None:
        return None
    recent = state.validated.get((route, request.scope["query_string"]))
    if recent is None:
        return None
    answer = answers.from_memory(state, token_from_headers(request), route, recent)
    return None if answer is None else JSON(answer)


router = APIRouter(prefix="/v3", tags=["carbon intensity"], route_class=CarbonRoute)
_STATE_LOCK = threading.Lock()


def state_of(request: Request) -> CarbonState:
    """The app's carbon caches (made on first use)."""
    state = getattr(request.app.state, "carbon", None)
    if state is None:
        with _STATE_LOCK:
            state = getattr(request.app.state, "carbon", None)
            if state is None:
                state = request.app.state.carbon = CarbonState(
                    request.app.state.settings.database_url
                )
    return state


def caller_access(request: Request, session: Session, state: CarbonState) -> Access:
    """The caller's access limits; the token must be valid and its user active (re-read from
    the store once the remembered answer is ``AUTH_TTL_S`` old)."""
    token = token_from_headers(request)
    if token is None:
        raise errors.AuthenticationError("Missing auth-token header.")
    access = state.callers.fresh(token)
    if access is not None:
        return access
    settings = request.app.state.settings
    try:
        claims = read_token(token, secret_key=settings.secret_key)
        user = authenticate(session, settings, token)
    except errors.AuthenticationError as exc:
        state.callers.pop(token)
        raise errors.AuthenticationError(f"Invalid auth-token: {exc.message}") from None
    access = access_of(user.account.attributes)
    state.callers.put(token, access, expires_in_s=claims.expires_at - time.time())
    return access


async def where(
    zone: Annotated[str | None, Query(description="zone id, e.g. DE")] = None,
    zone_key: Annotated[str | None, Query(alias="zoneKey", description="same as zone")] = None,
    country_code: Annotated[
        str | None, Query(alias="countryCode", description="same as zone (older clients)")
    ] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90, description="latitude (with lon)")] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180, description="longitude (with lat)")] = None,
) -> Where:
    return Where(zone or zone_key or country_code, lat, lon)


WhereDep = Annotated[Where, Depends(where)]
FactorType = Annotated[
    Literal["lifecycle", "direct"],
    Query(alias="emissionFactorType", description="emission factors: lifecycle or direct"),
]
GranularityParam = Annotated[
    Granularity | None,
    Query(alias="temporalGranularity", description="periods to aggregate into (UTC)"),
]
Moment = Annotated[AwareDatetime, Query(alias="datetime", description="ISO 8601, with offset")]
Start = Annotated[AwareDatetime, Query(description="ISO 8601, with offset")]
End = Annotated[AwareDatetime, Query(description="ISO 8601, with offset (exclusive)")]


def _route(request: Request) -> str:
    return request.scope["route"].path.removeprefix(router.prefix + "/")


def _context(request: Request, session: Session, place: Where) -> Context:
    state = state_of(request)
    access = caller_access(request, session, state)
    return answers.context(session, state, access, place, _route(request))


def zone_context(request: Request, session: SessionDep, place: WhereDep) -> Context:
    return _context(request, session, place)


ZoneContext = Annotated[Context, Depends(zone_context)]


async def _recent_intensity(request: Request, recent: Recent) -> Response:
    state, route = state_of(request), _route(request)
    key = (route, request.scope["query_string"])
    if state.validated.get(key) != recent:  # else _from_memory tried already: ask only once
        state.validated[key] = recent
        answer = answers.from_memory(state, token_from_headers(request), route, recent)
        if answer is not None:
            return JSON(answer)

    def full() -> Response:
        with session_scope(request.app.state.settings.database_url) as session:
            ctx = _context(request, session, recent.place)
            return JSON(
                answers.recent_intensity(
                    ctx,
                    whole_day=recent.whole_day,
                    factor_type=recent.factor_type,
                    granularity=recent.granularity,
                )
            )

    return await run_in_threadpool(full)


@router.get("/zones", summary="Zones (and, with a token, the routes it may use)")
def read_zones(request: Request, session: SessionDep) -> Response:
    """All zones without a token; with one, the zones it may use and their ``access`` lists."""
    state = state_of(request)
    listing = zones_listing([r.zone for r in state.registry(session).zones.values()])
    if token_from_headers(request) is None:
        return JSON(listing)
    access = caller_access(request, session, state)
    return JSON(
        {
            zone_id: {**entry, "access": access.listing(zone_id)}
            for zone_id, entry in listing.items()
            if access.allows_zone(zone_id) and access.listing(zone_id)
        }
    )


@router.get("/carbon-intensity/latest", summary="Live carbon intensity [gCO2eq/kWh]")
async def read_latest_intensity(
    request: Request,
    place: WhereDep,
    factor_type: FactorType = "lifecycle",
    granularity: GranularityParam = None,
) -> Response:
    """The last known consumption-based carbon intensity of the zone."""
    return await _recent_intensity(request, Recent(place, False, factor_type, granularity))


@router.get("/carbon-intensity/history", summary="Last 24 h of carbon intensity")
async def read_intensity_history(
    request: Request,
    place: WhereDep,
    factor_type: FactorType = "lifecycle",
    granularity: GranularityParam = None,
) -> Response:
    """The 24 hours up to the latest event, at the zone's resolution (or ``temporalGranularity``)."""
    return await _recent_intensity(request, Recent(place, True, factor_type, granularity))


@router.get("/carbon-intensity/past", summary="Carbon intensity of a past hour")
def read_past_intensity(
    ctx: ZoneContext,
    moment: Moment,
    factor_type: FactorType = "lifecycle",
    granularity: GranularityParam = None,
) -> Response:
    """The hour (or period) containing ``datetime``: the mean of its steps."""
    return JSON(
        readings.intensity_at(
            ctx.session,
            ctx.registry,
            ctx.zone_id,
            moment,
            factor_type=factor_type,
            granularity=granularity,
        )
    )


@router.get("/carbon-intensity/past-range", summary="Carbon intensity over a past range")
def read_intensity_range(
    ctx: ZoneContext,
    start: Start,
    end: End,
    factor_type: FactorType = "lifecycle",
    granularity: GranularityParam = None,
) -> Response:
    """Every step (or period) in [start, end), each with its ``updatedAt``."""
    return JSON(
        readings.intensity_range(
            ctx.session,
            ctx.registry,
            ctx.zone_id,
            start,
            end,
            factor_type=factor_type,
            granularity=granularity,
        )
    )


@router.get("/carbon-intensity/forecast", summary="Forecast carbon intensity")
def read_intensity_forecast(ctx: ZoneContext) -> Response:
    """48 hours from the end of the measured data, from traced forecasts of production and exchanges."""
    return JSON(answers.intensity_forecast(ctx))


@router.get("/carbon-intensity/best-window", summary="Lowest-intensity window for a flexible job")
def read_best_window(
    ctx: ZoneContext,
    duration: Annotated[str, Query(description="length of the job, ISO 8601, e.g. PT3H")],
    before: Annotated[AwareDatetime | None, Query(description="the job must end by then")] = None,
) -> Response:
    """The window of ``duration`` with the lowest mean forecast intensity, ending by ``before``."""
    return JSON(answers.best_window(ctx, parse_duration(duration, field="duration"), before))


@router.get("/power-breakdown/latest", summary="Live power breakdown [MW, %]")
def read_latest_breakdown(ctx: ZoneContext, granularity: GranularityParam = None) -> Response:
    """Production, consumption, imports and exports of the latest event."""
    return JSON(answers.latest_breakdown(ctx, granularity))


@router.get("/power-breakdown/history", summary="Last 24 h of power breakdowns")
def read_breakdown_history(ctx: ZoneContext, granularity: GranularityParam = None) -> Response:
    return JSON(answers.breakdown_history(ctx, granularity))


@router.get("/power-consumption-breakdown/history", summary="Last 24 h of power breakdowns")
def read_consumption_breakdown_history(
    ctx: ZoneContext, granularity: GranularityParam = None
) -> Response:
    """The same answer as ``power-breakdown/history`` (the contract names both)."""
    return JSON(answers.breakdown_history(ctx, granularity))


@router.get("/power-breakdown/past", summary="Power breakdown of a past hour")
def read_past_breakdown(
    ctx: ZoneContext, moment: Moment, granularity: GranularityParam = None
) -> Response:
    """The hour (or period) containing ``datetime``: means of its steps."""
    return JSON(answers.past_breakdown(ctx, moment, granularity))


@router.get("/power-breakdown/past-range", summary="Power breakdowns over a past range")
def read_breakdown_range(
    ctx: ZoneContext, start: Start, end: End, granularity: GranularityParam = None
) -> Response:
    return JSON(answers.breakdown_range(ctx, start, end, granularity))


@router.get("/power-breakdown/forecast", summary="Forecast power breakdown [MW, %]")
def read_breakdown_forecast(ctx: ZoneContext) -> Response:
    return JSON(answers.breakdown_forecast(ctx))


@router.get("/power-consumption-breakdown/forecast", summary="Forecast consumption breakdown [MW]")
def read_consumption_forecast(ctx: ZoneContext) -> Response:
    return JSON(answers.consumption_forecast(ctx))


@router.get("/marginal-carbon-intensity/forecast", summary="Forecast marginal intensity (estimate)")
def read_marginal_intensity_forecast(ctx: ZoneContext) -> Response:
    """An estimate: the zone's fitted marginal mix at each forecast step's hour."""
    return JSON(answers.marginal_intensity_forecast(ctx))


@router.get(
    "/marginal-power-consumption-breakdown/forecast",
    summary="Forecast marginal consumption breakdown (estimate)",
)
def read_marginal_breakdown_forecast(ctx: ZoneContext) -> Response:
    return JSON(answers.marginal_breakdown_forecast(ctx))


def _add_signal_routes(signal: str, title: str) -> None:
    """latest, history, past and past-range of an energy share or a load."""

    def latest(ctx: ZoneContext, granularity: GranularityParam = None) -> Response:
        return JSON(answers.signal_recent(ctx, signal, whole_day=False, granularity=granularity))

    def history(ctx: ZoneContext, granularity: GranularityParam = None) -> Response:
        return JSON(answers.signal_recent(ctx, signal, whole_day=True, granularity=granularity))

    def past(ctx: ZoneContext, moment: Moment, granularity: GranularityParam = None) -> Response:
        return JSON(answers.signal_past(ctx, signal, moment, granularity))

    def past_range(
        ctx: ZoneContext, start: Start, end: End, granularity: GranularityParam = None
    ) -> Response:
        return JSON(answers.signal_range(ctx, signal, start, end, granularity))

    for when, handler, summary in (
        ("latest", latest, f"Latest {title}"),
        ("history", history, f"Last 24 h of {title}"),
        ("past", past, f"{title} of a past hour"),
        ("past-range", past_range, f"{title} over a past range"),
    ):
        handler.__name__ = f"read_{signal.replace('-', '_')}_{when.replace('-', '_')}"
        router.add_api_route(f"/{signal}/{when}", handler, methods=["GET"], summary=summary)


for _signal, _title in (
    ("carbon-free-energy", "carbon-free share of consumption [%]"),
    ("renewable-energy", "renewable share of consumption [%]"),
    ("total-load", "total load [MW]"),
    ("net-load", "net load (load minus solar and wind) [MW]"),
):
    _add_signal_routes(_signal, _title)


@router.get("/price-day-ahead/latest", summary="Current day-ahead price")
def read_latest_price(ctx: ZoneContext, granularity: GranularityParam = None) -> Response:
    """The price of the period holding now, from the zone's linked price sensor."""
    return JSON(answers.price_recent(ctx, whole_day=False, granularity=granularity))


@router.get("/price-day-ahead/history", summary="Last 24 h of day-ahead prices")
def read_price_history(ctx: ZoneContext, granularity: GranularityParam = None) -> Response:
    return JSON(answers.price_recent(ctx, whole_day=True, granularity=granularity))


@router.get("/price-day-ahead/past", summary="Day-ahead price of a past hour")
def read_past_price(
    ctx: ZoneContext, moment: Moment, granularity: GranularityParam = None
) -> Response:
    return JSON(answers.price_past(ctx, moment, granularity))


@router.get("/price-day-ahead/past-range", summary="Day-ahead prices over a range")
def read_price_range(
    ctx: ZoneContext, start: Start, end: End, granularity: GranularityParam = None
) -> Response:
    return JSON(answers.price_range(ctx, start, end, granularity))


@router.get("/home-assistant", summary="Latest intensity and fossil share (Home Assistant)")
def read_home_assistant(ctx: ZoneContext) -> Response:
    """The one call of Home Assistant's CO2 Signal integration: ``status`` ``ok`` or ``no-data``."""
    return JSON(answers.home_assistant(ctx))


@router.get("/updated-since", summary="Events whose figures changed since a moment")
def read_updated_since(
    ctx: ZoneContext,
    since: Start,
    start: Annotated[AwareDatetime | None, Query()] = None,
    end: Annotated[AwareDatetime | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    threshold: Annotated[str, Query(description="ISO 8601 duration")] = "PT0S",
) -> Response:
    """Events (by event start) recomputed after ``since``, within [start, end), at most ``limit``."""
    return JSON(
        readings.updated_since(
            ctx.session,
            ctx.registry,
            ctx.zone_id,
            since=since,
            start=start,
            end=end,
            limit=limit,
            threshold=parse_duration(threshold, field="threshold"),
            threshold_text=threshold,
        )
    )
