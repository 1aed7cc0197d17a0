"""Set-based SQL for the beliefs table: most recent belief per event, stats, bulk insert.

Every statement is driven by the primary key
(sensor_id, event_start_us, belief_time_us, source_id, cumulative_probability):
a range scan over one sensor's events. Rows travel as numpy arrays (``belief_io``).

Which belief is "most recent" (one rule, used by every read, deterministic):

1. the latest belief time;
2. then the cumulative probability closest to 0.5 (a median beats a quantile);
3. then the highest source id (the newer source);
4. then the lower cumulative probability (0.4 before 0.6).

Reading most recent beliefs takes a fast path first: when no event in the window
has more than one (filtered) belief, a plain scan in key order is the answer. Only
otherwise is the window reduced in SQL (``DISTINCT ON`` on PostgreSQL,
``ROW_NUMBER()`` on SQLite), and the scan is cut short by a LIMIT as soon as it
holds more rows than the window has events.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.orm import Session

from gridflex.store import compression
from gridflex.store.queries.belief_io import copy_in, fetch, is_postgres, rows_of

ORDER = (
    "belief_time_us DESC, abs(cumulative_probability - 0.5), source_id DESC, cumulative_probability"
)
KINDS = {
    "sensor_id": "i4",
    "event_start_us": "i8",
    "belief_time_us": "i8",
    "source_id": "i4",
    "cumulative_probability": "f8",
    "belief_horizon_us": "i8",
    "event_value": "f8",
}
COLUMNS = tuple(KINDS)
ROW_DTYPE = np.dtype([(name, kind) for name, kind in KINDS.items()])
_PICKED = [("event_start_us", "i8"), ("event_value", "f8"), ("source_id", "i4")]


def beliefs_from(session: Session, lo: str | None = "start_us", hi: str | None = "end_us") -> str:
    """The ``FROM`` of a read: belief rows and, on PostgreSQL, compressed chunks
    (``store.compression``); ``lo`` and ``hi`` name the event window's parameters."""
    return compression.beliefs_sql(is_postgres(session), lo, hi)


@dataclass(frozen=True)
class BeliefFilter:
    """Which beliefs count: by belief time, by horizon and by source."""

    prior_us: int | None = None  # recorded at or before this moment
    min_horizon_us: int | None = None  # recorded at least this long before knowledge time
    source_ids: Sequence[int] | None = None
    belief_times_us: tuple[int, int] | None = None  # belief time within [lo, hi]


@dataclass(frozen=True)
class Picked:
    """The most recent belief per event: event starts [µs], values and source ids."""

    starts_us: np.ndarray
    values: np.ndarray
    source_ids: np.ndarray


def _where(
    sensor_id: int, start_us: int, end_us: int, flt: BeliefFilter
) -> tuple[str, dict[str, int]]:
    clauses = ["sensor_id = :sensor_id", "event_start_us >= :start_us", "event_start_us < :end_us"]
    params = {"sensor_id": int(sensor_id), "start_us": int(start_us), "end_us": int(end_us)}
    if flt.prior_us is not None:
        clauses.append("belief_time_us <= :prior_us")
        params["prior_us"] = int(flt.prior_us)
    if flt.min_horizon_us is not None:
        clauses.append("belief_horizon_us >= :min_horizon_us")
        params["min_horizon_us"] = int(flt.min_horizon_us)
    if flt.belief_times_us is not None:
        clauses.append("belief_time_us BETWEEN :bt_lo AND :bt_hi")
        params["bt_lo"], params["bt_hi"] = (int(t) for t in flt.belief_times_us)
    if flt.source_ids is not None:
        ids = [int(i) for i in flt.source_ids] or [-1]
        names = [f"source_{k}" for k in range(len(ids))]  # placeholders; values stay bound
        clauses.append(f"source_id IN ({', '.join(':' + name for name in names)})")
        params.update(zip(names, ids, strict=True))
    return " AND ".join(clauses), params


def most_recent(
    session: Session,
    sensor_id: int,
    start_us: int,
    end_us: int,
    flt: BeliefFilter = BeliefFilter(),
    *,
    max_events: int | None = None,
) -> Picked:
    """The most recent belief per event in [start, end), ordered by event start.

    ``max_events`` (how many events the window can hold, known for sensors with a
    resolution) enables the fast path described in the module docstring.
    """
    where, params = _where(sensor_id, start_us, end_us, flt)
    if max_events is not None:
        scan = fetch(
            session,
            f"SELECT event_start_us, event_value, source_id FROM {beliefs_from(session)} WHERE {where} "
            "ORDER BY event_start_us, belief_time_us, source_id, cumulative_probability "
            "LIMIT :limit",
            {**params, "limit": int(max_events) + 1},
            _PICKED,
        )
        starts = scan["event_start_us"]
        if len(scan) <= max_events and np.all(starts[1:] > starts[:-1]):
            return Picked(starts, scan["event_value"], scan["source_id"])
    if is_postgres(session):
        sql = (
            "SELECT DISTINCT ON (event_start_us) event_start_us, event_value, source_id "
            f"FROM {beliefs_from(session)} WHERE {where} ORDER BY event_start_us, {ORDER}"
        )
    else:
        sql = (
            "SELECT event_start_us, event_value, source_id FROM (SELECT event_start_us, event_value, "
            f"source_id, ROW_NUMBER() OVER (PARTITION BY event_start_us ORDER BY {ORDER}) AS rank "
            f"FROM {beliefs_from(session)} WHERE {where}) WHERE rank = 1 ORDER BY event_start_us"
        )
    picked = fetch(session, sql, params, _PICKED)
    return Picked(picked["event_start_us"], picked["event_value"], picked["source_id"])


def beliefs_in(
    session: Session, sensor_id: int, start_us: int, end_us: int, flt: BeliefFilter = BeliefFilter()
) -> np.ndarray:
    """All beliefs (not just the most recent) in the window, in key order (``ROW_DTYPE``)."""
    where, params = _where(sensor_id, start_us, end_us, flt)
    sql = (
        f"SELECT {', '.join(COLUMNS)} FROM {beliefs_from(session)} WHERE {where} "
        "ORDER BY event_start_us, belief_time_us, source_id, cumulative_probability"
    )
    return fetch(session, sql, params, list(KINDS.items()))


def values_by_sensor(
    session: Session, sensor_ids: Sequence[int], start_us: int, end_us: int
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Every belief of many sensors in [start, end): event starts [µs] and values per sensor.

    Within a sensor, rows come in no particular order, but the two arrays are aligned.
    Sensors without beliefs in the window are left out. This is the bulk read behind
    whole-network statistics (17.5 M beliefs for a thousand sensors over a year).
    PostgreSQL, the backend for networks of that size, sends one binary string per
    sensor and column (no Python object per value) over parallel connections (one per
    CPU) when the session has written nothing yet; otherwise the other connections
    would miss the session's own writes. SQLite reads one key range per sensor
    through the sqlite3 module.
    """
    return dict(iter_values_by_sensor(session, sensor_ids, start_us, end_us))


def iter_values_by_sensor(
    session: Session,
    sensor_ids: Sequence[int],
    start_us: int,
    end_us: int,
    *,
    sensors_per_read: int = 50,
) -> Iterator[tuple[int, tuple[np.ndarray, np.ndarray]]]:
    """`values_by_sensor` one sensor at a time, in the order asked for, as the reads arrive.

    A caller can work on each sensor while later ones are read, and holds only the few
    reads in flight: ``sensors_per_read`` sensors each (fewer for dense data).
    """
    ids = [int(i) for i in sensor_ids]
    if not is_postgres(session):
        yield from _sqlite_values_by_sensor(session, ids, start_us, end_us)
        return
    size = max(1, sensors_per_read)
    parts = [ids[i : i + size] for i in range(0, len(ids), size)]
    workers = _workers(ids)
    if workers == 1 or _has_written(session):
        for part in parts:
            yield from _in_order(part, _pg_values_by_sensor(session, part, start_us, end_us))
        return
    engine = session.get_bind()

    def read(part: list[int]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        with Session(engine) as own:
            return _pg_values_by_sensor(own, part, start_us, end_us)

    # Parts go to whichever connection is free (no connection waits for a slower one);
    # a few are read ahead of the caller, whose own work then overlaps the reading.
    pending: deque[tuple[list[int], Future[dict[int, tuple[np.ndarray, np.ndarray]]]]] = deque()
    with ThreadPoolExecutor(workers) as pool:
        try:
            for part in parts:
                pending.append((part, pool.submit(read, part)))
                if len(pending) > 2 * workers:
                    done, future = pending.popleft()
                    yield from _in_order(done, future.result())
            while pending:
                done, future = pending.popleft()
                yield from _in_order(done, future.result())
        finally:
            for _, future in pending:
                future.cancel()


def _in_order(
    ids: list[int], found: dict[int, tuple[np.ndarray, np.ndarray]]
) -> Iterator[tuple[int, tuple[np.ndarray, np.ndarray]]]:
    """The sensors found, in the order asked for (a statement's rows have no set order)."""
    return ((i, found[i]) for i in ids if i in found)


_PARALLEL_FROM = 100  # sensors; below this, extra connections cost more than they save


def _workers(ids: list[int]) -> int:
    """How many connections share a bulk read: one per CPU (at most 4) for big reads."""
    return 1 if len(ids) < _PARALLEL_FROM else max(1, min(os.cpu_count() or 1, 4))


def _has_written(session: Session) -> bool:
    return bool(rows_of(session, "SELECT pg_current_xact_id_if_assigned() IS NOT NULL", {})[0][0])


# One aggregate per sensor (a LATERAL subquery: a plain aggregate over one key range of one
# partition) rather than GROUP BY over ``sensor_id = ANY(...)``, which merges all partitions'
# scans and compares group keys on every row; no delimiter (NULL) rather than an empty one.
# Measured, 1,000 sensors x 17,568 beliefs: 3.5 s of server CPU against 4.4 s.
_PG_BULK = (
    "SELECT s.id, x.event_starts, x.event_values FROM unnest(CAST(:ids AS int4[])) AS s(id) "
    "CROSS JOIN LATERAL (SELECT string_agg(int8send(event_start_us), NULL) AS event_starts, "
    "string_agg(float8send(event_value), NULL) AS event_values FROM belief "
    "WHERE sensor_id = s.id AND event_start_us >= :start_us AND event_start_us < :end_us) AS x"
)
# Compressed chunks travel whole, as their arrays' binary form (``array_send``: no work per
# value on the server); values outside the window are dropped here. Unnesting them into the
# aggregate above made a whole-network read 2.5 times slower (10⁸ beliefs, README).
_PG_BULK_CHUNKS = (
    "SELECT sensor_id, array_send(event_starts_us), array_send(event_values) "
    f"FROM {compression.TABLE} WHERE sensor_id = ANY(CAST(:ids AS int4[])) "
    f"AND bucket_us > :start_us - {compression.SPAN_US} AND bucket_us < :end_us"
)
# A one-dimensional array without NULLs in binary: a 20-byte header, then per element its
# length (4 bytes) and value (8 bytes, big-endian).
_ARRAY_HEADER = 20
_INT8_ITEMS = np.dtype([("length", ">i4"), ("value", ">i8")])
_FLOAT8_ITEMS = np.dtype([("length", ">i4"), ("value", ">f8")])


def _pg_values_by_sensor(
    session: Session, ids: list[int], start_us: int, end_us: int
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    parts: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
    session.execute(sa.text("SET LOCAL jit = off"))  # compiling costs more than these scans
    params = {"ids": ids, "start_us": int(start_us), "end_us": int(end_us)}
    for sensor_id, starts, values in rows_of(session, _PG_BULK, params):
        if starts is not None:  # else no beliefs in the window
            parts.setdefault(int(sensor_id), []).append(
                (
                    np.frombuffer(starts, ">i8").astype(np.int64),
                    np.frombuffer(values, ">f8").astype(float),
                )
            )
    for sensor_id, starts, values in rows_of(session, _PG_BULK_CHUNKS, params):
        at = np.frombuffer(starts, _INT8_ITEMS, offset=_ARRAY_HEADER)["value"].astype(np.int64)
        inside = (at >= start_us) & (at < end_us)
        if inside.any():
            found = np.frombuffer(values, _FLOAT8_ITEMS, offset=_ARRAY_HEADER)["value"]
            parts.setdefault(int(sensor_id), []).append((at[inside], found[inside].astype(float)))
    return {
        sensor_id: (np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs]))
        for sensor_id, pairs in parts.items()
    }


_SQLITE_BULK = (
    "SELECT event_start_us, event_value FROM belief "
    "WHERE sensor_id = :sensor_id AND event_start_us >= :start_us AND event_start_us < :end_us"
)
_PAIR = [("event_start_us", "i8"), ("event_value", "f8")]


def _sqlite_values_by_sensor(
    session: Session, ids: list[int], start_us: int, end_us: int
) -> Iterator[tuple[int, tuple[np.ndarray, np.ndarray]]]:
    """One key-range scan per sensor, through the session's own connection (so it sees the
    session's own writes). About 0.5 µs a row, nearly all of it the sqlite3 module making
    a Python object per value: a year of half-hourly values for a thousand sensors takes
    seconds (see the README's storage plan); PostgreSQL is the backend for that size."""
    for sensor_id in ids:
        params = {"sensor_id": sensor_id, "start_us": int(start_us), "end_us": int(end_us)}
        rows = fetch(session, _SQLITE_BULK, params, _PAIR)
        if len(rows):
            yield sensor_id, (rows["event_start_us"], rows["event_value"])


def insert(session: Session, rows: np.ndarray) -> None:
    """Insert rows (a structured array with the fields of ``COLUMNS``): COPY or one executemany."""
    if len(rows):
        copy_in(session, "belief", rows[list(COLUMNS)], KINDS)


def delete_beliefs(
    session: Session,
    sensor_id: int,
    start_us: int = -(2**62),
    end_us: int = 2**62,
    flt: BeliefFilter = BeliefFilter(),
) -> int:
    """Delete the sensor's beliefs about events starting in [start, end) that pass ``flt``;
    the number deleted."""
    where, params = _where(sensor_id, start_us, end_us, flt)
    compression.lock_sensor(session, [sensor_id])
    only_window = (
        flt.prior_us is None and flt.min_horizon_us is None and flt.belief_times_us is None
    )
    dropped = compression.clear_window(
        session, sensor_id, start_us, end_us, flt.source_ids, drop_whole=only_window
    )
    result = session.execute(sa.text(f"DELETE FROM belief WHERE {where}"), params)
    return _rowcount(result) + dropped


def delete_sensors_beliefs(session: Session, sensor_ids: Sequence[int]) -> None:
    """Delete every belief about these sensors (rows and chunks)."""
    ids = [int(i) for i in sensor_ids]
    if not ids:
        return
    compression.lock_sensor(session, ids)
    marks = ", ".join(f":s{i}" for i in range(len(ids)))
    session.execute(
        sa.text(f"DELETE FROM belief WHERE sensor_id IN ({marks})"),
        {f"s{i}": s for i, s in enumerate(ids)},
    )
    compression.delete_chunks(session, ids)


def stats_per_source(
    session: Session, sensor_id: int, start_us: int, end_us: int
) -> list[tuple[int, int, int, int, float, float, float, float, int]]:
    """Per source, over its most recent belief per event: source id, first and last event
    start [µs], last belief time [µs], min, max, mean and sum of the values, and their count."""
    where, params = _where(sensor_id, start_us, end_us, BeliefFilter())
    order = "belief_time_us DESC, abs(cumulative_probability - 0.5), cumulative_probability"
    if is_postgres(session):
        picked = (
            "SELECT DISTINCT ON (source_id, event_start_us) source_id, event_start_us, belief_time_us, "
            f"event_value FROM {beliefs_from(session)} WHERE {where} "
            f"ORDER BY source_id, event_start_us, {order}"
        )
    else:
        picked = (
            "SELECT source_id, event_start_us, belief_time_us, event_value FROM (SELECT source_id, "
            "event_start_us, belief_time_us, event_value, ROW_NUMBER() OVER (PARTITION BY source_id, "
            f"event_start_us ORDER BY {order}) AS rank FROM {beliefs_from(session)} WHERE {where}) "
            "WHERE rank = 1"
        )
    # PostgreSQL refuses a float8 sum that overflows; a numeric sum never does (float() of the
    # result is then inf). SQLite's float sum already gives inf.
    exact = "::numeric" if is_postgres(session) else ""
    sql = (
        "SELECT source_id, MIN(event_start_us), MAX(event_start_us), MAX(belief_time_us), "
        f"MIN(event_value), MAX(event_value), AVG(event_value{exact}), SUM(event_value{exact}), "
        f"COUNT(*) FROM ({picked}) AS picked GROUP BY source_id ORDER BY source_id"
    )
    return rows_of(session, sql, params)


def latest_event_per_source(
    session: Session, sensor_id: int, before_us: int
) -> list[tuple[int, int]]:
    """Per source: the latest event start among beliefs recorded at or before ``before_us``."""
    sql = (
        f"SELECT source_id, MAX(event_start_us) FROM {beliefs_from(session, None, None)} "
        "WHERE sensor_id = :sensor_id AND belief_time_us <= :before_us GROUP BY source_id"
    )
    return rows_of(session, sql, {"sensor_id": int(sensor_id), "before_us": int(before_us)})


def delete_orphans(session: Session) -> int:
    """Delete beliefs whose sensor or data source no longer exists (there are no foreign keys)."""
    result = session.execute(
        sa.text(
            "DELETE FROM belief WHERE sensor_id NOT IN (SELECT id FROM sensor) "
            "OR source_id NOT IN (SELECT id FROM data_source)"
        )
    )
    compression.delete_chunks(session, None)
    return _rowcount(result)


def extent_us(session: Session, sensor_ids: Sequence[int]) -> tuple[int, int] | None:
    """First and last event start over several sensors, or None when they hold nothing."""
    if not sensor_ids:
        return None
    # One MIN or MAX per sensor and subquery: each is a single index probe on both backends
    # (chunks know their first and last event start).
    parts = " UNION ALL ".join(
        f"SELECT {_bound(session, 'MIN', f'sensor_id = :s{i}')} AS lo, "
        f"{_bound(session, 'MAX', f'sensor_id = :s{i}')} AS hi"
        for i in range(len(sensor_ids))
    )
    params = {f"s{i}": int(s) for i, s in enumerate(sensor_ids)}
    rows = rows_of(session, f"SELECT MIN(lo), MAX(hi) FROM ({parts}) AS extents", params)
    if not rows or rows[0][0] is None:
        return None
    return int(rows[0][0]), int(rows[0][1])


def source_extent_us(
    session: Session, sensor_ids: Sequence[int], source_id: int
) -> tuple[int, int] | None:
    """First and last event start of one source's beliefs over several sensors, or None."""
    if not sensor_ids:
        return None
    marks = ", ".join(f":s{i}" for i in range(len(sensor_ids)))
    params: dict[str, int] = {f"s{i}": int(s) for i, s in enumerate(sensor_ids)}
    where = f"sensor_id IN ({marks}) AND source_id = :source"
    rows = rows_of(
        session,
        f"SELECT {_bound(session, 'MIN', where)}, {_bound(session, 'MAX', where)}",
        {**params, "source": int(source_id)},
    )
    if not rows or rows[0][0] is None:
        return None
    return int(rows[0][0]), int(rows[0][1])


def latest_belief_time_of_source_type(
    session: Session, sensor_id: int, source_type: str
) -> int | None:
    """The latest belief time [µs] about the sensor among sources of this type, or None."""
    rows = rows_of(
        session,
        f"SELECT MAX(belief_time_us) FROM {beliefs_from(session, None, None)} "
        "WHERE sensor_id = :sensor AND source_id IN "
        "(SELECT id FROM data_source WHERE type = :type)",
        {"sensor": int(sensor_id), "type": source_type},
    )
    return None if not rows or rows[0][0] is None else int(rows[0][0])


def has_beliefs_from_source_type(session: Session, sensor_id: int, source_type: str) -> bool:
    """Whether any belief about the sensor comes from a data source of this type
    (``forecaster``, ``scheduler``, ...)."""
    rows = rows_of(
        session,
        f"SELECT 1 FROM {beliefs_from(session, None, None)} WHERE sensor_id = :sensor AND source_id IN "
        "(SELECT id FROM data_source WHERE type = :type) LIMIT 1",
        {"sensor": int(sensor_id), "type": source_type},
    )
    return bool(rows)


def _bound(session: Session, fn: str, where: str) -> str:
    """The first (MIN) or last (MAX) event start of the beliefs matching ``where``: an index
    probe of the rows and, on PostgreSQL, of the chunks (which keep their first and last)."""
    rows = f"(SELECT {fn}(event_start_us) FROM belief WHERE {where})"
    if not is_postgres(session):
        return rows
    column = "first_start_us" if fn == "MIN" else "last_start_us"
    pick = "LEAST" if fn == "MIN" else "GREATEST"  # both skip a NULL (no beliefs there)
    return f"{pick}({rows}, (SELECT {fn}({column}) FROM {compression.TABLE} WHERE {where}))"


def _rowcount(result: Result[Any]) -> int:
    """Rows a DELETE touched: Session.execute is typed as returning a Result, but a DML
    statement gives a CursorResult, which has the count."""
    return int(cast(CursorResult[Any], result).rowcount or 0)
