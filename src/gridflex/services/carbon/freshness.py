"""Lazy recomputation: before answering, recompute what changed since it was last computed.

Data posted through the v3_0 data API reach the zone sensors without telling
the carbon services. So a route first compares, per event of the window it
answers about, the inputs of the zone's system (their latest belief time, the
*watermark*, and their number of beliefs) with the ``carbon input beliefs``
sensor, which holds that number as of the last computation and whose belief
time is that computation's time. An event is recomputed when an input belief is
newer than its last computation, or when the number differs (new or deleted
data); then the answer is read. Both sides are primary-key range scans.

Limitation: data posted with a belief time *earlier* than the last
computation (an explicit ``prior`` in the past) is not noticed; run
``gridflex carbon compute`` after such posts.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session

from gridflex.services.belief_checks import from_us, td_us
from gridflex.services.carbon import naming
from gridflex.services.carbon import store as zone_store
from gridflex.services.carbon.compute import recompute
from gridflex.services.carbon.registry import Registry, ZoneRecord
from gridflex.store.queries import carbon as queries


def refresh(
    session: Session,
    registry: Registry,
    zone_id: str,
    start_us: int | None = None,
    end_us: int | None = None,
) -> bool:
    """Recompute the zone's system where its inputs in [start, end) changed; True if it did."""
    system = registry.system(zone_id)
    events, marks, counts = queries.watermarks(
        session, registry.asset_ids(system), naming.INPUTS, start_us, end_us
    )
    if len(events) == 0:
        return False
    stale = stale_events(session, registry.get(zone_id), events, marks, counts)
    if not np.any(stale):
        return False
    steps = [td_us(s.resolution) for s in registry.input_sensors(system)] or [3_600_000_000]
    first, last = int(events[stale][0]), int(events[stale][-1])
    recompute(session, system, from_us(first), from_us(last + max(steps)))
    return True


def stale_events(
    session: Session, record: ZoneRecord, events: np.ndarray, marks: np.ndarray, counts: np.ndarray
) -> np.ndarray:
    """Which events have inputs that changed since their results were computed."""
    stamp_id = sensor_id(session, record, naming.STAMP)
    reporter_id = zone_store.source_id(session, naming.REPORTER)
    if stamp_id is None or reporter_id is None:
        return np.ones(len(events), dtype=bool)
    stored = queries.event_times(
        session, stamp_id, reporter_id, int(events[0]), int(events[-1]) + 1
    )
    return is_stale(events, marks, counts, stored.events_us, stored.values, stored.updated_us)


def is_stale(
    events: np.ndarray,
    marks: np.ndarray,
    counts: np.ndarray,
    stamp_events: np.ndarray,
    stamp_counts: np.ndarray,
    computed_us: np.ndarray,
) -> np.ndarray:
    """Element-wise: never computed, an input belief newer than the computation, or another count."""
    if len(stamp_events) == 0:
        return np.ones(len(events), dtype=bool)
    at = np.clip(np.searchsorted(stamp_events, events), 0, len(stamp_events) - 1)
    found = stamp_events[at] == events
    return (
        ~found | (marks > computed_us[at]) | (np.round(stamp_counts[at]).astype(np.int64) != counts)
    )


def sensor_id(session: Session, record: ZoneRecord, name: str) -> int | None:
    """A zone sensor's id from the snapshot, or from the store if it was created since."""
    ref = record.sensors.get(name)
    if ref is not None:
        return ref.id
    if record.asset_id is None:
        return None
    return zone_store.sensor_id(session, record.asset_id, name)
