"""The two ways of running jobs: threads in this process, or Redis queues served by RQ workers."""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor, wait
from functools import lru_cache
from typing import Protocol

from gridflex.config import Settings
from gridflex.errors import UnavailableError
from gridflex.jobs.runner import run_job, worker_name

logger = logging.getLogger("gridflex.jobs")


class Backend(Protocol):
    kind: str

    def check(self) -> None:
        """Raise ``UnavailableError`` when jobs cannot be handed over now."""

    def holds(self, job_id: str) -> bool:
        """Whether a job handed over earlier is still waiting or running there."""

    def submit(
        self, job_id: str, *, queue: str, timeout_s: int, traceparent: str | None = None
    ) -> None:
        """Hand a recorded job over; ``traceparent`` (W3C) is the span that enqueued it."""


class EmbeddedBackend:
    """Worker threads in the server process; the job record in the database is the queue's memory."""

    kind = "embedded"

    def __init__(self, database_url: str, workers: int) -> None:
        self.database_url = database_url
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gridflex-job")
        self.futures: set[Future[None]] = set()

    def drain(self, timeout_s: float) -> int:
        """On shutdown: jobs not started stay queued (the next server start runs them); those
        running get ``timeout_s`` to finish. Returns how many were still running then."""
        for future in list(self.futures):
            future.cancel()  # only succeeds for a job that has not started
        running = [future for future in list(self.futures) if not future.done()]
        _, still = wait(running, timeout=timeout_s)
        return len(still)

    def check(self) -> None:
        pass  # threads of this process: always there

    def holds(self, job_id: str) -> bool:
        # The record is the queue's memory: a queued job is resubmitted at the next start.
        return True

    def submit(
        self, job_id: str, *, queue: str, timeout_s: int, traceparent: str | None = None
    ) -> None:
        future = self.pool.submit(self._run, job_id, traceparent)
        self.futures.add(future)
        future.add_done_callback(self.futures.discard)

    def _run(self, job_id: str, traceparent: str | None) -> None:
        try:
            run_job(
                job_id, self.database_url, worker=worker_name("embedded"), traceparent=traceparent
            )
        except Exception:  # recorded on the job by run_job
            logger.debug("job %s failed", job_id, exc_info=True)


class RQBackend:
    """Redis queues (one per job kind), served by ``gridflex worker`` processes."""

    kind = "rq"

    def __init__(self, database_url: str, redis_url: str) -> None:
        from redis import Redis

        self.database_url = database_url
        # Short time-outs: a trigger answers 503 quickly when Redis is down, never hangs.
        self.connection = Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=2)

    def check(self) -> None:
        from redis.exceptions import RedisError

        try:
            self.connection.ping()
        except RedisError as exc:
            raise UnavailableError(
                f"The job queue (Redis) cannot be reached ({exc}); nothing was queued. "
                "Please retry shortly.",
                retry_after_s=10,
            ) from exc

    def holds(self, job_id: str) -> bool:
        from redis.exceptions import RedisError
        from rq.job import Job as RQJob

        try:
            return bool(RQJob.exists(job_id, connection=self.connection))
        except RedisError:
            return False

    def submit(
        self, job_id: str, *, queue: str, timeout_s: int, traceparent: str | None = None
    ) -> None:
        from rq import Callback, Queue

        Queue(queue, connection=self.connection).enqueue_call(
            "gridflex.jobs.runner.run_job",
            args=(job_id, self.database_url),
            kwargs={"traceparent": traceparent} if traceparent else None,
            job_id=job_id,
            timeout=timeout_s,
            result_ttl=3600,
            failure_ttl=86400,
            on_failure=Callback("gridflex.jobs.runner.rq_failed"),
        )


def get_backend(settings: Settings) -> Backend:
    return _backend(settings.database_url, settings.redis_url, settings.embedded_job_workers)


@lru_cache(maxsize=16)
def _backend(database_url: str, redis_url: str | None, workers: int) -> Backend:
    if redis_url:
        return RQBackend(database_url, redis_url)
    return EmbeddedBackend(database_url, workers)
