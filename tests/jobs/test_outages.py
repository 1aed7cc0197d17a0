"""When a dependency is down: Redis unreachable, a dead worker, the database gone, racing writers.

Honest answers: 503 with ``Retry-After`` instead of a generic 500, no job left "queued" that no
queue holds, no cached job handed out that cannot finish, and jobs of dead workers failed by
the reaper whether anybody polls them or not.
"""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from redis import Redis
from rq import Queue

from gridflex.api.app import create_app
from gridflex.config import Settings
from gridflex.jobs import Reaper, enqueue
from gridflex.services import beliefs, sources
from gridflex.store.base import session_scope
from gridflex.store.models import Job, Sensor
from tests.jobs.conftest import job_count, wait_for


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens here once the socket is closed


def _trigger(client, owned, **extra):
    return client.post(
        f"/api/v3_0/sensors/{owned['power']}/schedules/trigger",
        headers=owned["headers"],
        json={
            "start": "2026-11-23T00:00:00+01:00",
            "duration": "PT2H",
            "flex-model": {"soc-at-start": "1 kWh", "soc-max": "2 kWh"},
            "flex-context": {"consumption-price": "100 EUR/MWh"},
            **extra,
        },
    )


@pytest.fixture
def site(world):
    account = world.account()
    actor = world.user(account)
    battery = world.asset(account, attributes={"capacity_in_mw": 0.01})
    return {"headers": actor.headers, "power": world.sensor(battery, resolution="PT1H")}


def test_a_trigger_while_redis_is_down_answers_503_and_queues_nothing(settings, site, redis_url):
    down = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{_closed_port()}/0"})
    with TestClient(create_app(down)) as client:
        res = _trigger(client, site)
    assert res.status_code == 503, res.text
    assert int(res.headers["Retry-After"]) > 0
    assert job_count(settings.database_url) == 0
    # Redis back: the same trigger makes a job that a queue really holds.
    up = settings.model_copy(update={"redis_url": redis_url})
    with TestClient(create_app(up)) as client:
        res = _trigger(client, site)
    assert res.status_code == 200, res.text
    assert Queue("scheduling", connection=Redis.from_url(redis_url)).count == 1


def test_a_job_its_queue_lost_is_never_handed_out_again(settings, site, redis_url):
    up = settings.model_copy(update={"redis_url": redis_url})
    with TestClient(create_app(up)) as client:
        first = _trigger(client, site).json()["job"]
        Redis.from_url(redis_url).flushdb()  # Redis restarted without persistence
        second = _trigger(client, site).json()["job"]
    assert second != first
    with session_scope(settings.database_url) as session:
        lost = session.get(Job, first)
        assert lost.status == "failed" and "lost" in lost.error


def _started_job(settings, *, worker: str, started_ago: timedelta, timeout_s: int) -> str:
    with session_scope(settings.database_url) as session:
        job, _ = enqueue(
            session,
            settings,
            queue="scheduling",
            func_name="tests.jobs.funcs:add",
            kwargs={"a": 1, "b": 2, "nonce": worker},
            timeout=timedelta(seconds=timeout_s),
        )
        job.status, job.worker = "started", worker
        job.started_at = datetime.now(UTC) - started_ago
        job_id = job.id
    return job_id


def _dead_pid() -> int:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_reaper_fails_jobs_of_dead_workers_unpolled(settings, redis_url):
    rq = settings.model_copy(update={"redis_url": redis_url})
    host = socket.gethostname()
    dead = _started_job(
        rq, worker=f"rq:{host}:{_dead_pid()}", started_ago=timedelta(0), timeout_s=600
    )
    overdue = _started_job(
        rq, worker="rq:elsewhere:1", started_ago=timedelta(seconds=120), timeout_s=60
    )
    running = _started_job(
        rq, worker="rq:elsewhere:2", started_ago=timedelta(seconds=10), timeout_s=600
    )
    reaper = Reaper(settings.database_url, interval_s=0.05).start()
    try:
        for job_id in (dead, overdue):
            job = wait_for(settings.database_url, job_id, statuses=("failed",), timeout=20)
            assert "marked failed" in job.error
    finally:
        reaper.stop()
    with session_scope(settings.database_url) as session:
        assert session.get(Job, running).status == "started"


def test_every_route_answers_503_while_the_database_is_down(db, world):
    actor = world.user(world.account())
    if db.startswith("sqlite"):
        gone = "sqlite:////nonexistent-dir/gridflex.db"
    else:
        gone = f"postgresql://postgres@127.0.0.1:{_closed_port()}/test"
    down = Settings(mode="test", database_url=gone)
    client = TestClient(create_app(down))  # no lifespan: it would need the database too
    for path, shape in (
        ("/api/v3_0/assets", "status"),
        ("/api/v3_0/health/ready", "status"),
        ("/api/v1_1/getConnection?type=GetConnectionRequest", "status"),
        ("/v3/carbon-intensity/latest?zone=DE", "error"),
    ):
        res = client.get(
            path, headers={**actor.headers, "auth-token": actor.headers["Authorization"]}
        )
        assert res.status_code == 503, (path, res.text)
        assert shape in res.json(), (path, res.text)
        assert int(res.headers.get("Retry-After", "0")) > 0 or path.endswith("ready"), path


def _wait_until_a_backend_waits_for_a_lock(database_url: str) -> None:
    """Until the second insert is blocked by the first's uncommitted rows (that is the race)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with session_scope(database_url) as session:
            waiting = session.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        if waiting:
            return
        time.sleep(0.02)
    raise AssertionError("the second writer never waited for the first")


@pytest.mark.parametrize("same_values", [True, False])
def test_racing_identical_posts_end_as_the_race_decides(settings, world, same_values):
    """Two requests post the same event at the same belief time; the second waits for the
    first to commit. Identical values: the second answers "already received"; different
    values: the second is refused as a replacement. Never a 409 asking the client to retry."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers: no two inserts race")
    sensor_id = world.sensor(world.asset(world.account()))
    start = datetime(2026, 11, 23, tzinfo=UTC)
    now = datetime(2026, 11, 24, tzinfo=UTC)
    first_inserted, first_may_commit = threading.Event(), threading.Event()

    def post(values, wait: bool):
        with session_scope(settings.database_url) as session:
            sensor = session.get(Sensor, sensor_id)
            source = sources.get_or_create_source(session, name="racer", type="user")
            result = beliefs.post_series(
                session, sensor, source, values=values, start=start,
                duration=timedelta(hours=1), unit="kW", now=now,
            )  # fmt: skip
            if wait:
                first_inserted.set()
                first_may_commit.wait(10)
            return result

    with session_scope(settings.database_url) as session:  # the source exists before the race
        sources.get_or_create_source(session, name="racer", type="user")
    outcome: dict = {}
    first = threading.Thread(target=lambda: outcome.update(first=post([1, 2, 3, 4], True)))
    first.start()
    first_inserted.wait(10)

    def second():
        try:
            outcome["second"] = post([1, 2, 3, 4] if same_values else [5, 6, 7, 8], False)
        except Exception as exc:
            outcome["second"] = exc

    racer = threading.Thread(target=second)
    racer.start()
    _wait_until_a_backend_waits_for_a_lock(settings.database_url)
    first_may_commit.set()
    first.join(10), racer.join(10)
    assert outcome["first"].stored == 4
    if same_values:
        assert outcome["second"].nothing_new, outcome["second"]
    else:
        from gridflex.errors import InvalidReplacementError

        assert isinstance(outcome["second"], InvalidReplacementError), outcome["second"]
    with session_scope(settings.database_url) as session:
        count = session.scalar(
            sa.text(f"SELECT count(*) FROM belief WHERE sensor_id = {sensor_id}")
        )
    assert count == 4
