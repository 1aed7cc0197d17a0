"""``gridflex demo``: a toy account with a site, devices and a year of data, ready to explore."""

from __future__ import annotations

import os
import time

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from gridflex.cli.common import console, session, settings


def demo(
    serve_too: bool = typer.Option(False, "--serve", help="serve the API afterwards"),
    days: int = typer.Option(
        365,
        "--days",
        min=1,
        max=3660,
        help="days of history to generate when the demo is created (a later run tops the "
        "existing demo up to now instead)",
    ),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
) -> None:
    """Create the demo world (once; later runs top its data up to now) and describe it; with
    --serve, serve it."""
    from gridflex.demo import world
    from gridflex.security import issue_token
    from gridflex.services.sensors import get_sensor
    from gridflex.store import migrate

    os.environ.setdefault("GRIDFLEX_MODE", "demo")  # the demo may use the development secret
    config = settings()
    migrate.upgrade(config.database_url)
    began = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} sensors"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("Loading demo data", total=5)
        with session() as db:
            report = world.build(
                db,
                days=days,
                progress=lambda name, n: bar.update(
                    task, advance=1, description=f"Loaded {n} values of {name}"
                ),
            )
            parts = world.build_parts(db, report)
            site_sensor = report.sensors.get("site consumption")
            site_id = get_sensor(db, site_sensor).generic_asset_id if site_sensor else None
            token = issue_token(
                report.user.id,
                report.user.token_key,
                secret_key=config.secret_key,
                max_age_s=config.token_max_age.total_seconds(),
            )
    if report.created:
        console.print(
            f"Demo world created in {time.perf_counter() - began:.1f} s: "
            f"{report.beliefs_written} beliefs over {len(report.sensors)} sensors."
        )
    elif report.beliefs_written:
        console.print(
            f"Demo world already present; its series topped up to now: "
            f"{report.beliefs_written} beliefs added."
        )
    else:
        console.print("Demo world already present; its series are up to date.")
    for summary in parts:
        console.print(summary)
    for warning in report.warnings:  # what the demo could not build, why, and how to get it
        console.print("[yellow]Warning:[/yellow]", escape(warning))
    console.print(f"Database: {config.database_url}")
    console.print(
        "Sensors: "
        + ", ".join(f"{name} (id {sid})" for name, sid in sorted(report.sensors.items()))
    )
    console.print(
        f"Web UI: [bold]http://{host}:{port}/[/bold]: log in as [bold]{world.USER_EMAIL}[/bold] / "
        f"[bold]{world.USER_PASSWORD}[/bold] (admin: {world.ADMIN_EMAIL} / {world.ADMIN_PASSWORD}); "
        f"public maps: http://{host}:{port}/ui/heatmap and http://{host}:{port}/ui/carbon"
    )
    typer.echo(f"Token (valid {config.token_max_age}):\n{token}")
    typer.echo(f"Try: curl -H 'Authorization: {token}' http://{host}:{port}/api/v3_0/assets")
    if site_id is not None:
        typer.echo(
            f"Charts of the demo site: http://{host}:{port}/api/v3_0/assets/{site_id}/chart "
            "(a Vega-Lite spec; with -H 'Accept: text/html' a page that draws it) and "
            f".../assets/{site_id}/chart_data"
        )
    if serve_too:
        from gridflex.cli.serve import serve

        serve(host=host, port=port, workers=1, upgrade=False)
