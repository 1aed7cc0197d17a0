"""What a server keeps in memory for the carbon API: callers, the zone registry, recent results.

Each server app holds one :class:`CarbonState` per database, made of
:class:`~.cache.FreshCache` instances. Nothing here is trusted blindly: a
zone's recent results are compared with the store (``freshness`` watermarks)
once they are ``check_interval_s`` old, so a write by another process shows
within that time; writers in this process (the compute service, zone imports)
drop the affected entries at once, in every state of their database
(:func:`invalidate`). The caches only save the work of reading and shaping
results again.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from cachetools import LRUCache
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from gridflex.services.carbon.access import Access
from gridflex.services.carbon.cache import Clock, FreshCache
from gridflex.services.carbon.registry import Registry, load_registry
from gridflex.store.base import get_engine

if TYPE_CHECKING:  # answers imports this module
    from gridflex.services.carbon.answers import Recent

REGISTRY_TTL_S = 5.0  # zones and sensors created by other processes appear within this time
CHECK_INTERVAL_S = 1.0  # latest and history compare with the store at most this often per zone
AUTH_TTL_S = 2.0  # a deactivated user or a changed access list takes effect within this time
MAX_TOKENS = 10_000  # callers remembered (least recently seen out first)
MAX_ZONES = 2_000  # zones whose recent results are kept
MAX_QUERIES = 4_096  # validated query strings of latest and history kept

_STATES: weakref.WeakSet[CarbonState] = weakref.WeakSet()
_SCOPES = ("latest", "day")  # checked from the latest event on, or the whole day


@dataclass
class ZoneEntry:
    """Recent results of one zone: events from ``start_us`` to the last computed one.

    ``intensity`` holds the consumption intensity per factor type (lifecycle,
    direct); ``stamp_counts``, per event, the number of input beliefs the results
    were computed from; ``updated_us`` and ``created_us`` the last and first
    belief time of that count (when the event's figures were last and first
    computed).
    """

    start_us: int
    resolution_us: int
    events_us: np.ndarray
    intensity: dict[str, np.ndarray]
    stamp_counts: np.ndarray
    updated_us: np.ndarray
    created_us: np.ndarray
    payloads: dict[object, object] = field(default_factory=dict)  # shaped answers, by route
    valid_rows: np.ndarray | None = None  # rows with an intensity (filled on first use)


class CarbonState:
    """Caches of one server app for one database."""

    def __init__(
        self,
        database_url: str,
        *,
        check_interval_s: float = CHECK_INTERVAL_S,
        clock: Clock = time.monotonic,
    ) -> None:
        self.engine: Engine = get_engine(database_url)
        self.clock = clock
        self.callers: FreshCache[str, Access] = FreshCache(MAX_TOKENS, AUTH_TTL_S, clock=clock)
        self._registry: FreshCache[str, Registry] = FreshCache(1, REGISTRY_TTL_S, clock=clock)
        self._checked: FreshCache[tuple[str, str], ZoneEntry] = FreshCache(
            2 * MAX_ZONES, check_interval_s, clock=clock
        )
        # Query strings of the hot routes, with the parameters FastAPI validated them into: a
        # repeated request skips validating them again (on the event loop's thread only).
        self.validated: LRUCache[tuple[str, bytes], Recent] = LRUCache(MAX_QUERIES)
        _STATES.add(self)

    def registry(self, session: Session, *, max_age_s: float = REGISTRY_TTL_S) -> Registry:
        """A registry snapshot at most ``max_age_s`` old (loaded from the store if needed)."""
        registry = self._registry.fresh("zones", max_age_s)
        if registry is None:
            registry = load_registry(session)
            self._registry.put("zones", registry)
        return registry

    def cached_registry(self) -> Registry | None:
        """The registry snapshot without touching the store (None: load it)."""
        return self._registry.get("zones")

    def entry(self, zone_id: str) -> ZoneEntry | None:
        """The zone's recent results however long ago they were checked."""
        return self._checked.peek((zone_id, "day")) or self._checked.peek((zone_id, "latest"))

    def checked_entry(self, zone_id: str, *, whole_day: bool) -> ZoneEntry | None:
        """The zone's recent results if compared with the store within the check interval
        (from the latest event on, or over the ``whole_day``); see ``FreshCache.get``."""
        return self._checked.get((zone_id, "day" if whole_day else "latest"))

    def put(self, zone_id: str, entry: ZoneEntry, checked_at: float) -> None:
        """A new entry, just read from the store: checked in full."""
        for scope in _SCOPES:
            self._checked.put((zone_id, scope), entry, at=checked_at)

    def checked(self, zone_id: str, entry: ZoneEntry, at: float, *, whole_day: bool) -> None:
        """The entry was compared with the store at ``at`` and is still right."""
        for scope in _SCOPES if whole_day else ("latest",):
            self._checked.put((zone_id, scope), entry, at=at)

    def drop(self, zone_ids: Iterable[str] | None = None, *, registry: bool = False) -> None:
        if zone_ids is None:
            self._checked.clear()
        else:
            for zone_id in zone_ids:
                for scope in _SCOPES:
                    self._checked.pop((zone_id, scope))
        if registry:
            self._registry.clear()


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
