"""Login throttling: per account and per client address, held in the database, on a test clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from gridflex.api.app import create_app
from gridflex.store.base import get_engine

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(client) -> Clock:
    clock = Clock()
    client.app.state.clock = clock
    return clock


def login(client, email: str, password: str):  # noqa: ANN201
    return client.post("/api/requestAuthToken", json={"email": email, "password": password})


def fail(client, email: str, times: int) -> None:
    for _ in range(times):
        assert login(client, email, "not the password").status_code == 401


def assert_throttled(res, retry_after_s: int) -> None:  # noqa: ANN001
    assert res.status_code == 429, res.text
    assert res.json()["status"] == "TOO_MANY_REQUESTS"
    assert "try again in" in res.json()["message"]
    assert res.headers["retry-after"] == str(retry_after_s)
    assert res.headers["cache-control"] == "no-store"


def test_right_password_is_refused_while_throttled_and_accepted_after(client, world, clock):
    actor = world.user(world.account())
    fail(client, actor.email, 10)  # the default: 10 failures in 15 minutes
    assert_throttled(login(client, actor.email, actor.password), 60)
    clock.advance(seconds=30)
    assert_throttled(login(client, actor.email, actor.password), 30)
    clock.advance(seconds=31)
    assert login(client, actor.email, actor.password).status_code == 200


def test_each_further_failure_doubles_the_lock_up_to_the_window(client, world, clock):
    actor = world.user(world.account())
    fail(client, actor.email, 10)
    for ended_s, lock_s in ((60, 120), (120, 240), (240, 480), (480, 900), (900, 900)):
        clock.advance(seconds=ended_s)  # the lock has just ended; the count is remembered
        fail(client, actor.email, 1)
        assert_throttled(login(client, actor.email, actor.password), lock_s)
    # Forgotten a window after the last lock ended: ten tries again before the next lock.
    clock.advance(seconds=900 + 15 * 60)
    fail(client, actor.email, 9)
    assert login(client, actor.email, actor.password).status_code == 200


def test_a_success_resets_the_account_count(client, world, clock):
    actor = world.user(world.account())
    fail(client, actor.email, 9)
    assert login(client, actor.email, actor.password).status_code == 200
    fail(client, actor.email, 9)
    assert login(client, actor.email, actor.password).status_code == 200


def test_the_count_is_forgotten_a_window_after_the_last_failure(client, world, clock):
    actor = world.user(world.account())
    fail(client, actor.email, 9)
    clock.advance(minutes=15, seconds=1)
    fail(client, actor.email, 9)
    assert login(client, actor.email, actor.password).status_code == 200


def test_unknown_emails_are_throttled_like_known_ones(client, clock):
    fail(client, "nobody@example.org", 10)
    assert_throttled(login(client, "NOBODY@example.org ", "x"), 60)


def test_one_address_is_throttled_across_accounts(settings, world):
    strict = settings.model_copy(update={"login_throttle_per_address": "5 per 15 minutes"})
    actors = [world.user(world.account()) for _ in range(3)]
    with TestClient(create_app(strict)) as client:
        client.app.state.clock = Clock()
        for actor in actors[:2]:
            fail(client, actor.email, 2)
        fail(client, actors[2].email, 1)  # five failures from this address, two accounts each
        assert_throttled(login(client, actors[2].email, actors[2].password), 60)
        # A success does not clear the address's count (only the account's).
        other = TestClient(client.app, client=("192.0.2.7", 50000))
        assert login(other, actors[2].email, actors[2].password).status_code == 200
        assert_throttled(login(client, actors[0].email, actors[0].password), 60)


def test_counts_hold_across_server_processes(settings, world):
    """Two apps (as two server processes) on one database share the counts."""
    actor = world.user(world.account())
    with TestClient(create_app(settings)) as first, TestClient(create_app(settings)) as second:
        first.app.state.clock = second.app.state.clock = Clock()
        fail(first, actor.email, 5)
        fail(second, actor.email, 5)
        assert_throttled(login(first, actor.email, actor.password), 60)
        assert_throttled(login(second, actor.email, actor.password), 60)


def test_forgotten_counts_are_pruned(client, world, clock, settings):
    def rows() -> int:
        with get_engine(settings.database_url).connect() as conn:
            return conn.scalar(sa.text("SELECT count(*) FROM login_failure"))

    fail(client, "first@example.org", 3)
    assert rows() == 2  # the email and the client address
    clock.advance(minutes=16)
    fail(client, "second@example.org", 1)
    assert rows() == 2  # first@'s row pruned; the address's counts again from one


def test_throttling_can_be_turned_off(settings, world):
    actor = world.user(world.account())
    off = settings.model_copy(update={"login_throttle": "", "login_throttle_per_address": ""})
    with TestClient(create_app(off)) as client:
        fail(client, actor.email, 12)
        assert login(client, actor.email, actor.password).status_code == 200
