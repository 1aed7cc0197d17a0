"""Listing rows: search terms, sorting and pages, the same for every list (API, CLI and UI).

A page number asks for one page (``per_page`` rows) plus the counts a DataTables-style
client shows; without one, a list answers its first ``cap`` rows and says whether there
were more, so that no request can make the server hold a whole table in memory.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gridflex.errors import ValidationError

DEFAULT_CAP = 10_000  # rows of an unpaged list


@dataclass(frozen=True)
class Page:
    """Which rows of a list: a page (``number`` from 1) or, without one, the first ``cap``."""

    number: int | None = None
    size: int = 10
    search: str | None = None
    sort_by: str | None = None
    descending: bool = False
    cap: int = DEFAULT_CAP


@dataclass(frozen=True)
class Listed:
    """Rows of a list; ``total`` and ``matched`` (before and after the search) for pages, and
    ``total`` for an unpaged list cut at its cap (``truncated``)."""

    rows: list[Any]
    total: int | None = None
    matched: int | None = None
    truncated: bool = False


def search_terms(text: str | None) -> list[str]:
    if not text:
        return []
    try:
        return [term for term in shlex.split(text) if term]
    except ValueError:  # unbalanced quotes: fall back to plain words
        return text.replace('"', " ").split()


def apply_search(stmt: sa.Select[Any], text: str | None, columns: Sequence[Any]) -> sa.Select[Any]:
    """Keep rows where every term occurs (case-insensitively) in at least one of ``columns``."""
    for term in search_terms(text):
        # The user's % and _ are literal characters, not LIKE wildcards.
        escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        stmt = stmt.where(
            sa.or_(*(sa.func.lower(col).like(pattern, escape="\\") for col in columns))
        )
    return stmt


def _count(session: Session, stmt: sa.Select[Any]) -> int:
    return int(
        session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    )


def list_rows(
    session: Session,
    stmt: sa.Select[Any],
    page: Page,
    *,
    search_columns: Sequence[Any],
    sort_columns: Mapping[str, Any],
    default_sort: Any,
) -> Listed:
    """The rows of ``stmt`` that ``page`` asks for (entities, de-duplicated)."""
    if page.sort_by and page.sort_by not in sort_columns:
        raise ValidationError(
            f"Cannot sort by {page.sort_by!r}; choose one of {sorted(sort_columns)}.",
            field="sort_by",
        )
    filtered = apply_search(stmt, page.search, search_columns)
    column = sort_columns[page.sort_by] if page.sort_by else default_sort
    # NULLs (e.g. the owner of a public asset) sort last on both backends, whatever the direction.
    order = (column.desc() if page.descending else column.asc()).nulls_last()
    ordered = filtered.order_by(order, default_sort)
    if page.number is None:
        rows = list(session.scalars(ordered.limit(page.cap + 1)).unique())
        if len(rows) <= page.cap:
            return Listed(rows)
        return Listed(rows[: page.cap], total=_count(session, filtered), truncated=True)
    offset = (page.number - 1) * page.size
    rows = list(session.scalars(ordered.limit(page.size).offset(offset)).unique())
    total = _count(session, stmt)
    matched = total if not page.search else _count(session, filtered)
    return Listed(rows, total=total, matched=matched)
