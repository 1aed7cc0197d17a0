"""In-process caches of the carbon API: the zone registry and each zone's recent results.

Each server app holds one :class:`CarbonState` per database. Nothing here is
trusted blindly: a cached zone entry carries the input watermarks it was built
from, and every request compares them with the store (see ``freshness``), so
a write by another process or thread is seen on the next request. The caches
only save the work of reading and shaping results again. Writers in this
process (the compute service, zone imports) also drop the affected entries at
once, in every state of their database.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from gridflex.services.carbon.registry import Registry, load_registry
from gridflex.store.base import get_engine

T = TypeVar("T")

REGISTRY_TTL_S = 5.0  # zones and sensors created by other processes appear within this time
CHECK_INTERVAL_S = 1.0  # latest and history compare with the store at most this often per zone

REFRESH_TIMEOUT_S = 5.0  # a refresh that takes longer than this lets another caller try

_STATES: weakref.WeakSet[CarbonState] = weakref.WeakSet()
_LOCKS: dict[tuple[int, tuple[str, ...]], threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


@dataclass
class ZoneEntry:
    """Recent results of one zone: events from ``start_us`` to the last computed one.

    ``stamp_counts`` holds, per event, the number of input beliefs the results
    were computed from; ``updated_us`` and ``created_us`` the last and first
    belief time of that count (when the event's figures were last and first
    computed).
    """

    start_us: int
    resolution_us: int
    events_us: np.ndarray
    intensity: np.ndarray
    stamp_counts: np.ndarray
    updated_us: np.ndarray
    created_us: np.ndarray
    payloads: dict[str, object] = field(default_factory=dict)  # shaped answers, by route
    checked_latest_at: float = 0.0  # time.monotonic() of the last check from the latest event
    checked_day_at: float = 0.0  # ... and of the last check of the whole entry
    check_started_at: float = 0.0  # a request is comparing it with the store since then
    valid_rows: np.ndarray | None = None  # rows with an intensity (filled on first use)


class Expiring(Generic[T]):
    """A cached value with an age, refreshed ahead by one caller at a time.

    Once older than ``ttl_s``, :meth:`get` returns None to one caller (who then
    refreshes it with :meth:`set`) and the value itself to everyone else
    meanwhile, so that a busy server does not send every request to the
    database at the moment a cache entry expires.
    """

    def __init__(self, value: T, ttl_s: float) -> None:
        self.value, self.ttl_s = value, ttl_s
        self.at = time.monotonic()
        self._refreshing_since = 0.0

    def get(self) -> T | None:
        now = time.monotonic()
        if now - self.at < self.ttl_s:
            return self.value
        if now - self._refreshing_since > REFRESH_TIMEOUT_S:
            self._refreshing_since = now
            return None
        return self.value

    def age_s(self) -> float:
        return time.monotonic() - self.at


class CarbonState:
    """Caches of one server app for one database."""

    def __init__(self, database_url: str, *, check_interval_s: float = CHECK_INTERVAL_S) -> None:
        self.engine: Engine = get_engine(database_url)
        self.check_interval_s = check_interval_s
        self._registry: Expiring[Registry] | None = None
        self._entries: dict[str, ZoneEntry] = {}
        self._lock = threading.Lock()
        _STATES.add(self)

    def registry(self, session: Session, *, max_age_s: float = REGISTRY_TTL_S) -> Registry:
        """A registry snapshot at most ``max_age_s`` old (loaded from the store if needed)."""
        cached = self._registry
        if cached is None or cached.age_s() > max_age_s:
            cached = Expiring(load_registry(session), REGISTRY_TTL_S)
            self._registry = cached
        return cached.value

    def cached_registry(self) -> Registry | None:
        """The registry snapshot without touching the store (None: load it, see ``Expiring``)."""
        return None if self._registry is None else self._registry.get()

    def entry(self, zone_id: str) -> ZoneEntry | None:
        return self._entries.get(zone_id)

    def put(self, zone_id: str, entry: ZoneEntry) -> None:
        with self._lock:
            self._entries[zone_id] = entry

    def drop(self, zone_ids: Iterable[str] | None = None, *, registry: bool = False) -> None:
        with self._lock:
            if zone_ids is None:
                self._entries.clear()
            else:
                for zone_id in zone_ids:
                    self._entries.pop(zone_id, None)
            if registry:
                self._registry = None


def invalidate(
    session: Session, zone_ids: Iterable[str] | None = None, *, registry: bool = False
) -> None:
    """Drop cached entries (and optionally the registry) of this session's database everywhere."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    ids = None if zone_ids is None else list(zone_ids)
    for state in list(_STATES):
        if state.engine is engine:
            state.drop(ids, registry=registry)


def system_lock(session: Session, system: tuple[str, ...]) -> threading.Lock:
    """One lock per database and system, so that threads of a server do not trace twice."""
    bind = session.get_bind()
    key = (id(bind if isinstance(bind, Engine) else bind.engine), system)
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.Lock())
