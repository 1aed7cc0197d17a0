"""Sensor data: post, upload, read and delete beliefs of one sensor; its stats and status.

Bad input is answered as the reference platform does (existing clients read it):
422 ``{"message": {"combined_sensor_data_description": {<field>: [<problem>]}},
"result": "Rejected", "status": "UNPROCESSABLE_ENTITY"}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from gridflex.api.deps import (
    CurrentUser,
    DeletableSensor,
    ReadableSensor,
    SessionDep,
    StrictQuery,
    UpdatableSensor,
)
from gridflex.api.responses import JSON
from gridflex.api.schemas.sensor_data import (
    SensorDataDelete,
    SensorDataPost,
    SensorDataQuery,
    SensorStatsQuery,
)
from gridflex.errors import UnitError, ValidationError
from gridflex.services import belief_files, beliefs, sensor_status, sources
from gridflex.store.models import Sensor, User
from gridflex.timing import format_duration, utcnow
from gridflex.units import is_convertible

router = APIRouter(prefix="/api/v3_0/sensors", tags=["sensor data"])

LOCATION = "combined_sensor_data_description"  # the key existing clients see in 422 answers
UPLOAD_LOCATION = "combined_sensor_data_upload"
PROCESSED = {"message": "Request has been processed.", "status": "PROCESSED"}
ALREADY_RECEIVED = {
    "message": "Some of the data has already been received and successfully processed.",
    "results": "PROCESSED",
    "status": "ALREADY_RECEIVED_AND_SUCCESSFULLY_PROCESSED",
}


class _NotJson:
    def __init__(self, problem: str) -> None:
        self.problem = problem


async def json_body(request: Request) -> Any:
    """The parsed JSON body (None when empty); NaN and Infinity parse, so that the field can be named."""
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            return _NotJson(str(exc))


JsonBody = Annotated[Any, Depends(json_body)]

# The bodies are parsed by hand (to answer in the reference's error shape), so describe them for the docs.
_QUERY_DOCS = {
    "start": "Start of the first event, ISO 8601 with an offset (required).",
    "duration": "Duration of the whole series, ISO 8601 (required).",
    "unit": "Unit of the answer, convertible from the sensor's unit (required).",
    "resolution": "Resolution of the answer: a whole multiple (or divisor) of the sensor's.",
    "horizon": "Keep beliefs recorded at least this long before knowledge time (negative: at most after).",
    "prior": "Keep beliefs recorded at or before this moment.",
    "source": "Keep beliefs of these sources (ids, names, types or account roles); repeatable.",
}
_GET_DOCS = {
    "parameters": [
        {
            "name": name,
            "in": "query",
            "required": name in ("start", "duration", "unit"),
            "schema": {"type": "string"},
            "description": text,
        }
        for name, text in _QUERY_DOCS.items()
    ]
}
_POST_DOCS = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": SensorDataPost.model_json_schema(),
                "example": {
                    "values": [-11.28, -11.28, -11.28, -11.28],
                    "start": "2021-06-07T00:00:00+02:00",
                    "duration": "PT1H",
                    "unit": "m³/h",
                },
            }
        },
    }
}


def _reject(field: str, message: str, location: str = LOCATION) -> RequestValidationError:
    return RequestValidationError(
        [{"loc": (location, field), "msg": message, "type": "value_error"}]
    )


_Model = TypeVar("_Model", bound=BaseModel)


def _check_body(payload: Any, location: str) -> None:
    """Refuse a body that is not JSON, or not a JSON object (an absent body passes)."""
    if isinstance(payload, _NotJson):
        raise _reject(
            "_schema", f"The request body is not valid JSON ({payload.problem}).", location
        )
    if payload is not None and not isinstance(payload, dict):
        raise _reject("_schema", "The request body must be a JSON object.", location)


def _parse(model: type[_Model], payload: Any, location: str = LOCATION) -> _Model:
    _check_body(payload, location)
    try:
        return model.model_validate(payload or {})
    except PydanticValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        raise RequestValidationError(
            [{**err, "loc": (location, *err["loc"])} for err in errors]
        ) from None


@contextmanager
def _rejected(location: str = LOCATION) -> Iterator[None]:
    """Domain validation errors as 422 answers in the reference's shape."""
    try:
        yield
    except ValidationError as exc:
        raise _reject(exc.field or "_schema", exc.message, location) from None


def _check_unit(sensor: Sensor, unit: str, resolution: timedelta | None) -> None:
    if not is_convertible(unit, sensor.unit, resolution=resolution):
        raise UnitError(
            f"Required unit for this sensor is {sensor.unit}, got incompatible unit: {unit}"
        )


def _answer(result: beliefs.WriteResult) -> dict[str, Any]:
    return dict(ALREADY_RECEIVED if result.nothing_new else PROCESSED)


@router.post("/{id}/data", summary="Post sensor data", openapi_extra=_POST_DOCS)
def post_sensor_data(
    sensor: UpdatableSensor, user: CurrentUser, session: SessionDep, payload: JsonBody
) -> dict[str, Any]:
    """Store values as beliefs of the posting user's data source (seed 003: prior, horizon, resolutions).

    Values equal to the source's most recent beliefs are not stored again
    (``ALREADY_RECEIVED_AND_SUCCESSFULLY_PROCESSED`` when nothing was new); a
    different value for an existing event, belief time and source is refused
    (403 ``INVALID_REPLACEMENT``) and nothing of the request is stored.
    """
    body: SensorDataPost = _parse(SensorDataPost, payload)
    with _rejected():
        _check_unit(sensor, body.unit, body.duration / len(body.values))
        source = sources.posting_source(session, user, body.source)
        result = beliefs.post_series(
            session,
            sensor,
            source,
            values=body.values,
            start=body.start,
            duration=body.duration,
            unit=body.unit,
            prior=body.prior,
            horizon=body.horizon,
        )
    return _answer(result)


@router.get("/{id}/data", summary="Get sensor data", openapi_extra=_GET_DOCS)
def read_sensor_data(
    request: Request, sensor: ReadableSensor, session: SessionDep, payload: JsonBody
) -> Response:
    """The most recent belief per event (null where none); parameters as query parameters or a JSON body.

    ``horizon`` keeps beliefs recorded at least that long before knowledge time, ``prior``
    those recorded at or before that moment, ``source`` those of matching sources (id,
    name, type or account role); ``resolution`` downsamples (mean, or sum for energy).
    Among beliefs about one event the latest belief time wins, then the cumulative
    probability closest to 0.5, then the highest source id.
    """
    query: dict[str, Any] = dict(request.query_params)
    if "source" in request.query_params:
        query["source"] = request.query_params.getlist("source")
    merged = (
        {**(payload or {}), **query} if payload is None or isinstance(payload, dict) else payload
    )
    body: SensorDataQuery = _parse(SensorDataQuery, merged)
    with _rejected():
        _check_unit(sensor, body.unit, body.resolution or sensor.event_resolution or None)
        source_ids = sources.resolve_sources(session, body.source) if body.source else None
        series = beliefs.read_series(
            session,
            sensor,
            start=body.start,
            duration=body.duration,
            resolution=body.resolution,
            unit=body.unit,
            prior=body.prior,
            horizon=body.horizon,
            source_ids=source_ids,
        )
    # Rendered by orjson straight from the array (NaN becomes null), skipping per-value validation.
    return JSON(
        {
            "values": series.values,
            "start": body.start.isoformat(),
            "duration": format_duration(body.duration),
            "resolution": format_duration(series.resolution),
            "unit": series.unit,
            **PROCESSED,
        }
    )


_DELETE_DOCS = {
    "start": "Delete beliefs about events starting at or after this moment (ISO 8601 with an offset).",
    "until": "... and ending at or before this moment.",
    "source": "Delete beliefs of these sources only (ids, names, types or account roles); repeatable.",
    "beliefs_after": "Delete beliefs recorded at or after this moment.",
    "beliefs_before": "Delete beliefs recorded at or before this moment.",
}


def _doc(name: str) -> Any:
    return Query(description=_DELETE_DOCS[name])


@router.delete(
    "/{id}/data",
    status_code=204,
    summary="Delete sensor data",
    dependencies=[StrictQuery],
    responses={204: {"headers": {"Deleted-Beliefs": {"schema": {"type": "integer"}}}}},
)
def delete_sensor_data(
    request: Request,
    sensor: DeletableSensor,
    user: CurrentUser,
    session: SessionDep,
    payload: JsonBody,
    start: Annotated[str | None, _doc("start")] = None,
    until: Annotated[str | None, _doc("until")] = None,
    source: Annotated[list[str] | None, _doc("source")] = None,
    beliefs_after: Annotated[str | None, _doc("beliefs_after")] = None,
    beliefs_before: Annotated[str | None, _doc("beliefs_before")] = None,
) -> Response:
    """Deletes the sensor's data: every belief, or with filters (as query parameters or in a JSON
    body) only those about events wholly within [start, until), of the given sources and recorded
    within [beliefs_after, beliefs_before]. An unknown filter is refused (422) and nothing is
    deleted. The ``Deleted-Beliefs`` header says how many beliefs were deleted."""
    given = _delete_filters(request, payload)
    filters: SensorDataDelete = _parse(SensorDataDelete, given, location="query")
    with _rejected("query"):
        source_ids = sources.resolve_sources(session, filters.source) if filters.source else None
        deleted = beliefs.delete_data(
            session,
            sensor,
            start=filters.start,
            until=filters.until,
            source_ids=source_ids,
            beliefs_after=filters.beliefs_after,
            beliefs_before=filters.beliefs_before,
            actor=user,
        )
    return Response(status_code=204, headers={"Deleted-Beliefs": str(deleted)})


def _delete_filters(request: Request, payload: Any) -> dict[str, Any]:
    """Filters from the query and the JSON body (clients send either); one given twice must agree."""
    _check_body(payload, "query")
    query: dict[str, Any] = dict(request.query_params)
    if "source" in request.query_params:
        query["source"] = request.query_params.getlist("source")
    for key, value in (payload or {}).items():
        if key in query and str(query[key]) != str(value):
            raise _reject(key, "given in the query and in the body with different values.", "query")
    return {**(payload or {}), **query}


@router.post("/{id}/data/upload", summary="Upload sensor data by file")
async def upload_sensor_data(
    request: Request, sensor: UpdatableSensor, user: CurrentUser, session: SessionDep
) -> dict[str, Any]:
    """CSV or Excel files in the form field ``uploaded-files`` (one or more), with optional form fields
    ``unit`` and ``belief-time-measured-instantly``; see ``services.belief_files`` for the format."""
    try:
        form = await request.form()
    except Exception as exc:  # malformed multipart bodies raise several kinds
        raise _reject(
            "uploaded-files",
            f"The request is not a readable multipart form: {exc}",
            UPLOAD_LOCATION,
        ) from None
    files = [item for item in form.getlist("uploaded-files") if isinstance(item, UploadFile)]
    if not files:
        raise _reject("uploaded-files", "Missing data for required field.", UPLOAD_LOCATION)
    flag = str(form.get("belief-time-measured-instantly") or "false").strip().lower()
    if flag not in ("true", "1", "on", "false", "0", "off", "none", ""):
        raise _reject("belief-time-measured-instantly", "Not a valid boolean.", UPLOAD_LOCATION)
    unit = str(form.get("unit") or "").strip() or None
    return await run_in_threadpool(
        _ingest, session, sensor, user, files, unit, flag in ("true", "1", "on")
    )


def _ingest(
    session: Session,
    sensor: Sensor,
    user: User,
    files: list[UploadFile],
    unit: str | None,
    measured_instantly: bool,
) -> dict[str, Any]:
    now = utcnow()
    with _rejected(UPLOAD_LOCATION):
        if unit is not None:
            _check_unit(sensor, unit, sensor.event_resolution or None)
        source = sources.user_source(session, user)
        stored = known = 0
        for i, upload in enumerate(files):
            try:
                for frame in belief_files.frames_from_file(
                    upload.file,
                    upload.filename or "",
                    sensor,
                    unit=unit,
                    measured_instantly=measured_instantly,
                    now=now,
                ):
                    result = beliefs.write_beliefs(session, sensor, source, frame)
                    stored, known = stored + result.stored, known + result.already_known
            except ValidationError as exc:
                raise ValidationError(
                    f"{upload.filename or f'file {i}'}: {exc.message}", field="uploaded-files"
                ) from None
    return _answer(beliefs.WriteResult(stored, known))


@router.get("/{id}/stats", summary="Get sensor stats")
def read_sensor_stats(
    request: Request, sensor: ReadableSensor, session: SessionDep
) -> dict[str, Any]:
    """Per data source: first event start, last event end, last recorded, min, max, mean, sum and count
    of its values (its most recent belief per event), optionally within [event_start_time, event_end_time)."""
    query: SensorStatsQuery = _parse(SensorStatsQuery, dict(request.query_params))
    with _rejected():
        return sensor_status.sensor_stats(
            session,
            sensor,
            start=query.event_start_time,
            end=query.event_end_time,
            sort_keys=query.sort_keys,
        )


@router.get("/{id}/status", summary="Get sensor status")
def read_sensor_status(sensor: ReadableSensor, session: SessionDep) -> list[dict[str, Any]]:
    """Staleness per source type: measurements stale after two resolutions, forecasts and
    schedules when they reach less than 12 hours ahead (sensor attribute ``status_specs`` overrides)."""
    with _rejected():
        return sensor_status.sensor_status(session, sensor)
