"""Failed-login counters: one row per hashed key, written in the caller's own transaction.

The count is incremented in one statement (an upsert), so concurrent failures from
several server processes are all counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from gridflex.store.models import LoginFailure

_table = cast(sa.Table, LoginFailure.__table__)


def latest_lock(conn: Connection, keys: Iterable[str], now: datetime) -> datetime | None:
    """The end of the longest lock still running on any of ``keys`` (None: not locked)."""
    return conn.scalar(
        sa.select(sa.func.max(_table.c.locked_until)).where(
            _table.c.key.in_(list(keys)), _table.c.locked_until > now
        )
    )


def count_failure(conn: Connection, key: str, now: datetime, forget_after: timedelta) -> int:
    """Add a failure to ``key`` (starting again from 1 if the old count was forgotten)."""
    insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(_table)
    forgotten = _table.c.forget_at <= now
    stmt = (
        insert.values(
            key=key,
            failures=1,
            last_failure_at=now,
            locked_until=None,
            forget_at=now + forget_after,
        )
        .on_conflict_do_update(
            index_elements=[_table.c.key],
            set_={
                "failures": sa.case((forgotten, 1), else_=_table.c.failures + 1),
                "locked_until": sa.case((forgotten, None), else_=_table.c.locked_until),
                "last_failure_at": now,
                "forget_at": insert.excluded.forget_at,
            },
        )
        .returning(_table.c.failures)
    )
    return int(conn.scalar(stmt))


def lock(conn: Connection, key: str, until: datetime, forget_at: datetime) -> None:
    conn.execute(
        sa.update(_table).where(_table.c.key == key).values(locked_until=until, forget_at=forget_at)
    )


def forget(conn: Connection, keys: Iterable[str]) -> None:
    conn.execute(sa.delete(_table).where(_table.c.key.in_(list(keys))))


def prune(conn: Connection, now: datetime) -> int:
    """Delete forgotten rows; returns how many."""
    return conn.execute(sa.delete(_table).where(_table.c.forget_at <= now)).rowcount
