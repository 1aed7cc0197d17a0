"""The beliefs table: one row per value a source believed about an event at a belief time.

Times are integer microseconds since the Unix epoch (UTC). Integers keep the hot
path fast on both backends (no datetime parsing per row on SQLite) and make the
horizon arithmetic plain integer SQL. The belief horizon is stored next to the
belief time (both are known at write time), so both GET filters are simple
column predicates on rows already selected by the primary-key range scan.

``sensor_id`` and ``source_id`` carry no foreign-key constraints: checking them
row by row tripled the cost of bulk writes (see migration 0002). The belief
service writes only for sensors and sources it holds, and deletes a sensor's
beliefs with the sensor.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gridflex.store.base import Base, Int32


class Belief(Base):
    __tablename__ = "belief"

    sensor_id: Mapped[int] = mapped_column(Int32)  # -> sensor.id
    event_start_us: Mapped[int] = mapped_column(sa.BigInteger)
    belief_time_us: Mapped[int] = mapped_column(sa.BigInteger)
    source_id: Mapped[int] = mapped_column(Int32)  # -> data_source.id
    cumulative_probability: Mapped[float] = mapped_column(sa.Float, default=0.5)
    # knowledge time - belief time: positive for forecasts, negative after the fact.
    belief_horizon_us: Mapped[int] = mapped_column(sa.BigInteger)
    event_value: Mapped[float] = mapped_column(sa.Float)

    __table_args__ = (
        # Reads are served by the key alone (migration 0005): on PostgreSQL the key
        # INCLUDEs the payload (index-only scans); on SQLite the table is the key.
        sa.PrimaryKeyConstraint(
            "sensor_id",
            "event_start_us",
            "belief_time_us",
            "source_id",
            "cumulative_probability",
            postgresql_include=["event_value", "belief_horizon_us"],
        ),
        sa.Index("ix_belief_source_id", "source_id"),
        {"sqlite_with_rowid": False},
    )
