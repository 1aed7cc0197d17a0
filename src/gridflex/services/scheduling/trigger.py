"""Triggering a schedule: check everything that can be checked without data, then enqueue the job.

What is refused here (422 naming the field, or 403): unknown fields, units that do
not convert, sensors that do not exist or may not be read, devices outside the
asset, an impossible planning window, fixed values that contradict each other.
What needs data (missing prices, an infeasible combination over time) fails the
job, and the schedule GET reports the reason.

Identical triggers within ``GRIDFLEX_JOB_CACHE_TTL`` share a job (the arguments
hold the effective flex-models and flex-context, so a changed asset context makes
a new job); ``force-new-job-creation`` bypasses that. Triggers are rate-limited
per account (``GRIDFLEX_TRIGGER_RATE_LIMIT``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gridflex import permissions
from gridflex.config import Settings
from gridflex.errors import ValidationError
from gridflex.jobs import enqueue
from gridflex.jobs.service import check_rate_limit
from gridflex.services.assets import descendant_ids
from gridflex.services.sensors import get_sensor
from gridflex.store.models import Asset, Job, Sensor, User
from gridflex.timing import format_duration, parse_rate_limit, utcnow

from .flex_context import effective_flex_context, parse_context
from .flex_model import DeviceSpec, parse_device
from .job import FUNC_NAME
from .values import Parser
from .window import check_input_resolutions, plan_window

QUEUE = "scheduling"


@dataclass(frozen=True)
class Triggered:
    job_id: str
    reused: bool
    sensor_ids: list[int]
    rate_limit: int
    rate_remaining: int
    rate_reset_s: int


def _device_list(
    session: Session, flex_model: Any, *, sensor: Sensor | None, asset: Asset | None
) -> list[tuple[Sensor, dict[str, Any]]]:
    """(power sensor, request flex-model) per device, checked against the endpoint's scope."""
    if sensor is not None:
        if flex_model is not None and not isinstance(flex_model, dict):
            raise ValidationError(
                "flex-model must be an object at this endpoint (use the asset endpoint for several devices).",
                field="flex-model",
            )
        model = dict(flex_model or {})
        if "sensor" in model and model["sensor"] != sensor.id:
            raise ValidationError(
                f"flex-model sensor {model['sensor']!r} is not the sensor of this endpoint ({sensor.id}).",
                field="sensor",
            )
        return [(sensor, model)]
    assert asset is not None
    items = [flex_model] if isinstance(flex_model, dict) else flex_model
    if not isinstance(items, list) or not items:
        raise ValidationError(
            "flex-model must list the devices to schedule, each with its power sensor: "
            "[{'sensor': 3, ...}].",
            field="flex-model",
        )
    tree = set(descendant_ids(session, asset.id))
    out: list[tuple[Sensor, dict[str, Any]]] = []
    for i, item in enumerate(items):
        if (
            not isinstance(item, dict)
            or isinstance(item.get("sensor"), bool)
            or not isinstance(item.get("sensor"), int)
        ):
            raise ValidationError(
                f"flex-model[{i}] needs the id of its power sensor: {{'sensor': 3, ...}}.",
                field="sensor",
            )
        found = session.get(Sensor, item["sensor"])
        if found is None:
            raise ValidationError(f"No sensor found with ID {item['sensor']}.", field="sensor")
        if found.generic_asset_id not in tree:
            raise ValidationError(
                f"Sensor {found.id} does not belong to asset {asset.id} or one of its sub-assets.",
                field="sensor",
            )
        if any(s.id == found.id for s, _ in out):
            raise ValidationError(
                f"Sensor {found.id} appears twice in the flex-model.", field="sensor"
            )
        out.append((found, dict(item)))
    return out


def _rate(session: Session, account_id: int, limit: str) -> tuple[int, int, int]:
    """(limit, remaining, seconds until the window frees a slot) after this trigger."""
    count, window = parse_rate_limit(limit)
    since = utcnow() - window
    times = list(
        session.scalars(
            sa.select(Job.enqueued_at)
            .where(Job.account_id == account_id, Job.queue == QUEUE, Job.enqueued_at > since)
            .order_by(Job.enqueued_at)
        )
    )
    reset = (
        int((times[0] + window - utcnow()).total_seconds()) + 1
        if times
        else int(window.total_seconds())
    )
    return count, max(0, count - len(times)), max(1, reset)


@dataclass(frozen=True)
class ScheduleRequest:
    """What a client asks for (the trigger body, minus job handling)."""

    start: datetime
    duration: timedelta | None = None
    resolution: timedelta | None = None
    prior: datetime | None = None
    flex_model: Any = None
    flex_context: dict[str, Any] | None = None
    sequential: bool = False


@dataclass(frozen=True)
class Prepared:
    """A checked request: the job's arguments and what the job is about."""

    kwargs: dict[str, Any]
    site: Asset
    sensor_ids: list[int]
    account_id: int  # the site's account, else the user's


def _checked_specs(
    session: Session,
    user: User,
    pairs: list[tuple[Sensor, dict[str, Any]]],
    models: list[dict],
    context: dict,
) -> tuple[list[DeviceSpec], list[tuple[str, Sensor]]]:
    """Parse every device and the context as ``user`` (who must be able to read every sensor used)."""
    refs: list[tuple[str, Sensor]] = []

    def can_read(s: Sensor) -> bool:
        return permissions.can_access_sensor(user, s, permissions.READ)

    specs = [
        parse_device(Parser(session, can_read=can_read, refs=refs), s, m)
        for (s, _), m in zip(pairs, models, strict=True)
    ]
    parse_context(Parser(session, can_read=can_read, refs=refs), context, {s.id for s, _ in pairs})
    soc_ids = [spec.soc_sensor_id for spec in specs if spec.soc_sensor_id is not None]
    clash = sorted({i for i in soc_ids if soc_ids.count(i) > 1 or i in {s.id for s, _ in pairs}})
    if clash:
        raise ValidationError(
            f"Sensor {clash[0]} cannot hold two schedules: give each device its own state-of-charge sensor.",
            field="state-of-charge",
        )
    for sensor_id in set(soc_ids):
        permissions.require(
            permissions.can_access_sensor(user, get_sensor(session, sensor_id), permissions.UPDATE),
            f"You may not write to the state-of-charge sensor {sensor_id}.",
        )
    return specs, refs


def prepare_schedule(
    session: Session,
    user: User,
    request: ScheduleRequest,
    *,
    horizon: timedelta,
    max_steps: int,
    time_limit_s: float | None = None,
    sensor: Sensor | None = None,
    asset: Asset | None = None,
) -> Prepared:
    """Check a request (sensor endpoint: ``sensor``; asset endpoint: ``asset``) as ``user``; enqueue nothing."""
    pairs = _device_list(session, request.flex_model, sensor=sensor, asset=asset)
    for device, _ in pairs:
        permissions.require(
            permissions.can_access_sensor(user, device, permissions.UPDATE),
            f"You may not write schedules to sensor {device.id}.",
        )
    site = asset if asset is not None else pairs[0][0].asset
    models = [{**(s.asset.flex_model or {}), **model, "sensor": s.id} for s, model in pairs]
    context = effective_flex_context(site, request.flex_context)
    specs, refs = _checked_specs(session, user, pairs, models, context)
    window = plan_window(
        start=request.start,
        duration=request.duration,
        resolution=request.resolution,
        prior=request.prior,
        device_sensors=[s for s, _ in pairs],
        devices=specs,
        horizon=horizon,
        max_steps=max_steps,
    )
    check_input_resolutions(
        refs, window, {spec.soc_sensor_id for spec in specs if spec.soc_sensor_id}
    )
    kwargs = {
        "start": request.start.isoformat(),
        "end": window.end.isoformat(),
        "resolution": format_duration(window.resolution),
        "prior": request.prior.isoformat() if request.prior else None,
        "devices": models,
        "flex_context": context,
        "sequential": bool(request.sequential),
        "time_limit_s": time_limit_s,
        "asset_id": site.id,
        "sensor_id": sensor.id if sensor is not None else None,
    }
    account_id = site.account_id if site.account_id is not None else user.account_id
    return Prepared(kwargs, site, [s.id for s, _ in pairs], account_id)


def trigger_schedule(
    session: Session,
    settings: Settings,
    user: User,
    request: ScheduleRequest,
    *,
    force_new: bool = False,
    sensor: Sensor | None = None,
    asset: Asset | None = None,
) -> Triggered:
    """Check a request, apply the account's rate limit, and enqueue (or reuse) its job."""
    prepared = prepare_schedule(
        session,
        user,
        request,
        horizon=settings.planning_horizon,
        max_steps=settings.max_planning_steps,
        # The solver stops in time to save its best schedule before the job's own limit.
        time_limit_s=max(1.0, 0.8 * settings.job_time_limit.total_seconds()),
        sensor=sensor,
        asset=asset,
    )
    account_id = prepared.account_id
    check_rate_limit(session, account_id=account_id, queue=QUEUE, limit=settings.trigger_rate_limit)
    job, reused = enqueue(
        session,
        settings,
        queue=QUEUE,
        func_name=FUNC_NAME,
        kwargs=prepared.kwargs,
        asset_id=prepared.site.id,
        sensor_id=sensor.id if sensor is not None else None,
        account_id=account_id,
        reuse=not force_new,
    )
    limit, remaining, reset = _rate(session, account_id, settings.trigger_rate_limit)
    return Triggered(job.id, reused, prepared.sensor_ids, limit, remaining, reset)
