"""The network-capacity heatmap as a map: substations by RAG status, circuits as lines.

Public when ``GRIDFLEX_HEATMAP_PUBLIC`` is true (as ``GET /heatmap`` is), else for
signed-in users. The page's script reads the dataset through ``/ui/heatmap/data``,
which answers exactly what ``GET /heatmap`` answers (same service, same filters
and near search), but also to a browser session when the heatmap is not public.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from gridflex.api.deps import SessionDep, SettingsDep
from gridflex.config import Settings
from gridflex.errors import NotFoundError
from gridflex.services import heatmap
from gridflex.store.models import User
from gridflex.ui.web import LoginRequired, OptionalUser, UiRoute, render

router = APIRouter(route_class=UiRoute, include_in_schema=False)


def _allowed(settings: Settings, user: User | None) -> None:
    if not settings.heatmap_public and user is None:
        raise LoginRequired()


def _datasets(session: Session) -> list[dict[str, str]]:
    return [
        {
            "identifier": row.identifier,
            "title": row.dublin_core.get("title") or row.identifier,
            "valid_from": (row.dublin_core.get("valid") or ["", ""])[0][:10],
            "valid_to": (row.dublin_core.get("valid") or ["", ""])[1][:10],
            "counts": f"{row.substation_count} substations, {row.circuit_count} circuits",
        }
        for row in heatmap.list_datasets(session)
    ]


@router.get("/ui/heatmap")
def heatmap_page(
    request: Request, user: OptionalUser, session: SessionDep, settings: SettingsDep
) -> Response:
    _allowed(settings, user)
    datasets = _datasets(session)
    try:
        current = heatmap.dataset_valid_at(session, None).identifier
    except NotFoundError:  # no dataset valid now: the newest one, if any
        current = datasets[-1]["identifier"] if datasets else ""
    return render(
        request,
        "heatmap.html",
        datasets=datasets,
        current=current,
        tile={"url": settings.map_tile_url or "", "attribution": settings.map_tile_attribution},
    )


@router.get("/ui/heatmap/data")
def heatmap_data(
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    settings: SettingsDep,
    dataset: str = "",
    format: str = "geojson",
    near: str | None = None,
    radius: float | None = None,
    needs: str | None = None,
    mva: float | None = None,
    type: Annotated[list[str] | None, Query()] = None,
) -> Response:
    """A dataset (``dataset``: its identifier; empty: the one valid now) as ``GET /heatmap`` gives it."""
    _allowed(settings, user)
    row = (
        heatmap.dataset_by_identifier(session, dataset)
        if dataset
        else heatmap.dataset_valid_at(session, None)
    )
    chosen = heatmap.selection(type=type, near=near, radius=radius, needs=needs, mva=mva)
    answer = heatmap.answer(session, row, heatmap.negotiate(format, None), chosen)
    return Response(
        answer.body,
        media_type=answer.media_type,
        headers={"ETag": answer.etag, "Cache-Control": "private, max-age=60"},
    )
