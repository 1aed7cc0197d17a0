"""Job records: the job lists, overviews and queue depths (the job interface is `gridflex.jobs`)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gridflex.store.models import Job


def queue_depths(session: Session) -> dict[tuple[str, str], int]:
    """Jobs waiting or running, by (queue, status)."""
    stmt = (
        sa.select(Job.queue, Job.status, sa.func.count())
        .where(Job.status.in_(("queued", "started")))
        .group_by(Job.queue, Job.status)
    )
    return {(queue, status): count for queue, status, count in session.execute(stmt)}


def jobs_for_asset(
    session: Session,
    asset_ids: list[int],
    sensor_ids: list[int],
    limit: int = 200,
    *,
    func_name: str | None = None,
) -> list[Job]:
    """The newest jobs about these assets or sensors (only those running ``func_name``)."""
    stmt = sa.select(Job).where(
        sa.or_(Job.asset_id.in_(asset_ids or [-1]), Job.sensor_id.in_(sensor_ids or [-1]))
    )
    if func_name is not None:
        stmt = stmt.where(Job.func_name == func_name)
    return list(session.scalars(stmt.order_by(Job.enqueued_at.desc()).limit(limit)))


def recent_jobs(
    session: Session,
    *,
    account_ids: list[int],
    since: datetime,
    status: str | None = None,
    limit: int = 50,
) -> list[Job]:
    """Jobs of these accounts enqueued since ``since``, newest first."""
    stmt = sa.select(Job).where(Job.account_id.in_(account_ids or [-1]), Job.enqueued_at >= since)
    if status is not None:
        stmt = stmt.where(Job.status == status)
    return list(session.scalars(stmt.order_by(Job.enqueued_at.desc()).limit(limit)))
