"""Embedded jobs: worker threads in the server process, the record in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from gridflex.errors import RateLimitError
from gridflex.jobs import enqueue, expire_overdue, recover_embedded
from gridflex.jobs.service import check_rate_limit
from gridflex.store.base import session_scope
from gridflex.store.models import Account, Job
from gridflex.timing import parse_rate_limit, utcnow
from tests.jobs.conftest import wait_for


def _enqueue(settings, func, kwargs, **extra):
    with session_scope(settings.database_url) as session:
        job, reused = enqueue(
            session,
            settings,
            queue="scheduling",
            func_name=f"tests.jobs.funcs:{func}",
            kwargs=kwargs,
            **extra,
        )
        return job.id, reused


def test_a_job_runs_after_commit_and_stores_its_result(settings):
    job_id, reused = _enqueue(settings, "add", {"a": 2, "b": 3})
    job = wait_for(settings.database_url, job_id)
    assert not reused
    assert (job.status, job.result, job.error) == ("finished", {"sum": 5}, None)
    assert job.started_at >= job.enqueued_at and job.ended_at >= job.started_at
    assert job.worker.startswith("embedded:")


def test_a_rolled_back_request_runs_nothing(settings):
    with pytest.raises(RuntimeError), session_scope(settings.database_url) as session:
        enqueue(
            session,
            settings,
            queue="scheduling",
            func_name="tests.jobs.funcs:add",
            kwargs={"a": 1, "b": 1},
        )
        raise RuntimeError("request failed after enqueueing")
    with session_scope(settings.database_url) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_a_failed_job_records_why_and_leaves_nothing_half_written(settings):
    job_id, _ = _enqueue(settings, "create_then_fail", {"name": "half"})
    job = wait_for(settings.database_url, job_id)
    assert job.status == "failed"
    assert "at least 1 day is needed" in job.error
    with session_scope(settings.database_url) as session:
        assert session.scalar(sa.select(Account).where(Account.name == "half")) is None


def test_identical_jobs_are_reused_unless_forced(settings):
    first, _ = _enqueue(settings, "add", {"a": 1, "b": 2})
    again, reused = _enqueue(settings, "add", {"a": 1, "b": 2})
    other, other_reused = _enqueue(settings, "add", {"a": 1, "b": 3})
    forced, forced_reused = _enqueue(settings, "add", {"a": 1, "b": 2}, reuse=False)
    assert (again, reused) == (first, True)
    assert other != first and not other_reused
    assert forced not in (first, other) and not forced_reused


def test_a_job_past_its_time_limit_is_marked_failed(settings):
    job_id, _ = _enqueue(settings, "sleep", {"seconds": 0.01}, timeout=timedelta(seconds=1))
    wait_for(settings.database_url, job_id)
    with session_scope(settings.database_url) as session:
        job = session.get(Job, job_id)
        job.status, job.started_at, job.ended_at = "started", utcnow() - timedelta(minutes=5), None
    with session_scope(settings.database_url) as session:
        assert expire_overdue(session) == 1
    job = wait_for(settings.database_url, job_id)
    assert job.status == "failed" and "time limit" in job.error


def test_restart_fails_jobs_of_dead_workers_and_runs_queued_ones(settings):
    with session_scope(settings.database_url) as session:
        session.add(
            Job(
                id="00000000-0000-4000-8000-000000000001",
                queue="scheduling",
                func_name="tests.jobs.funcs:add",
                kwargs={"a": 1, "b": 1},
                status="started",
                started_at=utcnow(),
                timeout_s=600,
                worker=f"embedded:{__import__('socket').gethostname()}:999999999",
            )
        )
        session.add(
            Job(
                id="00000000-0000-4000-8000-000000000002",
                queue="scheduling",
                func_name="tests.jobs.funcs:add",
                kwargs={"a": 4, "b": 4},
                status="queued",
                timeout_s=600,
            )
        )
    with session_scope(settings.database_url) as session:
        assert recover_embedded(session, settings) == 1
    dead = wait_for(settings.database_url, "00000000-0000-4000-8000-000000000001")
    queued = wait_for(settings.database_url, "00000000-0000-4000-8000-000000000002")
    assert dead.status == "failed" and "stopped" in dead.error
    assert (queued.status, queued.result) == ("finished", {"sum": 8})


def test_rate_limit_counts_accepted_jobs_per_account(settings, world):
    account, other = world.account(), world.account()
    with session_scope(settings.database_url) as session:
        for i in range(3):
            enqueue(
                session,
                settings,
                queue="scheduling",
                func_name="tests.jobs.funcs:add",
                kwargs={"a": i, "b": 0},
                account_id=account,
            )
    with session_scope(settings.database_url) as session:
        with pytest.raises(RateLimitError) as caught:
            check_rate_limit(
                session, account_id=account, queue="scheduling", limit="3 per 5 minutes"
            )
        assert 0 < caught.value.retry_after_s <= 300
        check_rate_limit(session, account_id=other, queue="scheduling", limit="3 per 5 minutes")
        check_rate_limit(session, account_id=account, queue="forecasting", limit="3 per 5 minutes")


def test_rate_limits_are_read_like_the_reference_writes_them():
    assert parse_rate_limit("10 per 5 minutes") == (10, timedelta(minutes=5))
    assert parse_rate_limit("500 per minute") == (500, timedelta(minutes=1))
    assert parse_rate_limit("100/hour") == (100, timedelta(hours=1))
    with pytest.raises(ValueError):
        parse_rate_limit("lots")
