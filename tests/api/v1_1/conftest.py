"""The world of the seed examples: a server at company.flexmeasures.io, charging stations CS 1-3,
the EPEX day-ahead market and a weather station on Jeju (seed 001's weather example).

Every test using these fixtures runs on SQLite and on PostgreSQL (through ``db``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from gridflex.config import Settings
from tests.api.v1_1.helpers import HOST, JEJU
from tests.conftest import Actor


@pytest.fixture
def settings(db: str) -> Settings:
    """The seeds' server: entity addresses use the authority io.flexmeasures.company."""
    return Settings(mode="test", database_url=db, entity_host=HOST)


@dataclass
class Seed:
    """Who and what the seed examples talk about."""

    account: int  # a charge-point operator that is its own meter data company
    mdc: Actor  # member of that account (roles MDC, Prosumer)
    admin: Actor  # platform admin (public markets and weather stations are theirs to write)
    supplier: Actor  # member of another account (role Supplier)
    cs: dict[str, int] = field(default_factory=dict)  # connection name -> power sensor id
    cs_assets: dict[str, int] = field(default_factory=dict)  # connection name -> asset id
    prices: int = 0  # sensor of the EPEX day-ahead market (market_id epex_da), hourly EUR/MWh
    temperature: int = 0  # sensor of the Jeju weather station, °C


@pytest.fixture
def seed(world: Any) -> Seed:
    account = world.account("Charge point operator", roles=["MDC", "Prosumer"])
    mdc = world.user(account)
    admin = world.user(world.account("Platform operator"), roles=["admin"])
    supplier = world.user(world.account("Supplier company", roles=["Supplier"]))
    made = Seed(account, mdc, admin, supplier)
    for i, unit in ((1, "MW"), (2, "kW"), (3, "MW")):  # CS 2 records kW: v1's MW are converted
        asset = world.asset(account, f"CS {i}", type_name="one-way_evse")
        made.cs_assets[f"CS {i}"] = asset
        made.cs[f"CS {i}"] = world.sensor(asset, "power", unit=unit)
    market = world.asset(None, "EPEX day-ahead", type_name="market")
    made.prices = world.sensor(
        market,
        "day-ahead prices",
        unit="EUR/MWh",
        resolution="PT1H",
        attributes={"market_id": "epex_da"},
    )
    station = world.asset(
        None,
        "Jeju weather station",
        type_name="weather station",
        latitude=JEJU[0],
        longitude=JEJU[1],
    )
    made.temperature = world.sensor(station, "temperature", unit="°C")
    return made
