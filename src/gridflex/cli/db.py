"""``gridflex db``: schema migrations."""

from __future__ import annotations

import typer

from gridflex.cli.common import console, settings
from gridflex.store import migrate

app = typer.Typer(
    help="Database schema: upgrade, downgrade, current revision.", no_args_is_help=True
)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="target revision")) -> None:
    """Create or upgrade the schema (the only way the schema is ever made)."""
    url = settings().database_url
    migrate.upgrade(url, revision)
    console.print(f"Database at revision [bold]{migrate.current(url)}[/bold].")


@app.command()
def downgrade(revision: str = typer.Argument(..., help="target revision, e.g. base")) -> None:
    """Undo migrations down to ``revision``."""
    url = settings().database_url
    migrate.downgrade(url, revision)
    console.print(f"Database at revision [bold]{migrate.current(url)}[/bold].")


@app.command()
def current() -> None:
    """Print the current schema revision."""
    console.print(migrate.current(settings().database_url) or "empty database")
