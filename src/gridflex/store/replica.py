"""Read-only requests on a streaming replica, keeping read-your-writes.

With ``GRIDFLEX_DATABASE_READ_URL`` set (a PostgreSQL streaming replica of
``GRIDFLEX_DATABASE_URL``), the API chooses a database per request:

1. A request that may write (any method but GET and HEAD) runs on the primary,
   its reads included: it sees what it writes, and decides on fresh data.
2. When such a request of a signed-in user has written something, a *write mark*
   is left right after its commit and before the answer is sent: the primary's
   WAL position, per user (table ``write_mark``).
3. A GET or HEAD request goes to the replica if the replica has replayed the WAL
   past the caller's mark (or the caller has none, or is anonymous), otherwise to
   the primary. A client therefore always reads its own writes, however far the
   replica lags, and everyone else's as soon as the replica has them (normally
   within milliseconds). There is no time window to tune.
4. If the replica cannot be reached, reads go to the primary.

Writes made later by background jobs (schedules, forecasts) carry no mark: a
client polling for their results sees them once the replica has replayed them.
The price of the routing is two small queries per read request (the caller's mark
on the primary, the replay position on the replica), against the heavy reads it
moves off the primary.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gridflex.store.base import get_engine
from gridflex.store.queries import replication

log = logging.getLogger(__name__)

READ_ONLY_METHODS = frozenset({"GET", "HEAD"})


def url_for_read(primary_url: str, replica_url: str | None, user_id: int | None) -> str:
    """The database a read-only request of ``user_id`` (None: anonymous) should read."""
    if not replica_url:
        return primary_url
    try:
        with get_engine(replica_url).connect() as replica:
            replayed = replication.replayed_lsn(replica)
    except sa.exc.OperationalError as exc:
        log.warning("read replica unreachable, reading from the primary: %s", exc)
        return primary_url
    if replayed is None:
        log.warning("GRIDFLEX_DATABASE_READ_URL is not a replica in recovery; using the primary")
        return primary_url
    if user_id is None:
        return replica_url
    with get_engine(primary_url).connect() as primary:
        mark = replication.write_mark(primary, user_id)
    return replica_url if mark is None or replayed >= mark else primary_url


def has_written(session: Session) -> bool:
    """Whether the (primary) session's transaction wrote something: call before its commit."""
    return replication.has_written(session)


def note_write(primary_url: str, user_id: int) -> None:
    """Leave ``user_id``'s write mark: call after the commit of a transaction that wrote."""
    with get_engine(primary_url).begin() as primary:
        replication.mark_write(primary, user_id)
