"""Build the demo world through the services (the same paths the API uses)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from gridflex.demo import series
from gridflex.engines.beliefs.knowledge import knowledge_times_us
from gridflex.errors import InsufficientDataError, NotFoundError
from gridflex.services import accounts, assets, beliefs, sensors, sources, users
from gridflex.services.belief_checks import td_us
from gridflex.store.models import DataSource, Sensor, User
from gridflex.timing import to_utc, utcnow

ACCOUNT = "Demo Account"
USER_EMAIL, USER_PASSWORD = "demo@gridflex.example", "gridflex-demo-meadow"
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@gridflex.example", "gridflex-admin"
TIMEZONE = "Europe/Amsterdam"
LAT, LON = 52.374, 4.88969
Q = timedelta(minutes=15)


@dataclass
class DemoReport:
    """What ``build`` made or found; the parts read it, and add their warnings to it."""

    account_id: int
    user: User
    created: bool
    now: datetime  # the moment the demo's series are built or topped up to
    sensors: dict[str, int] = field(default_factory=dict)
    beliefs_written: int = 0
    warnings: list[str] = field(default_factory=list)  # parts skipped, with why and what to do


SENSORS = (  # the demo's own sensors, as the first build names them
    "day-ahead prices",
    "temperature",
    "irradiance",
    "site consumption",
    "battery power",
    "solar production",
    "EV charger power",
    "heat pump power",
)
PARTS = (
    "gridflex.demo.carbon",
    "gridflex.demo.network",
    "gridflex.demo.legacy",
    "gridflex.demo.weather",
    "gridflex.demo.forecasts",
    "gridflex.demo.schedules",
)


def build_parts(session: Session, report: DemoReport) -> list[str]:
    """Let each feature add its part of the demo world (idempotently); returns their summaries.

    A part that has too little data to build (a short demo) is skipped with a warning in
    ``report.warnings``, and what it wrote is undone; any other error is raised.
    """
    summaries = []
    for name in PARTS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # that feature has no demo part (yet)
        try:
            with session.begin_nested():  # a savepoint: a skipped part leaves nothing behind
                summaries.append(module.build(session, report))
        except InsufficientDataError as exc:
            part = name.rsplit(".", 1)[-1]
            report.warnings.append(
                f"The demo's {part} part skipped: {exc.message} A longer --days (in a new "
                "database) or a later run of `gridflex demo` may give it enough."
            )
    return summaries


PUBLIC_ASSETS = ("EPEX day-ahead (demo)", "Demo weather station")  # the demo's assets of no account


def build(
    session: Session,
    *,
    days: int = 365,
    progress: Callable[[str, int], None] | None = None,
    now: datetime | None = None,
) -> DemoReport:
    """Create the demo account once (``days`` of history up to ``now``, default the current time);
    later runs top its series up to ``now``, so that an old demo's examples keep working."""
    now = utcnow() if now is None else to_utc(now)
    existing = accounts.find_account_by_name(session, ACCOUNT)
    if existing is not None:
        user = users.find_user_by_email(session, USER_EMAIL)
        if user is None:
            raise NotFoundError(f"The demo account exists but its user {USER_EMAIL} does not.")
        # Only the demo's own sensors: the parts add more to its site (CS 1-3's three "power").
        found = sensors.sensor_ids_by_name(session, existing.id, PUBLIC_ASSETS)
        report = DemoReport(
            existing.id,
            user,
            False,
            now,
            {name: found[name] for name in SENSORS if name in found},
        )
        made = {name: sensors.get_sensor(session, sid) for name, sid in report.sensors.items()}
        report.beliefs_written = _fill(session, made, days=days, now=now, progress=progress)
        return report
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
    report = DemoReport(account.id, user, True, now)
    made = _assets_and_sensors(session, account.id)
    report.sensors = {name: sensor.id for name, sensor in made.items()}
    report.beliefs_written = _fill(session, made, days=days, now=now, progress=progress)
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


def source(session: Session) -> DataSource:
    """The source of the demo's measurements and prices."""
    return sources.get_or_create_source(
        session, name="gridflex demo", type="demo script", model="demo series", version="1"
    )


def measured_end_us(session: Session, sensor: Sensor) -> int | None:
    """The end [µs] of the demo's own measurements of a sensor (not others' data), if any."""
    extent = beliefs.source_extent_us(session, [sensor.id], source(session).id)
    return None if extent is None else extent[1] + td_us(sensor.event_resolution)


def _fill(
    session: Session,
    made: dict[str, Sensor],
    *,
    days: int,
    now: datetime,
    progress: Callable[[str, int], None] | None,
) -> int:
    """Measurements up to now and day-ahead prices up to the end of tomorrow: ``days`` of
    history on the first run; later runs add what is missing since the last one."""
    end = pd.Timestamp(now).floor("15min")
    first_start = (end - pd.Timedelta(days=days)).floor("D")
    price_end = (end + pd.Timedelta(days=2)).floor("D")
    demo = source(session)
    shapes: dict[str, Callable[[pd.DatetimeIndex], np.ndarray]] = {
        "site consumption": lambda i: series.building_load_kw(i, base_kw=60, timezone=TIMEZONE),
        "solar production": lambda i: series.solar_production_kw(i, peak_kw=80, latitude=LAT),
        "temperature": lambda i: series.temperature_c(i, timezone=TIMEZONE),
        "irradiance": lambda i: series.irradiance_w_per_m2(i, latitude=LAT),
        "day-ahead prices": lambda i: series.day_ahead_price_eur_per_mwh(i, timezone=TIMEZONE),
    }
    written = 0
    for name, shape in shapes.items():
        sensor = made.get(name)
        if sensor is None:  # deleted from an existing demo: nothing to top up
            continue
        held = beliefs.source_extent_us(session, [sensor.id], demo.id)
        # A top-up computes the series from the demo's first event on, as the first run did
        # (the shapes are seeded over the whole span), and writes only the events after its last.
        start = first_start if held is None else pd.Timestamp(held[0], unit="us", tz="UTC")
        index = pd.date_range(
            start, price_end if name == "day-ahead prices" else end, freq="15min", inclusive="left"
        )
        values = shape(index)
        starts = index.as_unit("us").asi8
        if held is not None:
            new = starts > held[1]
            starts, values = starts[new], values[new]
        if len(starts):
            # Measurements are recorded when known: belief horizon 0.
            known = knowledge_times_us(
                starts, resolution=sensor.event_resolution, spec=sensor.knowledge_horizon
            )
            frame = beliefs.BeliefFrame(starts, np.round(values, 4), known)
            written += beliefs.write_beliefs(session, sensor, demo, frame).stored
        if progress:
            progress(name, len(starts))
    return written
