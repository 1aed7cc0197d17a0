"""The asset page's "Schedule now" and "Forecast" buttons, and the job status they follow.

Both go through the services the API's triggers use (same checks, rate limit and
job cache). The page's script posts the form and polls ``/ui/jobs/{uuid}.json``;
without scripts the form posts normally and the page lists the job.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from gridflex import permissions
from gridflex.api.deps import SessionDep, SettingsDep
from gridflex.errors import ValidationError
from gridflex.jobs import expire_overdue, get_job
from gridflex.services import forecasting, scheduling, sensors
from gridflex.store.models import Job
from gridflex.timing import parse_duration, utcnow
from gridflex.ui import flex_forms
from gridflex.ui.pages_assets import readable_asset
from gridflex.ui.web import Csrf, UiRoute, UiUser, wants_json

router = APIRouter(route_class=UiRoute, include_in_schema=False)

HORIZONS = {"PT12H", "PT24H", "PT48H"}


def _started(request: Request, asset_id: int, job: Job) -> Response:
    if wants_json(request):
        return JSONResponse({"job": job.id, "status_url": f"/ui/jobs/{job.id}.json"})
    return RedirectResponse(f"/ui/assets/{asset_id}#jobs-title", status_code=303)


def _horizon(text: str) -> timedelta:
    if text not in HORIZONS:
        raise ValidationError(f"duration must be one of {sorted(HORIZONS)}.", field="duration")
    return parse_duration(text, field="duration")


@router.post("/ui/assets/{asset_id}/schedule", dependencies=[Csrf])
async def schedule_now(
    request: Request,
    asset_id: int,
    user: UiUser,
    session: SessionDep,
    settings: SettingsDep,
    duration: Annotated[str, Form()] = "PT24H",
) -> Response:
    """Schedule the asset's flexible devices (their stored flex-models) from the current step."""
    form = await request.form()
    asset = readable_asset(session, user, asset_id)
    permissions.require(permissions.can_access_asset(user, asset, permissions.UPDATE))
    devices = flex_forms.devices(session, asset)
    if not devices:
        raise ValidationError("No device under this asset has a flex-model.", field="flex-model")
    model: list[dict[str, Any]] = []
    for device in devices:
        item: dict[str, Any] = {"sensor": device.sensor.id}
        soc = str(form.get(f"soc-{device.sensor.id}") or "").strip()
        if soc:
            item["soc-at-start"] = soc
        model.append(item)
    step = max(d.sensor.event_resolution_s for d in devices) or 900
    now_s = int(utcnow().timestamp())
    start = datetime.fromtimestamp(now_s - now_s % step, UTC)  # the current step
    request_ = scheduling.ScheduleRequest(
        start=start, duration=_horizon(duration), flex_model=model
    )
    triggered = scheduling.trigger_schedule(session, settings, user, request_, asset=asset)
    return _started(request, asset.id, get_job(session, triggered.job_id))


@router.post("/ui/assets/{asset_id}/forecast", dependencies=[Csrf])
def forecast_now(
    request: Request,
    asset_id: int,
    user: UiUser,
    session: SessionDep,
    settings: SettingsDep,
    sensor: Annotated[int, Form()],
    duration: Annotated[str, Form()] = "PT24H",
) -> Response:
    """Forecast one sensor of the asset (or of its sub-assets) from now on."""
    asset = readable_asset(session, user, asset_id)
    target = sensors.get_sensor(session, sensor)
    if target.id not in {s.id for s in flex_forms.page_context(session, asset, user).forecastable}:
        raise ValidationError(
            f"Sensor {sensor} is not a sensor of this asset you may forecast.", field="sensor"
        )
    spec = forecasting.make_spec(target, now=utcnow(), duration=_horizon(duration))
    job, _ = forecasting.trigger_forecast(session, settings, target, spec, user=user)
    return _started(request, asset.id, job)


@router.get("/ui/jobs/{uuid}.json")
def job_status(uuid: str, user: UiUser, session: SessionDep) -> Response:
    """Status of a job of the user's account, with a one-line summary of its result."""
    expire_overdue(session)
    job = get_job(session, uuid)
    permissions.require(permissions.reads_everything(user) or job.account_id == user.account_id)
    return JSONResponse(
        {"job": job.id, "status": job.status, "error": job.error, "summary": _summary(job)}
    )


def _summary(job: Job) -> str:
    result = job.result if isinstance(job.result, dict) else {}
    if job.status != "finished":
        return ""
    if "costs" in result:
        total = (result.get("costs") or {}).get("total")
        unit = result.get("costs-unit", "")
        return f"planned; total costs {total:,.2f} {unit}." if total is not None else "planned."
    metrics = {k: v for k, v in result.items() if isinstance(v, int | float)}
    if metrics:
        return ", ".join(f"{k} {v:,.3g}" for k, v in list(metrics.items())[:4]) + "."
    return "done; the chart shows it."
