"""A site for the schedule tests: an account with a building, a battery under it, and prices."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import Actor, World


@dataclass
class Site:
    world: World
    account: int
    user: Actor
    building: int
    battery: int
    power: int  # the battery's power sensor: kW, hourly
    price: int  # hourly prices on the building, EUR/MWh

    def sensor(self, asset: int | None = None, **fields) -> int:  # noqa: ANN003
        return self.world.sensor(asset or self.battery, **fields)


@pytest.fixture
def site(world: World) -> Site:
    account = world.account("Schedule Account", roles=["Prosumer"])
    user = world.user(account, roles=["account-admin"])
    building = world.asset(account, "building", type_name="building")
    battery = world.asset(account, "battery", parent_asset_id=building)
    power = world.sensor(battery, "battery power", unit="kW", resolution="PT1H")
    price = world.sensor(building, "prices", unit="EUR/MWh", resolution="PT1H")
    return Site(world, account, user, building, battery, power, price)


@pytest.fixture
def redis_url() -> str:
    """A Redis database of its own per test process (8-13), emptied; skipped without Redis."""
    from tests.jobs.conftest import worker_redis_url

    return worker_redis_url(first=8, count=6)
