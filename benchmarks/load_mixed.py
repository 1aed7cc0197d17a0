"""Mixed load on a scale-out deployment: 2 API processes and 2 RQ workers on PostgreSQL and Redis.

Run: ``.venv/bin/python benchmarks/load_mixed.py [--clients 32] [--seconds 30] [--api-workers 2]
[--rq-workers 2] [--postgres-url URL] [--redis-url redis://127.0.0.1:6379/13]``.

Concurrent clients (asyncio, keep-alive, one process) mix reads of a day of a sensor (70 %),
posts of an hour of values (20 %), asset lists (5 %) and schedule triggers (5 %) for the
given time; the script prints throughput, p50/p99 per kind and overall, and every answer
that was not a success. Targets (issue 18): >= 300 requests/s with p99 < 500 ms and 0 errors.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import aiohttp
import numpy as np
import sqlalchemy as sa
from common import SECRET, TOKEN_S, drop_postgres, fresh_postgres, running_server, server_env

from gridflex.security import issue_token
from gridflex.services import accounts, assets, beliefs, sensors, sources, users
from gridflex.store import migrate
from gridflex.store.base import normalise_url, session_scope

PG_DATABASE = "gridflex_bench_load"
N_SENSORS = 50
DAYS = 7


def fill(url: str) -> dict:
    migrate.upgrade(url)
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
        days=DAYS
    )
    with session_scope(url) as session:
        account = accounts.create_account(session, name="load", roles=["Prosumer"])
        user = users.create_user(
            session,
            email="load@example.org",
            username="load",
            account_id=account.id,
            password="load-bench-password-1",
        )
        site = assets.create_asset(
            session,
            {"name": "site", "generic_asset_type_id": 1, "account_id": account.id},
            actor=None,
        )
        source = sources.user_source(session, user)
        price = sensors.create_sensor(
            session,
            {"name": "prices", "unit": "EUR/MWh", "event_resolution": timedelta(hours=1),
             "generic_asset_id": site.id},
            actor=None,
        )  # fmt: skip
        beliefs.post_series(
            session, price, source, values=list(50 + 30 * np.sin(np.arange(24 * (DAYS + 2)) / 4)),
            start=start, duration=timedelta(days=DAYS + 2), unit="EUR/MWh",
        )  # fmt: skip
        ids = []
        for i in range(N_SENSORS):
            battery = assets.create_asset(
                session,
                {"name": f"battery {i}", "generic_asset_type_id": 3, "account_id": account.id,
                 "parent_asset_id": site.id, "attributes": {"capacity_in_mw": 0.05}},
                actor=None,
            )  # fmt: skip
            sensor = sensors.create_sensor(
                session,
                {"name": "power", "unit": "kW", "event_resolution": timedelta(minutes=15),
                 "generic_asset_id": battery.id},
                actor=None,
            )  # fmt: skip
            beliefs.post_series(
                session, sensor, source, values=list(np.random.default_rng(i).normal(10, 3, 96 * DAYS)),
                start=start, duration=timedelta(days=DAYS), unit="kW",
            )  # fmt: skip
            ids.append(sensor.id)
        token = issue_token(user.id, user.token_key, secret_key=SECRET, max_age_s=TOKEN_S)
    return {"token": token, "sensors": ids, "price": price.id, "start": start}


def vacuum_analyze(url: str) -> None:
    engine = sa.create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    finally:
        engine.dispose()


def _request(world: dict, rng: random.Random) -> tuple[str, str, str, dict | None]:
    """(kind, method, path, json) of one request of the mix."""
    sensor = rng.choice(world["sensors"])
    day = world["start"] + timedelta(days=rng.randrange(DAYS))
    roll = rng.random()
    if roll < 0.70:
        query = f"start={day.isoformat().replace('+', '%2B')}&duration=P1D&unit=kW"
        return "read", "GET", f"/api/v3_0/sensors/{sensor}/data?{query}", None
    if roll < 0.90:
        hour = day + timedelta(hours=rng.randrange(24))
        body = {"values": [rng.uniform(0, 20) for _ in range(4)], "start": hour.isoformat(),
                "duration": "PT1H", "unit": "kW"}  # fmt: skip
        return "write", "POST", f"/api/v3_0/sensors/{sensor}/data", body
    if roll < 0.95:
        return "list", "GET", "/api/v3_0/assets", None
    body = {
        "start": (world["start"] + timedelta(days=DAYS)).isoformat(),
        "duration": "PT24H",
        "flex-model": {"soc-at-start": f"{rng.uniform(0, 50):.1f} kWh", "soc-max": "100 kWh"},
        "flex-context": {"consumption-price": {"sensor": world["price"]}},
    }
    return "schedule", "POST", f"/api/v3_0/sensors/{sensor}/schedules/trigger", body


async def _client(base: str, world: dict, until: float, seed: int, record: list) -> None:
    # aiohttp, not httpx: the clients share the 2 cores with the servers, and httpx spent
    # ~1.9 ms of CPU per request (aiohttp well under half), which the servers then lacked.
    rng = random.Random(seed)
    headers = {"Authorization": world["token"]}
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(base, headers=headers, timeout=timeout) as client:
        while time.perf_counter() < until:
            kind, method, path, body = _request(world, rng)
            began = time.perf_counter()
            try:
                async with client.request(method, path, json=body) as res:
                    await res.read()
                    status: int | str = res.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                status = type(exc).__name__
            record.append((kind, time.perf_counter() - began, status))


async def _load(base: str, world: dict, clients: int, seconds: float) -> list:
    record: list = []
    until = time.perf_counter() + seconds
    await asyncio.gather(*(_client(base, world, until, i, record) for i in range(clients)))
    return record


def report(record: list, seconds: float) -> None:
    by_kind: dict[str, list[float]] = defaultdict(list)
    failures = Counter()
    for kind, took, status in record:
        by_kind[kind].append(took)
        if not (isinstance(status, int) and status < 300):
            failures[(kind, status)] += 1
    every = [took for _, took, _ in record]
    print(f"requests: {len(record)} in {seconds:.0f} s = {len(record) / seconds:.0f} req/s")
    for kind, times in sorted(by_kind.items()) + [("all", every)]:
        p50, p99 = np.percentile(times, 50) * 1000, np.percentile(times, 99) * 1000
        print(f"  {kind:9} n={len(times):6d}  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  "
              f"mean {statistics.fmean(times) * 1000:7.1f} ms")  # fmt: skip
    print(
        f"errors: {sum(failures.values())}" + "".join(f"\n  {k}: {n}" for k, n in failures.items())
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument("--rq-workers", type=int, default=2)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    url = fresh_postgres(args.postgres_url, PG_DATABASE)
    if url is None:
        sys.exit(1)
    try:
        world = fill(url)
        # As after any bulk load: table statistics and the visibility map up to date, so that
        # autovacuum does not start on the fresh rows in the middle of the measurement.
        vacuum_analyze(url)
        env = server_env(
            url, GRIDFLEX_REDIS_URL=args.redis_url, GRIDFLEX_TRIGGER_RATE_LIMIT="1000000 per minute"
        )
        from redis import Redis

        Redis.from_url(args.redis_url).flushdb()
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "gridflex.cli.main", "worker", "--queue", "scheduling"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            for _ in range(args.rq_workers)
        ]
        try:
            with running_server(url, workers=args.api_workers, env=env) as (_, base):
                asyncio.run(_load(base, world, 4, 3))  # warm up every process
                record = asyncio.run(_load(base, world, args.clients, args.seconds))
            print(f"{args.api_workers} API processes, {args.rq_workers} RQ workers, "
                  f"{args.clients} clients, {os.cpu_count()} cores")  # fmt: skip
            report(record, args.seconds)
        finally:
            for worker in workers:  # a warm shutdown finishes the job at hand; then no waiting
                worker.terminate()
            for worker in workers:
                try:
                    worker.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    worker.kill()
    finally:
        drop_postgres(args.postgres_url, PG_DATABASE)


if __name__ == "__main__":
    main()
