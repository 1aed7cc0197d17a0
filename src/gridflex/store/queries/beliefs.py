"""Set-based SQL for the beliefs table: most recent belief per event, collisions, bulk insert.

Both statements that matter are driven by the primary key
(sensor_id, event_start_us, belief_time_us, source_id, cumulative_probability):
a range scan over one sensor's events, then one row per event picked by
``DISTINCT ON`` (PostgreSQL) or ``ROW_NUMBER()`` (SQLite).

Which belief is "most recent": the latest belief time; among beliefs made at the
same time, the one whose cumulative probability is closest to 0.5 (the median);
then the highest source id (the newest source). This order is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

_ORDER = "belief_time_us DESC, abs(cumulative_probability - 0.5), source_id DESC"
COLUMNS = (
    "sensor_id",
    "event_start_us",
    "belief_time_us",
    "source_id",
    "cumulative_probability",
    "belief_horizon_us",
    "event_value",
)


@dataclass(frozen=True)
class BeliefFilter:
    """Which beliefs count: by belief time, by horizon and by source."""

    prior_us: int | None = None  # recorded at or before this moment
    min_horizon_us: int | None = None  # recorded at least this long before knowledge time
    source_ids: Sequence[int] | None = None


def _where(
    sensor_id: int, start_us: int, end_us: int, flt: BeliefFilter
) -> tuple[str, dict[str, object]]:
    clauses = ["sensor_id = :sensor_id", "event_start_us >= :start_us", "event_start_us < :end_us"]
    params: dict[str, object] = {"sensor_id": sensor_id, "start_us": start_us, "end_us": end_us}
    if flt.prior_us is not None:
        clauses.append("belief_time_us <= :prior_us")
        params["prior_us"] = flt.prior_us
    if flt.min_horizon_us is not None:
        clauses.append("belief_horizon_us >= :min_horizon_us")
        params["min_horizon_us"] = flt.min_horizon_us
    if flt.source_ids is not None:
        ids = [int(i) for i in flt.source_ids] or [-1]
        clauses.append(f"source_id IN ({', '.join(str(i) for i in ids)})")
    return " AND ".join(clauses), params


def most_recent(
    session: Session, sensor_id: int, start_us: int, end_us: int, flt: BeliefFilter = BeliefFilter()
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Event starts [µs], values and source ids of the most recent belief per event in [start, end)."""
    where, params = _where(sensor_id, start_us, end_us, flt)
    if session.get_bind().dialect.name == "postgresql":
        sql = (
            f"SELECT DISTINCT ON (event_start_us) event_start_us, event_value, source_id FROM belief "
            f"WHERE {where} ORDER BY event_start_us, {_ORDER}"
        )
    else:
        sql = (
            f"SELECT event_start_us, event_value, source_id FROM (SELECT event_start_us, event_value, source_id, "
            f"ROW_NUMBER() OVER (PARTITION BY event_start_us ORDER BY {_ORDER}) AS rank "
            f"FROM belief WHERE {where}) WHERE rank = 1 ORDER BY event_start_us"
        )
    rows = session.execute(sa.text(sql), params).all()
    if not rows:
        empty = np.empty(0, dtype=np.int64)
        return empty, np.empty(0), empty
    starts, values, sources = zip(*rows, strict=True)
    return (
        np.array(starts, dtype=np.int64),
        np.array(values, dtype=float),
        np.array(sources, dtype=np.int64),
    )


def beliefs_in(
    session: Session, sensor_id: int, start_us: int, end_us: int, flt: BeliefFilter = BeliefFilter()
) -> list[tuple[int, int, int, float, int, float]]:
    """All beliefs (not just the most recent) in the window, ordered by event and belief time."""
    where, params = _where(sensor_id, start_us, end_us, flt)
    sql = (
        "SELECT event_start_us, belief_time_us, source_id, cumulative_probability, belief_horizon_us, event_value "
        f"FROM belief WHERE {where} ORDER BY event_start_us, belief_time_us, source_id, cumulative_probability"
    )
    return [tuple(row) for row in session.execute(sa.text(sql), params).all()]  # type: ignore[misc]


def insert(session: Session, rows: np.ndarray) -> None:
    """Insert rows (a structured array with the fields of ``COLUMNS``) in one statement per backend."""
    if len(rows) == 0:
        return
    records = rows.tolist()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor:  # type: ignore[union-attr]
            with cursor.copy(f"COPY belief ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for record in records:
                    copy.write_row(record)
    else:
        placeholders = ", ".join("?" for _ in COLUMNS)
        connection.exec_driver_sql(
            f"INSERT INTO belief ({', '.join(COLUMNS)}) VALUES ({placeholders})", records
        )


def delete_sensor_data(session: Session, sensor_id: int) -> int:
    result = session.execute(sa.text("DELETE FROM belief WHERE sensor_id = :s"), {"s": sensor_id})
    return int(result.rowcount or 0)
