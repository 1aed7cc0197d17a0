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
) -> None:
    """Run jobs from Redis; start as many workers, on as many machines, as you like."""
    config = settings()
    if not config.redis_url:
        console.print(
            "[red]Error:[/red] GRIDFLEX_REDIS_URL is not set; without it jobs run inside `gridflex serve`."
        )
        raise typer.Exit(2)
    from redis import Redis
    from rq import Queue, Worker

    connection = Redis.from_url(config.redis_url)
    queues = [Queue(name_, connection=connection) for name_ in split_list(queue)]
    console.print(f"Worker serving {', '.join(q.name for q in queues)} from {config.redis_url}")
    Worker(queues, connection=connection, name=name).work(burst=burst, with_scheduler=False)
