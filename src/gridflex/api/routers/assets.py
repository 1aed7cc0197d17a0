"""Assets: list, create, read, update, delete, audit log, sensors, jobs, charts, KPIs, types,
UI preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse

from gridflex.api import charts as chart_specs
from gridflex.api.deps import (
    CurrentUser,
    DeletableAsset,
    ReadableAsset,
    SessionDep,
    SettingsDep,
    StrictQuery,
    UpdatableAsset,
)
from gridflex.api.listing import ListQueryDep, list_answer, paged
from gridflex.api.schemas.entities import (
    AssetCreate,
    AssetUpdate,
    asset_public,
    audit_public,
    sensor_public,
)
from gridflex.errors import ValidationError
from gridflex.jobs import expire_overdue, jobs_for_asset
from gridflex.services import assets, audit, charts, sensors, users
from gridflex.store.models import Asset
from gridflex.timing import parse_datetime, utcnow

router = APIRouter(prefix="/api/v3_0/assets", tags=["assets"])

ASSET_FIELDS = (
    "id name account_id generic_asset_type description generic_asset_type_id parent_asset_id "
    "latitude longitude external_id attributes flex_context flex_model sensors_to_show "
    "sensors_to_show_as_kpis owner child_assets sensors"
).split()


async def _fields(
    fields: Annotated[
        list[str] | None,
        Query(
            description="Fields of each asset to answer with (repeat, or separate by , or |); "
            "default: all."
        ),
    ] = None,
) -> list[str] | None:
    """The asset fields a list asks for; clients send them repeated, comma- or pipe-separated."""
    if not fields:
        return None
    names = [n.strip() for item in fields for n in item.replace("|", ",").split(",") if n.strip()]
    unknown = [n for n in names if n not in ASSET_FIELDS]
    if unknown:
        raise ValidationError(
            f"Unknown asset field {unknown[0]!r}; choose from {', '.join(ASSET_FIELDS)}.",
            field="fields",
        )
    return names


@router.get(
    "",
    summary="List all assets owned by user's accounts, or a certain account or all accessible accounts.",
)
def read_assets(
    user: CurrentUser,
    session: SessionDep,
    query: ListQueryDep,
    fields: Annotated[list[str] | None, Depends(_fields)],
    account_id: Annotated[int | None, Query()] = None,
    all_accessible: Annotated[bool, Query()] = False,
    include_public: Annotated[bool, Query()] = False,
    root: Annotated[
        int | None,
        Query(description="Only this asset and its descendants (from all accessible accounts)."),
    ] = None,
    depth: Annotated[
        int | None,
        Query(
            ge=0,
            description="At most this many generations below the root (or below the "
            "top-level assets without a root); 0: the root (or top-level assets) only.",
        ),
    ] = None,
) -> Any:
    listed = assets.list_assets(
        session,
        user,
        query,
        account_id=account_id,
        all_accessible=all_accessible,
        include_public=include_public,
        root_id=root,
        max_depth=depth,
    )

    def serialize(asset: Asset) -> dict[str, Any]:
        public = asset_public(asset)
        return public if fields is None else {name: public[name] for name in fields}

    return list_answer(listed, query, serialize)


@router.post("", status_code=201, summary="Creates a new asset.")
def create_asset(body: AssetCreate, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """Without ``account_id`` the asset goes to the user's own account; ``"account_id": null`` makes it public."""
    fields = body.model_dump()
    if "account_id" not in body.model_fields_set:
        del fields["account_id"]
    asset = assets.create_asset(session, fields, actor=user)
    session.refresh(asset)
    return asset_public(asset)


@router.get("/public", summary="Return all public assets.")
def read_public_assets(user: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    return [asset_public(asset) for asset in assets.public_assets(session)]


@router.get("/types", summary="Get list of available asset types")
def read_asset_types(user: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    return [
        {"id": t.id, "name": t.name, "description": t.description}
        for t in assets.asset_types(session)
    ]


@router.post("/default_asset_view", summary="Update the default asset view for the current user")
def update_default_asset_view(
    user: CurrentUser,
    session: SessionDep,
    default_asset_view: Annotated[str | None, Body()] = None,
    use_as_default: Annotated[bool, Body()] = True,
) -> dict[str, Any]:
    if use_as_default and default_asset_view is None:
        raise ValidationError("Missing data for required field.", field="default_asset_view")
    view = default_asset_view if use_as_default else None
    users.set_preferences(session, user, {"default_asset_view": view})
    return {"message": "Default asset view updated successfully."}


@router.post(
    "/keep_legends_below_graphs", summary="Toggle whether legends are always combined below graphs."
)
def update_keep_legends_below_graphs(
    user: CurrentUser,
    session: SessionDep,
    keep_legends_below_graphs: Annotated[bool, Body(embed=True)],
) -> dict[str, Any]:
    users.set_preferences(session, user, {"keep_legends_below_graphs": keep_legends_below_graphs})
    return {"message": "Legend position preference updated successfully."}


@router.get("/{id}", summary="Fetch a given asset.")
def read_asset(asset: ReadableAsset) -> dict[str, Any]:
    return asset_public(asset)


@router.patch("/{id}", summary="Update an asset given its identifier.")
def update_asset(
    asset: UpdatableAsset, body: AssetUpdate, user: CurrentUser, session: SessionDep
) -> dict[str, Any]:
    assets.update_asset(session, asset, body.model_dump(exclude_unset=True), actor=user)
    return asset_public(asset)


@router.delete("/{id}", status_code=204, summary="Delete an asset.", dependencies=[StrictQuery])
def delete_asset(asset: DeletableAsset, user: CurrentUser, session: SessionDep) -> Response:
    """Deletes the asset with its sub-assets, their sensors and all their data."""
    assets.delete_asset(session, asset, actor=user)
    return Response(status_code=204)


@router.get("/{id}/auditlog", summary="Get history of asset related actions.")
def read_asset_auditlog(asset: ReadableAsset, session: SessionDep, query: ListQueryDep) -> Any:
    page = paged(query)
    return list_answer(audit.entries(session, page, asset_id=asset.id), page, audit_public)


@router.get("/{id}/sensors", summary="Return all sensors under an asset.")
def read_asset_sensors(
    asset: ReadableAsset,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    query: ListQueryDep,
) -> Any:
    listed = sensors.list_sensors(session, user, query, asset_id=asset.id, subassets=False)
    return list_answer(listed, query, lambda s: sensor_public(s, settings.entity_host))


@router.get("/{id}/jobs", summary="Get all background jobs related to an asset.")
def read_asset_jobs(asset: ReadableAsset, session: SessionDep) -> dict[str, Any]:
    """Jobs about the asset, its sub-assets and their sensors, newest first."""
    asset_ids = assets.descendant_ids(session, asset.id)
    sensor_ids = assets.select_sensor_ids(session, asset_ids)
    expire_overdue(session)
    return {
        "jobs": [
            {
                "job_id": job.id,
                "queue": job.queue,
                "asset_or_sensor_type": "asset" if job.asset_id is not None else "sensor",
                "asset_id": job.asset_id,
                "sensor_id": job.sensor_id,
                "status": job.status,
                "err": job.error,
                "enqueued_at": job.enqueued_at.isoformat(),
                "metadata_hash": job.metadata_hash,
            }
            for job in jobs_for_asset(session, asset_ids, sensor_ids)
        ],
        "redis_connection_err": None,
    }


_MOMENT = "ISO 8601 with an offset; default: the last week up to the end of tomorrow (UTC)."


async def _chart_window(
    event_starts_after: Annotated[str | None, Query(description=_MOMENT)] = None,
    event_ends_before: Annotated[str | None, Query(description=_MOMENT)] = None,
    beliefs_after: Annotated[str | None, Query()] = None,
    beliefs_before: Annotated[str | None, Query()] = None,
    most_recent_beliefs_only: bool = True,
) -> charts.Window:
    """Which beliefs a chart shows, from the query (shared by /chart and /chart_data)."""
    default_start, default_end = charts.default_window(utcnow())

    def moment(text: str | None, name: str) -> datetime | None:
        return parse_datetime(text, field=name) if text else None

    return charts.Window(
        event_starts_after=moment(event_starts_after, "event_starts_after") or default_start,
        event_ends_before=moment(event_ends_before, "event_ends_before") or default_end,
        beliefs_after=moment(beliefs_after, "beliefs_after"),
        beliefs_before=moment(beliefs_before, "beliefs_before"),
        most_recent_only=most_recent_beliefs_only,
    )


ChartWindow = Annotated[charts.Window, Depends(_chart_window)]


@router.get("/{id}/chart_data", summary="Download time series for use in charts")
def read_asset_chart_data(
    asset: ReadableAsset,
    user: CurrentUser,
    session: SessionDep,
    window: ChartWindow,
    compress_json: bool = False,
) -> Any:
    """Beliefs of the sensors the asset's charts show (``sensors_to_show``), as records:
    ``event_start``/``event_end`` in ms since the epoch, ``event_value``, ``sensor`` and
    ``source``. With ``compress_json``, records name sensors and sources by id and the
    answer carries them once: ``{"data": [...], "sensors": {...}, "sources": {...}}``."""
    sensors = [s for p in charts.panels(session, asset, user) for s in p.sensors]
    records, sensor_info, source_info = charts.chart_records(session, sensors, window)
    if compress_json:
        return {"data": records, "sensors": sensor_info, "sources": source_info}
    for record in records:
        record["sensor"] = sensor_info[record["sensor"]]
        record["source"] = source_info.get(record["source"], {"id": record["source"]})
    return records


@router.get("/{id}/chart", summary="Download an embeddable chart with time series data")
def read_asset_chart(
    request: Request,
    asset: ReadableAsset,
    user: CurrentUser,
    session: SessionDep,
    window: ChartWindow,
    include_data: bool = False,
    combine_legend: bool | None = None,
    dataset_name: str | None = None,
    height: str | None = None,
    width: str | None = None,
    chart_type: Annotated[
        str | None, Query(description=f"One of {', '.join(chart_specs.CHART_TYPES)}.")
    ] = None,
) -> Any:
    """A Vega-Lite spec of the asset's panels (``sensors_to_show``). Asked for as
    ``text/html`` (a browser), the answer is a page that renders it offline with the
    bundled vega-embed, data included."""
    wants_html = "text/html" in request.headers.get("accept", "")
    panels = charts.panels(session, asset, user)
    records = None
    if include_data or wants_html:
        records, _, _ = charts.chart_records(
            session, [s for p in panels for s in p.sensors], window
        )
    if combine_legend is None:
        combine_legend = bool((user.preferences or {}).get("keep_legends_below_graphs", True))
    spec = chart_specs.chart_spec(
        panels,
        records=records,
        dataset_name=dataset_name or f"asset_{asset.id}",
        chart_type=chart_type,
        width=width,
        height=height,
        combine_legend=combine_legend,
    )
    if wants_html:
        server = str(request.base_url).rstrip("/")
        return HTMLResponse(chart_specs.chart_page(asset.name, spec, server=server))
    return spec


@router.get("/{id}/kpis", summary="Get daily KPIs for an asset.")
def read_asset_kpis(
    asset: ReadableAsset,
    user: CurrentUser,
    session: SessionDep,
    start: Annotated[str, Query(description="Start of the KPI window, ISO 8601 with an offset.")],
    end: Annotated[str, Query(description="End of the KPI window (exclusive).")],
) -> dict[str, Any]:
    """One figure per entry of the asset's ``sensors_to_show_as_kpis`` (``{"title",
    "sensor", "function"}``, function sum/mean/min/max, default sum) over the most
    recent beliefs of events in [start, end)."""
    return {
        "data": charts.kpis(
            session,
            asset,
            user,
            start=parse_datetime(start, field="start"),
            end=parse_datetime(end, field="end"),
        )
    }
