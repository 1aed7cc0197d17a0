"""GET /sensors/{id}/schedules/{uuid}: pending, failed, unknown, and the schedule itself (duration, unit)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from gridflex.api.app import create_app
from gridflex.services.scheduling import FUNC_NAME
from gridflex.store.base import session_scope
from gridflex.store.models import Job
from gridflex.timing import utcnow
from tests.api.schedules.helpers import START, at, post, schedule, trigger, wait_schedule

PRICES = [100, 300, 200, 50, 80, 120, 90, 110]  # 8 hours, EUR/MWh
MODEL = {"soc-at-start": "5 kWh", "soc-max": "10 kWh", "power-capacity": "10 kW"}


@pytest.fixture
def priced(client, site):
    post(client, site.user.headers, site.price, PRICES, duration="PT8H", unit="EUR/MWh")
    return site


def _body(site, **extra):
    return {
        "duration": "PT8H",
        "flex_model": MODEL,
        "flex_context": {"consumption-price": {"sensor": site.price}},
        **extra,
    }


def _job(settings, status, sensor_id, func_name=FUNC_NAME):
    with session_scope(settings.database_url) as session:
        job = Job(
            id=str(uuid.uuid4()),
            queue="scheduling",
            func_name=func_name,
            kwargs={},
            status=status,
            sensor_id=sensor_id,
            timeout_s=600,
            enqueued_at=utcnow(),
            started_at=utcnow() if status == "started" else None,
        )
        session.add(job)
        return job.id


@pytest.mark.parametrize(
    ("status", "message"), [("queued", "waiting to be processed"), ("started", "in progress")]
)
def test_pending_job_answers_202_with_its_state(client, settings, site, status, message):
    job = _job(settings, status, site.power)
    res = client.get(f"/api/v3_0/sensors/{site.power}/schedules/{job}", headers=site.user.headers)
    assert res.status_code == 202
    assert res.json()["status"] == status.upper()
    assert f"Scheduling job {message}" in res.json()["message"]  # what older clients look for
    assert res.headers["Retry-After"] == "1"


def test_unknown_malformed_and_foreign_ids_are_400(client, settings, site):
    h = site.user.headers
    for job in (
        str(uuid.uuid4()),
        "not-a-uuid",
        _job(settings, "finished", None, "tests.jobs.funcs:add"),
    ):
        res = client.get(f"/api/v3_0/sensors/{site.power}/schedules/{job}", headers=h)
        assert res.status_code == 400, job
        assert res.json()["status"] == "UNRECOGNIZED_UDI_EVENT"
        assert job in res.json()["message"]


def test_a_schedule_of_another_sensor_is_unknown_for_this_one(client, priced):
    res = trigger(client, priced.user.headers, sensor=priced.power, **_body(priced))
    job = res.json()["job"]
    assert wait_schedule(client, priced.user.headers, priced.power, job).status_code == 200
    other = priced.sensor(name="other", resolution="PT1H")
    res = client.get(f"/api/v3_0/sensors/{other}/schedules/{job}", headers=priced.user.headers)
    assert res.status_code == 400 and res.json()["status"] == "UNKNOWN_SCHEDULE"
    assert f"sensor {other}" in res.json()["message"]


def test_an_infeasible_request_fails_the_job_and_names_the_field(client, priced):
    model = {**MODEL, "soc-targets": [{"datetime": at(1), "value": "20 kWh"}], "soc-max": "30 kWh"}
    res = trigger(
        client, priced.user.headers, sensor=priced.power, **_body(priced, flex_model=model)
    )
    got = wait_schedule(client, priced.user.headers, priced.power, res.json()["job"])
    assert got.status_code == 400 and got.json()["status"] == "UNKNOWN_SCHEDULE"
    assert "soc-targets" in got.json()["message"]


def test_default_duration_is_6_hours_and_longer_ones_stop_at_the_schedule_end(client, priced):
    h = priced.user.headers
    default = schedule(client, h, priced.power, **_body(priced))
    assert default["duration"] == "PT6H" and len(default["values"]) == 6
    longer = schedule(client, h, priced.power, params={"duration": "P7D"}, **_body(priced))
    assert longer["duration"] == "PT8H" and len(longer["values"]) == 8
    shorter = schedule(client, h, priced.power, params={"duration": "PT2H"}, **_body(priced))
    assert shorter["values"] == longer["values"][:2]
    assert shorter["start"] == START


def test_duration_is_capped_at_the_planning_horizon(settings, priced):
    short = settings.model_copy(update={"planning_horizon": timedelta(hours=3)})
    with TestClient(create_app(short)) as client:
        got = schedule(
            client, priced.user.headers, priced.power, params={"duration": "PT8H"}, **_body(priced)
        )
    assert got["duration"] == "PT3H" and len(got["values"]) == 3


def test_unit_conversion_and_bad_query_parameters(client, priced):
    h = priced.user.headers
    kw = schedule(client, h, priced.power, **_body(priced))
    mw = schedule(client, h, priced.power, params={"unit": "MW"}, **_body(priced))
    assert mw["unit"] == "MW" and mw["values"] == pytest.approx([v / 1000 for v in kw["values"]])
    job = trigger(client, h, sensor=priced.power, **_body(priced)).json()["job"]
    url = f"/api/v3_0/sensors/{priced.power}/schedules/{job}"
    for params, field in (
        ({"unit": "kWh/EUR"}, "unit"),
        ({"sign-convention": "upside-down"}, "sign-convention"),
        ({"duration": "PT10M"}, "duration"),
        ({"duration": "soon"}, "duration"),
    ):
        res = client.get(url, headers=h, params=params)
        assert res.status_code == 422, params
        assert list(res.json()["message"]["query"]) == [field]


def test_costs_by_term_come_with_the_schedule(client, priced):
    got = schedule(client, priced.user.headers, priced.power, **_body(priced))
    costs = got["costs"]
    assert costs["total"] == pytest.approx(sum(v for k, v in costs.items() if k != "total"))
    assert {"energy", "emissions", "site-consumption-breach", "prefer-charging-sooner"} <= set(
        costs
    )
    assert got["scheduler_info"]["scheduler"] == "gridflex" and got["scheduler_info"]["version"]


def test_soc_schedule_can_be_fetched_from_the_soc_sensor(client, priced):
    soc = priced.sensor(name="soc", unit="kWh", resolution="PT0M")
    body = _body(priced, duration="PT2H", flex_model={**MODEL, "state-of-charge": {"sensor": soc}})
    power = schedule(client, priced.user.headers, priced.power, **body)
    assert power["values"] == pytest.approx([5.0, -10.0])
    socs = schedule(client, priced.user.headers, priced.power, read=soc, **body)
    assert socs["unit"] == "kWh"
    assert socs["values"] == pytest.approx([5.0, 10.0])  # at the start of each step


def test_reading_needs_a_token_and_read_access(client, priced):
    job = trigger(client, priced.user.headers, sensor=priced.power, **_body(priced)).json()["job"]
    url = f"/api/v3_0/sensors/{priced.power}/schedules/{job}"
    assert client.get(url).status_code == 401
    stranger = priced.world.user(priced.world.account())
    assert client.get(url, headers=stranger.headers).status_code == 403
    assert (
        client.get(
            f"/api/v3_0/sensors/999999/schedules/{job}", headers=priced.user.headers
        ).status_code
        == 404
    )
