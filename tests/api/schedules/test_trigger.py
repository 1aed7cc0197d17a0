"""The trigger endpoints: what they answer, job reuse, forcing a new job, rate limits, permissions."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from gridflex.api.app import create_app
from tests.api.schedules.helpers import post, trigger, wait_schedule

MODEL = {
    "soc-at-start": "225 kWh",
    "soc-min": "45 kWh",
    "soc-max": "405 kWh",
    "power-capacity": "500 kW",
}


@pytest.fixture
def priced(client, site):
    post(
        client, site.user.headers, site.price, [100, 300, 200, 50], duration="PT4H", unit="EUR/MWh"
    )
    return site


def _body(site, **extra):
    return {
        "duration": "PT4H",
        "flex_model": MODEL,
        "flex_context": {"consumption-price": {"sensor": site.price}},
        **extra,
    }


def test_sensor_trigger_answers_processed_with_ids_and_urls(client, priced):
    res = trigger(client, priced.user.headers, sensor=priced.power, **_body(priced))
    body = res.json()
    assert res.status_code == 200
    assert (body["status"], body["message"]) == ("PROCESSED", "Request has been processed.")
    job = body["schedule"]
    assert body["job"] == job
    assert body["job-url"] == f"/api/v3_0/jobs/{job}"
    assert body["results-url"] == f"/api/v3_0/sensors/{priced.power}/schedules/{job}"
    assert res.headers["X-RateLimit-Limit"] == "10" and res.headers["X-RateLimit-Remaining"] == "9"
    assert wait_schedule(client, priced.user.headers, priced.power, job).status_code == 200
    status = client.get(body["job-url"], headers=priced.user.headers)
    assert status.status_code == 200 and status.json()["status"] == "FINISHED"
    assert status.json()["result"]["num-beliefs"] == 4


def test_asset_trigger_lists_a_results_url_per_device(client, priced):
    body = _body(priced, flex_model=[{**MODEL, "sensor": priced.power}])
    res = trigger(client, priced.user.headers, asset=priced.building, **body)
    job = res.json()["job"]
    assert res.status_code == 200 and res.json()["schedule"] == job
    assert res.json()["results-urls"] == {
        str(priced.power): f"/api/v3_0/sensors/{priced.power}/schedules/{job}"
    }
    assert wait_schedule(client, priced.user.headers, priced.power, job).status_code == 200


def test_identical_triggers_reuse_the_job_unless_forced(client, priced):
    h = priced.user.headers
    first = trigger(client, h, sensor=priced.power, **_body(priced)).json()["job"]
    again = trigger(client, h, sensor=priced.power, **_body(priced)).json()["job"]
    forced = trigger(
        client, h, sensor=priced.power, **_body(priced), force_new_job_creation=True
    ).json()["job"]
    assert again == first
    assert forced != first
    # Older clients spell it with underscores.
    underscore = client.post(
        f"/api/v3_0/sensors/{priced.power}/schedules/trigger",
        headers=h,
        json={
            "start": "2026-01-05T00:00:00+00:00",
            **_dashed(_body(priced)),
            "force_new_job_creation": True,
        },
    ).json()["job"]
    assert underscore not in (first, forced)


def _dashed(body):
    return {k.replace("_", "-"): v for k, v in body.items()}


def test_a_changed_site_context_makes_a_new_job(client, priced):
    h = priced.user.headers
    first = trigger(client, h, sensor=priced.power, **_body(priced)).json()["job"]
    client.patch(
        f"/api/v3_0/assets/{priced.building}",
        headers=h,
        json={"flex_context": {"site-power-capacity": "1 MW"}},
    )
    second = trigger(client, h, sensor=priced.power, **_body(priced)).json()["job"]
    assert second != first


def test_triggers_past_the_rate_limit_get_429_with_retry_after(settings, priced):
    limited = settings.model_copy(update={"trigger_rate_limit": "2 per 5 minutes"})
    with TestClient(create_app(limited)) as client:
        h = priced.user.headers
        for i in range(2):
            res = trigger(
                client, h, sensor=priced.power, **_body(priced), force_new_job_creation=True
            )
            assert res.status_code == 200, i
        assert res.headers["X-RateLimit-Remaining"] == "0"
        refused = trigger(
            client, h, sensor=priced.power, **_body(priced), force_new_job_creation=True
        )
        assert refused.status_code == 429
        assert refused.json()["status"] == "TOO_MANY_REQUESTS"
        assert "2 per 5 minutes" in refused.json()["message"]
        assert 0 < int(refused.headers["Retry-After"]) <= 301
        # Another account has its own budget.
        other = priced.world.account()
        actor = priced.world.user(other)
        building = priced.world.asset(other, type_name="building")
        power = priced.world.sensor(building, resolution="PT1H")
        ok = trigger(
            client,
            actor.headers,
            sensor=power,
            **_body(priced, flex_context={"consumption-price": "0.1 EUR/kWh"}),
        )
        assert ok.status_code == 200, ok.json()


def test_unknown_sensor_or_asset_is_422_naming_the_path_id(client, priced):
    res = trigger(client, priced.user.headers, sensor=999999, **_body(priced))
    assert res.status_code == 422
    assert res.json()["message"] == {"path": {"id": ["No sensor found with ID 999999."]}}
    res = trigger(client, priced.user.headers, asset=999999, **_body(priced))
    assert res.status_code == 422 and "id" in res.json()["message"]["path"]


def test_missing_token_is_401_and_another_account_is_403(client, priced):
    assert trigger(client, {}, sensor=priced.power, **_body(priced)).status_code == 401
    other = priced.world.user(priced.world.account())
    res = trigger(client, other.headers, sensor=priced.power, **_body(priced))
    assert res.status_code == 403 and res.json()["status"] == "INVALID_SENDER"
    res = trigger(
        client,
        other.headers,
        asset=priced.building,
        **_body(priced, flex_model=[{"sensor": priced.power}]),
    )
    assert res.status_code == 403


def test_price_sensor_of_another_account_is_not_readable(client, priced):
    other = priced.world.account()
    foreign = priced.world.sensor(priced.world.asset(other, type_name="building"), unit="EUR/MWh")
    res = trigger(
        client,
        priced.user.headers,
        sensor=priced.power,
        **_body(priced, flex_context={"consumption-price": {"sensor": foreign}}),
    )
    assert res.status_code == 422
    assert res.json()["message"]["json"]["consumption-price"] == [
        f"flex-context: No sensor found with ID {foreign}."
    ]


def test_public_price_sensor_is_usable(client, priced):
    market = priced.world.asset(None, "market", type_name="market")
    public = priced.world.sensor(market, "day-ahead", unit="EUR/MWh", resolution="PT1H")
    admin = priced.world.user(priced.world.account(), roles=["admin"])
    post(client, admin.headers, public, [100, 300, 200, 50], duration="PT4H", unit="EUR/MWh")
    res = trigger(
        client,
        priced.user.headers,
        sensor=priced.power,
        **_body(priced, flex_context={"consumption-price": {"sensor": public}}),
    )
    assert res.status_code == 200, res.json()
    assert (
        wait_schedule(client, priced.user.headers, priced.power, res.json()["job"]).status_code
        == 200
    )


def test_a_failed_job_leaves_no_beliefs(client, site):
    # No prices at all: the job fails in the worker, and nothing is written.
    res = trigger(client, site.user.headers, sensor=site.power, **_body(site))
    got = wait_schedule(client, site.user.headers, site.power, res.json()["job"])
    assert got.status_code == 400 and got.json()["status"] == "UNKNOWN_SCHEDULE"
    assert "Prices (consumption-price" in got.json()["message"]
    status = client.get(f"/api/v3_0/jobs/{res.json()['job']}", headers=site.user.headers)
    assert status.status_code == 422 and status.json()["status"] == "FAILED"
    stats = client.get(f"/api/v3_0/sensors/{site.power}/stats", headers=site.user.headers)
    assert stats.json() == {}
