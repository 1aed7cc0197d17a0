"""The users behind recent tokens, kept a few seconds per process.

Every authenticated request needs its user with roles, account and account roles.
Loading them is one query, but it was over a third of the CPU a small read costs
a server, and the same few tokens come back many times a second. So each process
keeps the loaded user (detached, never changed) for ``ttl`` seconds and merges
a copy into the request's session without SQL.

A change to any user, account or role flushed by this process empties the cache
at once; another process (a second API worker, the CLI) sees such a change after
at most ``ttl`` seconds. ``GRIDFLEX_AUTH_CACHE_SECONDS=0`` turns the cache off.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from gridflex.store.models import Account, AccountRole, Role, User
from gridflex.store.queries.users import user_with_roles

MAX_ENTRIES = 10_000  # tokens; beyond it the cache starts afresh (a bounded memory)
_WATCHED = (User, Account, Role, AccountRole)
# A user's activity record changes nothing about what the user may do (and is written every
# few minutes per active user): a flush changing only it keeps the cache.
_UNWATCHED_USER_FIELDS = frozenset({"last_seen_at"})

_lock = threading.Lock()
_entries: dict[tuple[int, int, str], tuple[float, User]] = {}
_generation = 0  # counts clears: a load that a clear overtook is not kept


def token_user(session: Session, user_id: int, token_key: str, *, ttl: float) -> User | None:
    """The active user whom ``token_key`` authenticates, in ``session``; None if none.

    Within ``ttl`` seconds of the last load for this token, no query is made.
    """
    key = (id(session.get_bind()), user_id, token_key)  # one process may serve two databases
    now = time.monotonic()
    hit = _entries.get(key) if ttl > 0 else None
    if hit is not None and now - hit[0] < ttl:
        return session.merge(hit[1], load=False)
    if ttl <= 0:
        return _valid(user_with_roles(session, user_id), token_key)
    generation = _generation
    # Loaded in a session of its own, so that the cached object is detached and never
    # touched by the request (which may change its user, e.g. the last-seen time). Closing
    # (not a rollback, which would expire it) detaches it with everything loaded.
    with Session(bind=session.get_bind()) as loader:
        user = _valid(user_with_roles(loader, user_id), token_key)
    if user is None:
        return None
    with _lock:
        if generation == _generation:
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
            _entries[key] = (now, user)
    return session.merge(user, load=False)


def note_seen(user_id: int, moment: datetime) -> None:
    """Give cached copies of the user the last-seen time just recorded (without marking them
    changed: they stay clean, as a merge without loading requires)."""
    with _lock:
        for (_, cached_id, _), (_, user) in _entries.items():
            if cached_id == user_id:
                set_committed_value(user, "last_seen_at", moment)


def clear() -> None:
    """Forget every cached user (the next request of each token loads it again)."""
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()


def _valid(user: User | None, token_key: str) -> User | None:
    if user is None or not user.active or user.token_key != token_key:
        return None
    return user


@event.listens_for(Session, "after_flush")
def _forget_on_change(session: Session, _context: Any) -> None:
    """Any flushed change to users, accounts or roles may change who may do what: forget."""
    changed = (*session.new, *session.deleted, *(o for o in session.dirty if _matters(o)))
    if any(isinstance(obj, _WATCHED) for obj in changed):
        clear()


def _matters(obj: object) -> bool:
    """Whether a dirty object's changes may change permissions (not a user's last-seen time)."""
    if not isinstance(obj, User):
        return True
    changed = {a.key for a in inspect(obj).attrs if a.history.has_changes()}
    return not changed <= _UNWATCHED_USER_FIELDS
