"""Read-only requests on a real streaming replica, with read-your-writes (PostgreSQL only).

The replica is a second PostgreSQL server on a free local port, cloned from the
test server with pg_basebackup (see ``servers.py``). Pausing its WAL replay makes
it stale on purpose: what a client then reads shows which server answered.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from gridflex.api.app import create_app
from gridflex.config import Settings
from gridflex.store import replica
from gridflex.store.base import get_engine
from tests.api.belief_helpers import body
from tests.conftest import POSTGRES_ADMIN_URL
from tests.processes import free_port
from tests.store.servers import streaming_replica

START = "2026-11-23T00:00:00+01:00"
VALUES = [1.0, 2.0, 3.0, 4.0]


@pytest.fixture(scope="module")
def replica_port() -> Iterator[int]:
    with streaming_replica(POSTGRES_ADMIN_URL) as port:
        yield port


def _on_port(url: str, port: int) -> str:
    return sa.engine.make_url(url).set(port=port).render_as_string(hide_password=False)


def _postgres_only(db: str) -> None:
    if db.startswith("sqlite"):
        pytest.skip("read replicas are a PostgreSQL deployment")


def _caught_up(primary_url: str, replica_url: str) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    with get_engine(primary_url).connect() as primary:
        target = primary.execute(sa.text("SELECT pg_current_wal_lsn()")).scalar_one()
    deadline = time.monotonic() + 30
    with get_engine(replica_url).connect() as standby:
        sql = sa.text("SELECT pg_last_wal_replay_lsn() >= CAST(:target AS pg_lsn)")
        while not standby.execute(sql, {"target": target}).scalar_one():
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.05)
            standby.rollback()


@contextmanager
def _replay_paused(replica_url: str) -> Iterator[None]:
    with get_engine(replica_url).connect() as standby:
        standby.execute(sa.text("SELECT pg_wal_replay_pause()"))
        try:
            yield
        finally:
            standby.execute(sa.text("SELECT pg_wal_replay_resume()"))


def _values(client: TestClient, sensor_id: int, headers: dict[str, str]) -> list:
    params = {"start": START, "duration": "PT1H", "unit": "kW"}
    res = client.get(f"/api/v3_0/sensors/{sensor_id}/data", headers=headers, params=params)
    assert res.status_code == 200, res.text
    return res.json()["values"]


def test_a_writer_reads_its_writes_while_others_read_the_replica(db, world, request):
    _postgres_only(db)
    read_url = _on_port(db, request.getfixturevalue("replica_port"))
    settings = Settings(mode="test", database_url=db, database_read_url=read_url)
    account = world.account()
    writer = world.user(account, roles=["account-admin"])
    reader = world.user(account)
    sensor = world.sensor(world.asset(account), unit="kW", resolution="PT15M")
    _caught_up(db, read_url)
    with TestClient(create_app(settings)) as client:
        with _replay_paused(read_url):
            posted = client.post(
                f"/api/v3_0/sensors/{sensor}/data",
                headers=writer.headers,
                json=body(VALUES, START, "PT1H", "kW"),
            )
            assert posted.status_code == 200, posted.text
            assert _values(client, sensor, writer.headers) == VALUES  # the primary answered
            assert _values(client, sensor, reader.headers) == [None] * 4  # the stale replica did
        _caught_up(db, read_url)
        assert _values(client, sensor, reader.headers) == VALUES
    assert replica.url_for_read(db, read_url, writer.id) == read_url  # replayed past its write


def test_read_only_requests_work_on_the_read_only_replica(db, world, request):
    """Reading endpoints write nothing (a hot standby refuses writes), e.g. not the user's
    last-seen time: that goes to the primary."""
    _postgres_only(db)
    read_url = _on_port(db, request.getfixturevalue("replica_port"))
    settings = Settings(mode="test", database_url=db, database_read_url=read_url)
    account = world.account()
    user = world.user(account, roles=["account-admin"])
    asset = world.asset(account)
    sensor = world.sensor(asset, unit="kW", resolution="PT15M")
    _caught_up(db, read_url)
    window = f"start={START.replace('+', '%2B')}&duration=PT1H"
    paths = [
        "/api/v3_0/assets",
        f"/api/v3_0/assets/{asset}",
        f"/api/v3_0/assets/{asset}/sensors",
        "/api/v3_0/sensors",
        f"/api/v3_0/sensors/{sensor}",
        f"/api/v3_0/sensors/{sensor}/data?{window}&unit=kW",
        f"/api/v3_0/sensors/{sensor}/stats",
        f"/api/v3_0/sensors/{sensor}/status",
        f"/api/v3_0/accounts/{account}",
        f"/api/v3_0/users/{user.id}",
    ]
    with TestClient(create_app(settings)) as client, _replay_paused(read_url):
        for path in paths:
            res = client.get(path, headers=user.headers)
            assert res.status_code == 200, (path, res.text)
    with get_engine(db).connect() as primary:
        seen = primary.execute(
            sa.text('SELECT last_seen_at FROM "user" WHERE id = :id'), {"id": user.id}
        ).scalar_one()
    assert seen is not None


def test_reads_go_to_the_primary_when_the_replica_is_down(db, world):
    _postgres_only(db)
    settings = Settings(mode="test", database_url=db, database_read_url=_on_port(db, free_port()))
    account = world.account()
    user = world.user(account, roles=["account-admin"])
    sensor = world.sensor(world.asset(account), unit="kW", resolution="PT15M")
    with TestClient(create_app(settings)) as client:
        url = f"/api/v3_0/sensors/{sensor}/data"
        res = client.post(url, headers=user.headers, json=body(VALUES, START, "PT1H", "kW"))
        assert res.status_code == 200, res.text
        assert _values(client, sensor, user.headers) == VALUES


def test_a_read_url_needs_a_postgresql_primary():
    with pytest.raises(ValueError, match="GRIDFLEX_DATABASE_READ_URL"):
        Settings(
            mode="test",
            database_url="sqlite:///gridflex.db",
            database_read_url="postgresql://postgres@127.0.0.1:5433/gridflex",
        )
