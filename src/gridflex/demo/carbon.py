"""The carbon part of the demo: six interconnected countries with hourly production and exchanges.

NL, BE, DE, FR, DK and PL (shipped zones, so lat/lon lookups work) are linked
as a tree (DK-DE, PL-DE, NL-DE, BE-NL, FR-BE). Each hour, demand and the
weather-driven and must-run plants are drawn (seeded); the residual demand of
the whole system is met by coal, then gas, in proportion to each country's
capacity; each country's surplus or deficit then flows along the tree, which
fixes every exchange. So the system balances by construction and every zone
consumes exactly its demand. DE also runs a battery (charged at midday,
discharged in the evening).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from gridflex.demo.series import solar_elevation_frac
from gridflex.errors import InsufficientDataError
from gridflex.services import beliefs
from gridflex.services.carbon import forecasts, import_power, load_registry
from gridflex.services.carbon import store as zone_store
from gridflex.services.carbon.ingest import IMPORT_SOURCE
from gridflex.services.carbon.registry import link_price_sensor
from gridflex.services.carbon.state import invalidate
from gridflex.timing import utcnow

ZONES = ("NL", "BE", "DE", "FR", "DK", "PL")
LATITUDE = {"NL": 52.2, "BE": 50.6, "DE": 51.2, "FR": 46.6, "DK": 56.0, "PL": 52.1}
DEMAND_MW = {"NL": 13_000, "BE": 9_500, "DE": 55_000, "FR": 52_000, "DK": 4_000, "PL": 19_000}
SOLAR_MW = {"NL": 14_000, "BE": 6_000, "DE": 60_000, "FR": 15_000, "DK": 2_000, "PL": 10_000}
WIND_MW = {"NL": 9_000, "BE": 4_500, "DE": 60_000, "FR": 20_000, "DK": 6_500, "PL": 8_000}
MUST_RUN_MW = {  # type -> zone -> MW (nearly flat)
    "nuclear": {"BE": 4_000, "FR": 42_000, "NL": 480},
    "hydro": {"FR": 6_000, "DE": 1_500},
    "biomass": {"DK": 700, "NL": 900, "DE": 4_500},
}
DISPATCH_MW = {  # merit order: coal first, then gas; shares by capacity
    "coal": {"DE": 25_000, "PL": 20_000, "NL": 3_000},
    "gas": {"NL": 12_000, "DE": 25_000, "BE": 6_000, "FR": 10_000, "DK": 1_500, "PL": 3_000},
}
TREE = (("DK", "DE"), ("PL", "DE"), ("FR", "BE"), ("BE", "NL"), ("NL", "DE"))  # leaves first
BATTERY_MW = 2_000
HOUR = pd.Timedelta(hours=1)
FORECAST_DAYS = 2  # the forecasting engine's least history


def build(session: Session, report: Any) -> str:
    """Add the carbon demo over the same span as the rest of the demo world; on a later run,
    add the hours since its last one (and a forecast from there)."""
    registry = load_registry(session)
    price = (getattr(report, "sensors", None) or {}).get("day-ahead prices")
    if price is not None:  # the demo market's prices serve /v3/price-day-ahead for every zone
        link_price_sensor(session, ZONES, price)
        invalidate(session, registry=True)
    now = getattr(report, "now", None) or utcnow()
    end = pd.Timestamp(now).floor("h")
    inputs = [s.id for s in registry.input_sensors(ZONES)]
    source = zone_store.source_id(session, IMPORT_SOURCE)
    held = None if source is None else beliefs.source_extent_us(session, inputs, source)
    if held is not None:
        start = pd.Timestamp(held[1], unit="us", tz="UTC") + HOUR
    elif inputs:  # zones of data imported otherwise: not the demo's to add to
        return "Carbon demo: zones NL, BE, DE, FR, DK, PL hold data not imported by the demo."
    else:
        start = end - pd.Timedelta(days=365)
        site = (getattr(report, "sensors", None) or {}).get("site consumption")
        extent = None if site is None else beliefs.event_extent_us(session, [site])
        first = None if extent is None else pd.Timestamp(extent[0], unit="us", tz="UTC").floor("h")
        if first is not None and start <= first < end:  # ignore what cannot be the demo's span
            start = first
    # Each top-up draws its own hours (seeded by where they start), so a run is reproducible.
    seed = 7 if held is None else 7 + int(start.timestamp()) // 3600
    stored = 0
    if start < end:
        stored = build_system(
            session, start.to_pydatetime(), end.to_pydatetime(), seed=seed, forecast=False
        )
    skipped = forecast_or_warn(session, report)
    if held is None:
        summary = (
            f"Carbon demo: zones {', '.join(ZONES)} with hourly data from {start:%Y-%m-%d} "
            f"({stored} values)"
        )
    elif stored:
        summary = (
            f"Carbon demo: zones {', '.join(ZONES)} topped up from {start:%Y-%m-%d %H:%M} UTC "
            f"({stored} values)"
        )
    else:
        summary = f"Carbon demo already present (zones {', '.join(ZONES)}), up to date"
    forecast = "without a forecast (see the warning below)" if skipped else "with their forecast"
    return f"{summary}, {forecast}; try /v3/carbon-intensity/latest?zone=DE."


def forecast_or_warn(session: Session, report: Any) -> bool:
    """Make the system's forecast from the end of its data, unless it is there already; too
    little data is a warning in ``report.warnings``, not a failure. True when skipped."""
    try:
        forecasts.zone_forecast(session, load_registry(session), "DE")  # the whole system's
    except InsufficientDataError as exc:
        warnings = getattr(report, "warnings", None)
        if warnings is not None:
            warnings.append(
                f"Carbon forecasts skipped: {exc.message} They need about {FORECAST_DAYS} days "
                f"of hourly data: build the demo with --days {FORECAST_DAYS} or more (in a new "
                "database), or run `gridflex demo` again once it holds that much."
            )
        return True
    return False


def build_system(
    session: Session, start: datetime, end: datetime, *, seed: int = 7, forecast: bool = True
) -> int:
    """Generate, import and trace the system over [start, end); forecast from its end."""
    production, exchanges = synthetic_system(
        pd.date_range(start, end, freq=HOUR, inclusive="left"), seed
    )
    report = import_power(session, production, exchanges)
    if forecast:
        registry = load_registry(session)
        forecasts.zone_forecast(session, registry, "DE")  # makes and stores the system's forecast
    return report.stored + report.computed


def synthetic_system(index: pd.DatetimeIndex, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows for ``import_power``: production (and battery charge) and exchanges. [MW]"""
    rng = np.random.default_rng(seed)
    n = len(index)
    hour = index.hour.to_numpy()
    season = np.cos(2 * np.pi * (index.day_of_year.to_numpy() - 15) / 365.25)
    weekend = index.day_of_week.to_numpy() >= 5
    supply: dict[tuple[str, str], np.ndarray] = {}
    demand = {}
    for z in ZONES:
        daily = 0.85 + 0.2 * np.exp(-0.5 * ((hour - 12) / 4.0) ** 2) - 0.06 * weekend
        demand[z] = DEMAND_MW[z] * daily * (1 + 0.1 * season) * (1 + rng.normal(0, 0.02, n))
        clouds = np.repeat(rng.beta(2.5, 1.5, n // 24 + 1), 24)[:n]
        supply[(z, "solar")] = SOLAR_MW[z] * 0.8 * solar_elevation_frac(index, LATITUDE[z]) * clouds
        supply[(z, "wind")] = WIND_MW[z] * _wind(n, rng) * (1 + 0.25 * season)
    for kind, sizes in MUST_RUN_MW.items():
        for z, mw in sizes.items():
            supply[(z, kind)] = mw * (0.9 + 0.05 * rng.standard_normal(n).clip(-2, 2))
    charge = BATTERY_MW * ((hour >= 10) & (hour < 14)) * 1.1  # losses: charge 10 % more
    discharge = BATTERY_MW * ((hour >= 17) & (hour < 21)) * 1.0
    demand["DE"] = demand["DE"] + charge
    supply[("DE", "battery discharge")] = discharge
    _dispatch(supply, demand, n)
    net = {z: sum(v for (zz, _), v in supply.items() if zz == z) - demand[z] for z in ZONES}
    flows = []
    for a, b in TREE:  # a leaf exports its surplus to the rest of the tree
        flows.append((a, b, net[a].copy()))
        net[b] = net[b] + net[a]
    production = _rows(
        index,
        [(z, k, v) for (z, k), v in supply.items()] + [("DE", "battery charge", charge)],
        "zone",
        "type",
    )
    exchanges = _rows(index, flows, "from_zone", "to_zone")
    return production, exchanges


def _wind(n: int, rng: np.random.Generator) -> np.ndarray:
    """Capacity factor from a slow AR(1) process through a logistic curve."""
    shocks = rng.normal(0, 0.35, n)
    level = np.empty(n)
    level[0] = 0.0
    for t in range(1, n):
        level[t] = 0.97 * level[t - 1] + shocks[t]
    return 1.0 / (1.0 + np.exp(-(level - 0.6)))


def _dispatch(
    supply: dict[tuple[str, str], np.ndarray], demand: dict[str, np.ndarray], n: int
) -> None:
    """Meet the residual demand with coal then gas; curtail wind and solar when it is negative."""
    residual = sum(demand.values()) - sum(supply.values())
    surplus = np.clip(-residual, 0, None)
    variable = [key for key in supply if key[1] in ("wind", "solar")]
    variable_total = sum(supply[key] for key in variable)
    for key in variable:
        supply[key] = supply[key] * (1 - surplus / np.maximum(variable_total, 1e-9))
    residual = np.clip(residual, 0, None)
    for kind in ("coal", "gas"):
        capacity = sum(DISPATCH_MW[kind].values())
        used = np.minimum(residual, capacity * (0.95 if kind == "coal" else 10.0))
        for z, mw in DISPATCH_MW[kind].items():
            supply[(z, kind)] = supply.get((z, kind), np.zeros(n)) + used * mw / capacity
        residual = residual - used


def _rows(
    index: pd.DatetimeIndex, series: list[tuple[str, str, np.ndarray]], a: str, b: str
) -> pd.DataFrame:
    starts = index.as_unit("us").asi8
    return pd.DataFrame(
        {
            "datetime_us": np.concatenate([starts] * len(series)),
            a: np.repeat([s[0] for s in series], len(index)),
            b: np.repeat([s[1] for s in series], len(index)),
            "mw": np.round(np.concatenate([s[2] for s in series]), 3),
        }
    )
