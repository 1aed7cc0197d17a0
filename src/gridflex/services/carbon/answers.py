"""The carbon API's answers, route by route: who asks about which zone, and what to answer.

The ``/v3`` router authenticates the caller, then calls :func:`context` (find
the zone by id or point, check the caller may use the route for it) and one
function here per route. :func:`cached_recent` is the hot path of ``latest``
and ``history``: a caller seen recently, a recent registry and a zone entry
checked within the interval answer from memory, without a thread or a session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gridflex.errors import GridflexError, NotFoundError, PermissionDeniedError, ValidationError
from gridflex.services.belief_checks import to_us
from gridflex.services.carbon import (
    breakdown,
    forecasts,
    marginal,
    naming,
    periods,
    readings,
    signals,
)
from gridflex.services.carbon import store as zone_store
from gridflex.services.carbon.access import Access
from gridflex.services.carbon.readings import DAY_US, iso, no_data
from gridflex.services.carbon.registry import Registry, ZoneRecord
from gridflex.services.carbon.state import CarbonState, ZoneEntry
from gridflex.timing import utcnow


@dataclass(frozen=True)
class Where:
    """Which zone a request is about: an id, or a point."""

    zone: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Recent:
    """The validated parameters of ``carbon-intensity/latest`` or ``history``."""

    place: Where
    whole_day: bool
    factor_type: str
    granularity: str | None


@dataclass
class Context:
    """A data request: its session, the caches, and the zone it is about (access checked)."""

    session: Session
    state: CarbonState
    registry: Registry
    zone_id: str


def now_us() -> int:
    return to_us(utcnow())


def context(
    session: Session, state: CarbonState, access: Access, where: Where, route: str
) -> Context:
    """Find the zone (by id or point) and check the caller may use ``route`` for it."""
    registry = state.registry(session)
    if where.zone is not None:
        if where.zone not in registry.zones:  # perhaps imported since the snapshot
            registry = state.registry(session, max_age_s=1.0)
        record = registry.get(where.zone)
    elif where.lat is not None and where.lon is not None:
        record = registry.locate(where.lat, where.lon)
    else:
        raise ValidationError("Give zone (or zoneKey), or lat and lon.", field="zone")
    if not access.allows(record.zone_id, route):
        raise PermissionDeniedError(
            f"This token has no access to {route} for zone {record.zone_id!r}."
        )
    return Context(session, state, registry, record.zone_id)


def cached_recent(
    state: CarbonState,
    token: str | None,
    where: Where,
    route: str,
    *,
    whole_day: bool,
    granularity: str | None,
) -> tuple[ZoneEntry, int, str] | None:
    """The zone's entry, its latest event and the zone id, if all can come from memory.

    Needs a token seen within the auth interval, a recent registry, access to
    the route and an entry compared with the store within the check interval;
    anything unusual (None) goes the full way.
    """
    registry = state.cached_registry()
    access = None if token is None else state.callers.get(token)
    if registry is None or access is None:
        return None
    record: ZoneRecord | None
    if where.zone is not None:
        record = registry.zones.get(where.zone)
    elif where.lat is not None and where.lon is not None:
        try:
            record = registry.locate(where.lat, where.lon)
        except GridflexError:
            return None
    else:
        return None
    if record is None or not access.allows(record.zone_id, route):
        return None
    entry = state.checked_entry(record.zone_id, whole_day=whole_day)
    if entry is None:
        return None
    if granularity is not None and granularity != periods.name_of(entry.resolution_us):
        return None
    at = readings.latest_index(entry, now_us())
    return None if at is None else (entry, at, record.zone_id)


def from_memory(
    state: CarbonState, token: str | None, route: str, recent: Recent
) -> dict[str, Any] | None:
    """``latest`` or ``history`` answered from memory (see :func:`cached_recent`), else None."""
    hit = cached_recent(
        state,
        token,
        recent.place,
        route,
        whole_day=recent.whole_day,
        granularity=recent.granularity,
    )
    if hit is None:
        return None
    shape = readings.intensity_history if recent.whole_day else readings.latest_intensity
    return shape(*hit, recent.factor_type)


def recent_intensity(
    ctx: Context, *, whole_day: bool, factor_type: str, granularity: str | None
) -> dict[str, Any]:
    """``carbon-intensity/latest`` (or ``history``) the full way: checked against the store."""
    entry, at = _recent(ctx, whole_day)
    if granularity is None or granularity == periods.name_of(entry.resolution_us):
        shape = readings.intensity_history if whole_day else readings.latest_intensity
        return shape(entry, at, ctx.zone_id, factor_type)
    lo, hi, name = readings.recent_bounds(entry, at, ctx.zone_id, granularity, whole_day=whole_day)
    found = readings.intensity_periods(
        ctx.session, ctx.registry, ctx.zone_id, lo, hi, factor_type=factor_type, granularity=name
    )
    if not found:
        raise no_data(ctx.zone_id)
    if whole_day:
        return {"zone": ctx.zone_id, "history": found, "temporalGranularity": name}
    return found[-1]


def _recent(ctx: Context, whole_day: bool) -> tuple[ZoneEntry, int]:
    return readings.recent(
        ctx.session, ctx.state, ctx.registry, ctx.zone_id, now_us=now_us(), whole_day=whole_day
    )


def recent_breakdowns(
    ctx: Context, *, whole_day: bool, granularity: str | None
) -> tuple[list[dict[str, Any]], str]:
    """Breakdowns of the latest period, or of the day of periods up to it."""
    entry, at = _recent(ctx, whole_day)
    lo, hi, name = readings.recent_bounds(entry, at, ctx.zone_id, granularity, whole_day=whole_day)
    rows = breakdown.breakdown_periods(
        ctx.session, ctx.registry, ctx.zone_id, lo, hi, name, entry.resolution_us
    )
    if not rows:
        raise no_data(ctx.zone_id, "power breakdown")
    return rows, name


def latest_breakdown(ctx: Context, granularity: str | None) -> dict[str, Any]:
    rows, _ = recent_breakdowns(ctx, whole_day=False, granularity=granularity)
    return rows[-1]


def breakdown_history(ctx: Context, granularity: str | None) -> dict[str, Any]:
    rows, name = recent_breakdowns(ctx, whole_day=True, granularity=granularity)
    return {"zone": ctx.zone_id, "history": rows, "temporalGranularity": name}


def past_breakdown(ctx: Context, moment: datetime, granularity: str | None) -> dict[str, Any]:
    return breakdown.breakdown_at(ctx.session, ctx.registry, ctx.zone_id, moment, granularity)


def breakdown_range(
    ctx: Context, start: datetime, end: datetime, granularity: str | None
) -> dict[str, Any]:
    return breakdown.breakdown_range(
        ctx.session, ctx.registry, ctx.zone_id, start, end, granularity
    )


def breakdown_forecast(ctx: Context) -> dict[str, Any]:
    """``power-breakdown/forecast``: the stored forecast's mix, production and exchanges."""
    ahead = forecasts.zone_forecast(ctx.session, ctx.registry, ctx.zone_id)
    source = zone_store.source_id(ctx.session, naming.FORECASTER)
    if source is None:
        raise no_data(ctx.zone_id, "forecast")
    inputs = breakdown.read_inputs(
        ctx.session,
        ctx.registry,
        ctx.zone_id,
        int(ahead.starts_us[0]),
        len(ahead.starts_us),
        ahead.step_us,
        source_id=source,
        forecast=True,
    )
    made = iso(ahead.belief_time_us)
    rows = breakdown.shaped(ctx.zone_id, inputs, ahead.starts_us)
    for row in rows:
        row.update(createdAt=made, updatedAt=made, **readings.ESTIMATE)
    return {"zone": ctx.zone_id, "data": rows, "updatedAt": made}


def signal_recent(
    ctx: Context, signal: str, *, whole_day: bool, granularity: str | None
) -> dict[str, Any]:
    """``<signal>/latest`` or ``<signal>/history`` of an energy share or a load."""
    rows, name = recent_breakdowns(ctx, whole_day=whole_day, granularity=granularity)
    if not whole_day:
        return signals.one(signal, rows, name, ctx.zone_id)
    return {
        "zone": ctx.zone_id,
        "history": signals.items(signal, rows, name),
        "temporalGranularity": name,
    }


def signal_past(
    ctx: Context, signal: str, moment: datetime, granularity: str | None
) -> dict[str, Any]:
    record = breakdown.breakdown_at(ctx.session, ctx.registry, ctx.zone_id, moment, granularity)
    return signals.one(signal, [record], granularity or "hourly", ctx.zone_id)


def signal_range(
    ctx: Context, signal: str, start: datetime, end: datetime, granularity: str | None
) -> dict[str, Any]:
    ranged = breakdown.breakdown_range(
        ctx.session, ctx.registry, ctx.zone_id, start, end, granularity
    )
    name = ranged["temporalGranularity"]
    return {
        "zone": ctx.zone_id,
        "data": signals.items(signal, ranged["data"], name),
        "temporalGranularity": name,
    }


def price_recent(ctx: Context, *, whole_day: bool, granularity: str | None) -> dict[str, Any]:
    sensor = signals.price_sensor(ctx.session, ctx.registry, ctx.zone_id)
    lo, hi, name = signals.recent_price_bounds(
        sensor, ctx.zone_id, now_us(), granularity, whole_day=whole_day
    )
    found = signals.price_periods(ctx.session, sensor, ctx.zone_id, lo, hi, name)
    if not found:
        raise no_data(ctx.zone_id, "day-ahead price", f" up to {iso(hi)}")
    if whole_day:
        return {"zone": ctx.zone_id, "history": found, "temporalGranularity": name}
    return found[-1]


def price_past(ctx: Context, moment: datetime, granularity: str | None) -> dict[str, Any]:
    sensor = signals.price_sensor(ctx.session, ctx.registry, ctx.zone_id)
    name = granularity or "hourly"
    periods.check(name, signals.price_step_us(sensor), ctx.zone_id)
    lo = periods.period_start_us(to_us(moment), name)
    found = signals.price_periods(
        ctx.session, sensor, ctx.zone_id, lo, periods.period_end_us(lo, name), name
    )
    if not found:
        raise no_data(ctx.zone_id, "day-ahead price", f" at {iso(lo)}")
    return found[0]


def price_range(
    ctx: Context, start: datetime, end: datetime, granularity: str | None
) -> dict[str, Any]:
    sensor = signals.price_sensor(ctx.session, ctx.registry, ctx.zone_id)
    lo, hi = to_us(start), to_us(end)
    if hi <= lo:
        raise ValidationError("end must be after start.", field="end")
    if hi - lo > readings.MAX_RANGE_DAYS["calendar"] * DAY_US:
        raise ValidationError("The range is too long.", field="end")
    name = granularity or periods.name_of(signals.price_step_us(sensor))
    periods.check(name, signals.price_step_us(sensor), ctx.zone_id)
    lo = periods.period_start_us(lo, name)
    data = signals.price_periods(ctx.session, sensor, ctx.zone_id, lo, hi, name)
    if not data:
        raise no_data(ctx.zone_id, "day-ahead price", f" between {iso(lo)} and {iso(hi)}")
    return {"zone": ctx.zone_id, "data": data, "temporalGranularity": name}


def home_assistant(ctx: Context) -> dict[str, Any]:
    """``home-assistant``: the latest intensity and fossil share, or ``no-data``."""
    try:
        entry, at = _recent(ctx, False)
        intensity = readings.latest_intensity(entry, at, ctx.zone_id)
        mix = latest_breakdown(ctx, None)
    except NotFoundError:  # Home Assistant tells its users "no data" for this status only
        return {"status": "no-data", "countryCode": ctx.zone_id}
    return signals.home_assistant(ctx.zone_id, intensity, mix)


def intensity_forecast(ctx: Context) -> dict[str, Any]:
    ahead = forecasts.zone_forecast(ctx.session, ctx.registry, ctx.zone_id)
    return forecasts.intensity_payload(ahead)


def consumption_forecast(ctx: Context) -> dict[str, Any]:
    ahead = forecasts.zone_forecast(ctx.session, ctx.registry, ctx.zone_id)
    return forecasts.consumption_payload(ahead)


def marginal_intensity_forecast(ctx: Context) -> dict[str, Any]:
    ahead = forecasts.zone_forecast(ctx.session, ctx.registry, ctx.zone_id)
    return marginal.marginal_intensity_forecast(ctx.session, ctx.registry, ahead)


def marginal_breakdown_forecast(ctx: Context) -> dict[str, Any]:
    ahead = forecasts.zone_forecast(ctx.session, ctx.registry, ctx.zone_id)
    return marginal.marginal_breakdown_forecast(ctx.session, ctx.registry, ahead)


def best_window(ctx: Context, duration: Any, before: datetime | None) -> dict[str, Any]:
    ahead = forecasts.zone_forecast(ctx.session, ctx.registry, ctx.zone_id)
    return marginal.best_window(ahead, duration, before)
