"""The Redis/RQ backend against a real Redis, with a real RQ worker."""

from __future__ import annotations

from datetime import timedelta

from redis import Redis
from rq import Queue, SimpleWorker

from gridflex.config import Settings
from tests.jobs.conftest import enqueue_test_job, wait_for


def _rq_settings(settings: Settings, redis_url: str) -> Settings:
    return settings.model_copy(update={"redis_url": redis_url})


def _work(redis_url: str, queue: str = "scheduling") -> None:
    connection = Redis.from_url(redis_url)
    SimpleWorker([Queue(queue, connection=connection)], connection=connection).work(burst=True)


def _enqueue(settings, func, kwargs, **extra):
    return enqueue_test_job(settings, func, kwargs, **extra)


def test_rq_worker_runs_the_job_and_the_record_says_so(settings, redis_url):
    rq_settings = _rq_settings(settings, redis_url)
    job_id = _enqueue(rq_settings, "add", {"a": 20, "b": 22})
    assert Queue("scheduling", connection=Redis.from_url(redis_url)).count == 1
    _work(redis_url)
    job = wait_for(settings.database_url, job_id, timeout=5)
    assert (job.status, job.result) == ("finished", {"sum": 42})
    assert job.worker.startswith("rq:")


def test_rq_failure_is_recorded_with_its_reason(settings, redis_url):
    rq_settings = _rq_settings(settings, redis_url)
    job_id = _enqueue(rq_settings, "create_then_fail", {"name": "rq"})
    _work(redis_url)
    job = wait_for(settings.database_url, job_id, timeout=5)
    assert job.status == "failed" and "at least 1 day is needed" in job.error


def test_rq_time_limit_kills_the_job_and_marks_it_failed(settings, redis_url):
    rq_settings = _rq_settings(settings, redis_url)
    job_id = _enqueue(rq_settings, "sleep", {"seconds": 5}, timeout=timedelta(seconds=1))
    _work(redis_url)
    job = wait_for(settings.database_url, job_id, timeout=10)
    assert job.status == "failed" and "Timeout" in job.error
