"""A bounded in-process cache whose values go stale, with one refresher at a time.

:class:`FreshCache` keeps at most ``maxsize`` values (least recently used out
first, ``cachetools.LRUCache``). A value is *fresh* for ``fresh_s`` seconds
after it was stored; after that, :meth:`FreshCache.get` hands ``None`` to one
caller, who is expected to refresh it (and :meth:`~FreshCache.put` it back),
and the stale value to everyone else meanwhile, so that a busy server does not
send every request to the database at the moment a value goes stale. If the
refresher does not come back within ``refresh_timeout_s``, the next caller
tries. A value may also have a hard end (``expires_in_s``, e.g. a token's
expiry), after which nobody gets it.

Time comes from ``clock`` (default ``time.monotonic``), so that tests drive it
instead of sleeping.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from cachetools import LRUCache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
Clock = Callable[[], float]


@dataclass
class _Item(Generic[V]):
    value: V
    stored_at: float
    expires_at: float
    refreshing_since: float = -math.inf


class FreshCache(Generic[K, V]):
    """At most ``maxsize`` values, each fresh for ``fresh_s`` seconds (see the module)."""

    def __init__(
        self,
        maxsize: int,
        fresh_s: float,
        *,
        clock: Clock = time.monotonic,
        refresh_timeout_s: float = 5.0,
    ) -> None:
        self.fresh_s, self.clock, self.refresh_timeout_s = fresh_s, clock, refresh_timeout_s
        self._items: LRUCache[K, _Item[V]] = LRUCache(maxsize=maxsize)
        self._lock = threading.Lock()  # LRUCache reorders on every read: not thread-safe alone

    def get(self, key: K) -> V | None:
        """The value if fresh; if stale, None for one caller (the refresher), else the value."""
        now = self.clock()
        with self._lock:
            item = self._live(key, now)
            if item is None:
                return None
            if now - item.stored_at < self.fresh_s:
                return item.value
            if now - item.refreshing_since > self.refresh_timeout_s:
                item.refreshing_since = now
                return None
            return item.value

    def fresh(self, key: K, max_age_s: float | None = None) -> V | None:
        """The value only if it is younger than ``max_age_s`` (default ``fresh_s``)."""
        now = self.clock()
        with self._lock:
            item = self._live(key, now)
            limit = self.fresh_s if max_age_s is None else max_age_s
            return None if item is None or now - item.stored_at >= limit else item.value

    def peek(self, key: K) -> V | None:
        """The value however old it is (unless past its hard end)."""
        with self._lock:
            item = self._live(key, self.clock())
            return None if item is None else item.value

    def put(
        self, key: K, value: V, *, at: float | None = None, expires_in_s: float | None = None
    ) -> None:
        """Store ``value`` as fresh from ``at`` (default: now) on."""
        now = self.clock()
        stored = now if at is None else at
        end = math.inf if expires_in_s is None else now + expires_in_s
        with self._lock:
            self._items[key] = _Item(value, stored, end)

    def pop(self, key: K) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)

    def _live(self, key: K, now: float) -> _Item[V] | None:
        item = self._items.get(key)
        if item is not None and now >= item.expires_at:
            del self._items[key]
            return None
        return item
