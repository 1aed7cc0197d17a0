"""The ``gridflex`` command."""

from __future__ import annotations

import typer

from gridflex import __version__
from gridflex.cli import add, carbon, db, delete, forecast, heatmap, show
from gridflex.cli.demo import demo
from gridflex.cli.serve import serve
from gridflex.cli.worker import worker

app = typer.Typer(
    help="gridflex: energy flexibility and grid data platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(add.app, name="add")
app.add_typer(show.app, name="show")
app.add_typer(delete.app, name="delete")
app.add_typer(heatmap.app, name="heatmap")
app.add_typer(carbon.app, name="carbon")
app.add_typer(forecast.app, name="forecast")
app.command()(serve)
app.command()(demo)
app.command()(worker)


@app.command()
def version() -> None:
    """Print the gridflex version."""
    typer.echo(__version__)


if __name__ == "__main__":  # pragma: no cover
    app()
