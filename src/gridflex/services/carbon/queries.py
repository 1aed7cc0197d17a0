"""The few set-based queries the carbon services add to the belief store's own.

All are range scans on the beliefs table's primary key (sensor, event start,
...): per-event watermarks of a system's inputs, belief times per event, the
updated-since selection, and the extent of a sensor's events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from gridflex.engines.carbon import PRODUCTION_TYPES
from gridflex.services.carbon import naming
from gridflex.store.queries import beliefs as q
from gridflex.store.queries.belief_io import fetch, rows_of

NO_END_US = 2**62  # an event start later than any real one
_INPUT_NAMES = ", ".join(f"'{naming.production_sensor(t)}'" for t in PRODUCTION_TYPES)
_INPUTS = (
    "SELECT id FROM sensor WHERE generic_asset_id IN ({assets}) AND "
    f"(name IN ({_INPUT_NAMES}) OR name LIKE '{naming.EXCHANGE_PREFIX}%{naming.EXCHANGE_ARROW}%')"
)


def watermarks(
    session: Session, asset_ids: Sequence[int], start_us: int | None, end_us: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per event in [start, end): the latest belief time and the number of beliefs among the
    inputs of these zone assets.

    The input sensors are selected by name in the query itself, so sensors
    created since the registry snapshot count too.
    """
    if not asset_ids:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    inputs = _INPUTS.format(assets=", ".join(str(int(a)) for a in asset_ids))
    rows = fetch(
        session,
        "SELECT event_start_us, MAX(belief_time_us) AS watermark_us, COUNT(*) AS n FROM belief "
        f"WHERE sensor_id IN ({inputs}) AND event_start_us >= :lo AND event_start_us < :hi "
        "GROUP BY event_start_us ORDER BY event_start_us",
        {"lo": -NO_END_US if start_us is None else int(start_us), "hi": _end(end_us)},
        [("event_start_us", "i8"), ("watermark_us", "i8"), ("n", "i8")],
    )
    return rows["event_start_us"], rows["watermark_us"], rows["n"]


@dataclass(frozen=True)
class EventTimes:
    """Per event: the most recent value, and the first and last belief time."""

    events_us: np.ndarray
    values: np.ndarray
    created_us: np.ndarray
    updated_us: np.ndarray


def event_times(
    session: Session, sensor_id: int, source_id: int, start_us: int | None, end_us: int | None
) -> EventTimes:
    """Beliefs of one source about one sensor's events in [start, end), summarised per event."""
    rows = q.beliefs_in(
        session,
        sensor_id,
        -NO_END_US if start_us is None else int(start_us),
        _end(end_us),
        q.BeliefFilter(source_ids=[source_id]),
    )
    starts = rows["event_start_us"]
    if len(starts) == 0:
        empty = np.empty(0, dtype=np.int64)
        return EventTimes(empty, np.empty(0), empty, empty)
    # Rows come in key order: by event, then belief time; the last of each event is the newest.
    first = np.r_[True, starts[1:] != starts[:-1]]
    last = np.r_[starts[1:] != starts[:-1], True]
    return EventTimes(
        starts[last],
        rows["event_value"][last],
        rows["belief_time_us"][first],
        rows["belief_time_us"][last],
    )


def updated_events(
    session: Session,
    sensor_id: int,
    source_id: int,
    *,
    start_us: int | None,
    end_us: int | None,
    since_us: int,
    threshold_us: int,
    limit: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Events whose last belief is later than ``since`` and at least ``threshold`` after their first.

    Returns up to ``limit + 1`` rows (event starts and last belief times, by event),
    so that the caller can tell whether the limit was reached.
    """
    rows = fetch(
        session,
        "SELECT event_start_us, MAX(belief_time_us) AS updated_us FROM belief "
        "WHERE sensor_id = :sensor AND source_id = :source "
        "AND event_start_us >= :lo AND event_start_us < :hi GROUP BY event_start_us "
        "HAVING MAX(belief_time_us) > :since AND MAX(belief_time_us) - MIN(belief_time_us) >= :threshold "
        "ORDER BY event_start_us LIMIT :limit",
        {
            "sensor": int(sensor_id),
            "source": int(source_id),
            "lo": -NO_END_US if start_us is None else int(start_us),
            "hi": _end(end_us),
            "since": int(since_us),
            "threshold": int(threshold_us),
            "limit": int(limit) + 1,
        },
        [("event_start_us", "i8"), ("updated_us", "i8")],
    )
    return rows["event_start_us"], rows["updated_us"]


def last_event_us(session: Session, sensor_id: int) -> int | None:
    """The latest event start of a sensor (any source), from the primary key alone."""
    rows = rows_of(
        session,
        "SELECT MAX(event_start_us) FROM belief WHERE sensor_id = :sensor",
        {"sensor": int(sensor_id)},
    )
    return None if not rows or rows[0][0] is None else int(rows[0][0])


def extent_us(session: Session, sensor_ids: Sequence[int]) -> tuple[int, int] | None:
    """First and last event start over several sensors, or None when they hold nothing."""
    if not sensor_ids:
        return None
    # One MIN or MAX per sensor and subquery: each is a single index probe on both backends.
    parts = " UNION ALL ".join(
        f"SELECT (SELECT MIN(event_start_us) FROM belief WHERE sensor_id = {int(s)}) AS lo, "
        f"(SELECT MAX(event_start_us) FROM belief WHERE sensor_id = {int(s)}) AS hi"
        for s in sensor_ids
    )
    rows = rows_of(session, f"SELECT MIN(lo), MAX(hi) FROM ({parts}) AS extents", {})
    if not rows or rows[0][0] is None:
        return None
    return int(rows[0][0]), int(rows[0][1])


def latest_belief_time_us(
    session: Session, sensor_id: int, source_id: int, start_us: int
) -> int | None:
    """The latest belief time of one source about a sensor's events from ``start`` on."""
    rows = rows_of(
        session,
        "SELECT MAX(belief_time_us) FROM belief WHERE sensor_id = :sensor "
        "AND event_start_us >= :lo AND source_id = :source",
        {"sensor": int(sensor_id), "lo": int(start_us), "source": int(source_id)},
    )
    return None if not rows or rows[0][0] is None else int(rows[0][0])


def _end(end_us: int | None) -> int:
    return NO_END_US if end_us is None else int(end_us)


def last_value_event_us(
    session: Session, sensor_id: int, source_id: int, at_or_before_us: int
) -> int | None:
    """The latest event start at or before a moment with a belief of this source."""
    rows = rows_of(
        session,
        "SELECT event_start_us FROM belief WHERE sensor_id = :sensor AND event_start_us <= :upto "
        "AND source_id = :source ORDER BY event_start_us DESC LIMIT 1",
        {"sensor": int(sensor_id), "upto": int(at_or_before_us), "source": int(source_id)},
    )
    return None if not rows else int(rows[0][0])
