"""The job interface used by the API, the CLI and services: enqueue, look up, expire, recover."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from gridflex import tracing
from gridflex.config import Settings
from gridflex.errors import NotFoundError, RateLimitError, UnavailableError, ValidationError
from gridflex.jobs.backends import get_backend
from gridflex.store.base import session_scope
from gridflex.store.models import Job
from gridflex.store.queries.jobs import jobs_for_asset, queue_depths  # noqa: F401 - the job interface
from gridflex.timing import parse_rate_limit, utcnow

logger = logging.getLogger("gridflex.jobs")


def metadata_hash(queue: str, func_name: str, kwargs: dict[str, Any]) -> str:
    payload = json.dumps([queue, func_name, kwargs], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def enqueue(
    session: Session,
    settings: Settings,
    *,
    queue: str,
    func_name: str,
    kwargs: dict[str, Any],
    asset_id: int | None = None,
    sensor_id: int | None = None,
    account_id: int | None = None,
    reuse: bool = True,
    timeout: timedelta | None = None,
) -> tuple[Job, bool]:
    """Record a job and hand it to the backend once ``session`` commits; (job, reused?).

    With ``reuse``, an identical job (same queue, function and arguments) enqueued
    within ``settings.job_cache_ttl`` that has not failed is returned instead.
    """
    digest = metadata_hash(queue, func_name, kwargs)
    backend = get_backend(settings)
    if reuse:
        recent = session.scalars(
            sa.select(Job)
            .where(
                Job.metadata_hash == digest,
                Job.status != "failed",
                Job.enqueued_at > utcnow() - settings.job_cache_ttl,
            )
            .order_by(Job.enqueued_at.desc())
        ).first()
        if recent is not None and (recent.status != "queued" or backend.holds(recent.id)):
            return recent, True
        if recent is not None:  # its queue lost it (e.g. Redis restarted): never hand it out
            _fail(recent, "The job was lost from its queue before it ran; a new one was made.")
    backend.check()  # refuse (503) before recording a job that no queue would hold
    timeout_s = int((timeout or settings.job_time_limit).total_seconds())
    job = Job(
        id=str(uuid.uuid4()),
        queue=queue,
        func_name=func_name,
        kwargs=kwargs,
        status="queued",
        asset_id=asset_id,
        sensor_id=sensor_id,
        account_id=account_id,
        metadata_hash=digest,
        timeout_s=timeout_s,
        enqueued_at=utcnow(),
    )
    session.add(job)
    session.flush()
    traceparent = tracing.current_traceparent()  # the job's span links to this request's

    # Hand over only after commit: a worker must find the record, and a rolled-back request runs nothing.
    @event.listens_for(session, "after_commit", once=True)
    def _submit(_session: Session) -> None:
        try:
            backend.submit(job.id, queue=queue, timeout_s=timeout_s, traceparent=traceparent)
        except Exception as exc:  # the queue went away since the check: no job may stay "queued"
            with session_scope(settings.database_url) as other:
                lost = other.get(Job, job.id)
                if lost is not None and lost.status == "queued":
                    _fail(lost, f"The job could not be queued: {exc}")
            raise UnavailableError(
                "The job queue cannot be reached right now; nothing was queued. Please retry.",
                retry_after_s=10,
            ) from exc

    return job, False


def _fail(job: Job, reason: str) -> None:
    job.status, job.ended_at, job.error = "failed", utcnow(), reason


def get_job(session: Session, job_id: str) -> Job:
    try:
        uuid.UUID(job_id)
    except ValueError:
        raise ValidationError(f"{job_id!r} is not a job id (a UUID).", field="uuid") from None
    job = session.get(Job, job_id)
    if job is None:
        raise NotFoundError(f"Job {job_id} not found.")
    return job


# A started job is failed this long after its time limit if nobody recorded its end (its worker
# died, or hung beyond the queue's own time-out); a worker that died on this host sooner.
REAP_GRACE = timedelta(seconds=10)
REAP_INTERVAL_S = 5.0


def expire_overdue(session: Session) -> int:
    """Mark started jobs as failed when their time limit (plus ``REAP_GRACE``) has passed, or
    when the process running them on this host is gone."""
    now, host = utcnow(), socket.gethostname()
    overdue, dead = [], []
    for job in session.scalars(sa.select(Job).where(Job.status == "started")):
        limit = timedelta(seconds=job.timeout_s) + REAP_GRACE
        pid = _local_pid(job.worker, host)
        if job.started_at is not None and now - job.started_at > limit:
            overdue.append(job.id)
        elif pid is not None and pid != os.getpid() and not _alive(pid):
            dead.append(job.id)
    for ids, reason in (
        (overdue, "The job exceeded its time limit or its worker stopped; it was marked failed."),
        (dead, "The process running this job stopped; the job was marked failed."),
    ):
        if ids:
            session.execute(
                sa.update(Job)
                .where(Job.id.in_(ids), Job.status == "started")
                .values(status="failed", ended_at=now, error=reason)
            )
    return len(overdue) + len(dead)


def _local_pid(worker: str | None, host: str) -> int | None:
    """The pid of a worker named ``<kind>:<host>:<pid>`` on this host, else None."""
    kind, _, rest = (worker or "").partition(":")
    name, _, pid = rest.rpartition(":")
    return int(pid) if kind and name == host and pid.isascii() and pid.isdigit() else None


class Reaper:
    """A daemon thread failing overdue and orphaned jobs every ``REAP_INTERVAL_S``, polled or
    not (run by every server and worker process; running it twice is harmless)."""

    def __init__(self, database_url: str, interval_s: float = REAP_INTERVAL_S) -> None:
        self.database_url = database_url
        self.interval_s = interval_s
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="gridflex-reaper", daemon=True)

    def start(self) -> Reaper:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=10)

    def _loop(self) -> None:
        while not self.stopped.wait(self.interval_s):
            try:
                with session_scope(self.database_url) as session:
                    expire_overdue(session)
            except Exception:  # the database may be down for a while: try again next round
                logger.warning("job reaper: could not check jobs", exc_info=True)


def recover_embedded(session: Session, settings: Settings) -> int:
    """At server start (embedded mode): fail jobs of dead local workers, resubmit queued ones."""
    host = socket.gethostname()
    failed = 0
    for job in session.scalars(
        sa.select(Job).where(Job.status == "started", Job.worker.like(f"embedded:{host}:%"))
    ):
        pid = int(job.worker.rsplit(":", 1)[1]) if job.worker else 0
        if pid != os.getpid() and not _alive(pid):
            job.status, job.ended_at = "failed", utcnow()
            job.error = "The server process running this job stopped; the job was marked failed."
            failed += 1
    queued = list(session.scalars(sa.select(Job).where(Job.status == "queued")))
    backend = get_backend(settings)
    if backend.kind == "embedded":
        for job in queued:
            backend.submit(job.id, queue=job.queue, timeout_s=job.timeout_s)
    return failed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:
        return True
    return True


def check_rate_limit(session: Session, *, account_id: int, queue: str, limit: str) -> None:
    """Refuse a trigger when the account already had ``N`` accepted jobs in the window ("10 per 5 minutes")."""
    count, window = parse_rate_limit(limit)
    since = utcnow() - window
    recent = list(
        session.scalars(
            sa.select(Job.enqueued_at)
            .where(Job.account_id == account_id, Job.queue == queue, Job.enqueued_at > since)
            .order_by(Job.enqueued_at)
        )
    )
    if len(recent) >= count:
        retry = max(1, int((recent[0] + window - utcnow()).total_seconds()) + 1)
        raise RateLimitError(
            f"You hit a rate limit. The limit you hit allows {limit}.", retry_after_s=retry
        )


@dataclass(frozen=True)
class JobInfo:
    http_status: int
    body: dict[str, Any]


_MESSAGES = {
    "queued": "{origin} job waiting to be processed.",
    "started": "{origin} job in progress.",
    "finished": "{origin} job has finished.",
    "failed": "{origin} job failed: {error}",
}


def job_info(job: Job) -> JobInfo:
    """The status answer existing clients poll: 202 while pending, 200 when done, 422 when failed."""
    origin = job.queue.capitalize()
    fields = {
        "status": job.status.upper(),
        "message": _MESSAGES[job.status].format(origin=origin, error=job.error),
        "origin": job.queue,
        "result": job.result if job.status == "finished" else None,
        "func_name": job.func_name,
        "enqueued_at": _iso(job.enqueued_at),
        "started_at": _iso(job.started_at),
        "ended_at": _iso(job.ended_at),
        "exc_info": job.error,
    }
    body = {
        "job": job.id,
        **fields,
        **{key.replace("_", "-"): value for key, value in fields.items()},
    }
    code = {"queued": 202, "started": 202, "finished": 200, "failed": 422}[job.status]
    return JobInfo(code, body)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
