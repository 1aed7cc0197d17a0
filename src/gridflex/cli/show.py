"""``gridflex show``: tables of accounts, users, assets and sensors (the operator sees all)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from gridflex.cli.common import print_table, session

if TYPE_CHECKING:
    from gridflex.store.queries.listing import Page

app = typer.Typer(help="Show accounts, users, assets or sensors as tables.", no_args_is_help=True)


def _everything() -> Page:
    from gridflex.store.queries.listing import Page  # here: the command group loads fast

    return Page(cap=10**9)  # the operator asked for the table: no cap


@app.command("accounts")
def show_accounts() -> None:
    from gridflex.services import accounts

    with session() as db:
        rows = [
            (a.id, a.name, ", ".join(r.name for r in a.account_roles), a.consultancy_account_id)
            for a in accounts.list_accounts(db, None, _everything()).rows
        ]
    print_table("Accounts", ["id", "name", "roles", "consultancy account"], rows)


@app.command("users")
def show_users(account: int | None = typer.Option(None, "--account")) -> None:
    from gridflex.services import users

    with session() as db:
        listed = users.list_users(
            db, None, _everything(), account_id=account, include_inactive=True
        )
        rows = [
            (u.id, u.email, u.username, u.account_id, ", ".join(u.role_names), u.active)
            for u in listed.rows
        ]
    print_table("Users", ["id", "email", "username", "account", "roles", "active"], rows)


@app.command("assets")
def show_assets(account: int | None = typer.Option(None, "--account")) -> None:
    from gridflex.services import assets

    with session() as db:
        listed = assets.list_assets(
            db, None, _everything(), account_id=account, include_public=account is None
        )
        rows = [
            (
                a.id,
                a.name,
                a.asset_type.name,
                a.account_id if a.account_id else "public",
                a.parent_asset_id,
                a.latitude,
                a.longitude,
            )
            for a in listed.rows
        ]
    print_table("Assets", ["id", "name", "type", "account", "parent", "lat", "lon"], rows)


@app.command("sensors")
def show_sensors(asset: int | None = typer.Option(None, "--asset")) -> None:
    from gridflex.services import sensors
    from gridflex.timing import format_duration

    with session() as db:
        listed = sensors.list_sensors(db, None, _everything(), asset_id=asset, subassets=False)
        rows = [
            (
                s.id,
                s.name,
                s.unit,
                format_duration(s.event_resolution),
                s.timezone,
                s.generic_asset_id,
            )
            for s in listed.rows
        ]
    print_table("Sensors", ["id", "name", "unit", "resolution", "timezone", "asset"], rows)
