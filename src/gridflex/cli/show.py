"""``gridflex show``: tables of accounts, users, assets and sensors."""

from __future__ import annotations

import sqlalchemy as sa
import typer

from gridflex.cli.common import print_table, session
from gridflex.store.models import Account, Asset, Sensor, User
from gridflex.timing import format_duration

app = typer.Typer(help="Show accounts, users, assets or sensors as tables.", no_args_is_help=True)


@app.command("accounts")
def show_accounts() -> None:
    with session() as db:
        rows = [
            (a.id, a.name, ", ".join(r.name for r in a.account_roles), a.consultancy_account_id)
            for a in db.scalars(sa.select(Account).order_by(Account.id))
        ]
    print_table("Accounts", ["id", "name", "roles", "consultancy account"], rows)


@app.command("users")
def show_users(account: int | None = typer.Option(None, "--account")) -> None:
    with session() as db:
        stmt = sa.select(User).order_by(User.id)
        if account is not None:
            stmt = stmt.where(User.account_id == account)
        rows = [
            (u.id, u.email, u.username, u.account_id, ", ".join(u.role_names), u.active)
            for u in db.scalars(stmt)
        ]
    print_table("Users", ["id", "email", "username", "account", "roles", "active"], rows)


@app.command("assets")
def show_assets(account: int | None = typer.Option(None, "--account")) -> None:
    with session() as db:
        stmt = sa.select(Asset).order_by(Asset.id)
        if account is not None:
            stmt = stmt.where(Asset.account_id == account)
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
            for a in db.scalars(stmt).unique()
        ]
    print_table("Assets", ["id", "name", "type", "account", "parent", "lat", "lon"], rows)


@app.command("sensors")
def show_sensors(asset: int | None = typer.Option(None, "--asset")) -> None:
    with session() as db:
        stmt = sa.select(Sensor).order_by(Sensor.id)
        if asset is not None:
            stmt = stmt.where(Sensor.generic_asset_id == asset)
        rows = [
            (
                s.id,
                s.name,
                s.unit,
                format_duration(s.event_resolution),
                s.timezone,
                s.generic_asset_id,
            )
            for s in db.scalars(stmt).unique()
        ]
    print_table("Sensors", ["id", "name", "unit", "resolution", "timezone", "asset"], rows)
