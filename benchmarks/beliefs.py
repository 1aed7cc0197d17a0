"""Belief-store figures over HTTP, for each database: POST, dedupe re-POST, GET, a 10-million-row table.

Run: ``.venv/bin/python benchmarks/beliefs.py [--big] [--repeats 5] [--postgres-url postgresql://...]``.
A real server (``gridflex serve``, one uvicorn process) runs in a subprocess on 127.0.0.1;
requests come from this process (bodies pre-encoded). Figures are medians over
``--repeats`` requests, each POST to a fresh sensor. ``--big`` adds the read of one
month from a table holding 10 million beliefs over 100 sensors (loaded with the
store's bulk path: binary COPY on PostgreSQL, executemany on SQLite); peak server
memory is the server process's VmHWM.

Targets (2 cores): POST a year < 0.5 s, GET a year < 0.1 s, dedupe re-POST < 0.5 s,
GET a month from 10 M rows < 50 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import orjson
import sqlalchemy as sa
from common import SECRET, drop_postgres, fresh_postgres, running_server

from gridflex.security import issue_token
from gridflex.services import accounts, assets, sensors, users
from gridflex.services.sources import get_or_create_source
from gridflex.store import migrate
from gridflex.store.base import get_engine, session_scope
from gridflex.store.queries import beliefs as q
from gridflex.store.queries.belief_io import copy_in
from gridflex.timing import parse_duration

PG_DATABASE = "gridflex_bench_beliefs"
START = "2025-01-01T00:00:00+00:00"
QUARTER_US = 900_000_000
SPANS = {"1 day": ("P1D", 96), "1 month": ("P30D", 2_880), "1 year": ("P365D", 35_040)}
BIG_SENSORS, BIG_EVENTS = (
    100,
    100_000,
)  # 10 million beliefs; 100,000 quarter-hours is about 2.85 years


def setup(url: str, n_sensors: int) -> tuple[str, list[int]]:
    """Migrate, create an account, a user and ``n_sensors`` 15-minute kW sensors; return a token and their ids."""
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
        type_id = assets.asset_type_by_name_or_id(session, "battery").id
        asset = assets.create_asset(
            session,
            {"name": "bench asset", "generic_asset_type_id": type_id, "account_id": account.id},
            actor=None,
        )
        ids = [
            sensors.create_sensor(
                session,
                {
                    "name": f"power {i}",
                    "unit": "kW",
                    "generic_asset_id": asset.id,
                    "event_resolution": parse_duration("PT15M"),
                },
                actor=None,
            ).id
            for i in range(n_sensors)
        ]
        token = issue_token(user.id, user.token_key, secret_key=SECRET, max_age_s=6 * 3600)
    return token, ids


def load_big(url: str, sensor_ids: list[int], source_id: int) -> float:
    """Fill the table with BIG_SENSORS x BIG_EVENTS beliefs, time block by time block (as data arrive)."""
    began = time.perf_counter()
    block = 10_000
    t0 = 1_420_070_400_000_000  # 2015-01-01
    rng = np.random.default_rng(0)
    with session_scope(url) as session:
        for first in range(0, BIG_EVENTS, block):
            starts = t0 + QUARTER_US * np.arange(first, first + block, dtype=np.int64)
            rows = np.empty(block * len(sensor_ids), dtype=q.ROW_DTYPE)
            rows["sensor_id"] = np.repeat(sensor_ids, block)
            rows["event_start_us"] = np.tile(starts, len(sensor_ids))
            rows["belief_time_us"] = rows["event_start_us"] + QUARTER_US
            rows["source_id"] = source_id
            rows["cumulative_probability"] = 0.5
            rows["belief_horizon_us"] = 0
            rows["event_value"] = np.round(rng.normal(10, 3, len(rows)), 3)
            copy_in(session, "belief", rows, q.KINDS)
    with get_engine(url).connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            sa.text("VACUUM ANALYZE belief" if url.startswith("postgres") else "ANALYZE")
        )
    return time.perf_counter() - began


def _timed(send) -> tuple[float, httpx.Response]:  # noqa: ANN001
    began = time.perf_counter()
    response = send()
    return time.perf_counter() - began, response


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def run(
    url: str, token: str, sensor_ids: list[int], *, repeats: int, big_sensors: list[int]
) -> dict[str, float]:
    out: dict[str, float] = {}
    rng = np.random.default_rng(1)
    with (
        running_server(url) as (server, base),
        httpx.Client(base_url=base, headers={"Authorization": token}, timeout=120) as client,
    ):
        out["server start RSS [MiB]"] = _peak_kib(server.pid) / 1024
        free = iter(sensor_ids)
        headers = {"Content-Type": "application/json"}
        year_sensors = []
        for label, (duration, n) in SPANS.items():
            times = []
            for _ in range(repeats):
                sensor = next(free)
                values = np.round(rng.normal(10, 3, n), 3).tolist()
                payload = orjson.dumps(
                    {"values": values, "start": START, "duration": duration, "unit": "kW"}
                )
                took, res = _timed(
                    lambda s=sensor, p=payload: client.post(
                        f"/api/v3_0/sensors/{s}/data", content=p, headers=headers
                    )
                )
                assert res.status_code == 200 and res.json()["status"] == "PROCESSED", res.text
                times.append(took)
                if label == "1 year":
                    year_sensors.append((sensor, payload))
            out[f"POST {label} ({n} values) [s]"] = statistics.median(times)
        times = []
        for sensor, payload in year_sensors:
            took, res = _timed(
                lambda s=sensor, p=payload: client.post(
                    f"/api/v3_0/sensors/{s}/data", content=p, headers=headers
                )
            )
            assert res.json()["status"] == "ALREADY_RECEIVED_AND_SUCCESSFULLY_PROCESSED", res.text
            times.append(took)
        out["re-POST 1 year, dedupe [s]"] = statistics.median(times)
        for label, extra in (
            ("GET 1 year, 15 min [s]", {}),
            ("GET 1 year, 1 h [s]", {"resolution": "PT1H"}),
        ):
            times = []
            for sensor, _ in year_sensors * 2:
                params = {"start": START, "duration": "P365D", "unit": "kW", **extra}
                took, res = _timed(
                    lambda s=sensor, p=params: client.get(f"/api/v3_0/sensors/{s}/data", params=p)
                )
                assert res.status_code == 200 and len(res.json()["values"]) in (35_040, 8_760)
                times.append(took)
            out[label] = statistics.median(times)
        if big_sensors:
            times = []
            for k in range(max(repeats, 20)):
                sensor = big_sensors[(k * 37) % len(big_sensors)]
                start = _shifted(
                    "2015-01-01T00:00:00+00:00", days=300 + 10 * k
                )  # inside the 2.85 years
                params = {"start": start, "duration": "P30D", "unit": "kW"}
                took, res = _timed(
                    lambda s=sensor, p=params: client.get(f"/api/v3_0/sensors/{s}/data", params=p)
                )
                assert res.status_code == 200 and None not in res.json()["values"], res.text[:300]
                times.append(took)
            out["GET 1 month from 10 M rows [s]"] = statistics.median(times)
        out["peak server RSS [MiB]"] = _peak_kib(server.pid) / 1024
    return out


def _shifted(start: str, *, days: int) -> str:
    return (datetime.fromisoformat(start) + timedelta(days=days)).isoformat()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--big", action="store_true", help="also load and read 10 million beliefs (minutes)"
    )
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        backends = {"sqlite": f"sqlite:///{Path(tmp) / 'bench.db'}"}
        if args.only != "sqlite":
            pg = fresh_postgres(args.postgres_url, PG_DATABASE)
            if pg:
                backends["postgresql"] = pg
        for name, url in backends.items():
            if args.only and name != args.only:
                continue
            n_http = 3 * args.repeats
            token, ids = setup(url, n_http + (BIG_SENSORS if args.big else 0))
            big = ids[n_http:]
            if big:
                with session_scope(url) as session:
                    source_id = get_or_create_source(
                        session, name="bulk loader", type="demo script"
                    ).id
                took = load_big(url, big, source_id)
                print(f"\n[{name}] loaded {len(big) * BIG_EVENTS:,} beliefs in {took:.0f} s")
            print(f"\n[{name}] medians over {args.repeats} requests:")
            for label, value in run(
                url, token, ids[:n_http], repeats=args.repeats, big_sensors=big
            ).items():
                unit = label.rsplit("[", 1)[-1].rstrip("]")
                shown = f"{value * 1000:8.1f} ms" if unit == "s" else f"{value:8.1f} MiB"
                print(f"  {shown}  {label.rsplit(' [', 1)[0]}")
        if "postgresql" in backends:
            drop_postgres(args.postgres_url, PG_DATABASE)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
