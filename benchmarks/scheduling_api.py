"""Trigger-to-schedule-available through the API, with a Redis queue and an RQ worker: a battery, 192 steps.

Run: ``.venv/bin/python benchmarks/scheduling_api.py [--repeats 20] [--only sqlite|postgresql]
[--postgres-url postgresql://postgres@127.0.0.1:5432/test] [--redis-url redis://127.0.0.1:6379/7]``
(PostgreSQL: a fresh database ``gridflex_bench_scheduling`` is made on that server).

A real server (``gridflex serve``, one uvicorn process) and a real worker run in
subprocesses against one database and one Redis. Each repeat POSTs a trigger
(48 h of 15-minute steps, prices from a sensor, ``force-new-job-creation``) and
polls ``GET /sensors/{id}/schedules/{uuid}`` every 5 ms until it answers 200; the
time from sending the trigger to that answer is the figure. Two workers are
measured: ``gridflex worker`` (default: jobs run in the warm worker process) and
``gridflex worker --fork`` (RQ forks a work horse per job, which starts cold:
imports, SQL compilation, solver set-up).

Target (2 cores): under 300 ms; the reference takes about 1.4 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
from common import SECRET, drop_postgres, fresh_postgres, running_server, server_env
from redis import Redis

from gridflex.security import issue_token
from gridflex.services import accounts, assets, beliefs, sensors, sources, users
from gridflex.store import migrate
from gridflex.store.base import session_scope

START = "2026-01-05T00:00:00+00:00"
STEPS = 192
BENCH_DB = "gridflex_bench_scheduling"
# An RQ worker that runs jobs in its own process (no work horse forked per job), with the
# scheduling service imported once: SQL statement caches and the solver stay warm between jobs.


def setup(url: str) -> tuple[str, int, int]:
    """An account, a user, a building with a battery, and 48 h of 15-minute prices; (token, power, price)."""
    migrate.upgrade(url)
    with session_scope(url) as session:
        account = accounts.create_account(session, name="bench", roles=["Prosumer"])
        user = users.create_user(
            session,
            email="bench@example.org",
            username="bench",
            account_id=account.id,
            password="bench-password",
            roles=["account-admin"],
        )

        def asset(name: str, kind: str, parent: int | None = None) -> int:
            type_id = assets.asset_type_by_name_or_id(session, kind).id
            fields = {"name": name, "generic_asset_type_id": type_id, "account_id": account.id}
            return assets.create_asset(
                session, {**fields, "parent_asset_id": parent}, actor=None
            ).id

        building = asset("bench site", "building")
        battery = asset("bench battery", "battery", building)
        quarter = timedelta(minutes=15)
        power = sensors.create_sensor(
            session,
            {
                "name": "power",
                "unit": "kW",
                "generic_asset_id": battery,
                "event_resolution": quarter,
            },
            actor=None,
        )
        price = sensors.create_sensor(
            session,
            {
                "name": "prices",
                "unit": "EUR/MWh",
                "generic_asset_id": building,
                "event_resolution": quarter,
            },
            actor=None,
        )
        hours = np.arange(STEPS) / 4
        values = np.round(
            80
            + 40 * np.sin(2 * np.pi * (hours - 8) / 24)
            + np.random.default_rng(0).normal(0, 8, STEPS),
            2,
        )
        beliefs.post_series(
            session,
            price,
            sources.user_source(session, user),
            values=values.tolist(),
            start=datetime.fromisoformat(START),
            duration=quarter * STEPS,
            unit="EUR/MWh",
        )
        token = issue_token(user.id, user.token_key, secret_key=SECRET, max_age_s=6 * 3600)
        return token, power.id, price.id


def _trigger_body(price: int) -> dict:
    return {
        "start": START,
        "duration": "PT48H",
        "flex-model": {
            "soc-at-start": "225 kWh",
            "soc-min": "45 kWh",
            "soc-max": "405 kWh",
            "power-capacity": "500 kW",
            "roundtrip-efficiency": "90%",
        },
        "flex-context": {"consumption-price": {"sensor": price}},
        "force-new-job-creation": True,
    }


def measure(client: httpx.Client, power: int, price: int, repeats: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {
        "trigger [ms]": [],
        "trigger to schedule [ms]": [],
        "job run [ms]": [],
    }
    body = _trigger_body(price)
    for i in range(repeats + 1):  # the first one warms up the server and the worker
        began = time.perf_counter()
        res = client.post(f"/api/v3_0/sensors/{power}/schedules/trigger", json=body)
        triggered = time.perf_counter()
        assert res.status_code == 200, res.text
        job = res.json()["schedule"]
        while True:
            got = client.get(
                f"/api/v3_0/sensors/{power}/schedules/{job}", params={"duration": "PT48H"}
            )
            if got.status_code != 202:
                break
            time.sleep(0.005)
        done = time.perf_counter()
        assert got.status_code == 200 and len(got.json()["values"]) == STEPS, got.text
        status = client.get(f"/api/v3_0/jobs/{job}").json()
        run_ms = (
            datetime.fromisoformat(status["ended_at"])
            - datetime.fromisoformat(status["started_at"])
        ).total_seconds() * 1000
        if i:
            out["trigger [ms]"].append((triggered - began) * 1000)
            out["trigger to schedule [ms]"].append((done - began) * 1000)
            out["job run [ms]"].append(run_ms)
    return out


def run(url: str, redis_url: str, repeats: int) -> None:
    token, power, price = setup(url)
    Redis.from_url(redis_url).flushdb()
    env = server_env(
        url, GRIDFLEX_REDIS_URL=redis_url, GRIDFLEX_TRIGGER_RATE_LIMIT="100000 per minute"
    )
    quiet = {"env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    workers = {
        "gridflex worker (default: warm, no fork)": [
            sys.executable,
            "-m",
            "gridflex.cli.main",
            "worker",
            "--queue",
            "scheduling",
        ],
        "gridflex worker --fork (a child process per job)": [
            sys.executable,
            "-m",
            "gridflex.cli.main",
            "worker",
            "--queue",
            "scheduling",
            "--fork",
        ],
    }
    with (
        running_server(url, env=env) as (_, base),
        httpx.Client(base_url=base, headers={"Authorization": token}, timeout=60) as client,
    ):
        for label, command in workers.items():
            worker = subprocess.Popen(command, **quiet)
            try:
                figures = measure(client, power, price, repeats)
            finally:
                worker.terminate()
                worker.wait(timeout=30)
            print(f"  {label}:")
            for name, values in figures.items():
                ordered = sorted(values)
                p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
                print(
                    f"    {name:<26} median {statistics.median(values):7.1f}   p90 {p90:7.1f}   min {ordered[0]:7.1f}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument(
        "--postgres-url",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help=f"server to create the database {BENCH_DB} on",
    )
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    args = parser.parse_args()
    print(
        f"Trigger-to-schedule through the API and an RQ worker, {STEPS} steps, {args.repeats} repeats; "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as tmp:
            print("SQLite:")
            run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.redis_url, args.repeats)
    if args.only != "sqlite":
        url = fresh_postgres(args.postgres_url, BENCH_DB)
        if url:
            print("PostgreSQL:")
            try:
                run(url, args.redis_url, args.repeats)
            finally:
                drop_postgres(args.postgres_url, BENCH_DB)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
