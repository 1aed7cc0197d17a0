"""The belief table on PostgreSQL: hash-partitioned by sensor, or one plain table.

Why by sensor hash (measured, see the README's "Running at scale"): every hot query
filters on one sensor (or a list of sensors), so it touches one partition; partitions
by time would make the queries without a time bound (a sensor's latest event per
source, deleting a sensor's data) visit every partition, a POST of a year touch
twelve, and someone would have to create future partitions. Hashing by
``sensor_id`` is also how Citus shards the table (README), so both paths agree.

Both layouts put the 8-byte columns first: no alignment padding, 48 data bytes a
row instead of 56. Queries name their columns, so the order is invisible to them.

``convert`` rebuilds the table in the wanted layout inside one transaction: writers
wait (``SHARE`` lock) while readers go on; rows are copied sensor range by sensor
range in key order, then keys and indexes are built partition by partition (much
faster than maintaining them row by row), the old table is dropped and the new one
takes its name. Disk: old and new table exist side by side until the end. A failure
rolls everything back. SQLite keeps one ``WITHOUT ROWID`` table and has no partitions.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gridflex.store.base import get_engine

DEFAULT_PARTITIONS = 16
KEY = ("sensor_id", "event_start_us", "belief_time_us", "source_id", "cumulative_probability")
INCLUDED = ("event_value", "belief_horizon_us")
COLUMN_TYPES = (  # physical order: 8-byte columns first, so no padding between them
    ("event_start_us", "bigint"),
    ("belief_time_us", "bigint"),
    ("belief_horizon_us", "bigint"),
    ("cumulative_probability", "double precision"),
    ("event_value", "double precision"),
    ("sensor_id", "integer"),
    ("source_id", "integer"),
)
COLUMNS = ", ".join(name for name, _ in COLUMN_TYPES)
_NEW = "belief_rebuilt"
_BATCHES = 100  # sensor-id ranges copied one after the other (progress steps)

# step, done, total: e.g. ("copy", 3_000_000, 100_000_000) or ("keys", 3, 16)
Progress = Callable[[str, int, int], None]


_PARTITION_NAME = re.compile(r"belief_p\d+")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's filter for comparing the schema with the models: partitions are not tables
    of their own there (the models describe ``belief`` once, whatever its layout), and the
    chunk table of compressed beliefs exists on PostgreSQL only (``store.compression``)."""
    if type_ != "table" or name is None:
        return True
    return not (_PARTITION_NAME.fullmatch(name) or name == "belief_chunk")


def partition_count(conn: Connection, table: str = "belief") -> int | None:
    """How many hash partitions ``table`` has; None for a plain table."""
    sql = (
        "SELECT (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = p.partrelid) "
        "FROM pg_partitioned_table p WHERE p.partrelid = to_regclass(:table)"
    )
    count = conn.execute(sa.text(sql), {"table": table}).scalar()
    return None if count is None else int(count)


def estimated_rows(conn: Connection, table: str = "belief") -> int:
    """The planner's row estimate of a table (and its partitions): instant, roughly right."""
    sql = (
        "SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint FROM pg_class c "
        "WHERE c.oid = to_regclass(:table) "
        "OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = to_regclass(:table))"
    )
    return int(conn.execute(sa.text(sql), {"table": table}).scalar() or 0)


def convert(conn: Connection, partitions: int | None, progress: Progress | None = None) -> None:
    """Rebuild ``belief`` hash-partitioned in ``partitions`` parts (None: one plain table).

    Runs in the caller's transaction on ``conn``; the caller commits. Run
    ``VACUUM ANALYZE belief`` after the commit (index-only reads need the visibility map).
    """
    if partitions is not None and partitions < 2:
        raise ValueError("a partitioned belief table needs at least 2 partitions")
    report = progress or (lambda step, done, total: None)
    conn.execute(sa.text("LOCK TABLE belief IN SHARE MODE"))  # writers wait, readers go on
    _create(conn, _NEW, partitions)
    _copy_rows(conn, report)
    _build_keys(conn, _NEW, partitions, report)
    conn.execute(sa.text("DROP TABLE belief"))
    _rename(conn, partitions)


def _create(conn: Connection, name: str, partitions: int | None) -> None:
    columns = ", ".join(f"{column} {kind} NOT NULL" for column, kind in COLUMN_TYPES)
    by = " PARTITION BY HASH (sensor_id)" if partitions else ""
    conn.execute(sa.text(f"CREATE TABLE {name} ({columns}){by}"))
    for k in range(partitions or 0):
        conn.execute(
            sa.text(
                f"CREATE TABLE {name}_p{k} PARTITION OF {name} "
                f"FOR VALUES WITH (MODULUS {partitions}, REMAINDER {k})"
            )
        )


def _copy_rows(conn: Connection, report: Progress) -> None:
    """Copy every belief in key order, in sensor-id ranges (each one a progress step)."""
    low, high = conn.execute(sa.text("SELECT min(sensor_id), max(sensor_id) FROM belief")).one()
    total = estimated_rows(conn)
    if low is None:
        report("copy", 0, 0)
        return
    step = max(1, -(-(int(high) - int(low) + 1) // _BATCHES))
    copied = 0
    for first in range(int(low), int(high) + 1, step):
        result = conn.execute(
            sa.text(
                f"INSERT INTO {_NEW} ({COLUMNS}) SELECT {COLUMNS} FROM belief "
                "WHERE sensor_id >= :first AND sensor_id < :next "
                f"ORDER BY {', '.join(KEY)}"
            ),
            {"first": first, "next": first + step},
        )
        copied += int(result.rowcount or 0)
        report("copy", copied, max(total, copied))


def _build_keys(conn: Connection, name: str, partitions: int | None, report: Progress) -> None:
    """Primary key (with the payload INCLUDEd: index-only reads) and the source index.

    On a partitioned table they are built per partition first (one progress step
    each); the parent's key and index then adopt them instead of building anew.
    """
    parts = [f"{name}_p{k}" for k in range(partitions or 0)]
    for k, part in enumerate(parts):
        _key_and_index(conn, part, f"pk_{part}", f"ix_{part}_source_id")
        report("keys", k + 1, len(parts))
    _key_and_index(conn, name, f"pk_{name}", f"ix_{name}_source_id")
    if not parts:
        report("keys", 1, 1)


def _key_and_index(conn: Connection, table: str, key_name: str, index_name: str) -> None:
    conn.execute(
        sa.text(
            f"ALTER TABLE {table} ADD CONSTRAINT {key_name} PRIMARY KEY ({', '.join(KEY)}) "
            f"INCLUDE ({', '.join(INCLUDED)})"
        )
    )
    conn.execute(sa.text(f"CREATE INDEX {index_name} ON {table} (source_id)"))


def _rename(conn: Connection, partitions: int | None) -> None:
    """The new table (and its partitions, key and index) take the names of the old."""
    for k in range(partitions or 0):
        part = f"{_NEW}_p{k}"
        conn.execute(sa.text(f"ALTER TABLE {part} RENAME TO belief_p{k}"))
        conn.execute(
            sa.text(f"ALTER TABLE belief_p{k} RENAME CONSTRAINT pk_{part} TO pk_belief_p{k}")
        )
        conn.execute(sa.text(f"ALTER INDEX ix_{part}_source_id RENAME TO ix_belief_p{k}_source_id"))
    conn.execute(sa.text(f"ALTER TABLE {_NEW} RENAME TO belief"))
    conn.execute(sa.text(f"ALTER TABLE belief RENAME CONSTRAINT pk_{_NEW} TO pk_belief"))
    conn.execute(sa.text(f"ALTER INDEX ix_{_NEW}_source_id RENAME TO ix_belief_source_id"))


def partition_count_of(url: str) -> int | None:
    """The belief table's partitions in the database at ``url`` (None: one plain table)."""
    with get_engine(url).connect() as conn:
        return partition_count(conn)


def convert_database(url: str, partitions: int | None, progress: Progress | None = None) -> None:
    """``convert`` in one transaction, then vacuum the new table so that reads are index-only."""
    engine = get_engine(url)
    with engine.begin() as conn:
        convert(conn, partitions, progress)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            sa.text("VACUUM (ANALYZE) belief")
        )
