"""Schedules: trigger one for a device (sensor) or for several devices of a site (asset), then fetch it.

The trigger answers 200 ``PROCESSED`` with the ids and URLs to poll (the seed's
contract, plus the reference's ``job``, ``job-url`` and ``results-url``); the job
runs in the background; ``GET /sensors/{id}/schedules/{uuid}`` answers 202 while
it runs and the schedule once it is done. See `gridflex.services.scheduling`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError as PydanticValidationError

from gridflex.api.deps import (
    CurrentUser,
    ReadableSensor,
    SchedulableAsset,
    SchedulableSensor,
    SessionDep,
    SettingsDep,
)
from gridflex.api.responses import JSON
from gridflex.api.schemas.schedules import ScheduleQuery, ScheduleTrigger
from gridflex.services import scheduling
from gridflex.services.scheduling.answers import SIGN_CONVENTIONS

router = APIRouter(prefix="/api/v3_0", tags=["schedules"])

_TRIGGER_EXAMPLE = {
    "start": "2026-11-23T00:00:00+01:00",
    "duration": "PT48H",
    "flex-model": {"soc-at-start": "225 kWh", "soc-min": "45 kWh", "soc-max": "405 kWh"},
    "flex-context": {"consumption-price": {"sensor": 10}},
}
_ASSET_EXAMPLE = {
    **_TRIGGER_EXAMPLE,
    "flex-model": [
        {"sensor": 8, "soc-at-start": "225 kWh", "soc-max": "405 kWh", "power-capacity": "500 kW"},
        {"sensor": 9, "consumption-capacity": "0 kW", "production-capacity": {"sensor": 11}},
    ],
}
_TRIGGERED = {
    "status": "PROCESSED",
    "message": "Request has been processed.",
    "schedule": "364bfd06-c1fa-430b-8d25-8f5a547651fb",
    "job": "364bfd06-c1fa-430b-8d25-8f5a547651fb",
    "job-url": "/api/v3_0/jobs/364bfd06-c1fa-430b-8d25-8f5a547651fb",
    "results-url": "/api/v3_0/sensors/8/schedules/364bfd06-c1fa-430b-8d25-8f5a547651fb",
}


def _docs(example: dict[str, Any]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": ScheduleTrigger.model_json_schema(by_alias=True),
                    "example": example,
                }
            },
        },
        "responses": {
            "200": {
                "description": "Triggered",
                "content": {"application/json": {"example": _TRIGGERED}},
            }
        },
    }


def _reject(location: str, field: str, message: str) -> RequestValidationError:
    return RequestValidationError(
        [{"loc": (location, field), "msg": message, "type": "value_error"}]
    )


async def trigger_body(request: Request) -> ScheduleTrigger:
    """The JSON body as a ScheduleTrigger; 422 naming the field otherwise (unknown fields too)."""
    raw = await request.body()
    try:
        payload = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError:
        try:
            payload = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _reject(
                "json", "_schema", f"The request body is not valid JSON ({exc})."
            ) from None
    if not isinstance(payload, dict):
        raise _reject("json", "_schema", "The request body must be a JSON object.")
    try:
        return ScheduleTrigger.model_validate(payload)
    except PydanticValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        raise RequestValidationError(
            [
                {
                    **err,
                    "loc": ("json", *err["loc"]),
                    "msg": "Unknown field." if err["type"] == "extra_forbidden" else err["msg"],
                }
                for err in errors
            ]
        ) from None


TriggerBody = Annotated[ScheduleTrigger, Depends(trigger_body)]


def _answer(triggered: scheduling.Triggered, results_sensor: int | None) -> JSON:
    job = triggered.job_id
    body: dict[str, str | dict[str, str]] = {
        "status": "PROCESSED",
        "message": "Request has been processed.",
        "schedule": job,
        "job": job,
        "job-url": f"/api/v3_0/jobs/{job}",
    }
    if results_sensor is not None:
        body["results-url"] = f"/api/v3_0/sensors/{results_sensor}/schedules/{job}"
    else:
        body["results-urls"] = {
            str(sensor_id): f"/api/v3_0/sensors/{sensor_id}/schedules/{job}"
            for sensor_id in triggered.sensor_ids
        }
    headers = {
        "X-RateLimit-Limit": str(triggered.rate_limit),
        "X-RateLimit-Remaining": str(triggered.rate_remaining),
        "X-RateLimit-Reset": str(triggered.rate_reset_s),
    }
    return JSON(body, headers=headers)


def _request(body: ScheduleTrigger) -> scheduling.ScheduleRequest:
    return scheduling.ScheduleRequest(
        start=body.start,
        duration=body.duration,
        resolution=body.resolution,
        prior=body.prior,
        flex_model=body.flex_model,
        flex_context=body.flex_context,
        sequential=body.sequential,
    )


@router.post(
    "/sensors/{id}/schedules/trigger",
    summary="Trigger scheduling job for one device",
    openapi_extra=_docs(_TRIGGER_EXAMPLE),
)
def trigger_sensor_schedule(
    sensor: SchedulableSensor,
    body: TriggerBody,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
) -> JSON:
    """Schedule the device whose power sensor this is; the flex-model is one object (see the README)."""
    triggered = scheduling.trigger_schedule(
        session,
        settings,
        user,
        _request(body),
        force_new=body.force_new_job_creation,
        sensor=sensor,
    )
    return _answer(triggered, sensor.id)


@router.post(
    "/assets/{id}/schedules/trigger",
    summary="Trigger scheduling job for any number of devices",
    openapi_extra=_docs(_ASSET_EXAMPLE),
)
def trigger_asset_schedule(
    asset: SchedulableAsset,
    body: TriggerBody,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
) -> JSON:
    """Schedule the listed devices of this asset (or its sub-assets) jointly, or one by one with ``sequential``."""
    triggered = scheduling.trigger_schedule(
        session, settings, user, _request(body), force_new=body.force_new_job_creation, asset=asset
    )
    return _answer(triggered, None)


async def schedule_query(request: Request) -> ScheduleQuery:
    try:
        return ScheduleQuery.model_validate(dict(request.query_params))
    except PydanticValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        raise RequestValidationError(
            [{**err, "loc": ("query", *err["loc"])} for err in errors]
        ) from None


@router.get(
    "/sensors/{id}/schedules/{uuid}",
    summary="Get schedule for one device",
    openapi_extra={
        "parameters": [
            {
                "name": "duration",
                "in": "query",
                "schema": {"type": "string"},
                "description": "default PT6H",
            },
            {
                "name": "unit",
                "in": "query",
                "schema": {"type": "string"},
                "description": "e.g. kW, MW",
            },
            {
                "name": "sign-convention",
                "in": "query",
                "schema": {"type": "string", "enum": list(SIGN_CONVENTIONS)},
            },
        ]
    },
)
def read_schedule(
    sensor: ReadableSensor,
    uuid: str,
    query: Annotated[ScheduleQuery, Depends(schedule_query)],
    session: SessionDep,
    settings: SettingsDep,
) -> JSON:
    """202 while the job is queued or running; the schedule (values, start, duration, unit, costs) when done."""
    answer = scheduling.schedule_answer(
        session,
        settings,
        sensor,
        uuid,
        duration=query.duration,
        unit=query.unit,
        sign_convention=query.sign_convention,
    )
    return JSON(answer.body, status_code=answer.status_code, headers=answer.headers or None)
