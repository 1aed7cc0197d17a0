"""Carbon intensity for everyone: a map of zones coloured by their latest intensity, and a
zone page with the last 24 hours, the forecast, the best window for a job and the power mix.

Read through the carbon services (and the app's carbon caches) that ``/v3`` uses;
public unless ``GRIDFLEX_CARBON_MAP_PUBLIC`` is false (then for signed-in users).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from gridflex.api.deps import SessionDep, SettingsDep
from gridflex.api.routers.carbon import state_of
from gridflex.config import Settings
from gridflex.errors import GridflexError, ValidationError
from gridflex.services.belief_checks import to_us
from gridflex.services.carbon import breakdown, forecasts, marginal, periods, readings
from gridflex.services.carbon.registry import Registry
from gridflex.services.carbon.state import CarbonState
from gridflex.store.models import User
from gridflex.timing import parse_duration, utcnow
from gridflex.ui.web import LoginRequired, OptionalUser, UiRoute, render

router = APIRouter(route_class=UiRoute, include_in_schema=False)

BANDS = (100, 200, 300, 400, 500)  # gCO2eq/kWh: upper bounds of colour classes ci-0 .. ci-4
DURATIONS = {
    "PT1H": "1 hour",
    "PT2H": "2 hours",
    "PT3H": "3 hours",
    "PT4H": "4 hours",
    "PT8H": "8 hours",
}


def _allowed(settings: Settings, user: User | None) -> None:
    if not settings.carbon_map_public and user is None:
        raise LoginRequired()


def band(intensity: float | None) -> str:
    if intensity is None:
        return "none"
    return str(next((i for i, top in enumerate(BANDS) if intensity < top), len(BANDS)))


def _zones_with_data(registry: Registry) -> list[str]:
    return sorted(z for z, r in registry.zones.items() if r.asset_id is not None and r.sensors)


def _latest(
    session: Session, state: CarbonState, registry: Registry, zone_id: str
) -> dict[str, Any] | None:
    try:
        entry, at = readings.recent(
            session, state, registry, zone_id, now_us=to_us(utcnow()), whole_day=False
        )
    except GridflexError:
        return None
    return readings.latest_intensity(entry, at, zone_id)


def _zone_figures(request: Request, session: Session) -> list[dict[str, Any]]:
    """The latest intensity of every zone with data."""
    state = state_of(request)
    registry = state.registry(session)
    zones = []
    for zone_id in _zones_with_data(registry):
        latest = _latest(session, state, registry, zone_id)
        value = latest["carbonIntensity"] if latest else None
        zone = registry.zones[zone_id].zone
        zones.append(
            {
                "zone": zone_id,
                "name": zone.zone_name,
                "intensity": value,
                "band": band(value),
                "datetime": latest["datetime"] if latest else None,
                "geometry": zone.geometry,
            }
        )
    return zones


@router.get("/ui/carbon/zones.geojson")
def zone_shapes(
    request: Request, user: OptionalUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """Zones with data as GeoJSON features carrying their latest intensity and colour class."""
    _allowed(settings, user)
    features = [
        {
            "type": "Feature",
            "id": z["zone"],
            "geometry": z["geometry"],
            "properties": {k: v for k, v in z.items() if k != "geometry"},
        }
        for z in _zone_figures(request, session)
        if z["geometry"]
    ]
    return JSONResponse({"type": "FeatureCollection", "features": features})


@router.get("/ui/carbon")
def carbon_map(
    request: Request, user: OptionalUser, session: SessionDep, settings: SettingsDep
) -> Response:
    _allowed(settings, user)
    return render(
        request,
        "carbon.html",
        zones=_zone_figures(request, session),
        bands=BANDS,
        tile={"url": settings.map_tile_url or "", "attribution": settings.map_tile_attribution},
    )


@router.get("/ui/carbon/{zone_id}")
def zone_page(
    request: Request,
    zone_id: str,
    user: OptionalUser,
    session: SessionDep,
    settings: SettingsDep,
    duration: str = "PT3H",
) -> Response:
    _allowed(settings, user)
    state = state_of(request)
    registry = state.registry(session)
    record = registry.get(zone_id)  # an unknown zone: 422 page naming it
    if duration not in DURATIONS:
        raise ValidationError(f"duration must be one of {', '.join(DURATIONS)}.", field="duration")
    view: dict[str, Any] = {
        "latest": None,
        "history": [],
        "forecast": [],
        "best": None,
        "mix": None,
    }
    problems = []
    try:
        entry, at = readings.recent(
            session, state, registry, zone_id, now_us=to_us(utcnow()), whole_day=True
        )
        view["latest"] = readings.latest_intensity(entry, at, zone_id)
        view["history"] = readings.intensity_history(entry, at, zone_id)["history"]
        latest_us = int(entry.events_us[at])
        mixes = breakdown.breakdown_periods(
            session,
            registry,
            zone_id,
            latest_us,
            latest_us + entry.resolution_us,
            periods.name_of(entry.resolution_us),
            entry.resolution_us,
        )
        view["mix"] = mixes[0] if mixes else None
    except GridflexError as exc:
        problems.append(exc.message)
    try:
        ahead = forecasts.zone_forecast(session, registry, zone_id)
        view["forecast"] = forecasts.intensity_payload(ahead)["forecast"]
        view["best"] = marginal.best_window(ahead, parse_duration(duration, field="duration"), None)
    except GridflexError as exc:
        problems.append(exc.message)
    return render(
        request,
        "zone.html",
        zone=record.zone,
        view=view,
        band=band,
        problems=problems,
        duration=duration,
        durations=DURATIONS,
        intensity_spec=_intensity_spec(view["history"], view["forecast"]),
        mix_spec=_mix_spec(view["mix"]),
    )


def _intensity_spec(history: list[dict], forecast: list[dict]) -> dict[str, Any]:
    values = [{**h, "kind": "measured"} for h in history] + [
        {**f, "kind": "forecast"} for f in forecast
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "data": {"values": values},
        "height": 220,
        "mark": {"type": "line", "interpolate": "step-after", "point": False, "tooltip": True},
        "encoding": {
            "x": {"field": "datetime", "type": "temporal", "title": None},
            "y": {"field": "carbonIntensity", "type": "quantitative", "title": "gCO2eq/kWh"},
            "color": {"field": "kind", "type": "nominal", "title": None,
                      "scale": {"domain": ["measured", "forecast"], "range": ["#0b5cad", "#b54708"]}},
            "strokeDash": {"field": "kind", "type": "nominal", "title": None,
                           "scale": {"domain": ["measured", "forecast"], "range": [[1, 0], [6, 3]]}},
        },
        "config": {"legend": {"orient": "top"}},
        "usermeta": {"records": len(values)},
    }  # fmt: skip


def _mix_spec(mix: dict[str, Any] | None) -> dict[str, Any] | None:
    if not mix:
        return None
    production = mix.get("powerProductionBreakdown") or {}
    values = [{"source": k, "MW": v} for k, v in production.items() if v]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "data": {"values": values},
        "height": {"step": 22},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": "source", "type": "nominal", "sort": "-x", "title": None},
            "x": {"field": "MW", "type": "quantitative", "title": "production [MW]"},
            "color": {"value": "#0b5cad"},
        },
        "usermeta": {"records": len(values)},
    }
