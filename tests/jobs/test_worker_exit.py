"""``gridflex worker --burst`` exits as soon as its queues are empty.

It used to sit ~60 s at exit in some runs: RQ stops its command listener thread with
redis-py's ``stop()``, which (since redis-py 8) waits for that thread, and the thread, when
it had already seen the unsubscribe's reply, waits up to RQ's poll time (60 s) for a new
subscription. The first test puts the thread in that state on purpose; the second runs the
command as a user does. Each uses a queue of its own: no one else's jobs, nothing flushed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import pytest
from redis import Redis
from rq import Queue, SimpleWorker, Worker

from gridflex.cli.worker import quick_to_stop
from gridflex.store import migrate
from tests.jobs.conftest import REDIS_URL

pytestmark = pytest.mark.redis


@pytest.fixture
def connection() -> Redis:
    from redis.exceptions import ConnectionError as RedisConnectionError

    redis = Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        redis.ping()
    except RedisConnectionError as exc:
        if os.environ.get("GRIDFLEX_TEST_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis is required but unreachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis unreachable at {REDIS_URL}")
    return redis


@pytest.mark.parametrize("base", [SimpleWorker, Worker])
def test_the_listener_stops_within_seconds_when_it_has_seen_the_unsubscribe(connection, base):
    worker = quick_to_stop(base)([Queue(f"test-exit-{uuid.uuid4().hex}", connection=connection)])
    worker.subscribe()
    worker.pubsub.unsubscribe()  # the thread reads the reply, then waits for a subscription
    began = time.monotonic()
    while worker.pubsub.subscribed and time.monotonic() - began < 10:
        time.sleep(0.05)
    time.sleep(0.5)
    began = time.monotonic()
    worker.unsubscribe()
    assert time.monotonic() - began < 5  # RQ's own: up to 60 s


@pytest.mark.slow
def test_a_burst_worker_exits_within_seconds_of_finding_its_queue_empty(connection, tmp_path):
    database = f"sqlite:///{tmp_path / 'worker.db'}"
    migrate.upgrade(database)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDFLEX_")}
    env.update(GRIDFLEX_MODE="test", GRIDFLEX_DATABASE_URL=database, GRIDFLEX_REDIS_URL=REDIS_URL)
    queue = f"test-exit-{uuid.uuid4().hex}"
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "gridflex.cli.main", "worker", "--burst", "--queue", queue],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    took = time.monotonic() - began
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert took < 40, f"took {took:.1f} s"  # ~3 s when idle; the old exit could take 60 s more
