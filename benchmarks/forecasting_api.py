"""Benchmark of the forecasting API path: trigger -> RQ worker -> forecast available.

Loads a year of 15-minute load (synthetic, each value recorded when its step
ended) into a fresh database, starts one ``gridflex worker`` process on the
``forecasting`` queue, and times, per request, the wall time from
``POST /sensors/{id}/forecasts/trigger`` until ``GET /sensors/{id}/forecasts/{uuid}``
answers 200 (polled every 20 ms), split into queue wait (enqueued -> started)
and job run (started -> ended: read a year, train, predict, write). The first
request, on a cold worker, is reported apart.

Needs Redis (``GRIDFLEX_BENCH_REDIS_URL``, default ``redis://127.0.0.1:6379/14``;
the database is flushed). Database: a temporary SQLite file, or
``GRIDFLEX_BENCH_DATABASE_URL`` (an empty PostgreSQL database).
Run: ``.venv/bin/python benchmarks/forecasting_api.py``
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

import pandas as pd
from fastapi.testclient import TestClient
from redis import Redis

from gridflex import security
from gridflex.api.app import create_app
from gridflex.config import Settings
from gridflex.engines.forecasting import synthetic_load_kw
from gridflex.services import accounts, assets, beliefs, sensors, sources, users
from gridflex.store import migrate
from gridflex.store.base import session_scope
from gridflex.store.models import Job

REDIS_URL = os.environ.get("GRIDFLEX_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
RESOLUTION = timedelta(minutes=15)
REPEATS = 5


def setup(settings: Settings) -> tuple[int, dict[str, str]]:
    """A site with a year of load up to now; returns the sensor id and auth headers."""
    migrate.upgrade(settings.database_url)
    end = pd.Timestamp.now(tz="UTC").floor("15min")
    load = synthetic_load_kw(end - pd.Timedelta(days=365), 365 * 96, RESOLUTION, seed=42)
    with session_scope(settings.database_url) as session:
        account = accounts.create_account(session, name="Bench", roles=["Prosumer"])
        user = users.create_user(
            session,
            email="bench@example.org",
            username="bench",
            account_id=account.id,
            password="bench-password",
            roles=["account-admin"],
        )
        kind = assets.asset_type_by_name_or_id(session, "building").id
        site = assets.create_asset(
            session,
            {"name": "site", "generic_asset_type_id": kind, "account_id": account.id},
            actor=None,
        )
        sensor = sensors.create_sensor(
            session,
            {
                "name": "load",
                "unit": "kW",
                "event_resolution": RESOLUTION,
                "generic_asset_id": site.id,
            },
            actor=None,
        )
        source = sources.get_or_create_source(session, name="meter", type="demo script")
        starts = load.index.as_unit("us").asi8
        step_us = int(RESOLUTION.total_seconds() * 1e6)
        beliefs.write_beliefs(
            session, sensor, source, beliefs.BeliefFrame(starts, load.to_numpy(), starts + step_us)
        )
        token = security.issue_token(
            user.id, user.token_key, secret_key=settings.secret_key, max_age_s=3600
        )
        return sensor.id, {"Authorization": token}


def start_worker(settings: Settings) -> subprocess.Popen:
    env = {
        **os.environ,
        "GRIDFLEX_DATABASE_URL": settings.database_url,
        "GRIDFLEX_REDIS_URL": REDIS_URL,
        "GRIDFLEX_MODE": "test",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "gridflex.cli.main", "worker", "--queue", "forecasting"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def one_request(
    client: TestClient, settings: Settings, sensor_id: int, headers: dict, body: dict
) -> dict:
    began = time.perf_counter()
    res = client.post(
        f"/api/v3_0/sensors/{sensor_id}/forecasts/trigger", headers=headers, json=body
    )
    res.raise_for_status()
    job_id = res.json()["forecast"]
    while True:
        got = client.get(f"/api/v3_0/sensors/{sensor_id}/forecasts/{job_id}", headers=headers)
        if got.status_code != 202:
            break
        time.sleep(0.02)
    total = time.perf_counter() - began
    if got.status_code != 200:
        raise RuntimeError(got.text)
    with session_scope(settings.database_url) as session:
        job = session.get(Job, job_id)
        wait = (job.started_at - job.enqueued_at).total_seconds()
        run = (job.ended_at - job.started_at).total_seconds()
    return {"total": total, "wait": wait, "run": run, "n": len(got.json()["values"])}


def main() -> None:
    Redis.from_url(REDIS_URL).flushdb()
    folder = tempfile.mkdtemp()
    url = os.environ.get("GRIDFLEX_BENCH_DATABASE_URL", f"sqlite:///{folder}/bench.db")
    settings = Settings(
        mode="test", database_url=url, redis_url=REDIS_URL, trigger_rate_limit="1000 per minute"
    )
    began = time.perf_counter()
    sensor_id, headers = setup(settings)
    print(
        f"database {url.split('://')[0]}: a year of 15-minute load loaded in {time.perf_counter() - began:.1f} s"
    )
    worker = start_worker(settings)
    try:
        with TestClient(create_app(settings)) as client:
            for label, body in (
                ("48 h point forecast", {"duration": "PT48H"}),
                ("48 h probabilistic (p10/p50/p90)", {"duration": "PT48H", "probabilistic": True}),
            ):
                cold = one_request(client, settings, sensor_id, headers, body)
                warm = [
                    one_request(client, settings, sensor_id, headers, body) for _ in range(REPEATS)
                ]
                totals = [r["total"] for r in warm]
                print(
                    f"{label}, trigger -> forecast available: median {statistics.median(totals):.2f} s, "
                    f"best {min(totals):.2f} s over {REPEATS} (queue wait median "
                    f"{statistics.median(r['wait'] for r in warm):.2f} s, job run median "
                    f"{statistics.median(r['run'] for r in warm):.2f} s); first on a cold worker "
                    f"{cold['total']:.2f} s; {warm[0]['n']} values"
                )
    finally:
        worker.terminate()
        worker.wait(timeout=30)


if __name__ == "__main__":
    main()
