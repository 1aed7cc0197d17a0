"""Sensor data: post, read and delete beliefs of one sensor."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError as PydanticValidationError

from gridflex.api.deps import CurrentUser, ReadableSensor, SessionDep, UpdatableSensor
from gridflex.api.schemas.sensor_data import SensorDataPost, SensorDataQuery
from gridflex.errors import UnitError
from gridflex.services import beliefs, sources
from gridflex.timing import format_duration
from gridflex.units import is_convertible

router = APIRouter(prefix="/api/v3_0/sensors", tags=["sensor data"])

LOCATION = "combined_sensor_data_description"  # the key existing clients see in 422 answers


def _parse(model: type, payload: dict[str, Any]) -> Any:
    from fastapi.exceptions import RequestValidationError

    try:
        return model.model_validate(payload)
    except PydanticValidationError as exc:
        raise RequestValidationError(
            [{**err, "loc": (LOCATION, *err["loc"])} for err in exc.errors(include_url=False, include_context=False)]
        ) from None


def _check_unit(sensor: Any, unit: str, resolution: Any) -> None:
    if not is_convertible(unit, sensor.unit, resolution=resolution):
        raise UnitError(f"Required unit for this sensor is {sensor.unit}, got incompatible unit: {unit}")


@router.post("/{id}/data", summary="Post sensor data")
async def post_sensor_data(request: Request, sensor: UpdatableSensor, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """Store values as beliefs of the posting user; see seed 003 for prior, horizon and resolutions."""
    try:
        payload = json.loads(await request.body() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        payload = {}
    body: SensorDataPost = _parse(SensorDataPost, payload if isinstance(payload, dict) else {})
    _check_unit(sensor, body.unit, body.duration / len(body.values))
    source = sources.user_source(session, user)
    result = beliefs.post_series(session, sensor, source, values=body.values, start=body.start,
                                 duration=body.duration, unit=body.unit, prior=body.prior, horizon=body.horizon)
    if result.nothing_new:
        return {"message": "Some of the data has already been received and successfully processed.",
                "results": "PROCESSED", "status": "ALREADY_RECEIVED_AND_SUCCESSFULLY_PROCESSED"}
    return {"message": "Request has been processed.", "status": "PROCESSED"}


@router.get("/{id}/data", summary="Get sensor data")
async def read_sensor_data(request: Request, sensor: ReadableSensor, session: SessionDep) -> dict[str, Any]:
    """The most recent belief per event; parameters come as query parameters or in a JSON body."""
    payload: dict[str, Any] = {}
    raw = await request.body()
    if raw:
        try:
            loaded = json.loads(raw)
            payload = loaded if isinstance(loaded, dict) else {}
        except json.JSONDecodeError:
            payload = {}
    query = dict(request.query_params)
    if "source" in request.query_params:
        query["source"] = request.query_params.getlist("source")
    body: SensorDataQuery = _parse(SensorDataQuery, {**payload, **query})
    _check_unit(sensor, body.unit, body.resolution or sensor.event_resolution)
    source_ids = sources.resolve_sources(session, body.source) if body.source else None
    series = beliefs.read_series(session, sensor, start=body.start, duration=body.duration, resolution=body.resolution,
                                 unit=body.unit, prior=body.prior, horizon=body.horizon, source_ids=source_ids)
    values = [None if v != v else float(v) for v in series.values.tolist()]  # NaN -> null
    return {
        "values": values,
        "start": body.start.isoformat(),
        "duration": format_duration(body.duration),
        "resolution": format_duration(series.resolution),
        "unit": series.unit,
        "message": "Request has been processed.",
        "status": "PROCESSED",
    }


@router.delete("/{id}/data", status_code=204, summary="Delete sensor data")
def delete_sensor_data(sensor: UpdatableSensor, session: SessionDep) -> Response:
    """Deletes all data (every belief) of the sensor."""
    beliefs.delete_data(session, sensor)
    return Response(status_code=204)
