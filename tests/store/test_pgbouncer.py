"""Belief writes, reads and app requests through PgBouncer in transaction mode (PostgreSQL).

In transaction mode one client's consecutive transactions may run on different
server connections, so a statement prepared on one is missing on the next; the
``?pgbouncer=true`` URL flag turns psycopg's statement preparation off. The
workload below repeats the same statements from several threads through a pool of
two server connections, which breaks without the flag.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from gridflex.api.app import create_app
from gridflex.config import Settings
from gridflex.services.sources import get_or_create_source
from gridflex.store.base import get_engine, session_scope
from gridflex.store.queries import beliefs as q
from tests.api.belief_helpers import body
from tests.store.servers import pgbouncer

HOUR_US = 3_600_000_000
START_US = 1_700_000_000 * 1_000_000 // HOUR_US * HOUR_US
ROUNDS = 12  # psycopg would prepare a statement from its 6th execution on


@pytest.fixture
def bouncer_url(db):
    if db.startswith("sqlite"):
        pytest.skip("PgBouncer pools PostgreSQL connections")
    with pgbouncer(db) as port:
        url = sa.engine.make_url(db).set(port=port).render_as_string(hide_password=False)
        yield url + "?pgbouncer=true"
        get_engine(url + "?pgbouncer=true").dispose()


def _rows(sensor_id: int, source_id: int, round_: int) -> np.ndarray:
    rows = np.zeros(24, dtype=q.ROW_DTYPE)
    rows["sensor_id"] = sensor_id
    rows["event_start_us"] = START_US + HOUR_US * np.arange(24)
    rows["belief_time_us"] = rows["event_start_us"] + round_  # a new belief each round
    rows["source_id"] = source_id
    rows["cumulative_probability"] = 0.5
    rows["event_value"] = round_ + np.arange(24)
    return rows


def test_belief_writes_and_reads_through_pgbouncer(bouncer_url, world):
    asset = world.asset(world.account())
    sensor_ids = [world.sensor(asset, name=f"s{i}", resolution="PT1H") for i in range(3)]
    with session_scope(bouncer_url) as session:
        source = get_or_create_source(session, name="test", type="script").id

    def work(sensor_id: int) -> list[float]:
        latest = []
        for round_ in range(ROUNDS):
            with session_scope(bouncer_url) as session:
                q.insert(session, _rows(sensor_id, source, round_))
            with session_scope(bouncer_url) as session:
                picked = q.most_recent(session, sensor_id, START_US, START_US + 24 * HOUR_US)
                latest.append(float(picked.values[0]))
        return latest

    with ThreadPoolExecutor(3) as pool:
        found = list(pool.map(work, sensor_ids))
    assert found == [[float(r) for r in range(ROUNDS)]] * 3  # each read saw its own round
    with session_scope(bouncer_url) as session:
        stored = q.values_by_sensor(session, sensor_ids, START_US, START_US + 24 * HOUR_US)
    assert {s: len(v[0]) for s, v in stored.items()} == {s: 24 * ROUNDS for s in sensor_ids}


def test_app_requests_through_pgbouncer(bouncer_url, world):
    """The database is already migrated: the app only reads and writes through PgBouncer."""
    account = world.account()
    user = world.user(account, roles=["account-admin"])
    sensor = world.sensor(world.asset(account), unit="kW", resolution="PT15M")
    settings = Settings(mode="test", database_url=bouncer_url)
    url = f"/api/v3_0/sensors/{sensor}/data"
    with TestClient(create_app(settings)) as client:
        for day in range(1, 1 + ROUNDS // 2):
            start = f"2026-11-{day:02d}T00:00:00+00:00"
            values = [float(day), day + 0.5, day + 0.25, day + 0.75]
            posted = client.post(url, headers=user.headers, json=body(values, start, "PT1H", "kW"))
            assert posted.status_code == 200, posted.text
            params = {"start": start, "duration": "PT1H", "unit": "kW"}
            for _ in range(2):
                res = client.get(url, headers=user.headers, params=params)
                assert res.status_code == 200 and res.json()["values"] == values, res.text
