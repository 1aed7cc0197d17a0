"""Moving many rows between the database and numpy without a Python object per value.

PostgreSQL: ``COPY ... (FORMAT BINARY)`` both ways; every column we move is a
fixed-width, non-null number, so a row is a fixed-size record that numpy reads
and writes directly (big-endian, each field prefixed by its byte length).
SQLite: plain tuples from the DB-API cursor, turned into a structured array in
one ``np.fromiter`` call (the sqlite3 module has no bulk path).

Parameters are only ever integers here and are formatted into the SQL by
``inline`` (COPY takes no bind parameters).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
_TRAILER = b"\xff\xff"
_PG_TYPES = {"i4": ">i4", "i8": ">i8", "f8": ">f8"}


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def inline(sql: str, params: Mapping[str, int | float]) -> str:
    """Format numeric parameters into ``sql`` (``:name`` placeholders)."""
    for name in sorted(params, key=len, reverse=True):  # :start_us before :start
        value = params[name]
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise TypeError(f"only numbers are inlined, got {name}={value!r}")
        sql = sql.replace(
            f":{name}",
            repr(int(value)) if isinstance(value, int | np.integer) else repr(float(value)),
        )
    return sql


def _wire_dtype(columns: Sequence[tuple[str, str]]) -> np.dtype:
    fields: list[tuple[str, str]] = [("_n", ">i2")]
    for i, (name, kind) in enumerate(columns):
        fields += [(f"_len{i}", ">i4"), (name, _PG_TYPES[kind])]
    return np.dtype(fields)


def fetch(
    session: Session,
    sql: str,
    params: Mapping[str, int | float],
    columns: Sequence[tuple[str, str]],
) -> np.ndarray:
    """Run a SELECT whose columns are non-null numbers; return a structured array.

    ``columns`` names the selected columns in order with their kind: ``"i4"``,
    ``"i8"`` or ``"f8"`` (the SQL must cast to exactly these types on PostgreSQL).
    """
    native = np.dtype([(name, kind) for name, kind in columns])
    if is_postgres(session):
        raw = session.connection().connection.driver_connection
        with raw.cursor() as cursor:  # type: ignore[union-attr]
            with cursor.copy(f"COPY ({inline(sql, params)}) TO STDOUT (FORMAT BINARY)") as copy:
                data = b"".join(bytes(chunk) for chunk in copy)
        body = data[len(_SIGNATURE) : len(data) - len(_TRAILER)]
        wire = np.frombuffer(body, dtype=_wire_dtype(columns))
        out = np.empty(len(wire), dtype=native)
        for name, _ in columns:
            out[name] = wire[name]
        return out
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        rows = cursor.execute(sql, dict(params)).fetchall()
    finally:
        cursor.close()
    return np.fromiter(rows, dtype=native, count=len(rows))


def copy_in(session: Session, table: str, rows: np.ndarray, kinds: Mapping[str, str]) -> None:
    """Bulk-insert a structured array (fields named like the table's columns)."""
    names = list(rows.dtype.names or ())
    if is_postgres(session):
        wire = np.empty(len(rows), dtype=_wire_dtype([(name, kinds[name]) for name in names]))
        wire["_n"] = len(names)
        for i, name in enumerate(names):
            wire[f"_len{i}"] = np.dtype(kinds[name]).itemsize
            wire[name] = rows[name]
        raw = session.connection().connection.driver_connection
        with raw.cursor() as cursor:  # type: ignore[union-attr]
            with cursor.copy(
                f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.write(_SIGNATURE + wire.tobytes() + _TRAILER)
        return
    placeholders = ", ".join("?" for _ in names)
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({placeholders})", rows.tolist()
        )
    finally:
        cursor.close()


def rows_of(session: Session, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """A few rows as plain tuples (for small, possibly nullable results)."""
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if is_postgres(session):
            cursor.execute(inline(sql, params))
        else:
            cursor.execute(sql, dict(params))
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()
