"""Job records read by lists and overviews (the job interface itself is `gridflex.jobs`)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gridflex.store.models import Job


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
