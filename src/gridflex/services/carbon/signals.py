"""The other per-zone signals of the current Electricity Maps API, from what gridflex stores.

- ``carbon-free-energy`` and ``renewable-energy``: the zone's fossil-free and
  renewable shares of consumption [%], the ``fossilFreePercentage`` and
  ``renewablePercentage`` of its power breakdown;
- ``total-load``: its consumption [MW]; ``net-load``: that minus its own solar
  and wind production [MW];
- ``price-day-ahead``: the values of the price sensor linked to the zone (the
  zone asset's ``price_sensor_id`` attribute), in that sensor's unit;
- ``home-assistant``: the one call Home Assistant's CO2 Signal integration makes.

Each is answered per period like the breakdowns it comes from (see ``periods``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from gridflex.errors import NotFoundError
from gridflex.services.carbon import naming, periods
from gridflex.services.carbon.readings import DAY_US, ESTIMATE, iso, no_data
from gridflex.services.carbon.registry import Registry
from gridflex.store.models import Sensor
from gridflex.store.queries import carbon as queries

SHARES = {"carbon-free-energy": "fossilFreePercentage", "renewable-energy": "renewablePercentage"}
LOADS = ("total-load", "net-load")
LOAD_SOURCE = naming.REPORTER["name"]


def item(signal: str, record: dict[str, Any], granularity: str) -> dict[str, Any] | None:
    """One value of a share or load from a breakdown record (None: the record has none)."""
    common = {
        "zone": record["zone"],
        "datetime": record["datetime"],
        "updatedAt": record["updatedAt"],
        "createdAt": record["createdAt"],
    }
    if signal in SHARES:
        value = record[SHARES[signal]]
        if value is None:
            return None
        return {
            **common,
            "value": value,
            "unit": "%",
            **ESTIMATE,
            "temporalGranularity": granularity,
        }
    value = record["powerConsumptionTotal"]
    if value is None:
        return None
    if signal == "net-load":
        own = record["powerProductionBreakdown"]
        value = value - (own.get("solar") or 0) - (own.get("wind") or 0)
    return {
        **common,
        "value": value,
        "unit": naming.MW,
        "source": LOAD_SOURCE,
        "temporalGranularity": granularity,
    }


def items(signal: str, records: list[dict[str, Any]], granularity: str) -> list[dict[str, Any]]:
    found = (item(signal, r, granularity) for r in records)
    return [i for i in found if i is not None]


def one(
    signal: str, records: list[dict[str, Any]], granularity: str, zone_id: str
) -> dict[str, Any]:
    found = items(signal, records, granularity)
    if not found:
        raise no_data(zone_id, signal.replace("-", " "))
    return found[-1]


def home_assistant(zone_id: str, intensity: dict[str, Any], breakdown: dict[str, Any]) -> dict:
    """Home Assistant's shape: the latest intensity and the fossil share of consumption."""
    fossil_free = breakdown.get("fossilFreePercentage")
    if intensity.get("carbonIntensity") is None or fossil_free is None:
        return {"status": "no-data", "countryCode": zone_id}
    return {
        "status": "ok",
        "countryCode": zone_id,
        "data": {
            "carbonIntensity": float(intensity["carbonIntensity"]),
            "fossilFuelPercentage": float(100 - fossil_free),
        },
        "units": {"carbonIntensity": naming.INTENSITY_UNIT},
    }


def price_sensor(session: Session, registry: Registry, zone_id: str) -> Sensor:
    """The day-ahead price sensor linked to the zone; 404 naming what is missing."""
    record = registry.get(zone_id)
    if record.price_sensor_id is None:
        raise NotFoundError(
            f"Zone {zone_id!r} has no day-ahead price sensor: set the attribute "
            f"{naming.PRICE_SENSOR_ATTRIBUTE!r} of its zone asset to a sensor id."
        )
    sensor = session.get(Sensor, record.price_sensor_id)
    if sensor is None:
        raise NotFoundError(
            f"The price sensor {record.price_sensor_id} linked to zone {zone_id!r} does not exist."
        )
    return sensor


def price_periods(
    session: Session, sensor: Sensor, zone_id: str, lo: int, hi: int, granularity: str
) -> list[dict[str, Any]]:
    """Prices of the periods in [lo, hi) with a price (means of the sensor's events)."""
    times = queries.event_times(session, sensor.id, None, lo, hi)
    known = ~np.isnan(times.values)
    starts, first = periods.groups(times.events_us[known], granularity)
    if len(starts) == 0:
        return []
    means = periods.mean_by_group(times.values[known], first)
    created = np.minimum.reduceat(times.created_us[known], first)
    updated = np.maximum.reduceat(times.updated_us[known], first)
    names = queries.source_names(session, queries.source_ids_in(session, sensor.id, lo, hi))
    source = ", ".join(sorted(set(names.values()))) or "unknown"
    return [
        {
            "zone": zone_id,
            "datetime": iso(int(t)),
            "createdAt": iso(int(c)),
            "updatedAt": iso(int(u)),
            "value": round(float(v), 2),
            "unit": sensor.unit,
            "source": source,
            "temporalGranularity": granularity,
        }
        for t, v, c, u in zip(starts, means, created, updated, strict=True)
    ]


def price_step_us(sensor: Sensor) -> int:
    return int(sensor.event_resolution.total_seconds() * 1_000_000) or 3_600_000_000


def recent_price_bounds(
    sensor: Sensor, zone_id: str, now_us: int, granularity: str | None, *, whole_day: bool
) -> tuple[int, int, str]:
    """The period holding now, or the day of periods up to it (prices are known ahead)."""
    step = price_step_us(sensor)
    name = granularity or periods.name_of(step)
    periods.check(name, step, zone_id, allowed=periods.RECENT)
    current = periods.period_start_us(now_us, name)
    hi = periods.period_end_us(current, name)
    return (hi - DAY_US if whole_day else current), hi, name
