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

from gridflex.store.base import Base


class Belief(Base):
    __tablename__ = "belief"

    sensor_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)  # -> sensor.id
    event_start_us: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    belief_time_us: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    source_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)  # -> data_source.id
    cumulative_probability: Mapped[float] = mapped_column(sa.Float, primary_key=True, default=0.5)
    # knowledge time - belief time: positive for forecasts, negative after the fact.
    belief_horizon_us: Mapped[int] = mapped_column(sa.BigInteger)
    event_value: Mapped[float] = mapped_column(sa.Float)

    __table_args__ = (sa.Index("ix_belief_source_id", "source_id"),)
