"""``gridflex worker``: an RQ worker serving the Redis job queues (needs GRIDFLEX_REDIS_URL)."""

from __future__ import annotations

import typer

from gridflex.cli.common import console, settings, split_list

QUEUES = "scheduling,forecasting,carbon,heatmap,ingestion"


def worker(
    queue: str = typer.Option(
        QUEUES, "--queue", help="comma-separated queues to serve, in priority order"
    ),
    burst: bool = typer.Option(False, "--burst", help="stop when the queues are empty"),
    name: str | None = typer.Option(None, "--name", help="worker name (default: host and pid)"),
    fork: bool = typer.Option(
        False,
        "--fork/--no-fork",
        help="run each job in a fresh child process (isolation; ~0.5 s slower per job)",
    ),
    metrics_port: int | None = typer.Option(
        None, "--metrics-port", help="serve Prometheus metrics (job durations) on this port"
    ),
) -> None:
    """Run jobs from Redis; start as many workers, on as many machines, as you like."""
    config = settings()
    if not config.redis_url:
        console.print(
            "[red]Error:[/red] GRIDFLEX_REDIS_URL is not set; without it jobs run inside `gridflex serve`."
        )
        raise typer.Exit(2)
    from redis import Redis
    from rq import Queue, SimpleWorker, Worker

    from gridflex import logs, tracing
    from gridflex.jobs import Reaper

    logs.configure(config.log_level, config.log_format)
    tracing.setup(config.tracing)  # a span per job run, when configured
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr="127.0.0.1")

    _preload()

    connection = Redis.from_url(config.redis_url)
    queues = [Queue(name_, connection=connection) for name_ in split_list(queue)]
    console.print(f"Worker serving {', '.join(q.name for q in queues)} from {config.redis_url}")
    # Without --fork jobs run in this process, whose imports and connection pools stay warm;
    # time limits still hold (RQ interrupts the job), and a job that crashes the process is
    # marked failed once its time limit has passed.
    worker_class = Worker if fork else SimpleWorker
    reaper = Reaper(config.database_url).start()  # jobs of dead workers fail, polled or not
    try:
        worker_class(queues, connection=connection, name=name).work(
            burst=burst, with_scheduler=False
        )
    finally:
        reaper.stop()


JOB_MODULES = (
    "gridflex.services.scheduling",
    "gridflex.services.forecasting",
    "gridflex.services.carbon",
    "gridflex.services.heatmap",
)


def _preload() -> None:
    """Import the job functions once, before the first job, instead of in every job."""
    import importlib

    for module in JOB_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
