"""The network-capacity heatmap: published datasets (public reads), registry import, publishing.

Paths follow seed 000 (``GET /heatmap``). Reading is public unless the operator
sets ``GRIDFLEX_HEATMAP_PUBLIC=false`` (then any valid token reads); importing and
publishing need a user of a DSO account. Answers are the seed's JSON (default),
GeoJSON or zipped CSV tables, by ``?format=`` or the ``Accept`` header.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from typing import IO, Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from gridflex.api.deps import CurrentUser, SessionDep, SettingsDep, authenticate, token_from_headers
from gridflex.api.errors import error_body
from gridflex.api.responses import JSON
from gridflex.engines.heatmap import HeatmapDataError
from gridflex.errors import NotFoundError, TooLargeError
from gridflex.services import heatmap
from gridflex.store.models import HeatmapDataset, User

router = APIRouter(prefix="/heatmap", tags=["heatmap"])

_ZIP_TYPES = ("application/zip", "application/x-zip-compressed", "application/octet-stream")
_SPOOL_BYTES = 4 * 1024 * 1024  # an uploaded body past this goes to a temporary file


def heatmap_reader(request: Request, session: SessionDep, settings: SettingsDep) -> None:
    """Public reading, unless the operator restricts it to authenticated users."""
    if not settings.heatmap_public:
        authenticate(session, settings, token_from_headers(request))


Reader = Annotated[None, Depends(heatmap_reader)]


async def selection_query(
    area: Annotated[list[str] | None, Query(description="License area; repeatable.")] = None,
    type: Annotated[
        list[str] | None, Query(description="GSP, BSP, Primary, Secondary; repeatable.")
    ] = None,
    voltage: Annotated[list[str] | None, Query(description="A voltage of it [kV].")] = None,
    demand_constraint: Annotated[
        list[str] | None, Query(alias="demandConstraint", description="Red, Amber, Green.")
    ] = None,
    generation_constraint: Annotated[
        list[str] | None, Query(alias="generationConstraint", description="Red, Amber, Green.")
    ] = None,
    bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat")] = None,
    near: Annotated[str | None, Query(description="lat,lon: nearest substations first")] = None,
    radius: Annotated[float | None, Query(description="Search radius [km] (with near).")] = None,
    needs: Annotated[str | None, Query(description="demand or generation (with near).")] = None,
    mva: Annotated[float | None, Query(description="Least available capacity [MVA].")] = None,
) -> heatmap.Selection:
    return heatmap.selection(
        area=area,
        type=type,
        voltage=voltage,
        demand_constraint=demand_constraint,
        generation_constraint=generation_constraint,
        bbox=bbox,
        near=near,
        radius=radius,
        needs=needs,
        mva=mva,
    )


SelectionDep = Annotated[heatmap.Selection, Depends(selection_query)]
FormatQuery = Annotated[
    str | None, Query(description="json (default), geojson or csv; else the Accept header.")
]


@router.get("", summary="Get the capacity heatmap dataset valid now (or at ?at=)")
def read_current_dataset(
    _: Reader,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    chosen: SelectionDep,
    format: FormatQuery = None,
    at: Annotated[str | None, Query(description="ISO 8601 moment; default now.")] = None,
) -> Response:
    if format is None and _browser(request):  # a person, not a client: show the map
        return RedirectResponse("/ui/heatmap", status_code=303)
    moment = heatmap.parse_moment(at, field="at") if at is not None else None
    row = heatmap.dataset_valid_at(session, moment)
    return _respond(request, session, row, format, chosen, public=settings.heatmap_public)


def _browser(request: Request) -> bool:
    """A browser's page request (it asks for HTML first), not an API client's."""
    accept = request.headers.get("accept", "")
    return accept.startswith("text/html") and not request.query_params


@router.get("/datasets", summary="List the published heatmap datasets")
def read_datasets(_: Reader, session: SessionDep) -> dict[str, Any]:
    return {"datasets": [_summary(row) for row in heatmap.list_datasets(session)]}


@router.get("/{identifier}", summary="Get a published heatmap dataset by identifier")
def read_dataset(
    _: Reader,
    identifier: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    chosen: SelectionDep,
    format: FormatQuery = None,
) -> Response:
    row = heatmap.dataset_by_identifier(session, identifier)
    return _respond(request, session, row, format, chosen, public=settings.heatmap_public)


@router.get(
    "/{identifier}/conformance",
    summary="What the published dataset deviates from the specification in, by kind",
)
def read_dataset_conformance(_: Reader, identifier: str, session: SessionDep) -> dict[str, Any]:
    row = heatmap.dataset_by_identifier(session, identifier)
    report = heatmap.conformance_of(session, row)
    if report is None:
        raise NotFoundError(f"Dataset {identifier!r} was published without a conformance report.")
    return {"identifier": row.identifier, **report}


def _respond(
    request: Request,
    session: Session,
    row: HeatmapDataset,
    fmt: str | None,
    chosen: heatmap.Selection,
    *,
    public: bool,
) -> Response:
    try:
        kind = heatmap.negotiate(fmt, request.headers.get("accept"))
    except heatmap.NotAcceptableError as exc:
        return JSON({"message": exc.message, "status": "NOT_ACCEPTABLE"}, status_code=406)
    answer = heatmap.answer(session, row, kind, chosen)
    headers = {
        "ETag": answer.etag,
        "Vary": "Accept" if public else "Accept, Authorization",
        "Cache-Control": "public, max-age=60" if public else "private, max-age=60",
    }
    if kind == "csv":
        name = re.sub(r"[^A-Za-z0-9._-]", "_", row.identifier)
        headers["Content-Disposition"] = f'attachment; filename="heatmap-{name}.zip"'
    if request.headers.get("if-none-match") == answer.etag:
        return Response(status_code=304, headers=headers)
    return Response(answer.body, media_type=answer.media_type, headers=headers)


def _summary(row: HeatmapDataset) -> dict[str, Any]:
    return {
        **row.dublin_core,
        "substationCount": row.substation_count,
        "circuitCount": row.circuit_count,
        "href": f"/heatmap/{quote(row.identifier, safe='')}",
    }


# ---------------------------------------------------------------- writing (DSO accounts)


@router.post("/upload", summary="Import substations and circuits into the registry")
async def upload_registry(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    publish: Annotated[bool, Query(description="Also publish the file's own dataset.")] = False,
    strict: Annotated[
        bool, Query(description="Refuse the whole file on any deviation from the specification.")
    ] = False,
    account_id: Annotated[int | None, Query(description="Admins: the DSO account.")] = None,
) -> Response:
    """The seed's JSON (body ``application/json``), a zip of CSV tables (``application/zip``),
    or a multipart form with one ``.json``/``.zip`` file or several ``.csv`` files (one per table).

    Lenient by default: what cannot be understood is refused record by record, every other
    deviation is kept; the answer reports both by kind (``conformance``).
    """
    limits = heatmap.ReadLimits(settings.heatmap_max_import_bytes, settings.heatmap_max_zip_members)
    options = _ImportOptions(publish, strict, account_id, limits)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "multipart/form-data":
        async with request.form() as form:
            uploads = [
                heatmap.Upload(item.filename or key, item.file)
                for key, item in form.multi_items()
                if isinstance(item, UploadFile)
            ]
            return await run_in_threadpool(_import, session, user, uploads, options)
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as body:
        uploads = await _body_upload(request, media, body, limits.max_bytes)
        return await run_in_threadpool(_import, session, user, uploads, options)


@dataclass(frozen=True)
class _ImportOptions:
    publish: bool
    strict: bool
    account_id: int | None
    limits: heatmap.ReadLimits


async def _body_upload(
    request: Request, media: str, spool: IO[bytes], max_bytes: int
) -> list[heatmap.Upload]:
    """The raw body as one upload, spooled to disk past a few MiB, refused past the limit."""
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise TooLargeError(
                f"The file is larger than {max_bytes} bytes (GRIDFLEX_HEATMAP_MAX_IMPORT_BYTES).",
                field="body",
            )
        spool.write(chunk)
    if not size:
        return []
    spool.seek(0)
    name = "upload.json" if media.endswith("json") else "upload.zip" if media in _ZIP_TYPES else ""
    return [heatmap.Upload(name, spool)]


def _import(
    session: Session, user: User, uploads: list[heatmap.Upload], options: _ImportOptions
) -> Response:
    account = heatmap.publishing_account(session, user, options.account_id)
    try:
        reading = heatmap.read_uploads(uploads, lenient=not options.strict, limits=options.limits)
        report = heatmap.import_dataset(
            session, account, reading, actor=user, publish=options.publish, strict=options.strict
        )
    except HeatmapDataError as exc:
        return _problems(session, exc)
    published = None
    if report.published is not None:
        published = {
            "identifier": report.published,
            "new": report.published_new,
            "href": f"/heatmap/{quote(report.published, safe='')}",
        }
    return JSON(
        {
            "status": "PROCESSED",
            "account_id": report.account_id,
            **report.counts,
            "refused": len(report.conformance.refused),
            "conformance": report.conformance.summary(),
            "normalisations": [str(n) for n in report.normalisations],
            "published": published,
        }
    )


def _problems(session: Session, exc: HeatmapDataError) -> JSON:
    """422 in the platform's shape, plus every problem as a record/field/message triple."""
    session.rollback()  # nothing of a refused request is kept
    body = error_body(exc, "json")
    body["problems"] = [
        {"record": p.record, "field": p.field, "message": p.message} for p in exc.problems
    ]
    return JSON(body, status_code=422)


class HeatmapPublish(BaseModel):
    """A new dataset computed from the registry and the measurements."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    title: str = Field(min_length=1, max_length=500)
    valid_from: str = Field(alias="validFrom", description="Inclusive; ISO 8601 or a date (UTC).")
    valid_to: str = Field(alias="validTo", description="Exclusive; ISO 8601 or a date (UTC).")
    identifier: str | None = Field(None, description="Default: a new UUID.")
    description: str | None = None
    creator: str | None = None
    publisher: str | None = None
    contributor: str | None = None
    coverage: str | None = None
    rights: str | None = None
    language: str | None = None
    account_id: int | None = Field(None, description="Admins: the DSO account.")
    strict: bool = Field(False, description="Refuse on any deviation from the specification.")


@router.post("/publish", summary="Compute and publish a heatmap dataset from the registry")
def publish_dataset(body: HeatmapPublish, user: CurrentUser, session: SessionDep) -> Response:
    account = heatmap.publishing_account(session, user, body.account_id)
    fields = body.model_dump(exclude={"valid_from", "valid_to", "account_id", "strict"})
    request = heatmap.PublishRequest(
        valid_from=heatmap.parse_moment(body.valid_from, field="validFrom"),
        valid_to=heatmap.parse_moment(body.valid_to, field="validTo"),
        **fields,
    )
    try:
        published = heatmap.publish_from_registry(
            session, account, request, actor=user, strict=body.strict
        )
    except HeatmapDataError as exc:
        return _problems(session, exc)
    row = published.row
    return JSON(
        {
            **_summary(row),
            "new": published.created,
            "warnings": published.warnings,
            "conformance": published.conformance.summary() if published.conformance else None,
        },
        status_code=201 if published.created else 200,
    )
