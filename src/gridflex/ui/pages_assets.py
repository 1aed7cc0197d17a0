"""Dashboard, asset tree and asset pages (with their chart, KPIs, jobs and audit log)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.orm import Session

from gridflex import permissions
from gridflex.api.deps import SessionDep
from gridflex.errors import GridflexError, ValidationError
from gridflex.jobs import expire_overdue, jobs_for_asset
from gridflex.services import assets, audit, charts, overview, sensor_status
from gridflex.store.models import Asset, User
from gridflex.store.queries.listing import Page
from gridflex.timing import utcnow
from gridflex.ui import charts as ui_charts
from gridflex.ui import flex_forms
from gridflex.ui.web import Csrf, UiRoute, UiUser, render

router = APIRouter(route_class=UiRoute, include_in_schema=False)


def readable_asset(session: Session, user: User, asset_id: int) -> Asset:
    """The asset, if the user may read it (else a 404 or 403 page, as the API answers)."""
    asset = assets.get_asset(session, asset_id)
    permissions.require(permissions.can_access_asset(user, asset, permissions.READ))
    return asset


def _site_points(sites: list[Asset]) -> list[dict[str, Any]]:
    return [
        {
            "id": a.id,
            "name": a.name,
            "type": a.asset_type.name,
            "lat": a.latitude,
            "lon": a.longitude,
        }
        for a in sites
        if a.latitude is not None and a.longitude is not None
    ]


@router.get("/ui/dashboard")
def dashboard(request: Request, user: UiUser, session: SessionDep) -> Response:
    summary = overview.account_overview(session, user, now=utcnow())
    return render(
        request,
        "dashboard.html",
        summary=summary,
        points=_site_points(summary.sites),
        tile=_tile(request),
    )


def _tile(request: Request) -> dict[str, str]:
    settings = request.app.state.settings
    return {"url": settings.map_tile_url or "", "attribution": settings.map_tile_attribution}


@router.get("/ui/basemap.geojson")
def basemap() -> Response:
    """Country shapes for the maps' offline basemap (public domain, shipped with the package)."""
    return Response(
        _countries(),
        media_type="application/geo+json",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@lru_cache(maxsize=1)
def _countries() -> bytes:
    return (resources.files("gridflex.engines.carbon") / "data" / "countries.geojson").read_bytes()


def _tree(rows: list[Asset]) -> list[dict[str, Any]]:
    """Assets as nested nodes; an asset whose parent is not listed is shown at the top."""
    nodes: dict[int, dict[str, Any]] = {a.id: {"asset": a, "children": []} for a in rows}
    top: list[dict[str, Any]] = []
    for a in rows:
        parent = nodes.get(a.parent_asset_id) if a.parent_asset_id is not None else None
        (parent["children"] if parent else top).append(nodes[a.id])
    return top


@router.get("/ui/assets")
def asset_tree(
    request: Request, user: UiUser, session: SessionDep, all: bool = False, q: str | None = None
) -> Response:
    """The user's account's assets as a tree (``all``: every account the user may read)."""
    page = Page(cap=5_000, search=q or None, sort_by="name")
    listed = assets.list_assets(session, user, page, all_accessible=all)
    public = [] if all else assets.public_assets(session)
    by_account: dict[str, list[Asset]] = {}
    for a in listed.rows:
        by_account.setdefault(a.owner.name if a.owner else "Public assets", []).append(a)
    groups = [(name, _tree(rows)) for name, rows in sorted(by_account.items())]
    return render(
        request,
        "assets.html",
        groups=groups,
        public=public,
        all=all,
        q=q or "",
        truncated=listed.truncated,
        can_read_all=permissions.reads_everything(user) or user.has_role("consultant"),
    )


@router.get("/ui/assets/{asset_id}")
def asset_page(
    request: Request,
    asset_id: int,
    user: UiUser,
    session: SessionDep,
    start: str | None = None,
    end: str | None = None,
    known_at: str | None = None,
    chart_type: str | None = None,
    saved: str | None = None,
) -> Response:
    asset = readable_asset(session, user, asset_id)
    controls = {"start": start, "end": end, "known_at": known_at}
    message = SAVED.get(saved or "")
    return render_asset(request, session, user, asset, controls, chart_type, saved=message)


SAVED = {"flex-context": "Flex-context saved.", "flex-model": "Flex-model saved."}


def render_asset(
    request: Request,
    session: Session,
    user: User,
    asset: Asset,
    controls: dict[str, str | None],
    chart_type: str | None = None,
    *,
    saved: str | None = None,
    flex: flex_forms.FlexView | None = None,
    status_code: int = 200,
) -> Response:
    span, shown = ui_charts.window(user, **controls)
    kpi_error: str | None
    try:
        kpis = charts.kpis(
            session, asset, user, start=span.event_starts_after, end=span.event_ends_before
        )
    except GridflexError as exc:
        kpis, kpi_error = [], exc.message
    else:
        kpi_error = None
    expire_overdue(session)
    tree_ids = assets.descendant_ids(session, asset.id)
    jobs = jobs_for_asset(session, tree_ids, assets.select_sensor_ids(session, tree_ids), limit=15)
    log = audit.entries(
        session,
        Page(number=1, size=15, sort_by="event_datetime", descending=True),
        asset_id=asset.id,
    )
    return render(
        request,
        "asset.html",
        status_code=status_code,
        asset=asset,
        ancestors=_ancestors(asset),
        children=sorted(asset.children, key=lambda a: a.name),
        sensors=sorted(asset.sensors, key=lambda s: s.name),
        shown=shown,
        chart_type=chart_type or "line_chart",
        chart_types=CHART_TYPES,
        kpis=kpis,
        kpi_error=kpi_error,
        jobs=jobs,
        log=log.rows,
        saved=saved,
        can_update=permissions.can_access_asset(user, asset, permissions.UPDATE),
        flex=flex or flex_forms.page_context(session, asset, user),
        resolution_words=sensor_status.natural_duration,
    )


CHART_TYPES = ("line_chart", "bar_chart", "daily_heatmap")


@router.post("/ui/assets/{asset_id}/flex-context", dependencies=[Csrf])
async def save_flex_context(
    request: Request, asset_id: int, user: UiUser, session: SessionDep
) -> Response:
    return await _save_flex(request, session, user, asset_id, "context")


@router.post("/ui/assets/{asset_id}/flex-model", dependencies=[Csrf])
async def save_flex_model(
    request: Request, asset_id: int, user: UiUser, session: SessionDep
) -> Response:
    return await _save_flex(request, session, user, asset_id, "model")


async def _save_flex(
    request: Request, session: Session, user: User, asset_id: int, which: str
) -> Response:
    """Check the submitted fields with the scheduler's parsers; save all of them or none."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    asset = readable_asset(session, user, asset_id)
    permissions.require(permissions.can_access_asset(user, asset, permissions.UPDATE))
    prefix, names = (
        ("ctx-", flex_forms.CONTEXT_FIELDS)
        if which == "context"
        else ("fm-", flex_forms.MODEL_FIELDS)
    )
    texts: dict[str, str] = {}
    try:
        values, texts = flex_forms.parse_form(form, prefix, names)
        if which == "context":
            flex_forms.check_context(session, asset, user, values)
            changes = {"flex_context": values}
        else:
            kept = {k: v for k, v in (asset.flex_model or {}).items() if k == "sensor"}
            values = {**kept, **values}
            flex_forms.check_model(session, asset, user, values)
            changes = {"flex_model": values}
    except ValidationError as exc:
        texts = texts or {name: form.get(prefix + name, "") for name in names}
        view = flex_forms.page_context(
            session, asset, user, submitted={which: texts}, errors={which: exc.message}
        )
        return render_asset(request, session, user, asset, {}, flex=view, status_code=422)
    assets.update_asset(session, asset, changes, actor=user)
    return RedirectResponse(f"/ui/assets/{asset.id}?saved=flex-{which}#flex", status_code=303)


def _ancestors(asset: Asset) -> list[Asset]:
    chain, seen = [], set()
    parent = asset.parent
    while parent is not None and parent.id not in seen:
        seen.add(parent.id)
        chain.append(parent)
        parent = parent.parent
    return list(reversed(chain))


@router.get("/ui/assets/{asset_id}/chart.json")
def asset_chart(
    asset_id: int,
    user: UiUser,
    session: SessionDep,
    start: str | None = None,
    end: str | None = None,
    known_at: str | None = None,
    chart_type: str | None = None,
) -> Response:
    """The asset's Vega-Lite spec with its data, for the page's chart script."""
    asset = readable_asset(session, user, asset_id)
    span, _ = ui_charts.window(user, start, end, known_at)
    return JSONResponse(ui_charts.asset_chart(session, asset, user, span, chart_type))
