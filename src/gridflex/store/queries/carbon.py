"""The SQL of the carbon services: zone assets and sensors, and range scans of their beliefs.

The belief queries are range scans on the beliefs table's primary key (sensor,
event start, ...): per-event watermarks of a system's inputs, belief times per
event, the updated-since selection, and the extent of a sensor's events. Names
of zone sensors come from the caller (``services.carbon.naming``), so that the
store knows nothing of the naming scheme.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from gridflex.store.models import Asset, AssetType, DataSource, Sensor
from gridflex.store.queries import beliefs as q
from gridflex.store.queries import sensors as q_sensors
from gridflex.store.queries.belief_io import fetch, rows_of
from gridflex.store.queries.beliefs import extent_us  # noqa: F401 - read here by the carbon services

NO_END_US = 2**62  # an event start later than any real one


@dataclass(frozen=True)
class InputNames:
    """Which sensors of a zone asset are inputs: these names, or names starting with a prefix
    and containing an infix (``exchange A->B``)."""

    names: tuple[str, ...]
    prefix: str
    infix: str


def watermarks(
    session: Session,
    asset_ids: Sequence[int],
    inputs: InputNames,
    start_us: int | None,
    end_us: int | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per event in [start, end): the latest belief time and the number of beliefs among the
    inputs of these zone assets.

    The input sensors are selected by name in the query itself, so sensors
    created since the registry snapshot count too.
    """
    if not asset_ids:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    names = sa.select(Sensor.id).where(
        Sensor.generic_asset_id.in_([int(a) for a in asset_ids]),
        sa.or_(
            Sensor.name.in_(inputs.names),
            Sensor.name.like(f"{inputs.prefix}%{inputs.infix}%"),
        ),
    )
    ids = [int(i) for i in session.scalars(names)]
    if not ids:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    rows = fetch(
        session,
        "SELECT event_start_us, MAX(belief_time_us) AS watermark_us, COUNT(*) AS n "
        f"FROM {q.beliefs_from(session, 'lo', 'hi')} "
        f"WHERE sensor_id IN ({', '.join(str(i) for i in ids)}) "
        "AND event_start_us >= :lo AND event_start_us < :hi "
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
    session: Session,
    sensor_id: int,
    source_id: int | None,
    start_us: int | None,
    end_us: int | None,
) -> EventTimes:
    """Beliefs of one source (None: any) about one sensor's events in [start, end), summarised
    per event."""
    rows = q.beliefs_in(
        session,
        sensor_id,
        -NO_END_US if start_us is None else int(start_us),
        _end(end_us),
        q.BeliefFilter(source_ids=None if source_id is None else [source_id]),
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
        "SELECT event_start_us, MAX(belief_time_us) AS updated_us "
        f"FROM {q.beliefs_from(session, 'lo', 'hi')} "
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
    found = q.extent_us(session, [sensor_id])
    return None if found is None else found[1]


def latest_belief_time_us(
    session: Session, sensor_id: int, source_id: int, start_us: int
) -> int | None:
    """The latest belief time of one source about a sensor's events from ``start`` on."""
    rows = rows_of(
        session,
        f"SELECT MAX(belief_time_us) FROM {q.beliefs_from(session, 'lo', None)} WHERE sensor_id = :sensor "
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
        f"SELECT event_start_us FROM {q.beliefs_from(session, None, 'after')} "
        "WHERE sensor_id = :sensor AND event_start_us <= :upto "
        "AND source_id = :source ORDER BY event_start_us DESC LIMIT 1",
        {
            "sensor": int(sensor_id),
            "upto": int(at_or_before_us),
            "after": int(at_or_before_us) + 1,
            "source": int(source_id),
        },
    )
    return None if not rows else int(rows[0][0])


def zone_assets(session: Session, asset_type: str) -> list[Asset]:
    """Public assets (no account) of this asset type, by id."""
    return list(
        session.scalars(
            sa.select(Asset)
            .join(AssetType, AssetType.id == Asset.generic_asset_type_id)
            .where(AssetType.name == asset_type, Asset.account_id.is_(None))
            .order_by(Asset.id)
        )
    )


def sensor_rows(session: Session, asset_ids: Sequence[int]) -> list[tuple[int, str, int, int]]:
    """(id, name, asset id, event resolution in seconds) of the sensors of these assets."""
    if not asset_ids:
        return []
    rows = session.execute(
        sa.select(Sensor.id, Sensor.name, Sensor.generic_asset_id, Sensor.event_resolution_s).where(
            Sensor.generic_asset_id.in_([int(a) for a in asset_ids])
        )
    )
    return [(int(i), str(n), int(a), int(r or 0)) for i, n, a, r in rows]


def sensors_of(session: Session, asset_ids: Sequence[int]) -> list[Sensor]:
    """The sensors of these assets, by id."""
    if not asset_ids:
        return []
    return list(
        session.scalars(
            sa.select(Sensor)
            .where(Sensor.generic_asset_id.in_([int(a) for a in asset_ids]))
            .order_by(Sensor.id)
        )
    )


def sensor_id(session: Session, asset_id: int, name: str) -> int | None:
    """The first sensor of an asset with this name."""
    return q_sensors.sensor_id_by_name(session, asset_id, name)


def source_id(
    session: Session, name: str, type_: str, model: str | None, version: str | None
) -> int | None:
    """The id of the data source with exactly these fields, if it exists."""
    return session.scalar(
        sa.select(DataSource.id)
        .where(
            DataSource.name == name,
            DataSource.type == type_,
            DataSource.model == model,
            DataSource.version == version,
        )
        .order_by(DataSource.id)
        .limit(1)
    )


def source_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """Names of data sources by id."""
    if not ids:
        return {}
    rows = session.execute(
        sa.select(DataSource.id, DataSource.name).where(DataSource.id.in_([int(i) for i in ids]))
    )
    return {int(i): str(n) for i, n in rows}


def source_ids_in(session: Session, sensor_id: int, start_us: int, end_us: int) -> list[int]:
    """The data sources with beliefs about a sensor's events in [start, end)."""
    rows = rows_of(
        session,
        f"SELECT DISTINCT source_id FROM {q.beliefs_from(session, 'lo', 'hi')} WHERE sensor_id = :sensor "
        "AND event_start_us >= :lo AND event_start_us < :hi",
        {"sensor": int(sensor_id), "lo": int(start_us), "hi": int(end_us)},
    )
    return [int(r[0]) for r in rows]
