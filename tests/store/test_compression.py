"""``gridflex db compress``: old beliefs kept as compressed weekly chunks (PostgreSQL). Every
read answers exactly as before, writes and deletes into compressed weeks keep their rules,
and nothing is lost on the way back (``--undo``, the migration's downgrade)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from gridflex.services.sources import get_or_create_source
from gridflex.store import compression, migrate
from gridflex.store.base import get_engine, session_scope
from gridflex.store.queries import beliefs as q
from gridflex.store.queries import carbon as q_carbon
from tests.api.belief_helpers import body, owned_sensor, stored

HOUR_US = 3_600_000_000
WEEK_US = 7 * 24 * HOUR_US
START_US = 1_759_708_800_000_000  # Monday 2025-10-06 00:00 UTC: long before "now"
END_US = START_US + 3 * WEEK_US + 30 * HOUR_US  # three weeks and a bit: four chunks a source


@pytest.fixture
def postgres(db):
    if db.startswith("sqlite"):
        pytest.skip("SQLite has no chunks (see test_sqlite_is_refused)")
    return db


@pytest.fixture
def filled(postgres, world):
    """Two hourly sensors. The first holds a measurement per event from a script, a
    forecaster's earlier and later belief about every third event, and quantiles."""
    asset = world.asset(world.account())
    sensor_ids = [world.sensor(asset, name=f"s{i}", resolution="PT1H") for i in range(2)]
    starts = np.arange(START_US, END_US, HOUR_US)
    with session_scope(postgres) as session:
        script = get_or_create_source(session, name="meter", type="script").id
        forecaster = get_or_create_source(session, name="model", type="forecaster").id
        parts = []
        for k, sensor_id in enumerate(sensor_ids):
            parts.append(
                _rows(sensor_id, starts, starts + HOUR_US, script, 0.5, 10 * k + starts % 7)
            )
        every_third = starts[::3]
        for ahead, prob in ((24, 0.5), (2, 0.5), (2, 0.1), (2, 0.9)):
            values = (every_third % 11) + ahead + prob
            parts.append(
                _rows(
                    sensor_ids[0],
                    every_third,
                    every_third - ahead * HOUR_US,
                    forecaster,
                    prob,
                    values,
                )
            )
        q.insert(session, np.concatenate(parts))
    return sensor_ids


def _rows(sensor_id, starts, belief_times, source_id, prob, values) -> np.ndarray:
    rows = np.zeros(len(starts), dtype=q.ROW_DTYPE)
    rows["sensor_id"] = sensor_id
    rows["event_start_us"] = starts
    rows["belief_time_us"] = belief_times
    rows["source_id"] = source_id
    rows["cumulative_probability"] = prob
    rows["belief_horizon_us"] = starts + HOUR_US - belief_times
    rows["event_value"] = values
    return rows


def _as_lists(found):  # noqa: ANN001 - arrays, dataclasses of arrays, tuples, None
    if isinstance(found, np.ndarray):
        return found.tolist()
    if hasattr(found, "__dataclass_fields__"):
        return {name: _as_lists(getattr(found, name)) for name in found.__dataclass_fields__}
    if isinstance(found, dict):
        return {k: _as_lists(v) for k, v in found.items()}
    if isinstance(found, (list, tuple)):
        return [_as_lists(v) for v in found]
    return found


def _every_read(db: str, sensor_ids: list[int]) -> dict:
    """What each read of the store answers about the filled sensors (windows that cut weeks);
    answers without a defined order are sorted."""
    first, second = sensor_ids
    mid_lo, mid_hi = START_US + 5 * 24 * HOUR_US + 7 * HOUR_US, START_US + 16 * 24 * HOUR_US
    out: dict = {}
    with session_scope(db) as session:
        ids = dict(session.execute(sa.text("SELECT type, id FROM data_source")).all())
        script, forecaster = ids["script"], ids["forecaster"]
        bulk = q.values_by_sensor(session, sensor_ids, mid_lo, mid_hi)
        out["bulk read"] = {s: sorted(zip(*_as_lists(v), strict=True)) for s, v in bulk.items()}
        for name, (lo, hi) in {"all": (START_US, END_US), "middle": (mid_lo, mid_hi)}.items():
            out[f"beliefs {name}"] = _as_lists(q.beliefs_in(session, first, lo, hi))
            out[f"most recent {name}"] = _as_lists(q.most_recent(session, first, lo, hi))
            out[f"fast path {name}"] = _as_lists(
                q.most_recent(session, second, lo, hi, max_events=(hi - lo) // HOUR_US + 1)
            )
            out[f"stats {name}"] = q.stats_per_source(session, first, lo, hi)
            out[f"sources {name}"] = sorted(q_carbon.source_ids_in(session, first, lo, hi))
            out[f"event times {name}"] = _as_lists(
                q_carbon.event_times(session, first, forecaster, lo, hi)
            )
        filters = {
            "prior": q.BeliefFilter(prior_us=mid_lo),
            "horizon": q.BeliefFilter(min_horizon_us=10 * HOUR_US),
            "source": q.BeliefFilter(source_ids=[forecaster]),
            "belief times": q.BeliefFilter(belief_times_us=(mid_lo, mid_hi)),
        }
        for name, flt in filters.items():
            out[f"filtered by {name}"] = _as_lists(
                q.most_recent(session, first, START_US, END_US, flt)
            )
        out["latest per source"] = sorted(q.latest_event_per_source(session, first, mid_hi))
        out["extent"] = q.extent_us(session, sensor_ids)
        out["source extent"] = q.source_extent_us(session, sensor_ids, forecaster)
        out["latest forecaster belief"] = q.latest_belief_time_of_source_type(
            session, first, "forecaster"
        )
        out["has forecasts"] = [
            q.has_beliefs_from_source_type(session, s, "forecaster") for s in sensor_ids
        ]
        out["updated"] = _as_lists(
            q_carbon.updated_events(
                session, first, forecaster, start_us=mid_lo, end_us=None, since_us=mid_lo,
                threshold_us=HOUR_US, limit=1000,
            )
        )  # fmt: skip
        out["last event"] = q_carbon.last_event_us(session, second)
        out["latest belief time"] = q_carbon.latest_belief_time_us(session, first, script, mid_lo)
        out["last value at"] = q_carbon.last_value_event_us(session, first, script, mid_hi)
    return out


def _counts(db: str) -> tuple[int, int]:
    """Belief rows and chunks in the database."""
    with get_engine(db).connect() as conn:
        rows = conn.execute(sa.text("SELECT count(*) FROM belief")).scalar_one()
        chunks = conn.execute(sa.text(f"SELECT count(*) FROM {compression.TABLE}")).scalar_one()
    return int(rows), int(chunks)


def test_compressed_reads_equal_row_reads(postgres, filled, gridflex):
    before = _every_read(postgres, filled)
    rows_before, _ = _counts(postgres)
    assert before["beliefs all"] and before["updated"][0] and before["stats all"]
    done = gridflex("db", "compress", "--older-than", "0")
    assert done.exit_code == 0, done.output
    assert "beliefs moved into" in done.output, done.output
    # every event is weeks old: all of it is in chunks, one per sensor, source and week
    assert _counts(postgres) == (0, 3 * 4)
    assert f"{rows_before:,} beliefs moved into 12 weekly chunks" in done.output
    assert _every_read(postgres, filled) == before
    undone = gridflex("db", "compress", "--undo")
    assert undone.exit_code == 0, undone.output
    assert _counts(postgres) == (rows_before, 0)
    assert _every_read(postgres, filled) == before


def test_only_whole_weeks_older_than_the_cutoff_are_compressed(postgres, filled):
    cutoff = START_US + 2 * WEEK_US + 3 * 24 * HOUR_US  # in the third week
    moved = compression.compress(postgres, cutoff)
    assert moved.chunks == 3 * 2  # the first two weeks, of three source-sensor pairs
    with session_scope(postgres) as session:
        weeks = session.execute(sa.text(f"SELECT DISTINCT bucket_us FROM {compression.TABLE}"))
        assert sorted(w for (w,) in weeks) == [START_US, START_US + WEEK_US]
        left = session.execute(sa.text("SELECT min(event_start_us) FROM belief")).scalar_one()
    assert left == START_US + 2 * WEEK_US


def test_writes_and_deletes_in_compressed_weeks_keep_their_rules(
    postgres, settings, client, world, gridflex
):
    owned = owned_sensor(world, roles=["account-admin"])
    start, prior = "2025-10-07T00:00:00+00:00", "2025-10-08T00:00:00+00:00"
    first = body([1, 2, 3, 4], start, prior=prior)
    assert client.post(owned.url, headers=owned.headers, json=first).status_code == 200
    assert gridflex("db", "compress", "--older-than", "0").exit_code == 0
    assert _counts(postgres) == (0, 1)
    # the same values again: nothing new; another value at the same belief time: refused
    assert client.post(owned.url, headers=owned.headers, json=first).status_code == 200
    assert len(stored(settings, owned.sensor_id)) == 4
    res = client.post(owned.url, headers=owned.headers, json=body([1, 9, 3, 4], start, prior=prior))
    assert res.status_code == 403 and "holds 2.0, not 9.0" in res.json()["message"]
    # a later belief is stored next to the chunk, read as the most recent, and folded in
    later = body([5, 6, 7, 8], start, prior="2025-10-09T00:00:00+00:00")
    assert client.post(owned.url, headers=owned.headers, json=later).status_code == 200
    assert _counts(postgres) == (4, 1)
    params = {"start": start, "duration": "PT1H", "unit": "kW"}
    assert client.get(owned.url, headers=owned.headers, params=params).json()["values"] == [
        5,
        6,
        7,
        8,
    ]
    assert gridflex("db", "compress", "--older-than", "0").exit_code == 0
    assert _counts(postgres) == (0, 1)  # still one chunk for the week
    assert len(stored(settings, owned.sensor_id)) == 8
    # deleting a window thaws the chunk, deletes exactly the window and keeps the rest
    until = "2025-10-07T00:30:00+00:00"
    res = client.delete(owned.url, headers=owned.headers, params={"start": start, "until": until})
    assert res.status_code == 204 and res.headers["Deleted-Beliefs"] == "4"
    values = client.get(owned.url, headers=owned.headers, params=params).json()["values"]
    assert values == [None, None, 7, 8]
    assert gridflex("db", "compress", "--older-than", "0").exit_code == 0
    # a window holding the whole week: the chunk goes without a thaw (no row is written)
    month = (1_759_276_800_000_000, 1_761_955_200_000_000)  # October 2025
    with get_engine(postgres).connect() as conn:
        conn.execute(sa.text("SELECT pg_stat_force_next_flush()"))
        conn.commit()  # the connection's pending statistics are flushed: its next count is anew
        session = Session(bind=conn)
        assert q.delete_beliefs(session, owned.sensor_id, *month) == 4
        inserted = session.execute(
            sa.text(
                "SELECT coalesce(sum(n_tup_ins), 0) FROM pg_stat_xact_user_tables "
                "WHERE relname = 'belief' OR relname ~ '^belief_p[0-9]+$'"
            )
        ).scalar_one()
        assert inserted == 0
        session.commit()
    assert _counts(postgres) == (0, 0)
    # deleting the sensor deletes its chunks
    assert client.post(owned.url, headers=owned.headers, json=later).status_code == 200
    assert gridflex("db", "compress", "--older-than", "0").exit_code == 0
    assert _counts(postgres) == (0, 1)
    res = client.delete(f"/api/v3_0/sensors/{owned.sensor_id}", headers=owned.headers)
    assert res.status_code in (200, 204), res.text
    assert _counts(postgres) == (0, 0)


def test_compression_waits_for_a_writer_of_the_sensor(postgres, filled):
    """A writer holds its sensors' lock from its first check to its commit (see
    ``store.compression``); compressing that sensor waits, other work does not."""
    with session_scope(postgres) as writer:
        compression.lock_sensor(writer, [filled[0]])
        worker = threading.Thread(target=compression.compress, args=(postgres, END_US + WEEK_US))
        worker.start()
        time.sleep(1.0)
        assert worker.is_alive()  # waiting for the writer
        assert _counts(postgres)[1] == 0
    worker.join(60)
    assert not worker.is_alive() and _counts(postgres) == (0, 3 * 4)


def test_compressing_before_the_upgrade_says_what_to_do(postgres, gridflex):
    migrate.downgrade(postgres, "0010_write_mark")
    try:
        done = gridflex("db", "compress")
        assert done.exit_code == 1 and "gridflex db upgrade" in done.output
    finally:
        migrate.upgrade(postgres)


def test_downgrade_turns_chunks_back_into_rows(postgres, settings, filled):
    before = stored(settings, filled[0]).tolist()
    compression.compress(postgres, END_US + WEEK_US)
    try:
        migrate.downgrade(postgres, "0010_write_mark")
        with get_engine(postgres).connect() as conn:
            assert not compression.exists(conn)
        with get_engine(postgres).connect() as conn:  # the code of revision 0010 reads rows only
            columns = ", ".join(q.COLUMNS)
            rows = conn.execute(
                sa.text(
                    f"SELECT {columns} FROM belief WHERE sensor_id = :s "
                    "ORDER BY event_start_us, belief_time_us, source_id, cumulative_probability"
                ),
                {"s": filled[0]},
            )
            assert [tuple(r) for r in rows] == before
    finally:
        migrate.upgrade(postgres)


def test_sqlite_is_refused(db, gridflex):
    if not db.startswith("sqlite"):
        pytest.skip("PostgreSQL compresses (the tests above)")
    done = gridflex("db", "compress")
    assert done.exit_code == 1 and "PostgreSQL" in done.output
