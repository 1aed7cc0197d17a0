"""``gridflex add``: accounts, users, asset types, assets, sensors."""

from __future__ import annotations

import json

import typer

from gridflex.cli.common import console, session, split_list
from gridflex.errors import ValidationError

app = typer.Typer(
    help="Add accounts, users, asset types, assets and sensors.", no_args_is_help=True
)


def _json(text: str | None, field: str) -> dict | list:
    if not text:
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"Not valid JSON: {exc.msg}.", field=field) from None


@app.command("account")
def add_account(
    name: str = typer.Option(..., "--name"),
    roles: str = typer.Option("", "--roles", help="comma-separated, e.g. Prosumer,DSO"),
    consultancy_account: int | None = typer.Option(
        None, "--consultancy-account", help="id of the consulting account"
    ),
) -> None:
    from gridflex.services import accounts

    with session() as db:
        account = accounts.create_account(
            db, name=name, roles=split_list(roles), consultancy_account_id=consultancy_account
        )
        console.print(f"Account [bold]{account.name}[/bold] created with id {account.id}.")


@app.command("user")
def add_user(
    email: str = typer.Option(..., "--email"),
    password: str = typer.Option(
        ...,
        "--password",
        prompt=True,
        hide_input=True,
        help="refused when easy to guess (zxcvbn strength below 3 of 4)",
    ),
    account: int = typer.Option(..., "--account", help="account id"),
    roles: str = typer.Option("", "--roles", help="comma-separated, e.g. admin,account-admin"),
    username: str | None = typer.Option(None, "--username"),
    timezone: str = typer.Option("Europe/Amsterdam", "--timezone"),
) -> None:
    from gridflex.services import users

    with session() as db:  # the password's strength is checked by create_user
        user = users.create_user(
            db,
            email=email,
            username=username or email.split("@")[0],
            account_id=account,
            password=password,
            roles=split_list(roles),
            timezone=timezone,
        )
        console.print(f"User [bold]{user.email}[/bold] created with id {user.id}.")


@app.command("asset-type")
def add_asset_type(
    name: str = typer.Option(..., "--name"), description: str | None = typer.Option(None)
) -> None:
    from gridflex.services import assets

    with session() as db:
        asset_type = assets.create_asset_type(db, name=name, description=description)
        console.print(f"Asset type [bold]{asset_type.name}[/bold] created with id {asset_type.id}.")


@app.command("asset")
def add_asset(
    name: str = typer.Option(..., "--name"),
    asset_type: str = typer.Option(..., "--type", help="asset type name or id"),
    account: int | None = typer.Option(
        None, "--account", help="account id; omit for a public asset"
    ),
    parent: int | None = typer.Option(None, "--parent", help="parent asset id"),
    latitude: float | None = typer.Option(None, "--latitude"),
    longitude: float | None = typer.Option(None, "--longitude"),
    description: str | None = typer.Option(None, "--description"),
    external_id: str | None = typer.Option(None, "--external-id"),
    attributes: str | None = typer.Option(None, "--attributes", help="JSON object"),
    flex_context: str | None = typer.Option(None, "--flex-context", help="JSON object"),
    flex_model: str | None = typer.Option(None, "--flex-model", help="JSON object"),
    sensors_to_show: str | None = typer.Option(None, "--sensors-to-show", help="JSON list"),
) -> None:
    from gridflex.services import assets

    with session() as db:
        type_key: int | str = (
            int(asset_type) if asset_type.isascii() and asset_type.isdigit() else asset_type
        )
        fields = {
            "name": name,
            "generic_asset_type_id": assets.asset_type_by_name_or_id(db, type_key).id,
            "account_id": account,
            "parent_asset_id": parent,
            "latitude": latitude,
            "longitude": longitude,
            "description": description,
            "external_id": external_id,
            "attributes": _json(attributes, "attributes"),
            "flex_context": _json(flex_context, "flex_context"),
            "flex_model": _json(flex_model, "flex_model"),
            "sensors_to_show": _json(sensors_to_show, "sensors_to_show") or [],
        }
        asset = assets.create_asset(db, fields, actor=None)
        console.print(f"Asset [bold]{asset.name}[/bold] created with id {asset.id}.")


@app.command("sensor")
def add_sensor(
    name: str = typer.Option(..., "--name"),
    asset: int = typer.Option(..., "--asset", help="asset id"),
    unit: str = typer.Option(..., "--unit", help="e.g. kW, EUR/MWh, °C"),
    resolution: str = typer.Option("PT15M", "--resolution", help="ISO 8601 duration, e.g. PT15M"),
    timezone: str = typer.Option("UTC", "--timezone"),
    knowledge_horizon: str | None = typer.Option(
        None,
        "--knowledge-horizon",
        help='JSON, e.g. {"fnc": "at_date", "days_before": 1, "hour": 12, "timezone": "Europe/Amsterdam"}',
    ),
    attributes: str | None = typer.Option(None, "--attributes", help="JSON object"),
) -> None:
    from gridflex.services import sensors
    from gridflex.timing import parse_duration

    with session() as db:
        fields = {
            "name": name,
            "generic_asset_id": asset,
            "unit": unit,
            "event_resolution": parse_duration(resolution, field="resolution"),
            "timezone": timezone,
            "knowledge_horizon": _json(knowledge_horizon, "knowledge_horizon") or None,
            "attributes": _json(attributes, "attributes"),
        }
        sensor = sensors.create_sensor(db, fields, actor=None)
        console.print(f"Sensor [bold]{sensor.name}[/bold] created with id {sensor.id}.")
