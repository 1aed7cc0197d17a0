"""List routes: the query parameters of a list (search, sorting, pages) and the shape of its answer.

Without ``page`` a list route answers a plain JSON list of at most ``GRIDFLEX_LIST_CAP`` rows
(header ``List-Cap``; when there were more, also ``Total-Records``: ask for pages then);
with ``page`` it answers ``{"data": [...], "num-records": N,
"filtered-records": M}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import Depends, Query

from gridflex.api.deps import SettingsDep
from gridflex.api.responses import JSON
from gridflex.store.queries.listing import Listed, Page


async def list_query(
    settings: SettingsDep,
    page: Annotated[
        int | None, Query(ge=1, le=10**9, description="page number; enables pagination")
    ] = None,
    per_page: Annotated[int, Query(ge=1, le=10_000, description="records per page")] = 10,
    filter: Annotated[
        str | None, Query(max_length=1000, description='search terms, e.g. solar "ACME corp"')
    ] = None,
    sort_by: Annotated[str | None, Query(description="field to sort by")] = None,
    sort_dir: Annotated[Literal["asc", "desc"], Query(description="asc or desc")] = "asc",
) -> Page:
    return Page(
        number=page,
        size=per_page,
        search=filter,
        sort_by=sort_by,
        descending=sort_dir == "desc",
        cap=settings.list_cap,
    )


ListQueryDep = Annotated[Page, Depends(list_query)]


def paged(page: Page) -> Page:
    """The same query, always paged (some lists are paged even without ``page``)."""
    return page if page.number is not None else Page(**{**page.__dict__, "number": 1})


def list_answer(listed: Listed, page: Page, serialize: Callable[[Any], dict[str, Any]]) -> JSON:
    rows = [serialize(row) for row in listed.rows]
    if page.number is not None:
        return JSON({"data": rows, "num-records": listed.total, "filtered-records": listed.matched})
    headers = {"List-Cap": str(page.cap)}
    if listed.truncated:
        headers["Total-Records"] = str(listed.total)
    return JSON(rows, headers=headers)
