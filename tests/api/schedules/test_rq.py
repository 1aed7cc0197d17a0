"""Schedules through a real Redis queue and a real RQ worker (the scale-out set-up)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from rq import Queue, SimpleWorker

from gridflex.api.app import create_app
from tests.api.schedules.helpers import post, trigger, wait_schedule

MODEL = {"soc-at-start": "0 kWh", "soc-max": "10 kWh", "power-capacity": "10 kW"}


def _work(url: str) -> None:
    connection = Redis.from_url(url)
    SimpleWorker([Queue("scheduling", connection=connection)], connection=connection).work(
        burst=True
    )


@pytest.fixture
def rq_client(settings, redis_url):
    with TestClient(create_app(settings.model_copy(update={"redis_url": redis_url}))) as client:
        yield client


def test_schedule_waits_in_redis_until_a_worker_runs_it(rq_client, site, redis_url):
    h = site.user.headers
    post(rq_client, h, site.price, [100, 300], duration="PT2H", unit="EUR/MWh")
    body = {
        "duration": "PT2H",
        "flex_model": {**MODEL, "soc-at-start": "5 kWh"},
        "flex_context": {"consumption-price": {"sensor": site.price}},
    }
    job = trigger(rq_client, h, sensor=site.power, **body).json()["job"]
    pending = rq_client.get(f"/api/v3_0/sensors/{site.power}/schedules/{job}", headers=h)
    assert pending.status_code == 202 and pending.json()["status"] == "QUEUED"
    assert Queue("scheduling", connection=Redis.from_url(redis_url)).count == 1
    _work(redis_url)
    got = wait_schedule(rq_client, h, site.power, job, timeout=5)
    assert got.status_code == 200
    assert got.json()["values"] == pytest.approx([5.0, -10.0])
    status = rq_client.get(f"/api/v3_0/jobs/{job}", headers=h).json()
    assert status["status"] == "FINISHED"


def test_two_devices_of_one_site_through_rq(rq_client, site, redis_url):
    h = site.user.headers
    post(rq_client, h, site.price, [100, 300], duration="PT2H", unit="EUR/MWh")
    second = site.world.asset(site.account, "battery 2", parent_asset_id=site.building)
    power2 = site.sensor(second, name="battery 2 power", unit="kW", resolution="PT1H")
    body = {
        "duration": "PT2H",
        "flex_model": [{**MODEL, "sensor": site.power}, {**MODEL, "sensor": power2}],
        "flex_context": {
            "consumption-price": {"sensor": site.price},
            "site-consumption-capacity": "15 kW",
        },
    }
    job = trigger(rq_client, h, asset=site.building, **body).json()["job"]
    _work(redis_url)
    one = wait_schedule(rq_client, h, site.power, job, timeout=5).json()["values"]
    two = wait_schedule(rq_client, h, power2, job, timeout=5).json()["values"]
    assert one[0] + two[0] == pytest.approx(15.0)  # the connection, shared
    assert one[1] + two[1] == pytest.approx(-15.0)


def test_a_failing_schedule_is_reported_through_rq(rq_client, site, redis_url):
    h = site.user.headers
    body = {
        "duration": "PT2H",
        "flex_model": MODEL,
        "flex_context": {"consumption-price": {"sensor": site.price}},
    }
    job = trigger(rq_client, h, sensor=site.power, **body).json()["job"]
    _work(redis_url)
    got = wait_schedule(rq_client, h, site.power, job, timeout=5)
    assert got.status_code == 400 and "Prices" in got.json()["message"]
