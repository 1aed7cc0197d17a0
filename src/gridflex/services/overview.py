"""What a user's dashboard shows: their sites, stale sensors and failed jobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from gridflex.jobs import expire_overdue
from gridflex.services import assets, sensor_status, sensors
from gridflex.store.models import Asset, Job, Sensor, User
from gridflex.store.queries import jobs as q_jobs
from gridflex.store.queries.listing import Page

STATUS_CAP = 200  # sensors checked for staleness on one dashboard
FAILED_JOBS_WINDOW = timedelta(days=7)


@dataclass
class Overview:
    sites: list[Asset]
    asset_count: int
    sensor_count: int
    stale: list[tuple[Sensor, dict[str, Any]]] = field(default_factory=list)
    failed_jobs: list[Job] = field(default_factory=list)
    recent_jobs: list[Job] = field(default_factory=list)
    sensors_checked: int = 0


def account_overview(session: Session, user: User, *, now: datetime) -> Overview:
    """The user's own account: its top-level assets (sites), and what needs attention."""
    every = assets.list_assets(session, user, Page(cap=5_000)).rows
    sites = [a for a in every if a.parent_asset_id is None]
    listed = sensors.list_sensors(session, user, Page(cap=STATUS_CAP))
    stale = []
    for sensor in listed.rows:
        for status in sensor_status.sensor_status(session, sensor, now=now):
            if status["stale"]:
                stale.append((sensor, status))
    expire_overdue(session)
    since = now - FAILED_JOBS_WINDOW
    recent = q_jobs.recent_jobs(session, account_ids=[user.account_id], since=since, limit=10)
    failed = q_jobs.recent_jobs(
        session, account_ids=[user.account_id], since=since, status="failed", limit=20
    )
    return Overview(
        sites=sites,
        asset_count=len(every),
        sensor_count=listed.total or len(listed.rows),
        stale=stale,
        failed_jobs=failed,
        recent_jobs=recent,
        sensors_checked=len(listed.rows),
    )
