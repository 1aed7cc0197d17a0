"""postPriceData (prices of markets) and postWeatherData (weather of nearby weather-station sensors)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from gridflex.api.deps import SessionDep, SettingsDep
from gridflex.api.responses import JSON
from gridflex.api.routers.v1_1.messages import (
    Message,
    answer,
    authorised,
    body_doc,
    expect,
    processed,
)
from gridflex.services.legacy import data
from gridflex.services.legacy.messages import parse_groups

router = APIRouter(prefix="/api/v1_1", tags=["v1_1 (legacy)"])


@router.post(
    "/postPriceData",
    summary="Upload price data to the platform",
    openapi_extra=body_doc(
        {
            "type": "PostPriceDataRequest",
            "market": "ea1.2021-01.io.flexmeasures.company:epex_da",
            "values": [52.37, 51.14, 49.09, 48.35],
            "start": "2015-01-01T15:00:00+09:00",
            "duration": "PT4H",
            "horizon": "PT35H",
            "unit": "EUR/MWh",
        }
    ),
)
def create_price_data(
    request: Request, session: SessionDep, settings: SettingsDep, message: Message
) -> JSON:
    """Prices in ``<currency>/MWh`` for markets addressed by id (``ea1...:epex_da``)."""

    def work() -> dict:
        user = authorised(session, settings, request, "postPriceData")
        groups = parse_groups(
            expect(message, "PostPriceDataRequest"), entity="market", with_values=True
        )
        return processed(data.post_prices(session, user, groups, host=settings.entity_host))

    return answer(session, "PostPriceData", work)


@router.post(
    "/postWeatherData",
    summary="Upload weather data to the platform",
    openapi_extra=body_doc(
        {
            "type": "PostWeatherDataRequest",
            "groups": [
                {
                    "sensor": "ea1.2021-01.io.flexmeasures.company:temperature:33.4843866:126.477859",
                    "values": [20.04, 20.23, 20.41, 20.51, 20.55, 20.57],
                }
            ],
            "start": "2015-01-01T15:00:00+09:00",
            "duration": "PT1H30M",
            "horizon": "PT3H",
            "unit": "°C",
        }
    ),
)
def create_weather_data(
    request: Request, session: SessionDep, settings: SettingsDep, message: Message
) -> JSON:
    """Temperature (°C), irradiance (kW/m²) or wind speed (m/s) for ``<type>:<latitude>:<longitude>``."""
    # A setting the lead may add to config.Settings; until then, the service's default.
    max_km = settings.legacy_weather_max_distance_km

    def work() -> dict:
        user = authorised(session, settings, request, "postWeatherData")
        groups = parse_groups(
            expect(message, "PostWeatherDataRequest"), entity="sensor", with_values=True
        )
        result = data.post_weather(
            session, user, groups, host=settings.entity_host, max_distance_km=max_km
        )
        return processed(result)

    return answer(session, "PostWeatherData", work)
