"""What every CLI command shares: settings, a session, tables, clear errors.

CLI modules import services, the store and the scientific stack inside their commands,
not at the top: ``gridflex --help`` and ``gridflex db upgrade`` stay quick.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from gridflex.errors import GridflexError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from gridflex.config import Settings

# soft_wrap: messages stay on one line (a path or a name is never broken over two lines,
# and piped output stays greppable); tables still fit the terminal.
console = Console(soft_wrap=True)


def settings() -> Settings:
    from pydantic import ValidationError as SettingsError

    from gridflex.config import get_settings

    try:
        return get_settings()
    except SettingsError as exc:
        messages = "; ".join(err["msg"].removeprefix("Value error, ") for err in exc.errors())
        console.print(f"[red]Configuration error:[/red] {messages}")
        raise typer.Exit(2) from None


@contextmanager
def session() -> Iterator[Session]:
    """A committed-on-success session; domain errors print their message and exit 1."""
    from gridflex.store.base import session_scope

    try:
        with session_scope(settings().database_url) as db:
            yield db
    except GridflexError as exc:
        where = f" ({exc.field})" if exc.field else ""
        console.print(f"[red]Error{where}:[/red] {exc.message}")
        raise typer.Exit(1) from None


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    console.print(table)


def split_list(text: str | None) -> list[str]:
    return [item.strip() for item in (text or "").split(",") if item.strip()]
