"""``gridflex db``: schema migrations."""

from __future__ import annotations

import typer

from gridflex.cli.common import console, settings

app = typer.Typer(
    help=(
        "Database schema: upgrade, downgrade, current revision; partition the belief table, "
        "compress old beliefs."
    ),
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


@app.command()
def compress(
    older_than: int = typer.Option(
        7, "--older-than", min=0, help="compress events older than this many days (whole weeks)"
    ),
    undo: bool = typer.Option(False, "--undo", help="turn every compressed week back into rows"),
    reclaim: bool = typer.Option(
        False,
        "--reclaim",
        help="then rewrite the belief table to give its freed space back (locks it meanwhile)",
    ),
) -> None:
    """PostgreSQL: keep the beliefs about old events as compressed weekly chunks (about 21
    bytes a belief instead of 161), sensor by sensor, showing progress. Reads see them as
    before; writes to those weeks still work (a later run folds them in). Run it regularly,
    e.g. nightly (deploy/systemd/gridflex-compress.timer)."""
    from datetime import UTC, datetime, timedelta

    from rich.progress import Progress, TaskID

    from gridflex.store import compression

    url = settings().database_url
    if url.startswith("sqlite"):
        console.print(
            "[red]Error:[/red] compression is for PostgreSQL; SQLite keeps one row a belief."
        )
        raise typer.Exit(1)
    if not compression.exists_at(url):
        console.print(
            "[red]Error:[/red] the database has no chunk table yet: run `gridflex db upgrade` first."
        )
        raise typer.Exit(1)
    before = compression.disk_bytes(url)
    with Progress(console=console, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(f"{step}ing sensors", total=total or 1)
            bar.update(tasks[step], completed=done, total=max(total, done, 1))

        if undo:
            moved = compression.decompress(url, report)
            done = f"{moved:,} beliefs turned back into rows"
        else:
            cutoff = datetime.now(UTC) - timedelta(days=older_than)
            result = compression.compress(url, int(cutoff.timestamp()) * 1_000_000, report)
            done = f"{result.beliefs:,} beliefs moved into {result.chunks:,} weekly chunks"
    if reclaim:
        console.print("Rewriting the belief table to give back its free space ...")
        compression.vacuum(url, full=True)
    after = compression.disk_bytes(url)
    mib = 1 / 2**20
    console.print(
        f"{done}. Belief rows: {before['rows'] * mib:,.0f} -> {after['rows'] * mib:,.0f} MiB; "
        f"chunks: {before['chunks'] * mib:,.0f} -> {after['chunks'] * mib:,.0f} MiB."
    )
    if not reclaim and not undo and after["rows"] >= before["rows"] and before["rows"] > 0:
        console.print(
            "The rows' space is reused by new beliefs; to give it back to the disk now, "
            "run again with --reclaim."
        )
