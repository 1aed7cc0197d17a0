"""``gridflex worker``: an RQ worker serving the Redis job queues (needs GRIDFLEX_REDIS_URL)."""

from __future__ import annotations

from typing import Any

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
    worker_class = quick_to_stop(Worker if fork else SimpleWorker)
    reaper = Reaper(config.database_url).start()  # jobs of dead workers fail, polled or not
    try:
        worker_class(queues, connection=connection, name=name).work(
            burst=burst, with_scheduler=False
        )
    finally:
        reaper.stop()


def quick_to_stop(base: type[Any]) -> type[Any]:
    """The RQ worker class, stopping its command listener in at most a second.

    RQ's ``unsubscribe`` (at every worker's exit) unsubscribes and then calls the listener
    thread's ``stop()``, which since redis-py 8 waits for the thread to end. Unless the stop
    comes first, the thread, woken by the unsubscribe's reply, goes back to wait for a
    subscription for RQ's poll time of 60 s: ``gridflex worker --burst`` sat ~60 s at exit in
    two runs out of three. The thread is a daemon with nothing left to do: wait 1 s at most.
    """

    class QuickToStop(base):  # RQ's Worker or SimpleWorker
        def unsubscribe(self) -> None:
            thread, pubsub = self.pubsub_thread, self.pubsub
            if thread is None or pubsub is None:
                return
            pubsub.unsubscribe()
            try:
                thread.stop(timeout=1)
            except TypeError:  # redis-py before 8: stop() only asks, and returns at once
                thread.stop()
                thread.join(timeout=1)
            if not thread.is_alive():  # else it may be reading the connection: it closes it itself
                pubsub.close()

    QuickToStop.__name__ = QuickToStop.__qualname__ = base.__name__
    return QuickToStop


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
