"""The demo's schedule: the site's battery, EV charger and heat pump planned against day-ahead prices.

The same path as a trigger (the request is checked as the demo user would send
it), but run at once instead of in a background job, and recorded as a finished
scheduling job so that ``GET /api/v3_0/sensors/{id}/schedules/{uuid}`` finds it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from gridflex.errors import GridflexError
from gridflex.jobs import jobs_for_asset
from gridflex.jobs.service import metadata_hash
from gridflex.services import assets, beliefs, scheduling, sensors
from gridflex.store.models import Job, Sensor
from gridflex.timing import parse_datetime, utcnow

SITE = "Demo site"
TIMEZONE = "Europe/Amsterdam"
SOC_SENSOR = "battery state of charge"
HORIZON = timedelta(hours=48)


def _sensor(session: Session, report: Any, name: str) -> Sensor | None:
    sensor_id = report.sensors.get(name)
    return None if sensor_id is None else sensors.find_sensor(session, sensor_id)


def _soc_sensor(session: Session, battery: Sensor) -> Sensor:
    found = sensors.find_sensor_by_name(session, battery.generic_asset_id, SOC_SENSOR)
    if found is not None:
        return found
    fields = {
        "name": SOC_SENSOR,
        "unit": "kWh",
        "event_resolution": timedelta(0),
        "timezone": TIMEZONE,
    }
    return sensors.create_sensor(
        session, {**fields, "generic_asset_id": battery.generic_asset_id}, actor=None
    )


def _ev_target(start: datetime, end: datetime) -> list[dict[str, str]]:
    """The EV should hold 40 kWh at the first 07:00 (local) at least 4 hours ahead, if it is in the window."""
    local = pd.Timestamp(start + timedelta(hours=4)).tz_convert(TIMEZONE)
    seven = local.normalize() + pd.Timedelta(hours=7)
    if seven < local:
        seven += pd.Timedelta(days=1)
    moment = seven.tz_convert("UTC").to_pydatetime()
    return [{"datetime": moment.isoformat(), "value": "40 kWh"}] if moment <= end else []


def _request(
    start: datetime, end: datetime, devices: dict[str, Sensor], soc: Sensor
) -> scheduling.ScheduleRequest:
    flex_model = [
        {
            "sensor": devices["battery power"].id,
            "soc-at-start": "100 kWh",
            "state-of-charge": {"sensor": soc.id},
        },
        {
            "sensor": devices["EV charger power"].id,
            "soc-at-start": "12 kWh",
            "soc-max": "60 kWh",
            "power-capacity": "11 kW",
            "soc-targets": _ev_target(start, end),
        },
        {
            "sensor": devices["heat pump power"].id,
            "soc-at-start": "15 kWh",
            "soc-max": "30 kWh",
            "power-capacity": "6 kW",
            "charging-efficiency": "350%",
            "soc-usage": ["4 kW"],
            "storage-efficiency": "99.5%",
        },
    ]
    for model in flex_model:
        if model.get("soc-targets") == []:
            del model["soc-targets"]
    return scheduling.ScheduleRequest(start=start, duration=end - start, flex_model=flex_model)


def build(session: Session, report: Any) -> str:
    """Schedule the demo site's flexible devices from now until the last known price (at most
    48 h), unless the site's newest schedule still reaches past now."""
    names = ("battery power", "EV charger power", "heat pump power", "day-ahead prices")
    looked_up = {name: _sensor(session, report, name) for name in names}
    found = {name: sensor for name, sensor in looked_up.items() if sensor is not None}
    site = assets.find_asset_by_name(session, report.account_id, SITE)
    if len(found) < len(names) or site is None:
        return "Schedules: the demo site lacks its devices or prices; skipped."
    now = getattr(report, "now", None) or utcnow()
    existing = jobs_for_asset(session, [site.id], [], limit=1, func_name=scheduling.FUNC_NAME)
    if existing and _ends_after(existing[0], now):
        return f"Schedules: the demo site already has a schedule (job {existing[0].id})."
    start = pd.Timestamp(now).floor("15min").to_pydatetime()
    prices = beliefs.event_extent_us(session, [found["day-ahead prices"].id])
    if prices is None:
        return "Schedules: no day-ahead prices in the demo; skipped."
    last_price = prices[1]
    end = min(
        start + HORIZON,
        pd.Timestamp(last_price + 15 * 60 * 1_000_000, unit="us", tz="UTC").to_pydatetime(),
    )
    if end <= start:
        return "Schedules: the demo prices end before now; skipped (rebuild the demo for fresh prices)."
    soc = _soc_sensor(session, found["battery power"])
    request = _request(start, end, found, soc)
    try:
        prepared = scheduling.prepare_schedule(
            session, report.user, request, horizon=HORIZON, max_steps=2520, asset=site
        )
        result = scheduling.make_schedule(session, **prepared.kwargs)
    except GridflexError as exc:
        return f"Schedules: skipped ({exc.message})"
    job = _record(session, prepared, result)
    battery = found["battery power"].id
    return (
        f"Schedules: battery, EV charger and heat pump of {SITE} planned for {(end - start) / timedelta(hours=1):g} h from {start:%H:%M} UTC "
        f"(costs {result['costs']['total']:.2f} {result['costs-unit']}); "
        f"GET /api/v3_0/sensors/{battery}/schedules/{job}"
    )


def _ends_after(job: Job, moment: datetime) -> bool:
    end = (job.kwargs or {}).get("end")
    return end is None or parse_datetime(end, field="end") > moment


def _record(session: Session, prepared: scheduling.Prepared, result: dict[str, Any]) -> str:
    """Keep the run as a finished scheduling job, as if a worker had run it."""
    now = utcnow()
    job = Job(
        id=str(uuid.uuid4()),
        queue="scheduling",
        func_name=scheduling.FUNC_NAME,
        kwargs=prepared.kwargs,
        status="finished",
        result=result,
        asset_id=prepared.site.id,
        account_id=prepared.account_id,
        metadata_hash=metadata_hash("scheduling", scheduling.FUNC_NAME, prepared.kwargs),
        timeout_s=600,
        enqueued_at=now,
        started_at=now,
        ended_at=now,
        worker="demo",
    )
    session.add(job)
    session.flush()
    return job.id
