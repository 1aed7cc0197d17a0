"""Background jobs: one small interface, two backends.

``enqueue`` records a job in the database and hands it to a backend once the
caller's transaction commits; ``run_job`` (in a worker thread of the server, or in
an RQ worker process) claims the record, runs the job function and stores its
result or its failure. Job functions are plain service functions
``fn(session, **kwargs) -> JSON-able`` named by their dotted path
(``"gridflex.services.scheduling:make_schedule"``); they run in their own
transaction, so a failed job leaves nothing half-written.

- Embedded (default): a thread pool in the server process.
- ``GRIDFLEX_REDIS_URL`` set: Redis queues, run by ``gridflex worker`` processes.
"""

from gridflex.jobs.service import (
    JobInfo,
    Reaper,
    enqueue,
    expire_overdue,
    get_job,
    job_info,
    jobs_for_asset,
    queue_depths,
    recover_embedded,
)

__all__ = [
    "JobInfo",
    "Reaper",
    "enqueue",
    "expire_overdue",
    "get_job",
    "job_info",
    "jobs_for_asset",
    "queue_depths",
    "recover_embedded",
]
