"""Listing: search filter, sorting and DataTables-style pagination, shared by every list route.

Without ``page`` a list route answers a plain JSON list; with ``page`` it answers
``{"data": [...], "num-records": N, "filtered-records": M}``.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import Depends, Query
from sqlalchemy.orm import Session

from gridflex.errors import ValidationError


@dataclass(frozen=True)
class ListQuery:
    page: int | None
    per_page: int
    filter: str | None
    sort_by: str | None
    sort_dir: Literal["asc", "desc"]


def list_query(
    page: Annotated[int | None, Query(ge=1, description="page number; enables pagination")] = None,
    per_page: Annotated[int, Query(ge=1, le=10_000, description="records per page")] = 10,
    filter: Annotated[str | None, Query(description='search terms, e.g. solar "ACME corp"')] = None,
    sort_by: Annotated[str | None, Query(description="field to sort by")] = None,
    sort_dir: Annotated[Literal["asc", "desc"], Query(description="asc or desc")] = "asc",
) -> ListQuery:
    return ListQuery(page, per_page, filter, sort_by, sort_dir)


ListQueryDep = Annotated[ListQuery, Depends(list_query)]


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


def listing(
    session: Session,
    stmt: sa.Select[Any],
    query: ListQuery,
    *,
    search_columns: Sequence[Any],
    sort_columns: dict[str, Any],
    default_sort: Any,
    serialize: Callable[[Any], dict[str, Any]],
) -> list[dict[str, Any]] | dict[str, Any]:
    filtered = apply_search(stmt, query.filter, search_columns)
    if query.sort_by and query.sort_by not in sort_columns:
        raise ValidationError(
            f"Cannot sort by {query.sort_by!r}; choose one of {sorted(sort_columns)}.",
            field="sort_by",
        )
    column = sort_columns[query.sort_by] if query.sort_by else default_sort
    # NULLs (e.g. the owner of a public asset) sort last on both backends, whatever the direction.
    order = (column.desc() if query.sort_dir == "desc" else column.asc()).nulls_last()
    ordered = filtered.order_by(order, default_sort)
    if query.page is None:
        return [serialize(row) for row in session.scalars(ordered).unique()]
    page = ordered.limit(query.per_page).offset((query.page - 1) * query.per_page)
    rows = [serialize(row) for row in session.scalars(page).unique()]
    total = session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    matched = (
        total
        if not query.filter
        else session.scalar(
            sa.select(sa.func.count()).select_from(filtered.order_by(None).subquery())
        )
    )
    return {"data": rows, "num-records": total, "filtered-records": matched}


def audit_listing(session: Session, where: Any, query: ListQuery) -> dict[str, Any]:
    """Audit-log entries matching ``where``, always paged (the seed pages them even without ``page``)."""
    from gridflex.api.schemas.entities import audit_public
    from gridflex.store.models import AuditLog

    paged = ListQuery(query.page or 1, query.per_page, query.filter, query.sort_by, query.sort_dir)
    result = listing(
        session,
        sa.select(AuditLog).where(where),
        paged,
        search_columns=[AuditLog.event, AuditLog.active_user_name],
        sort_columns={"event_datetime": AuditLog.event_datetime, "event": AuditLog.event},
        default_sort=AuditLog.id,
        serialize=audit_public,
    )
    assert isinstance(result, dict)
    return result
