"""``gridflex db``: schema migrations."""

from __future__ import annotations

import typer

from gridflex.cli.common import console, settings

app = typer.Typer(
    help="Database schema: upgrade, downgrade, current revision; partition the belief table.",
    no_args_is_help=True,
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


@app.command()
def partition(
    partitions: int = typer.Option(16, "--partitions", min=2, help="number of hash partitions"),
    undo: bool = typer.Option(False, "--undo", help="back to one unpartitioned table"),
) -> None:
    """PostgreSQL: rebuild the belief table hash-partitioned by sensor (or, with --undo, as
    one plain table), showing progress. Writers wait while it runs; readers go on. Needs
    free disk for a second copy of the table until it ends."""
    from rich.progress import Progress, TaskID

    from gridflex.store import partitioning

    url = settings().database_url
    if url.startswith("sqlite"):
        console.print("[red]Error:[/red] partitioning is for PostgreSQL; SQLite keeps one table.")
        raise typer.Exit(1)
    target = None if undo else partitions
    if partitioning.partition_count_of(url) == target:
        console.print("The belief table already has that layout; nothing to do.")
        return
    with Progress(console=console, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def report(step: str, done: int, total: int) -> None:
            label = {"copy": "copying beliefs", "keys": "building keys"}[step]
            if step not in tasks:
                tasks[step] = bar.add_task(label, total=total or 1)
            bar.update(tasks[step], completed=done, total=max(total, done, 1))

        partitioning.convert_database(url, target, report)
    layout = "one plain table" if target is None else f"{target} hash partitions by sensor"
    console.print(f"The belief table is now [bold]{layout}[/bold].")
