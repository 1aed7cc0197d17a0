"""``gridflex serve``: the HTTP server (uvicorn; several worker processes with --workers)."""

from __future__ import annotations

import typer

from gridflex.cli.common import console, settings


def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    workers: int = typer.Option(1, "--workers", min=1, help="server processes"),
    upgrade: bool = typer.Option(True, "--upgrade/--no-upgrade", help="run migrations first"),
    healthcheck_timeout: int | None = typer.Option(
        None,
        "--worker-healthcheck-timeout",
        help="seconds a server process may take to answer the supervisor's health check "
        "(default GRIDFLEX_WORKER_HEALTHCHECK_TIMEOUT, 60) before it is replaced",
    ),
    max_requests: int | None = typer.Option(
        None, "--max-requests", help="replace a server process after this many requests (±10 %%)"
    ),
    graceful_timeout: int | None = typer.Option(
        None,
        "--graceful-timeout",
        help="seconds to finish running requests and jobs on shutdown "
        "(default GRIDFLEX_GRACEFUL_TIMEOUT, 30)",
    ),
) -> None:
    """Serve the API, the web UI and the docs (at /api/v3_0/docs)."""
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
