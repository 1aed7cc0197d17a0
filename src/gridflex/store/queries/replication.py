"""SQL of read routing (PostgreSQL only): WAL positions and the users' write marks.

WAL positions are byte offsets (``pg_lsn - '0/0'``), comparable across the
primary and its streaming replicas.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session


def has_written(session: Session) -> bool:
    """Whether the session's open transaction has written anything (it has a transaction id)."""
    sql = "SELECT pg_current_xact_id_if_assigned() IS NOT NULL"
    return bool(session.execute(sa.text(sql)).scalar_one())


def mark_write(connection: Connection, user_id: int) -> None:
    """Record the primary's current WAL position as ``user_id``'s latest write (after its commit).

    ``GREATEST``: of two concurrent write requests of one user, the later mark wins.
    """
    connection.execute(
        sa.text(
            "INSERT INTO write_mark (user_id, wal_lsn) "
            "VALUES (:user_id, (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint) "
            "ON CONFLICT (user_id) DO UPDATE SET wal_lsn = GREATEST(write_mark.wal_lsn, excluded.wal_lsn)"
        ),
        {"user_id": int(user_id)},
    )


def write_mark(connection: Connection, user_id: int) -> int | None:
    """The WAL position of ``user_id``'s latest write request, if any."""
    sql = "SELECT wal_lsn FROM write_mark WHERE user_id = :user_id"
    value = connection.execute(sa.text(sql), {"user_id": int(user_id)}).scalar()
    return None if value is None else int(value)


def replayed_lsn(connection: Connection) -> int | None:
    """How far a replica has replayed the primary's WAL (None on a server that is no replica)."""
    sql = "SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint"
    value = connection.execute(sa.text(sql)).scalar()
    return None if value is None else int(value)
