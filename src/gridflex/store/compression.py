"""Compressed belief chunks (PostgreSQL): one row per sensor, source and week, holding arrays.

Why: a belief in its own row costs at least 76 bytes of heap and about 68 of primary key
(README, "Disk per belief"), 161 bytes in all at 10⁸ beliefs. A chunk holds one source's
beliefs about one sensor's events in one week (``SPAN_US``) as five arrays in key order,
which PostgreSQL compresses (lz4 where the server has it) and stores out of line: about 21
bytes a belief for 15-minute data, 25 for hourly (measured, README).

- **Reads** see the belief table and the chunks as one set of rows: ``beliefs_sql`` is the
  ``FROM`` of every read. PostgreSQL pushes each query's filters into both halves; the
  chunk half finds its rows by ``(sensor_id, bucket_us)`` and unnests only those.
- **Writes** always go to the belief table; a chunk is never changed in place. The checks
  before a write read both halves, so a stored belief is found wherever it lives.
- **Deletes** drop the chunks wholly inside their window (when they filter by window and
  source only) and move the others they touch back into rows (``clear_window``), then
  delete rows.
- **Compressing** (``gridflex db compress``) moves the rows of events older than a cutoff
  into chunks, folding in any chunk of the same week, so a week (Monday to Monday, UTC)
  stays one chunk.

A sensor's writes and deletes take its advisory lock shared (``lock_sensor``); compressing
takes it exclusively. Otherwise a writer could check for a belief, a compression could then
move a concurrently written copy out of the primary key's reach, and the writer would store
a duplicate the key no longer refuses. SQLite has no chunks: everything here is a no-op there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from gridflex.store.base import get_engine
from gridflex.store.queries.belief_io import rows_of

TABLE = "belief_chunk"
SPAN_US = 7 * 86_400_000_000  # one week: ~670 beliefs of 15-minute data, enough to compress well
MONDAY_US = 4 * 86_400_000_000  # weeks start on Monday 00:00 UTC (the epoch was a Thursday)
LOCK_SPACE = 0x6766  # the first key of the sensors' two-key advisory locks ("gf")
SENSORS_PER_STEP = 100  # sensors compressed in one transaction (one progress step)
# The belief columns, and the chunk arrays that hold them, in the order reads select them.
ARRAYS = {
    "event_start_us": ("event_starts_us", "bigint"),
    "belief_time_us": ("belief_times_us", "bigint"),
    "cumulative_probability": ("probabilities", "double precision"),
    "belief_horizon_us": ("belief_horizons_us", "bigint"),
    "event_value": ("event_values", "double precision"),
}
ROW_COLUMNS = (
    "sensor_id",
    "event_start_us",
    "belief_time_us",
    "source_id",
    "cumulative_probability",
    "belief_horizon_us",
    "event_value",
)
_UNNEST = f"unnest({', '.join(array for array, _ in ARRAYS.values())}) AS u({', '.join(ARRAYS)})"
_CHUNK_ROWS = ", ".join(  # a chunk's beliefs as rows, named like the belief table's columns
    f"c.{name}" if name in ("sensor_id", "source_id") else f"u.{name}" for name in ROW_COLUMNS
)
# Key order inside a chunk (ties in event start, then belief time, then probability).
_KEY_ORDER = "event_start_us, belief_time_us, cumulative_probability"

# step, done, total: e.g. ("compress", 300, 10_000) sensors
Progress = Callable[[str, int, int], None]


def create_table(conn: Connection) -> None:
    """The chunk table (migration 0011): 8-byte columns first, arrays compressed with lz4."""
    arrays = ", ".join(f"{array} {kind}[] NOT NULL" for array, kind in ARRAYS.values())
    conn.execute(
        sa.text(
            f"CREATE TABLE {TABLE} (bucket_us bigint NOT NULL, first_start_us bigint NOT NULL, "
            "last_start_us bigint NOT NULL, sensor_id integer NOT NULL, source_id integer NOT NULL, "
            f"{arrays}, CONSTRAINT pk_{TABLE} PRIMARY KEY (sensor_id, bucket_us, source_id))"
        )
    )
    try:
        with conn.begin_nested():  # a server built without lz4 keeps its default (pglz)
            for array, _ in ARRAYS.values():
                conn.execute(
                    sa.text(f"ALTER TABLE {TABLE} ALTER COLUMN {array} SET COMPRESSION lz4")
                )
    except sa.exc.DBAPIError:
        pass


def exists(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    return bool(conn.execute(sa.text(f"SELECT to_regclass('{TABLE}') IS NOT NULL")).scalar())


def exists_at(url: str) -> bool:
    """Whether the database at ``url`` has the chunk table (PostgreSQL, revision 0011 on)."""
    with get_engine(url).connect() as conn:
        return exists(conn)


def beliefs_sql(postgres: bool, lo: str | None = None, hi: str | None = None) -> str:
    """What reads select ``FROM``: the belief table, and on PostgreSQL its chunks too.

    ``lo`` and ``hi`` name the query's bound parameters of the event-start window
    [lo, hi), if it has one: they narrow the chunks to the weeks that can hold it.
    Every other filter of the query is pushed into both halves by PostgreSQL itself.
    """
    if not postgres:
        return "belief"
    weeks = []
    if lo is not None:
        weeks.append(f"c.bucket_us > :{lo} - {SPAN_US}")
    if hi is not None:
        weeks.append(f"c.bucket_us < :{hi}")
    where = f" WHERE {' AND '.join(weeks)}" if weeks else ""
    return (
        f"(SELECT {', '.join(ROW_COLUMNS)} FROM belief UNION ALL "
        f"SELECT {_CHUNK_ROWS} FROM {TABLE} c CROSS JOIN LATERAL {_UNNEST}{where}) AS belief"
    )


def lock_sensor(session: Session, sensor_ids: Sequence[int]) -> None:
    """Before changing beliefs of these sensors: wait for (and keep out) their compression."""
    if session.get_bind().dialect.name != "postgresql" or not sensor_ids:
        return
    ids = sorted({int(i) for i in sensor_ids})  # in order: no deadlock with another locker
    if len(ids) == 1:  # every write: the plainest statement, on the driver's own cursor
        rows_of(
            session,
            "SELECT pg_advisory_xact_lock_shared(:space, :id)",
            {"space": LOCK_SPACE, "id": ids[0]},
        )
        return
    rows_of(
        session,
        "SELECT pg_advisory_xact_lock_shared(:space, s) FROM unnest(CAST(:ids AS int4[])) AS s ORDER BY s",
        {"space": LOCK_SPACE, "ids": ids},
    )


def _thaw_sql(where: str) -> str:
    """Move the chunks that match ``where`` (on alias c) back into belief rows."""
    columns = ", ".join(ROW_COLUMNS)
    return (
        f"WITH thawed AS (DELETE FROM {TABLE} c WHERE {where} RETURNING c.*) "
        f"INSERT INTO belief ({columns}) SELECT {_CHUNK_ROWS} FROM thawed c "
        f"CROSS JOIN LATERAL {_UNNEST}"
    )


def clear_window(
    session: Session,
    sensor_id: int,
    start_us: int,
    end_us: int,
    source_ids: Sequence[int] | None = None,
    *,
    drop_whole: bool,
) -> int:
    """Before a delete of the sensor's beliefs about [start, end) (of these sources only, if
    given): with ``drop_whole``, chunks whose every event lies in the window are deleted
    outright; the other chunks the window touches go back into rows, where the delete
    finds them. The number of beliefs deleted here. Call ``lock_sensor`` first."""
    if session.get_bind().dialect.name != "postgresql":
        return 0
    where, params = _window(sensor_id, start_us, end_us, source_ids)
    dropped = 0
    if drop_whole:
        sql = (
            f"WITH gone AS (DELETE FROM {TABLE} c WHERE {where} AND c.first_start_us >= :lo "
            "AND c.last_start_us < :hi RETURNING cardinality(c.event_starts_us) AS n) "
            "SELECT coalesce(sum(n), 0) FROM gone"
        )
        dropped = int(session.execute(sa.text(sql), params).scalar_one())
    session.execute(sa.text(_thaw_sql(where)), params)
    return dropped


def _window(
    sensor_id: int, start_us: int, end_us: int, source_ids: Sequence[int] | None
) -> tuple[str, dict[str, object]]:
    """The chunks of a sensor (and sources) with events in [start, end): SQL on alias c."""
    where = (
        "c.sensor_id = :sensor AND c.bucket_us > :lo - :span AND c.bucket_us < :hi "
        "AND c.last_start_us >= :lo AND c.first_start_us < :hi"
    )
    params: dict[str, object] = {
        "sensor": int(sensor_id), "lo": int(start_us), "hi": int(end_us), "span": SPAN_US,
    }  # fmt: skip
    if source_ids is not None:
        where += " AND c.source_id = ANY(CAST(:sources AS int4[]))"
        params["sources"] = [int(i) for i in source_ids]
    return where, params


def delete_chunks(session: Session, sensor_ids: Sequence[int] | None) -> None:
    """Delete every chunk of these sensors; with None, the chunks of sensors or sources
    that no longer exist."""
    if session.get_bind().dialect.name != "postgresql":
        return
    if sensor_ids is None:
        session.execute(
            sa.text(
                f"DELETE FROM {TABLE} WHERE sensor_id NOT IN (SELECT id FROM sensor) "
                "OR source_id NOT IN (SELECT id FROM data_source)"
            )
        )
        return
    session.execute(
        sa.text(f"DELETE FROM {TABLE} WHERE sensor_id = ANY(CAST(:ids AS int4[]))"),
        {"ids": [int(i) for i in sensor_ids]},
    )


# The week of an event start, for negative starts too (SQL's % keeps the dividend's sign).
_BUCKET = f"event_start_us - (((event_start_us - {MONDAY_US}) % {SPAN_US}) + {SPAN_US}) % {SPAN_US}"
_AGGREGATES = ", ".join(f"array_agg({name} ORDER BY {_KEY_ORDER})" for name in ARRAYS)
# 1. Chunks of a week that also has rows to compress go back to rows (one chunk per week).
_FOLD = _thaw_sql(
    "c.sensor_id = ANY(CAST(:ids AS int4[])) AND c.bucket_us < :cutoff AND EXISTS (SELECT 1 "
    "FROM belief b WHERE b.sensor_id = c.sensor_id AND b.event_start_us >= c.bucket_us "
    f"AND b.event_start_us < c.bucket_us + {SPAN_US} AND b.source_id = c.source_id)"
)
# 2. The rows of events before the cutoff become chunks, in one statement (what is deleted
#    is exactly what is aggregated).
_MOVE = (
    "WITH moved AS (DELETE FROM belief WHERE sensor_id = ANY(CAST(:ids AS int4[])) "
    f"AND event_start_us < :cutoff RETURNING {', '.join(ROW_COLUMNS)}), "
    f"made AS (INSERT INTO {TABLE} (sensor_id, bucket_us, source_id, first_start_us, "
    f"last_start_us, {', '.join(array for array, _ in ARRAYS.values())}) "
    f"SELECT sensor_id, {_BUCKET}, source_id, min(event_start_us), max(event_start_us), "
    f"{_AGGREGATES} FROM moved GROUP BY 1, 2, 3 RETURNING cardinality(event_starts_us) AS n) "
    "SELECT count(*), coalesce(sum(n), 0) FROM made"
)
_THAW_SOME = _thaw_sql("c.sensor_id = ANY(CAST(:ids AS int4[]))")
THAW_ALL_SQL = _thaw_sql("TRUE")  # the downgrade of migration 0011


def week_start_us(moment_us: int) -> int:
    """The start of the week (Monday 00:00 UTC) holding a moment: the buckets of chunks."""
    return moment_us - (moment_us - MONDAY_US) % SPAN_US  # Python's % is never negative here


@dataclass(frozen=True)
class Moved:
    """What a compression did: beliefs moved into chunks and the chunks written."""

    beliefs: int
    chunks: int


def compress(url: str, before_us: int, progress: Progress | None = None) -> Moved:
    """Move the beliefs about events before the week of ``before_us`` into chunks.

    Only whole weeks are compressed (the cutoff is rounded down to a week's start).
    Runs ``SENSORS_PER_STEP`` sensors per transaction, each holding those sensors' locks:
    their writers wait for that step only; readers never wait. Vacuums afterwards.
    """
    cutoff = week_start_us(before_us)
    engine = get_engine(url)
    beliefs = chunks = 0
    for ids, report in _steps(engine, "compress", progress):
        with engine.begin() as conn:
            _lock_exclusive(conn, ids)
            conn.execute(sa.text(_FOLD), {"ids": ids, "cutoff": cutoff})
            made, moved = conn.execute(sa.text(_MOVE), {"ids": ids, "cutoff": cutoff}).one()
        beliefs, chunks = beliefs + int(moved), chunks + int(made)
        report()
    vacuum(url)
    return Moved(beliefs, chunks)


def decompress(url: str, progress: Progress | None = None) -> int:
    """Turn every chunk back into rows (before ``db partition --undo`` for Citus, or to
    leave compression); the number of beliefs moved."""
    engine = get_engine(url)
    moved = 0
    for ids, report in _steps(engine, "decompress", progress):
        with engine.begin() as conn:
            _lock_exclusive(conn, ids)
            moved += int(conn.execute(sa.text(_THAW_SOME), {"ids": ids}).rowcount or 0)
        report()
    vacuum(url)
    return moved


def _steps(engine: sa.Engine, name: str, progress: Progress | None):  # noqa: ANN202
    """Sensor ids in steps of ``SENSORS_PER_STEP``, each with a callable reporting it done."""
    with engine.connect() as conn:
        if not exists(conn):
            raise RuntimeError("Compression needs PostgreSQL at revision 0011 or later.")
        ids = [int(i) for i in conn.execute(sa.text("SELECT id FROM sensor ORDER BY id")).scalars()]
    report = progress or (lambda step, done, total: None)
    report(name, 0, len(ids))
    for k in range(0, len(ids), SENSORS_PER_STEP):
        part = ids[k : k + SENSORS_PER_STEP]
        yield part, lambda done=k + len(part): report(name, done, len(ids))


def _lock_exclusive(conn: Connection, ids: list[int]) -> None:
    conn.execute(
        sa.text(
            "SELECT pg_advisory_xact_lock(:space, s) FROM unnest(CAST(:ids AS int4[])) AS s ORDER BY s"
        ),
        {"space": LOCK_SPACE, "ids": ids},
    )


def vacuum(url: str, *, full: bool = False) -> None:
    """Vacuum both tables (index-only reads need the visibility map). ``full`` rewrites the
    belief table to give back the space of the rows moved out (it locks the table meanwhile)."""
    with get_engine(url).connect() as conn:
        run = conn.execution_options(isolation_level="AUTOCOMMIT").execute
        run(sa.text(f"VACUUM ({'FULL, ' if full else ''}ANALYZE) belief"))
        run(sa.text(f"VACUUM (ANALYZE) {TABLE}"))


def disk_bytes(url: str) -> dict[str, int]:
    """Bytes on disk of the belief rows (with partitions and indexes) and of the chunks
    (with their compressed arrays and key)."""
    rows = (
        "SELECT coalesce((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('belief') "
        "WHERE isleaf), pg_total_relation_size('belief'))"
    )
    with get_engine(url).connect() as conn:
        return {
            "rows": int(conn.execute(sa.text(rows)).scalar_one()),
            "chunks": int(
                conn.execute(sa.text(f"SELECT pg_total_relation_size('{TABLE}')")).scalar_one()
            ),
        }
