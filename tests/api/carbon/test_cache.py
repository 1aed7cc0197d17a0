"""The carbon API's cache (``services.carbon.cache.FreshCache``), driven by a test clock."""

from __future__ import annotations

import pytest

from gridflex.services.carbon.cache import FreshCache
from tests.api.carbon.conftest import Clock


@pytest.fixture
def clock_cache() -> tuple[FreshCache[str, str], Clock]:
    clock = Clock()
    return FreshCache(100, 1.0, clock=clock, refresh_timeout_s=5.0), clock


def test_a_value_is_fresh_for_its_interval(clock_cache):
    cache, clock = clock_cache
    cache.put("DE", "entry")
    clock.advance(0.99)
    assert cache.get("DE") == "entry" and cache.fresh("DE") == "entry"
    clock.advance(0.01)
    assert cache.fresh("DE") is None  # the full path refreshes a stale value
    assert cache.peek("DE") == "entry"


def test_one_caller_refreshes_a_stale_value_and_the_others_keep_it(clock_cache):
    cache, clock = clock_cache
    cache.put("DE", "old")
    clock.advance(1.5)
    assert cache.get("DE") is None  # this caller refreshes
    assert [cache.get("DE") for _ in range(3)] == ["old"] * 3  # the others are answered
    cache.put("DE", "new")
    assert cache.get("DE") == "new"


def test_a_refresher_that_does_not_come_back_is_replaced(clock_cache):
    cache, clock = clock_cache
    cache.put("DE", "old")
    clock.advance(1.5)
    assert cache.get("DE") is None
    clock.advance(4.9)
    assert cache.get("DE") == "old"
    clock.advance(0.2)  # more than refresh_timeout_s after the first refresher took it
    assert cache.get("DE") is None


def test_a_value_is_gone_after_its_hard_end(clock_cache):
    cache, clock = clock_cache
    cache.put("token", "access", expires_in_s=0.5)
    assert cache.get("token") == "access"
    clock.advance(0.5)
    assert cache.get("token") is None and cache.peek("token") is None and len(cache) == 0


def test_the_least_recently_used_value_leaves_a_full_cache():
    cache: FreshCache[str, int] = FreshCache(2, 1.0, clock=Clock())
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache.put("c", 3)
    assert (cache.peek("a"), cache.peek("b"), cache.peek("c")) == (1, None, 3)
    assert len(cache) == 2


def test_a_stored_time_can_be_given(clock_cache):
    cache, clock = clock_cache
    cache.put("DE", "checked before a slow query", at=clock() - 0.8)
    clock.advance(0.2)
    assert cache.fresh("DE") is None


def test_pop_and_clear(clock_cache):
    cache, _ = clock_cache
    cache.put("a", 1)
    cache.put("b", 2)
    cache.pop("a")
    cache.pop("missing")
    assert cache.peek("a") is None and cache.peek("b") == 2
    cache.clear()
    assert len(cache) == 0
