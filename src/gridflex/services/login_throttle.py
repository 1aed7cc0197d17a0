"""Login throttling: failed logins are counted per account and per client address.

Rules (limits from the settings, e.g. ``GRIDFLEX_LOGIN_THROTTLE="10 per 15 minutes"``):

- Each failed login counts against the email it tried (whether or not a user has it,
  so throttling tells nothing about which emails exist) and against the client address.
- Once a key has ``N`` failures, each no more than the window after the previous one,
  it is locked: 1 minute, doubling with every further failure, at most the window.
  While any key of a login is locked, the login is refused with 429 and
  ``Retry-After``, before the password is looked at (so the right one is refused too).
- A key's count is forgotten a window after its last failure or lock, whichever is
  later; a successful login forgets the account's count (not the address's: an
  attacker must not clear it by logging into an account of their own).

Counters live in the database (table ``login_failure``), so every server process
and machine sees the same counts, with or without Redis. They are written in their
own short transactions: a failed login rolls back the request's transaction, but
its failure must stay counted.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from gridflex.config import Settings
from gridflex.errors import RateLimitError
from gridflex.store.queries import login_failures as q
from gridflex.timing import parse_rate_limit

FIRST_LOCK = timedelta(minutes=1)


@dataclass(frozen=True)
class _Key:
    digest: str
    limit: int
    window: timedelta


def _keys(settings: Settings, email: str, address: str | None) -> list[_Key]:
    keys = []
    for kind, value, rule in (
        ("account", email, settings.login_throttle),
        ("address", address, settings.login_throttle_per_address),
    ):
        if value and rule:
            limit, window = parse_rate_limit(rule)
            digest = hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()
            keys.append(_Key(digest, limit, window))
    return keys


def lock_duration(failures: int, limit: int, window: timedelta) -> timedelta:
    """How long a key stays locked after its ``failures``-th failure (zero below the limit)."""
    if failures < limit:
        return timedelta(0)
    return min(FIRST_LOCK * 2 ** min(failures - limit, 32), window)


def check(
    engine: Engine, settings: Settings, email: str, address: str | None, now: datetime
) -> None:
    """Raise ``RateLimitError`` (429 with Retry-After) while the login is locked."""
    keys = _keys(settings, email, address)
    if not keys:
        return
    with engine.connect() as conn:
        until = q.latest_lock(conn, [k.digest for k in keys], now)
    if until is not None:
        wait_s = max(1, math.ceil((until - now).total_seconds()))
        raise RateLimitError(
            f"Too many failed logins for this account or from this address; "
            f"try again in {wait_s} seconds.",
            retry_after_s=wait_s,
        )


def record_failure(
    engine: Engine, settings: Settings, email: str, address: str | None, now: datetime
) -> None:
    with engine.begin() as conn:
        for key in _keys(settings, email, address):
            failures = q.count_failure(conn, key.digest, now, key.window)
            locked = lock_duration(failures, key.limit, key.window)
            if locked:
                q.lock(conn, key.digest, now + locked, now + locked + key.window)
        q.prune(conn, now)


def record_success(engine: Engine, settings: Settings, email: str) -> None:
    keys = _keys(settings, email, None)
    if keys:
        with engine.begin() as conn:
            q.forget(conn, [k.digest for k in keys])
