"""Build the demo world through the services (the same paths the API uses)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from gridflex.demo import series
from gridflex.engines.beliefs.knowledge import knowledge_times_us
from gridflex.errors import NotFoundError
from gridflex.services import accounts, assets, beliefs, sensors, sources, users
from gridflex.store.models import Sensor, User

ACCOUNT = "Demo Account"
USER_EMAIL, USER_PASSWORD = "demo@gridflex.example", "gridflex-demo-meadow"
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@gridflex.example", "gridflex-admin"
TIMEZONE = "Europe/Amsterdam"
LAT, LON = 52.374, 4.88969
Q = timedelta(minutes=15)


@dataclass
class DemoReport:
    account_id: int
    user: User
    created: bool
    sensors: dict[str, int] = field(default_factory=dict)
    beliefs_written: int = 0


PARTS = (
    "gridflex.demo.carbon",
    "gridflex.demo.network",
    "gridflex.demo.legacy",
    "gridflex.demo.weather",
    "gridflex.demo.forecasts",
    "gridflex.demo.schedules",
)


def build_parts(session: Session, report: DemoReport) -> list[str]:
    """Let each feature add its part of the demo world (idempotently); returns their summaries."""
    summaries = []
    for name in PARTS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # that feature has no demo part (yet)
        summaries.append(module.build(session, report))
    return summaries


PUBLIC_ASSETS = ("EPEX day-ahead (demo)", "Demo weather station")  # the demo's assets of no account


def build(
    session: Session, *, days: int = 365, progress: Callable[[str, int], None] | None = None
) -> DemoReport:
    """Create the demo account once; later runs only report what is there."""
    existing = accounts.find_account_by_name(session, ACCOUNT)
    if existing is not None:
        user = users.find_user_by_email(session, USER_EMAIL)
        if user is None:
            raise NotFoundError(f"The demo account exists but its user {USER_EMAIL} does not.")
        names = sensors.sensor_ids_by_name(session, existing.id, PUBLIC_ASSETS)
        return DemoReport(existing.id, user, False, names)
    account = accounts.create_account(session, name=ACCOUNT, roles=["Prosumer"])
    admin_account = accounts.create_account(session, name="Gridflex Operators", roles=["MDC"])
    user = users.create_user(
        session,
        email=USER_EMAIL,
        username="demo-user",
        account_id=account.id,
        password=USER_PASSWORD,
        roles=["account-admin"],
        timezone=TIMEZONE,
    )
    users.create_user(
        session,
        email=ADMIN_EMAIL,
        username="demo-admin",
        account_id=admin_account.id,
        password=ADMIN_PASSWORD,
        roles=["admin"],
        timezone=TIMEZONE,
    )
    report = DemoReport(account.id, user, True)
    made = _assets_and_sensors(session, account.id)
    report.sensors = {name: sensor.id for name, sensor in made.items()}
    report.beliefs_written = _fill(session, made, days=days, progress=progress)
    return report


def _asset(
    session: Session,
    name: str,
    kind: str,
    account_id: int | None,
    parent: int | None = None,
    **extra,
):  # noqa: ANN003, ANN202
    type_id = assets.asset_type_by_name_or_id(session, kind).id
    return assets.create_asset(
        session,
        {
            "name": name,
            "generic_asset_type_id": type_id,
            "account_id": account_id,
            "parent_asset_id": parent,
            "latitude": LAT,
            "longitude": LON,
            **extra,
        },
        actor=None,
    )


def _sensor(session: Session, asset_id: int, name: str, unit: str, **extra) -> Sensor:  # noqa: ANN003
    return sensors.create_sensor(
        session,
        {
            "name": name,
            "unit": unit,
            "event_resolution": Q,
            "timezone": TIMEZONE,
            "generic_asset_id": asset_id,
            **extra,
        },
        actor=None,
    )


def _assets_and_sensors(session: Session, account_id: int) -> dict[str, Sensor]:
    market = _asset(session, PUBLIC_ASSETS[0], "market", None)
    weather = _asset(session, PUBLIC_ASSETS[1], "weather station", None)
    site = _asset(session, "Demo site", "building", account_id)
    made = {
        "day-ahead prices": _sensor(
            session,
            market.id,
            "day-ahead prices",
            "EUR/MWh",
            knowledge_horizon={
                "fnc": "at_date",
                "days_before": 1,
                "hour": 12,
                "timezone": TIMEZONE,
            },
        ),
        "temperature": _sensor(session, weather.id, "temperature", "°C"),
        "irradiance": _sensor(session, weather.id, "irradiance", "W/m²"),
        "site consumption": _sensor(session, site.id, "site consumption", "kW"),
    }
    battery = _asset(
        session,
        "Demo battery",
        "battery",
        account_id,
        site.id,
        flex_model={
            "soc-min": "20 kWh",
            "soc-max": "180 kWh",
            "power-capacity": "100 kW",
            "roundtrip-efficiency": "90%",
        },
    )
    solar = _asset(session, "Demo solar panels", "solar", account_id, site.id)
    charger = _asset(session, "Demo EV charger", "one-way_evse", account_id, site.id)
    heat_pump = _asset(session, "Demo heat pump", "heat-pump", account_id, site.id)
    made["battery power"] = _sensor(session, battery.id, "battery power", "kW")
    made["solar production"] = _sensor(
        session, solar.id, "solar production", "kW", attributes={"is_pure_producer": True}
    )
    made["EV charger power"] = _sensor(
        session, charger.id, "EV charger power", "kW", attributes={"is_pure_consumer": True}
    )
    made["heat pump power"] = _sensor(
        session, heat_pump.id, "heat pump power", "kW", attributes={"is_pure_consumer": True}
    )
    site.flex_context = {
        "consumption-price": {"sensor": made["day-ahead prices"].id},
        "production-price": {"sensor": made["day-ahead prices"].id},
        "inflexible-device-sensors": [made["site consumption"].id, made["solar production"].id],
        "site-power-capacity": "250 kVA",
    }
    site.sensors_to_show_as_kpis = [
        {"title": "Mean consumption", "sensor": made["site consumption"].id, "function": "mean"},
        {"title": "Peak consumption", "sensor": made["site consumption"].id, "function": "max"},
        {
            "title": "Mean day-ahead price",
            "sensor": made["day-ahead prices"].id,
            "function": "mean",
        },
    ]
    site.sensors_to_show = [
        {"title": "Prices", "plots": [{"sensor": made["day-ahead prices"].id}]},
        {
            "title": "Power flows",
            "plots": [
                {
                    "sensors": [
                        made["site consumption"].id,
                        made["solar production"].id,
                        made["battery power"].id,
                    ]
                }
            ],
        },
    ]
    return made


def _fill(
    session: Session,
    made: dict[str, Sensor],
    *,
    days: int,
    progress: Callable[[str, int], None] | None,
) -> int:
    """A year of measurements up to now, and day-ahead prices up to the end of tomorrow."""
    now = pd.Timestamp.now(tz="UTC").floor("15min")
    start = (now - pd.Timedelta(days=days)).floor("D")
    measured = pd.date_range(start, now, freq="15min", inclusive="left")
    priced = pd.date_range(
        start, (now + pd.Timedelta(days=2)).floor("D"), freq="15min", inclusive="left"
    )
    source = sources.get_or_create_source(
        session, name="gridflex demo", type="demo script", model="demo series", version="1"
    )
    plan = {
        "site consumption": (
            measured,
            series.building_load_kw(measured, base_kw=60, timezone=TIMEZONE),
        ),
        "solar production": (
            measured,
            series.solar_production_kw(measured, peak_kw=80, latitude=LAT),
        ),
        "temperature": (measured, series.temperature_c(measured, timezone=TIMEZONE)),
        "irradiance": (measured, series.irradiance_w_per_m2(measured, latitude=LAT)),
        "day-ahead prices": (priced, series.day_ahead_price_eur_per_mwh(priced, timezone=TIMEZONE)),
    }
    written = 0
    for name, (index, values) in plan.items():
        sensor = made[name]
        starts = index.as_unit("us").asi8
        # Measurements are recorded when known: belief horizon 0.
        known = knowledge_times_us(
            starts, resolution=sensor.event_resolution, spec=sensor.knowledge_horizon
        )
        frame = beliefs.BeliefFrame(starts, np.round(values, 4), known)
        written += beliefs.write_beliefs(session, sensor, source, frame).stored
        if progress:
            progress(name, len(values))
    return written
