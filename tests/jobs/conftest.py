from __future__ import annotations

import os
import time

import pytest
import sqlalchemy as sa

from gridflex.store.base import session_scope
from gridflex.store.models import Job

REDIS_URL = os.environ.get("GRIDFLEX_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


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
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    try:
        Redis.from_url(REDIS_URL, socket_timeout=1).flushdb()
    except RedisConnectionError as exc:
        if os.environ.get("GRIDFLEX_TEST_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis is required but unreachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis unreachable at {REDIS_URL}")
    return REDIS_URL


def job_count(database_url: str) -> int:
    with session_scope(database_url) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Job))
