"""Running one job: claim the record, call the function, store the outcome."""

from __future__ import annotations

import importlib
import logging
import os
import socket
import time
import traceback
from collections.abc import Callable
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult

from gridflex import tracing
from gridflex.errors import GridflexError
from gridflex.metrics import JOB_DURATION
from gridflex.store.base import session_scope
from gridflex.store.models import Job
from gridflex.timing import utcnow

logger = logging.getLogger("gridflex.jobs")


def resolve(func_name: str) -> Callable[..., Any]:
    module_name, _, attribute = func_name.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def worker_name(kind: str) -> str:
    return f"{kind}:{socket.gethostname()}:{os.getpid()}"


def run_job(
    job_id: str, database_url: str, worker: str | None = None, traceparent: str | None = None
) -> Any:
    """Run a queued job once; a job already claimed, finished or failed is left alone.

    ``traceparent``: the W3C trace context of the request that enqueued the job, which the
    job's span (when tracing) links to."""
    with session_scope(database_url) as session:
        # Session.execute is typed as returning a Result; an UPDATE gives a CursorResult.
        claimed = cast(
            CursorResult[Any],
            session.execute(
                sa.update(Job)
                .where(Job.id == job_id, Job.status == "queued")
                .values(status="started", started_at=utcnow(), worker=worker or worker_name("rq"))
            ),
        ).rowcount
        job = session.get(Job, job_id) if claimed else None
        func_name, kwargs = (job.func_name, dict(job.kwargs)) if job else ("", {})
        queue = job.queue if job else ""
    if not claimed:
        return None
    with tracing.job_span(job_id, func_name=func_name, queue=queue, traceparent=traceparent):
        began = time.perf_counter()
        try:
            with session_scope(database_url) as session:
                result = resolve(func_name)(session, **kwargs)
        except Exception as exc:  # the job failed: record why, never leave it "started"
            message = (
                exc.message if isinstance(exc, GridflexError) else f"{type(exc).__name__}: {exc}"
            )
            if not isinstance(exc, GridflexError):
                logger.error("Job %s (%s) crashed:\n%s", job_id, func_name, traceback.format_exc())
            _finish(database_url, job_id, status="failed", error=message)
            JOB_DURATION.labels(queue, "failed").observe(time.perf_counter() - began)
            raise
        _finish(database_url, job_id, status="finished", result=result)
        JOB_DURATION.labels(queue, "finished").observe(time.perf_counter() - began)
    return result


def _finish(
    database_url: str, job_id: str, *, status: str, result: Any = None, error: str | None = None
) -> None:
    # Only a job still marked started is finished: one the reaper failed for its time limit stays failed.
    with session_scope(database_url) as session:
        session.execute(
            sa.update(Job)
            .where(Job.id == job_id, Job.status == "started")
            .values(status=status, result=result, error=error, ended_at=utcnow())
        )


def rq_failed(job: Any, connection: Any, exc_type: Any, exc_value: Any, tb: Any) -> None:
    """RQ failure callback (e.g. a time-out that killed the work horse): record the failure at once."""
    job_id, database_url = job.args[0], job.args[1]
    reason = f"{getattr(exc_type, '__name__', exc_type)}: {exc_value}"
    _finish(database_url, job_id, status="failed", error=reason)
