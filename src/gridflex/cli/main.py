"""The ``gridflex`` command.

Command groups are loaded when they are used, not when the command starts: ``gridflex
--help`` and ``gridflex db upgrade`` do not import the heatmap, carbon or forecasting
services (and their scientific stack) that other groups need.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer.core import TyperGroup

from gridflex import __version__
from gridflex.cli.demo import demo
from gridflex.cli.serve import serve
from gridflex.cli.worker import worker

# name -> (module holding a Typer app called ``app``, its one-line help)
GROUPS = {
    "db": ("gridflex.cli.db", "Database schema: upgrade, downgrade, current; partition beliefs."),
    "add": ("gridflex.cli.add", "Add accounts, users, asset types, assets and sensors."),
    "show": ("gridflex.cli.show", "Show accounts, users, assets or sensors as tables."),
    "delete": ("gridflex.cli.delete", "Delete users, assets, sensors or sensor data."),
    "heatmap": ("gridflex.cli.heatmap", "Network-capacity heatmaps: import, publish, export."),
    "carbon": ("gridflex.cli.carbon", "Carbon intensity by grid zone: zones, imports, compute."),
    "forecast": ("gridflex.cli.forecast", "Forecast a sensor, backtest, keep forecasts fresh."),
}


class LazyGroups(TyperGroup):
    """A command whose groups are imported on first use; their help lines are listed above."""

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted({*super().list_commands(ctx), *GROUPS})

    def get_command(self, ctx: Any, name: str) -> Any:
        if name not in GROUPS:
            return super().get_command(ctx, name)
        module = importlib.import_module(GROUPS[name][0])
        group = typer.main.get_command(module.app)
        group.name = name
        return group

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = [(name, help_line) for name, (_, help_line) in GROUPS.items()]
        rows += [
            (name, command.get_short_help_str(limit=80))
            for name, command in self.commands.items()
            if not command.hidden
        ]
        with formatter.section("Commands"):
            formatter.write_dl(sorted(rows))


app = typer.Typer(
    cls=LazyGroups,
    rich_markup_mode=None,  # plain help: Typer's rich help would import every group to list them
    help="gridflex: energy flexibility and grid data platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(serve)
app.command()(demo)
app.command()(worker)


@app.command()
def version() -> None:
    """Print the gridflex version."""
    typer.echo(__version__)


if __name__ == "__main__":  # pragma: no cover
    app()
