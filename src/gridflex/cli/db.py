"""``gridflex db``: schema migrations."""

from __future__ import annotations

import typer

from gridflex.cli.common import console, settings

app = typer.Typer(
    help="Database schema: upgrade, downgrade, current revision.", no_args_is_help=True
)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="target revision")) -> None:
    """Create or upgrade the schema (the only way the schema is ever made)."""
    from gridflex.store import migrate

    url = settings().database_url
    migrate.upgrade(url, revision)
    console.print(f"Database at revision [bold]{migrate.current(url)}[/bold].")


@app.command()
def downgrade(revision: str = typer.Argument(..., help="target revision, e.g. base")) -> None:
    """Undo migrations down to ``revision``."""
    from gridflex.store import migrate

    url = settings().database_url
    migrate.downgrade(url, revision)
    console.print(f"Database at revision [bold]{migrate.current(url)}[/bold].")


@app.command()
def current() -> None:
    """Print the current schema revision."""
    from gridflex.store import migrate

    console.print(migrate.current(settings().database_url) or "empty database")
