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
    """A Redis database of its own per test process (8-13), emptied; skipped without Redis.

    Not the jobs tests' database 15: those flush it, which would drop jobs queued here.
    """
    import os

    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    from tests.jobs.conftest import REDIS_URL

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = 8 + int("".join(ch for ch in worker if ch.isdigit()) or 0) % 6
    url = f"{REDIS_URL.rsplit('/', 1)[0]}/{index}"
    try:
        Redis.from_url(url, socket_timeout=1).flushdb()
    except RedisConnectionError as exc:
        if os.environ.get("GRIDFLEX_TEST_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis is required but unreachable at {url}: {exc}")
        pytest.skip(f"Redis unreachable at {url}")
    return url
