"""Demo part for the legacy v1_1 API: the seed examples work on the demo world as printed.

Adds (once) three charging stations "CS 1", "CS 2" and "CS 3" behind the demo site,
each with a 15-minute ``power`` sensor in MW; gives the demo's day-ahead price
sensor the market id ``epex_da``; and adds a public weather station with a
temperature sensor at the location of seed 001's weather example (Jeju).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from gridflex.services import assets, sensors
from gridflex.store.models import Asset

CONNECTIONS = ("CS 1", "CS 2", "CS 3")
MARKET_ID = "epex_da"
STATION = "Jeju weather station"
JEJU = (33.4843866, 126.477859)
_Q = timedelta(minutes=15)


def build(session: Session, report: Any) -> str:
    """Add the v1_1 part of the demo world unless it is there already; a one-line summary."""
    if assets.find_asset_by_name(session, report.account_id, CONNECTIONS[0]) is not None:
        return "Legacy v1_1: charging stations CS 1-3, market epex_da and the Jeju weather station already present."
    site = next(iter(assets.top_level_assets(session, report.account_id)), None)
    made = [_charging_station(session, report.account_id, site, name) for name in CONNECTIONS]
    market = _mark_market(session, report)
    temperature = _weather_station(session)
    market_text = f"sensor {market}" if market is not None else "no price sensor found"
    return (
        f"Legacy v1_1: charging stations CS 1-3 (power sensors {', '.join(str(s) for s in made)}, MW), "
        f"market {MARKET_ID} = {market_text}, Jeju temperature sensor {temperature}; "
        "postMeterData needs an MDC account (the demo admin)."
    )


def _charging_station(session: Session, account_id: int, site: Asset | None, name: str) -> int:
    asset = assets.create_asset(
        session,
        {
            "name": name,
            "generic_asset_type_id": assets.asset_type_by_name_or_id(session, "one-way_evse").id,
            "account_id": account_id,
            "parent_asset_id": site.id if site is not None else None,
            "latitude": site.latitude if site is not None else None,
            "longitude": site.longitude if site is not None else None,
        },
        actor=None,
    )
    sensor = sensors.create_sensor(
        session,
        {
            "name": "power",
            "unit": "MW",
            "event_resolution": _Q,
            "timezone": "Europe/Amsterdam",
            "generic_asset_id": asset.id,
            "attributes": {"is_pure_consumer": True},
        },
        actor=None,
    )
    return sensor.id


def _mark_market(session: Session, report: Any) -> int | None:
    sensor_id = (getattr(report, "sensors", None) or {}).get("day-ahead prices")
    sensor = sensors.find_sensor(session, sensor_id) if sensor_id is not None else None
    if sensor is None:
        return None
    sensor.attributes = {
        **(sensor.attributes or {}),
        "market_id": MARKET_ID,
    }  # a new dict: JSON change seen
    return sensor.id


def _weather_station(session: Session) -> int:
    station = assets.create_asset(
        session,
        {
            "name": STATION,
            "generic_asset_type_id": assets.asset_type_by_name_or_id(session, "weather station").id,
            "account_id": None,
            "latitude": JEJU[0],
            "longitude": JEJU[1],
        },
        actor=None,
    )
    sensor = sensors.create_sensor(
        session,
        {
            "name": "temperature",
            "unit": "°C",
            "event_resolution": _Q,
            "timezone": "Asia/Seoul",
            "generic_asset_id": station.id,
        },
        actor=None,
    )
    return sensor.id
