"""Bulk reads of two numeric columns from a SQLite file, in C (``_sqlite_scan.c``).

The sqlite3 module turns every value into a Python object (about 0.6 µs each):
17.5 million beliefs take 10 s that way. The C scanner steps the statement with
the GIL released and returns packed int64/float64 arrays, about 0.17 µs a row,
and several threads scan in parallel (each on its own read-only connection).

It calls the SQLite library that the sqlite3 module itself uses (looked up
through the loaded ``_sqlite3`` module), so there is never a second copy of
SQLite in the process. Without a C compiler at install time the extension is
missing; ``available()`` is then false and callers read through the sqlite3 module.

A separate connection does not see what a session has not committed yet, so
``readable_file`` answers None for a session that has written (or for an
in-memory database): such a session must read through its own connection.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from sqlalchemy.orm import Session

try:
    import _sqlite3

    from gridflex.store.queries import _sqlite_scan

    _VERSION = _sqlite_scan.bind(_sqlite3.__file__)
except ImportError:  # built without a C compiler
    _VERSION = None

BUSY_TIMEOUT_MS = 30_000  # as the engine's own connections (store.base)


def available() -> bool:
    return _VERSION is not None


def readable_file(session: Session) -> str | None:
    """The session's SQLite database file, if another connection reads what it reads."""
    if not available():
        return None
    url = session.get_bind().engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.database.startswith("file:") or url.query.get("uri"):
        return None  # URI filenames (shared caches, modes): not worth guessing
    if session.connection().connection.driver_connection.in_transaction:  # type: ignore[union-attr]
        return None  # pysqlite opens a transaction only to write: this session has written
    return os.path.abspath(url.database)


def scan(
    path: str, sql: str, keys: Sequence[int], lo: int, hi: int, *, threads: int = 1
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Run ``sql`` once per key (``?1`` the key, ``?2``/``?3`` lo and hi) over a file
    that ``readable_file`` returned; each key's (int64, float64) columns, in key order.

    With ``threads`` > 1 the keys are split into that many parts read in parallel.
    """
    keys = [int(k) for k in keys]
    parts = [keys[i::threads] for i in range(threads)] if threads > 1 else [keys]

    def read(part: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
        raw_starts, raw_values, raw_counts = _sqlite_scan.scan(
            path, sql, part, int(lo), int(hi), BUSY_TIMEOUT_MS
        )
        starts = np.frombuffer(raw_starts, np.int64)
        values = np.frombuffer(raw_values, np.float64)
        bounds = np.concatenate(([0], np.cumsum(np.frombuffer(raw_counts, np.int64))))
        return [(starts[a:b], values[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    if len(parts) == 1:
        return read(parts[0])
    with ThreadPoolExecutor(len(parts)) as pool:
        found = list(pool.map(read, parts))
    out: list[tuple[np.ndarray, np.ndarray]] = [None] * len(keys)  # type: ignore[list-item]
    for i, part_found in enumerate(found):
        out[i::threads] = part_found
    return out
