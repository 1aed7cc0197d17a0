"""Demo part for the network-capacity heatmap: a small DSO network, a year of demand, a dataset.

Adds (once) the account "Demo Network Operator" (role DSO) with a user, and in its
registry 3 GSPs, 10 BSPs and 60 primaries (each with two transformers and their
ratings; primaries with breakers, projects, a reverse rating or not) and two
33 kV circuits with geometry, all through the same import path as the API; then
a ``demand`` sensor (MW, half-hourly) on every substation and circuit with a year
of measurements up to the start of this month, and publishes a dataset valid from
then for three months (``GET /heatmap``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from gridflex.engines.beliefs.knowledge import knowledge_times_us
from gridflex.engines.heatmap import read_dataset, statistics_window
from gridflex.services import accounts, assets, beliefs, sensors, sources, users
from gridflex.services import heatmap as service
from gridflex.store.models import Account

ACCOUNT = "Demo Network Operator"
DSO_EMAIL, DSO_PASSWORD = "dso@gridflex.example", "gridflex-dso-wire"
TIMEZONE = "Europe/London"
STEP = timedelta(minutes=30)
CENTRE = (51.75, -1.25)  # Oxfordshire
# level: (count, voltages [kV], transformer rating summer/winter [MVA], peak demand share of firm)
LEVELS = {
    "GSP": (3, (132, 33), (240.0, 288.0), (0.55, 0.9)),
    "BSP": (10, (33, 11), (60.0, 72.0), (0.5, 0.95)),
    "Primary": (60, (33, 11), (12.0, 15.0), (0.35, 1.05)),
}


def build(session: Session, report: Any) -> str:
    """Add the heatmap part of the demo world unless it is there already; a one-line summary."""
    if accounts.find_account_by_name(session, ACCOUNT) is not None:
        return f"Heatmap: network of {ACCOUNT!r} already present (GET /heatmap)."
    account = accounts.create_account(session, name=ACCOUNT, roles=["DSO"])
    users.create_user(
        session,
        email=DSO_EMAIL,
        username="demo-dso",
        account_id=account.id,
        password=DSO_PASSWORD,
        roles=["account-admin"],
        timezone=TIMEZONE,
    )
    rng = np.random.default_rng(7)
    records, peaks = network(rng)
    service.import_dataset(session, account, read_dataset(records))
    valid_from = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    written = _measurements(session, account, peaks, valid_from, rng)
    published = service.publish_from_registry(
        session,
        account,
        service.PublishRequest(
            title="Demo network capacity heatmap",
            valid_from=valid_from,
            valid_to=_months_later(valid_from, 3),
            description="Capacity of the demo network, from a year of half-hourly demand.",
            coverage="Oxfordshire (demo)",
        ),
    )
    counts = f"{LEVELS['GSP'][0]} GSPs, {LEVELS['BSP'][0]} BSPs, {LEVELS['Primary'][0]} primaries"
    return (
        f"Heatmap: {ACCOUNT} ({DSO_EMAIL} / {DSO_PASSWORD}) with {counts} and 2 circuits, "
        f"{written} demand values; dataset {published.row.identifier} published (GET /heatmap)."
    )


def network(rng: np.random.Generator) -> tuple[dict[str, Any], dict[str, float]]:
    """The registry records (seed's JSON shape) and each record's peak demand [MW]."""
    substations: list[dict[str, Any]] = []
    peaks: dict[str, float] = {}
    above: list[str] = []
    for level, (count, voltages, rating, share) in LEVELS.items():
        names = []
        for k in range(count):
            name = f"{level} {k + 1:02d}"
            record = _substation(rng, name, level, voltages, rating, k)
            if above:
                parent = above[k % len(above)]
                record["GSP" if level == "BSP" else "BSP"] = parent
                if level == "Primary":
                    record["GSP"] = next(s["GSP"] for s in substations if s["mRID"] == parent)
            firm = rating[0]  # two units: N-1 leaves one
            peaks[record["mRID"]] = round(float(rng.uniform(*share)) * firm, 3)
            substations.append(record)
            names.append(record["mRID"])
        above = names
    circuits = [_circuit(i, substations) for i in range(2)]
    for circuit in circuits:
        peaks[circuit["mRID"]] = 0.6 * circuit["summerRating"]
    return {"Substations": substations, "Circuits": circuits}, peaks


def _substation(
    rng: np.random.Generator,
    name: str,
    level: str,
    voltages: tuple[float, float],
    rating: tuple[float, float],
    k: int,
) -> dict[str, Any]:
    spread = {"GSP": 0.35, "BSP": 0.25, "Primary": 0.2}[level]
    record: dict[str, Any] = {
        "name": name,
        "type": level,
        "area": "Southern England",
        "voltages": list(voltages),
        "longitude": round(CENTRE[1] + float(rng.uniform(-spread, spread)), 6),
        "latitude": round(CENTRE[0] + float(rng.uniform(-spread, spread)) * 0.6, 6),
        "mRID": f"demo-{level.lower()}-{k + 1:02d}",
        "shortCode": f"D{level[0]}{k + 1:02d}",
        "Transformers": [_transformer(f"T{u}", voltages, rating, level, k) for u in (1, 2)],
    }
    if level == "Primary":
        connected = round(float(rng.uniform(0.5, 4.0)), 2)
        contracted = round(float(rng.uniform(0.0, 1.5)), 2)
        record.update(
            demandContractedCapacity=contracted,
            demandQuotedCapacity=round(float(rng.uniform(0.0, 2.0)), 2),
            generationConnectedCapacity=connected,
            generationContractedCapacity=0.5,
            generationQuotedCapacity=0.0,
            breakerBreakingCapacity=25.0,
            breakerMakingCapacity=62.5,
            breakerRatedCurrent=1.25,
            # A few primaries are short of fault-level headroom: it, not heat, limits them.
            breakerAvailableCapacity=0.1 if k % 9 == 4 else 5.0,
            Generators=[
                {
                    "name": "Solar (aggregate)",
                    "aggregate": True,
                    "generationConnectedCapacity": connected,
                    "generationContractedCapacity": 0.5,
                    "voltage": 11,
                    "technologyType": "PV",
                }
            ],
            Demands=[
                {
                    "name": f"EV hub {k + 1}",
                    "aggregate": False,
                    "demandConnectedCapacity": 0,
                    "demandContractedCapacity": contracted,
                    "voltage": 11,
                    "mRID": f"demo-ev-{k + 1:02d}",
                    "technologyType": "EV charging",
                }
            ],
        )
    return record


def _transformer(
    name: str, voltages: tuple[float, float], rating: tuple[float, float], level: str, k: int
) -> dict[str, Any]:
    high, low = voltages
    ratings = [
        {
            "name": "Forward",
            "summerRating": rating[0],
            "winterRating": rating[1],
            "fromVoltage": high,
            "toVoltage": low,
        }
    ]
    if level != "Primary" or k % 3:  # a third of the primaries cannot take power back
        ratings.append(
            {
                "name": "Reverse",
                "summerRating": round(rating[0] / 2, 3),
                "winterRating": round(rating[1] / 2, 3),
                "fromVoltage": low,
                "toVoltage": high,
            }
        )
    return {"name": name, "voltages": [high, low], "mRID": f"{name}", "Ratings": ratings}


def _circuit(i: int, substations: list[dict[str, Any]]) -> dict[str, Any]:
    bsp = next(s for s in substations if s["type"] == "BSP")
    primaries = [s for s in substations if s["type"] == "Primary" and s.get("BSP") == bsp["mRID"]]
    end = primaries[i % len(primaries)]
    middle = {
        "latitude": round((bsp["latitude"] + end["latitude"]) / 2 + 0.01, 6),
        "longitude": round((bsp["longitude"] + end["longitude"]) / 2, 6),
    }
    return {
        "mRID": f"demo-circuit-{i + 1}",
        "name": f"{bsp['name']} - {end['name']} 33 kV",
        "voltage": 33,
        "FromSubstation": bsp["mRID"],
        "ToSubstation": [end["mRID"]],
        "summerRating": 20.0,
        "winterRating": 24.0,
        "Geometry": {
            "type": "LineString",
            "Lines": [
                {
                    "Coordinates": [
                        {"latitude": bsp["latitude"], "longitude": bsp["longitude"]},
                        middle,
                        {"latitude": end["latitude"], "longitude": end["longitude"]},
                    ]
                }
            ],
        },
    }


def _measurements(
    session: Session,
    account: Account,
    peaks: dict[str, float],
    valid_from: datetime,
    rng: np.random.Generator,
) -> int:
    """A ``demand`` sensor (MW, half-hourly) per asset with a year of measured values."""
    start, end = statistics_window(valid_from, months=12)
    steps = (end - start) // STEP
    starts_us = (
        int(start.timestamp()) * 1_000_000 + np.arange(steps, dtype=np.int64) * 1_800_000_000
    )
    shape = _shape(starts_us)
    source = sources.get_or_create_source(
        session, name="demo SCADA", type="demo script", model="demo network", version="1"
    )
    written = 0
    for asset in assets.assets_with_external_ids(session, account.id, list(peaks)):
        sensor = sensors.create_sensor(
            session,
            {
                "name": "demand",
                "unit": "MW",
                "event_resolution": STEP,
                "timezone": TIMEZONE,
                "generic_asset_id": asset.id,
            },
            actor=None,
        )
        peak_mw = peaks[str(asset.external_id)]  # one of the keys the assets were selected by
        noise = 1 + 0.03 * rng.standard_normal(steps)
        values = np.round(peak_mw * shape * noise, 4)
        known = knowledge_times_us(starts_us, resolution=STEP, spec=sensor.knowledge_horizon)
        frame = beliefs.BeliefFrame(starts_us, values, known)
        written += beliefs.write_beliefs(session, sensor, source, frame).stored
    return written


def _shape(starts_us: np.ndarray) -> np.ndarray:
    """Demand relative to the yearly peak: an evening peak, higher in winter, lower at weekends."""
    hours = (starts_us // 3_600_000_000) % 24 + (starts_us // 1_800_000_000) % 2 * 0.5
    days = starts_us // 86_400_000_000
    season = 0.8 + 0.2 * np.cos(2 * np.pi * ((days % 365.25) - 15) / 365.25)
    daily = 0.55 + 0.2 * np.exp(-((hours - 8.5) ** 2) / 6) + 0.35 * np.exp(-((hours - 18) ** 2) / 5)
    weekend = np.where((days + 3) % 7 >= 5, 0.9, 1.0)  # 1970-01-01 was a Thursday
    shape = season * daily * weekend
    return shape / shape.max()


def _months_later(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    return moment.replace(year=index // 12, month=index % 12 + 1)
