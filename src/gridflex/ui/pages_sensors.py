"""Sensor pages: chart, status, statistics, file upload (a result per file) and CSV download."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from gridflex import permissions
from gridflex.api.deps import SessionDep
from gridflex.errors import GridflexError, ValidationError
from gridflex.services import charts, sensor_status, sensors, uploads
from gridflex.store.models import Sensor, User
from gridflex.timing import utcnow
from gridflex.ui import charts as ui_charts
from gridflex.ui.pages_assets import CHART_TYPES
from gridflex.ui.web import Csrf, UiRoute, UiUser, render

router = APIRouter(route_class=UiRoute, include_in_schema=False)


def readable_sensor(session: Session, user: User, sensor_id: int) -> Sensor:
    sensor = sensors.get_sensor(session, sensor_id)
    permissions.require(permissions.can_access_sensor(user, sensor, permissions.READ))
    return sensor


@router.get("/ui/sensors/{sensor_id}")
def sensor_page(
    request: Request,
    sensor_id: int,
    user: UiUser,
    session: SessionDep,
    start: str | None = None,
    end: str | None = None,
    known_at: str | None = None,
    chart_type: str | None = None,
) -> Response:
    sensor = readable_sensor(session, user, sensor_id)
    controls = {"start": start, "end": end, "known_at": known_at}
    return _render(request, session, user, sensor, controls, chart_type)


def _render(
    request: Request,
    session: Session,
    user: User,
    sensor: Sensor,
    controls: dict[str, str | None],
    chart_type: str | None,
    *,
    results: list[uploads.FileResult] | None = None,
    upload_error: str | None = None,
    status_code: int = 200,
) -> Response:
    _, shown = ui_charts.window(user, **controls)
    try:
        statuses = sensor_status.sensor_status(session, sensor)
    except GridflexError as exc:
        statuses = [{"stale": True, "reason": exc.message, "source_type": None}]
    return render(
        request,
        "sensor.html",
        status_code=status_code,
        sensor=sensor,
        shown=shown,
        chart_type=chart_type or "line_chart",
        chart_types=CHART_TYPES,
        statuses=statuses,
        stats=sensor_status.sensor_stats(session, sensor),
        resolution=sensor_status.natural_duration(sensor.event_resolution),
        can_upload=permissions.can_access_sensor(user, sensor, permissions.UPDATE),
        results=results,
        upload_error=upload_error,
    )


@router.get("/ui/sensors/{sensor_id}/chart.json")
def sensor_chart(
    sensor_id: int,
    user: UiUser,
    session: SessionDep,
    start: str | None = None,
    end: str | None = None,
    known_at: str | None = None,
    chart_type: str | None = None,
) -> Response:
    sensor = readable_sensor(session, user, sensor_id)
    span, _ = ui_charts.window(user, start, end, known_at)
    return JSONResponse(ui_charts.sensor_chart(session, sensor, span, chart_type))


@router.post("/ui/sensors/{sensor_id}/upload", dependencies=[Csrf])
async def upload(request: Request, sensor_id: int, user: UiUser, session: SessionDep) -> Response:
    """CSV or Excel files; each is stored whole or refused with its reason."""
    form = await request.form()
    sensor = readable_sensor(session, user, sensor_id)
    permissions.require(permissions.can_access_sensor(user, sensor, permissions.UPDATE))
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    unit = str(form.get("unit") or "").strip() or None
    if not files:
        return _render(
            request, session, user, sensor, {}, None,
            upload_error="Choose at least one file.", status_code=422,
        )  # fmt: skip
    results = await run_in_threadpool(
        uploads.ingest_files,
        session,
        sensor,
        user,
        [(f.filename or "file", f.file) for f in files],
        unit=unit,
        now=utcnow(),
    )
    failed = any(r.error for r in results)
    return _render(
        request, session, user, sensor, {}, None, results=results,
        status_code=422 if failed and all(r.error for r in results) else 200,
    )  # fmt: skip


@router.get("/ui/sensors/{sensor_id}/data.csv")
def download(
    sensor_id: int,
    user: UiUser,
    session: SessionDep,
    start: str | None = None,
    end: str | None = None,
    known_at: str | None = None,
) -> Response:
    """The most recent belief per event in the chosen period, in the sensor's timezone."""
    sensor = readable_sensor(session, user, sensor_id)
    span, shown = ui_charts.window(user, start, end, known_at)
    records, _, sources = charts.chart_records(session, [sensor], span)
    zone = _zone(sensor)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["event_start", f"value ({sensor.unit})" if sensor.unit else "value", "source"])
    for r in records:
        moment = datetime.fromtimestamp(r["event_start"] / 1000, UTC).astimezone(zone)
        name = (sources.get(r["source"]) or {}).get("name", r["source"])
        writer.writerow(
            [moment.isoformat(), "" if r["event_value"] is None else r["event_value"], name]
        )
    filename = f"sensor-{sensor.id}-{shown['start']}-{shown['end']}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _zone(sensor: Sensor) -> ZoneInfo:
    try:
        return ZoneInfo(sensor.timezone)
    except (ValueError, KeyError) as exc:
        raise ValidationError(f"Unknown timezone {sensor.timezone!r}.", field="timezone") from exc
