"""Published heatmap datasets: versioned, immutable records (one row per published dataset).

A row is written once and never updated: the dataset's JSON (the seed's shape) is
kept as the exact bytes served, with their SHA-256, so that a response can be
cached and validated by that hash; its GeoJSON rendering is kept too, so that
neither full answer needs the dataset parsed again. The Dublin Core metadata is repeated as JSON
(and the validity range, issue time and title as columns) so that listing and
picking "the dataset valid at a moment" never read the content.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gridflex.store.base import Base, Int32, UTCDateTime
from gridflex.timing import utcnow


class HeatmapDataset(Base):
    __tablename__ = "heatmap_dataset"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(sa.String(255), unique=True)
    title: Mapped[str] = mapped_column(sa.String(500))
    # Validity [valid_from, valid_to): the first inclusive, the second exclusive.
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    valid_to: Mapped[datetime] = mapped_column(UTCDateTime)
    issued: Mapped[datetime] = mapped_column(UTCDateTime)
    # The Dublin Core fields as published (the seed's names and date-time form).
    dublin_core: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # The dataset in the seed's JSON shape, exactly as served; loaded only when asked for.
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    content_sha256: Mapped[str] = mapped_column(sa.String(64))
    # The same dataset as GeoJSON, rendered once when published (the other full-dataset answer).
    geojson: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    # What the publication found against the specification (refused, kept, computed);
    # NULL for datasets published before reports were kept.
    conformance: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, deferred=True)
    substation_count: Mapped[int] = mapped_column(Int32, default=0)
    circuit_count: Mapped[int] = mapped_column(Int32, default=0)
    # Who published it; the record outlives the account (then NULL).
    account_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("account.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(Int32)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
