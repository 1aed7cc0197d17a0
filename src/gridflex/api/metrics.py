"""``GET /metrics``: the Prometheus exposition of this server process.

Besides the counters of ``gridflex.metrics``, two gauges are read when scraped: the jobs
waiting and running per queue (from the database, so they count jobs of every process)
and the connections of this process's database pools.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

router = APIRouter(include_in_schema=False)


class JobQueueCollector(Collector):
    """Jobs queued and started, per queue, as the job records say."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from gridflex.jobs import queue_depths
        from gridflex.store.base import session_scope

        gauge = GaugeMetricFamily(
            "gridflex_jobs",
            "Background jobs by queue and status (queued, started).",
            labels=["queue", "status"],
        )
        try:
            with session_scope(self.database_url) as session:
                for (queue, status), count in queue_depths(session).items():
                    gauge.add_metric([queue, status], count)
        except Exception:  # a scrape must not fail because the database is down
            pass
        yield gauge


class PoolCollector(Collector):
    """Connections of this process's database pools: checked out, idle, overflow."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from gridflex.store.base import engines

        gauge = GaugeMetricFamily(
            "gridflex_db_pool_connections",
            "Database pool connections of this process, by state.",
            labels=["database", "state"],
        )
        for engine in engines():
            pool: Any = engine.pool
            name = engine.url.render_as_string(hide_password=True)
            for state, reader in (
                ("checked_out", "checkedout"),
                ("idle", "checkedin"),
                ("overflow", "overflow"),
            ):
                if hasattr(pool, reader):
                    gauge.add_metric([name, state], max(getattr(pool, reader)(), 0))
        yield gauge


def install(app: Any, database_url: str) -> None:
    """The route, and the collectors read at each scrape (once per app)."""
    # No auto-describe: it would collect once at registration, querying the database while the
    # app is being created (slower start-up, and a failure when the database is not up yet).
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(JobQueueCollector(database_url))
    scraped.register(PoolCollector())
    app.state.scraped_metrics = scraped
    app.include_router(router)


@router.get("/metrics")
def read_metrics(request: Request) -> Response:
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:  # the counts of every server process
        from prometheus_client import multiprocess

        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    body = generate_latest(counted) + generate_latest(request.app.state.scraped_metrics)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
