"""``gridflex delete``: users, assets (with their sensors and data), sensors, sensor data."""

from __future__ import annotations

import typer

from gridflex.cli.common import console, session
from gridflex.errors import NotFoundError
from gridflex.services import assets, beliefs, sensors
from gridflex.store.models import User

app = typer.Typer(help="Delete users, assets, sensors or sensor data.", no_args_is_help=True)


def _confirm(what: str, yes: bool) -> None:
    if not yes and not typer.confirm(f"Delete {what}?"):
        raise typer.Abort()


@app.command("asset")
def delete_asset(
    id: int = typer.Option(..., "--id"), yes: bool = typer.Option(False, "--yes", "-y")
) -> None:
    """Delete an asset with its sub-assets, sensors and data."""
    with session() as db:
        asset = assets.get_asset(db, id)
        _confirm(f"asset {asset.name} with its children, sensors and data", yes)
        assets.delete_asset(db, asset, actor=None)
    console.print(f"Asset {id} deleted.")


@app.command("sensor")
def delete_sensor(
    id: int = typer.Option(..., "--id"), yes: bool = typer.Option(False, "--yes", "-y")
) -> None:
    with session() as db:
        sensor = sensors.get_sensor(db, id)
        _confirm(f"sensor {sensor.name} and its data", yes)
        sensors.delete_sensor(db, sensor, actor=None)
    console.print(f"Sensor {id} deleted.")


@app.command("sensor-data")
def delete_sensor_data(
    id: int = typer.Option(..., "--id"), yes: bool = typer.Option(False, "--yes", "-y")
) -> None:
    with session() as db:
        sensor = sensors.get_sensor(db, id)
        _confirm(f"all data of sensor {sensor.name}", yes)
        count = beliefs.delete_data(db, sensor)
    console.print(f"{count} beliefs of sensor {id} deleted.")


@app.command("user")
def delete_user(
    id: int = typer.Option(..., "--id"), yes: bool = typer.Option(False, "--yes", "-y")
) -> None:
    with session() as db:
        user = db.get(User, id)
        if user is None:
            raise NotFoundError(f"User {id} not found.")
        _confirm(f"user {user.email}", yes)
        db.delete(user)
    console.print(f"User {id} deleted.")
