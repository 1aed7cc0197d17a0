"""``gridflex delete``: users, assets (with their sensors and data), sensors, sensor data."""

from __future__ import annotations

import typer

from gridflex.cli.common import console, session, split_list

app = typer.Typer(help="Delete users, assets, sensors or sensor data.", no_args_is_help=True)


def _confirm(what: str, yes: bool) -> None:
    if not yes and not typer.confirm(f"Delete {what}?"):
        raise typer.Abort()


@app.command("asset")
def delete_asset(
    id: int = typer.Option(..., "--id"), yes: bool = typer.Option(False, "--yes", "-y")
) -> None:
    """Delete an asset with its sub-assets, sensors and data."""
    from gridflex.services import assets

    with session() as db:
        asset = assets.get_asset(db, id)
        _confirm(f"asset {asset.name} with its children, sensors and data", yes)
        assets.delete_asset(db, asset, actor=None)
    console.print(f"Asset {id} deleted.")


@app.command("sensor")
def delete_sensor(
    id: int = typer.Option(..., "--id"), yes: bool = typer.Option(False, "--yes", "-y")
) -> None:
    """Delete a sensor and its data."""
    from gridflex.services import sensors

    with session() as db:
        sensor = sensors.get_sensor(db, id)
        _confirm(f"sensor {sensor.name} and its data", yes)
        sensors.delete_sensor(db, sensor, actor=None)
    console.print(f"Sensor {id} deleted.")


@app.command("sensor-data")
def delete_sensor_data(
    id: int = typer.Option(..., "--id"),
    start: str | None = typer.Option(None, "--start", help="events starting at or after"),
    until: str | None = typer.Option(None, "--until", help="... and ending at or before"),
    source: str | None = typer.Option(
        None, "--source", help="source ids or names, comma-separated"
    ),
    yes: bool = typer.Option(False, "--yes", "-y"),
) -> None:
    """Delete a sensor's data: all of it, or the beliefs matching the filters (as the API does)."""
    from gridflex.services import beliefs, sensors, sources
    from gridflex.timing import parse_datetime

    with session() as db:
        sensor = sensors.get_sensor(db, id)
        filtered = any(x is not None for x in (start, until, source))
        _confirm(f"{'matching' if filtered else 'all'} data of sensor {sensor.name}", yes)
        count = beliefs.delete_data(
            db,
            sensor,
            start=parse_datetime(start, field="start") if start else None,
            until=parse_datetime(until, field="until") if until else None,
            source_ids=sources.resolve_sources(db, split_list(source)) if source else None,
        )
    console.print(f"{count} beliefs of sensor {id} deleted.")


@app.command("user")
def delete_user(
    id: int = typer.Option(..., "--id"), yes: bool = typer.Option(False, "--yes", "-y")
) -> None:
    """Delete a user (their data stay, recorded under their data source)."""
    from gridflex.services import users

    with session() as db:
        user = users.get_user(db, id)
        _confirm(f"user {user.email}", yes)
        users.delete_user(db, user, actor=None)
    console.print(f"User {id} deleted.")
