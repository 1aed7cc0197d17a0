"""Background jobs: the durable record of every job, whichever backend runs it.

The record lives in the database for both backends (embedded threads and Redis/RQ),
so a restart loses no job history and ``GET /api/v3_0/jobs/{uuid}`` has one source.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gridflex.store.base import Base, Int32, UTCDateTime
from gridflex.timing import utcnow

JOB_STATUSES = ("queued", "started", "finished", "failed")


class Job(Base):
    __tablename__ = "job"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    queue: Mapped[str] = mapped_column(sa.String(40), index=True)
    func_name: Mapped[str] = mapped_column(sa.String(120))
    kwargs: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), default="queued", index=True)
    result: Mapped[Any | None] = mapped_column(sa.JSON)
    error: Mapped[str | None] = mapped_column(sa.Text)
    # What the job is about; no foreign keys, so the history outlives deleted assets.
    asset_id: Mapped[int | None] = mapped_column(Int32, index=True)
    sensor_id: Mapped[int | None] = mapped_column(Int32, index=True)
    account_id: Mapped[int | None] = mapped_column(Int32, index=True)
    # Hash of queue, function and arguments: identical triggers reuse a recent job.
    metadata_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    timeout_s: Mapped[int] = mapped_column(Int32, default=600)
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    worker: Mapped[str | None] = mapped_column(sa.String(120))
