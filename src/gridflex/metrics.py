"""Prometheus instruments shared by the API, the belief store and the job runner.

Each process counts what it does; ``GET /metrics`` of a server (and ``gridflex worker
--metrics-port``) exposes them with the standard ``prometheus_client`` exposition. With
several server processes behind one port, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty
directory before starting them: the processes then share their counts through it (the
client library's multiprocess mode).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter(
    "gridflex_http_requests_total",
    "HTTP requests answered, by route template, method and status code.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "gridflex_http_request_duration_seconds",
    "Time from receiving a request to the end of its answer, by route template and method.",
    ["route", "method"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
BELIEFS_WRITTEN = Counter(
    "gridflex_beliefs_written_total", "Beliefs stored (new rows in the belief table)."
)
BELIEFS_READ = Counter(
    "gridflex_beliefs_read_total", "Beliefs read for answers (the most recent per event)."
)
JOB_DURATION = Histogram(
    "gridflex_job_duration_seconds",
    "Run time of background jobs, by queue and outcome (finished, failed).",
    ["queue", "status"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
