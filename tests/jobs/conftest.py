from __future__ import annotations

import os
import time

import pytest
import sqlalchemy as sa

from gridflex.store.base import session_scope
from gridflex.store.models import Job

REDIS_URL = os.environ.get("GRIDFLEX_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def enqueue_test_job(settings, func: str, kwargs: dict, **extra) -> str:
    """Enqueue ``tests.jobs.funcs:<func>`` on the scheduling queue; its job id."""
    from gridflex.jobs import enqueue

    with session_scope(settings.database_url) as session:
        job, _ = enqueue(
            session,
            settings,
            queue="scheduling",
            func_name=f"tests.jobs.funcs:{func}",
            kwargs=kwargs,
            **extra,
        )
        return job.id


def wait_for(
    database_url: str, job_id: str, statuses=("finished", "failed"), timeout: float = 20
) -> Job:
    deadline = time.monotonic() + timeout
    while True:
        with session_scope(database_url) as session:
            job = session.get(Job, job_id)
            if job is not None and job.status in statuses:
                session.expunge(job)
                return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} did not reach {statuses}")
        time.sleep(0.02)


@pytest.fixture
def redis_url() -> str:
    """An emptied Redis database of this test process's own (14-15); skipped without Redis.

    Each xdist worker gets its own database: a test flushes it and counts its queue, which a
    test on the other worker must not see.
    """
    return worker_redis_url(first=14, count=2)


def worker_redis_url(first: int, count: int) -> str:
    """Database ``first + worker number % count`` on the server of GRIDFLEX_TEST_REDIS_URL,
    emptied; the test fails (CI) or is skipped when Redis is unreachable."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = first + int("".join(ch for ch in worker if ch.isdigit()) or 0) % count
    url = f"{REDIS_URL.rsplit('/', 1)[0]}/{index}"
    try:
        Redis.from_url(url, socket_timeout=1).flushdb()
    except RedisConnectionError as exc:
        if os.environ.get("GRIDFLEX_TEST_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis is required but unreachable at {url}: {exc}")
        pytest.skip(f"Redis unreachable at {url}")
    return url


def job_count(database_url: str) -> int:
    with session_scope(database_url) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Job))
