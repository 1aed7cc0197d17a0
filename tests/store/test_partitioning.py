"""``gridflex db partition``: the belief table rebuilt by sensor hash, every belief kept, and
each hot query of the store reading one partition only (PostgreSQL; SQLite has no partitions)."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from gridflex.services.sources import get_or_create_source
from gridflex.store import partitioning
from gridflex.store.base import get_engine, session_scope
from gridflex.store.queries import beliefs as q

HOUR_US = 3_600_000_000
START_US = 1_700_000_000 * 1_000_000 // HOUR_US * HOUR_US
END_US = START_US + 48 * HOUR_US


@pytest.fixture
def filled(db, world):
    """Six hourly sensors with 24 beliefs each; the first has a second belief per event."""
    asset = world.asset(world.account())
    sensor_ids = [world.sensor(asset, name=f"s{i}", resolution="PT1H") for i in range(6)]
    with session_scope(db) as session:
        source = get_or_create_source(session, name="test", type="script").id
        for k, sensor_id in enumerate(sensor_ids):
            for offset in (0, 1) if k == 0 else (0,):
                rows = np.zeros(24, dtype=q.ROW_DTYPE)
                rows["sensor_id"] = sensor_id
                rows["event_start_us"] = START_US + HOUR_US * np.arange(24)
                rows["belief_time_us"] = rows["event_start_us"] + offset * HOUR_US
                rows["source_id"] = source
                rows["cumulative_probability"] = 0.5
                rows["event_value"] = 100 * k + np.arange(24) + offset
                q.insert(session, rows)
    return sensor_ids


def _everything(db: str, sensor_ids: list[int]) -> list[tuple]:
    with session_scope(db) as session:
        return [tuple(r) for s in sensor_ids for r in q.beliefs_in(session, s, START_US, END_US)]


def _layout(db: str) -> int | None:
    with get_engine(db).connect() as conn:
        return partitioning.partition_count(conn)


def test_partition_and_undo_keep_every_belief(db, filled, gridflex):
    if db.startswith("sqlite"):
        pytest.skip("SQLite has no partitions (see the next test)")
    before = _everything(db, filled)
    assert len(before) == 24 * 7
    done = gridflex("db", "partition", "--partitions", "4")
    assert done.exit_code == 0, done.output
    assert "copying beliefs" in done.output and "4 hash partitions by sensor" in done.output
    assert _layout(db) == 4
    assert _everything(db, filled) == before
    assert gridflex("db", "partition", "--undo").exit_code == 0
    assert _layout(db) is None
    assert _everything(db, filled) == before
    assert gridflex("db", "partition").exit_code == 0  # back to the default
    assert _layout(db) == partitioning.DEFAULT_PARTITIONS
    assert _everything(db, filled) == before
    assert "nothing to do" in gridflex("db", "partition").output


def test_partitioning_sqlite_is_refused(db, gridflex):
    if not db.startswith("sqlite"):
        pytest.skip("PostgreSQL partitions (see the previous test)")
    done = gridflex("db", "partition")
    assert done.exit_code == 1 and "PostgreSQL" in done.output


def _partitions_scanned(session: Session) -> list[str]:
    """The partitions scanned so far by the session's transaction (its own statistics)."""
    sql = (
        "SELECT relname FROM pg_stat_xact_user_tables WHERE relname ~ '^belief_p[0-9]+$' "
        "AND coalesce(seq_scan, 0) + coalesce(idx_scan, 0) > 0"
    )
    return list(session.execute(sa.text(sql)).scalars())


def test_hot_queries_read_one_partition(db, filled, gridflex):
    """Each read runs in a transaction of its own, whose scan statistics show what it read."""
    if db.startswith("sqlite"):
        pytest.skip("SQLite has no partitions")
    assert gridflex("db", "partition", "--partitions", "4").exit_code == 0
    sensor = filled[0]
    reads = {
        "most recent (fast path)": lambda s: q.most_recent(
            s, sensor, START_US, END_US, max_events=48
        ),
        "most recent (reduced)": lambda s: q.most_recent(s, sensor, START_US, END_US),
        "all beliefs": lambda s: q.beliefs_in(s, sensor, START_US, END_US),
        "stats per source": lambda s: q.stats_per_source(s, sensor, START_US, END_US),
        "latest event per source": lambda s: q.latest_event_per_source(s, sensor, END_US),
        "bulk read": lambda s: q.values_by_sensor(s, [sensor], START_US, END_US),
        "delete a sensor's data": lambda s: q.delete_beliefs(s, sensor),
    }
    for name, read in reads.items():
        with get_engine(db).connect() as conn:
            conn.execute(sa.text("SELECT pg_stat_force_next_flush()"))
            conn.commit()  # statistics still pending on this connection are flushed: count anew
            with Session(bind=conn) as session:
                read(session)
                assert len(_partitions_scanned(session)) == 1, (name, _partitions_scanned(session))
