"""``gridflex serve``: the HTTP server (uvicorn; several worker processes with --workers)."""

from __future__ import annotations

from typing import Annotated

import typer

from gridflex.cli.common import console, settings


def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="server processes")] = 1,
    upgrade: Annotated[
        bool, typer.Option("--upgrade/--no-upgrade", help="run migrations first")
    ] = True,
    healthcheck_timeout: Annotated[
        int | None,
        typer.Option(
            "--worker-healthcheck-timeout",
            help="seconds a server process may take to answer the supervisor's health check "
            "(default GRIDFLEX_WORKER_HEALTHCHECK_TIMEOUT, 60) before it is replaced",
        ),
    ] = None,
    max_requests: Annotated[
        int | None,
        typer.Option(
            "--max-requests", help="replace a server process after this many requests (±10 %)"
        ),
    ] = None,
    graceful_timeout: Annotated[
        int | None,
        typer.Option(
            "--graceful-timeout",
            help="seconds to finish running requests and jobs on shutdown "
            "(default GRIDFLEX_GRACEFUL_TIMEOUT, 30)",
        ),
    ] = None,
) -> None:
    """Serve the API, the web UI and the docs (at /api/v3_0/docs)."""
    # Options are Annotated so that their defaults are plain values: `gridflex demo --serve`
    # calls this function directly.
    import uvicorn

    from gridflex import logs
    from gridflex.api.charts import ensure_bundle
    from gridflex.store import migrate

    config = settings()
    logs.configure(config.log_level, config.log_format)
    if upgrade:
        migrate.upgrade(config.database_url)
    ensure_bundle()  # once per machine, before the server processes start
    console.print(
        f"Serving gridflex on http://{host}:{port}  (API docs: http://{host}:{port}/api/v3_0/docs)"
    )
    uvicorn.run(
        "gridflex.api.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level=config.log_level.lower(),
        log_config=logs.config(config.log_level, config.log_format),
        access_log=False,  # ours carry the route, the duration and the request id
        timeout_worker_healthcheck=healthcheck_timeout or config.worker_healthcheck_timeout_s,
        timeout_graceful_shutdown=graceful_timeout or config.graceful_timeout_s,
        limit_max_requests=max_requests,
        limit_max_requests_jitter=(max_requests or 0) // 10,
    )
