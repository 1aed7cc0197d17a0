"""Sensors: one time series each (unit, event resolution, timezone, knowledge horizon)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridflex.store.base import Base, Int32, UTCDateTime
from gridflex.store.models.assets import Asset
from gridflex.timing import utcnow


class Sensor(Base):
    __tablename__ = "sensor"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    unit: Mapped[str] = mapped_column(sa.String(80), default="")
    # Whole seconds; 0 = instantaneous events.
    event_resolution_s: Mapped[int] = mapped_column(Int32, default=0)
    timezone: Mapped[str] = mapped_column(sa.String(80), default="UTC")
    # How knowledge time follows from an event, e.g. {"fnc": "ex_post", "horizon": "PT0H"}
    # or {"fnc": "x_days_ago_at_y_oclock", "x": 1, "y": 12, "z": "Europe/Amsterdam"}.
    knowledge_horizon: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    attributes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    generic_asset_id: Mapped[int] = mapped_column(
        sa.ForeignKey("generic_asset.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    asset: Mapped[Asset] = relationship(back_populates="sensors")

    @property
    def event_resolution(self) -> timedelta:
        return timedelta(seconds=self.event_resolution_s)
