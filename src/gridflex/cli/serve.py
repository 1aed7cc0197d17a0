"""``gridflex serve``: the HTTP server (uvicorn; several worker processes with --workers)."""

from __future__ import annotations

import typer

from gridflex.cli.common import console, settings


def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    workers: int = typer.Option(1, "--workers", min=1, help="server processes"),
    upgrade: bool = typer.Option(True, "--upgrade/--no-upgrade", help="run migrations first"),
) -> None:
    """Serve the API (and docs at /api/v3_0/docs)."""
    import uvicorn

    from gridflex.store import migrate

    config = settings()
    if upgrade:
        migrate.upgrade(config.database_url)
    console.print(
        f"Serving gridflex on http://{host}:{port}  (API docs: http://{host}:{port}/api/v3_0/docs)"
    )
    uvicorn.run(
        "gridflex.api.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level=config.log_level.lower(),
    )
