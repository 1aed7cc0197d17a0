"""GET /api/v3_0/jobs/{uuid} and GET /api/v3_0/assets/{id}/jobs, as existing clients poll them."""

from __future__ import annotations

import threading
import uuid

from tests.jobs import funcs
from tests.jobs.conftest import enqueue_test_job, wait_for


def _job(settings, func, kwargs, account_id, asset_id=None):
    return enqueue_test_job(settings, func, kwargs, account_id=account_id, asset_id=asset_id)


def test_job_status_is_202_then_200_with_result(client, settings, world):
    account = world.account()
    actor = world.user(account)
    gate = str(uuid.uuid4())
    funcs.GATES[gate] = threading.Event()
    job_id = _job(settings, "wait_for_gate", {"gate": gate}, account)
    pending = client.get(f"/api/v3_0/jobs/{job_id}", headers=actor.headers)
    assert pending.status_code == 202 and pending.json()["status"] in ("QUEUED", "STARTED")
    funcs.GATES[gate].set()
    wait_for(settings.database_url, job_id)
    done = client.get(f"/api/v3_0/jobs/{job_id}", headers=actor.headers)
    body = done.json()
    assert done.status_code == 200
    assert body["status"] == "FINISHED" and body["result"] == "slept"
    assert body["enqueued-at"] == body["enqueued_at"] and body["ended_at"] is not None


def test_failed_job_is_422_with_the_reason(client, settings, world):
    account = world.account()
    actor = world.user(account)
    job_id = _job(settings, "create_then_fail", {"name": "x"}, account)
    wait_for(settings.database_url, job_id)
    res = client.get(f"/api/v3_0/jobs/{job_id}", headers=actor.headers)
    assert res.status_code == 422
    assert res.json()["status"] == "FAILED" and "at least 1 day" in res.json()["message"]


def test_unknown_malformed_and_foreign_jobs(client, settings, world):
    account, other = world.account(), world.account()
    actor = world.user(account)
    assert client.get(f"/api/v3_0/jobs/{uuid.uuid4()}", headers=actor.headers).status_code == 404
    assert client.get("/api/v3_0/jobs/not-a-uuid", headers=actor.headers).status_code == 422
    foreign = _job(settings, "add", {"a": 1, "b": 1}, other)
    assert client.get(f"/api/v3_0/jobs/{foreign}", headers=actor.headers).status_code == 403
    assert client.get(f"/api/v3_0/jobs/{foreign}").status_code == 401


def test_asset_jobs_lists_jobs_of_the_asset_and_its_children(client, settings, world):
    account = world.account()
    actor = world.user(account)
    site = world.asset(account, type_name="building")
    battery = world.asset(account, parent_asset_id=site)
    unrelated = world.asset(account)
    mine = _job(settings, "add", {"a": 1, "b": 2}, account, asset_id=battery)
    _job(settings, "add", {"a": 5, "b": 2}, account, asset_id=unrelated)
    wait_for(settings.database_url, mine)
    body = client.get(f"/api/v3_0/assets/{site}/jobs", headers=actor.headers).json()
    assert [job["job_id"] for job in body["jobs"]] == [mine]
    assert body["jobs"][0]["status"] == "finished" and body["redis_connection_err"] is None
