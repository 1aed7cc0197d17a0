"""Heatmap service figures on each database: recompute from the belief store, serve over HTTP.

Builds a registry of ``--substations`` (default 1,000) substations (10 GSPs, 40 BSPs,
200 primaries, 750 secondaries, each with two transformers) in a DSO account
through the import service, gives each a ``demand`` sensor with one year of
half-hourly beliefs (17,520 each), then measures:

- publishing = recomputing statistics and capacities for every substation
  through the service: read the demand from the belief store, run the engine,
  check and store the dataset (median of ``--repeats``; target < 5 s on 2 cores);
- serving the full dataset over HTTP as JSON and as GeoJSON from a real server
  (``gridflex serve``, one uvicorn process on 127.0.0.1): first request and the
  median of later ones (target < 200 ms each);
- on PostgreSQL, publishing again once all beliefs are compressed chunks (``db compress``).

Run: ``.venv/bin/python benchmarks/heatmap.py [--substations 1000] [--repeats 3]
[--postgres-url postgresql://postgres@127.0.0.1:5432/postgres] [--only sqlite|postgresql]``
(PostgreSQL is
skipped when unreachable). SQLite runs in a temporary folder; PostgreSQL in a
fresh database ``gridflex_heatmap_bench`` that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

import httpx
import numpy as np
import sqlalchemy as sa
from common import drop_postgres, fresh_postgres, running_server

from gridflex.engines.heatmap import read_dataset
from gridflex.services import accounts, sensors
from gridflex.services import heatmap as service
from gridflex.services.sources import get_or_create_source
from gridflex.store import compression, migrate
from gridflex.store.base import get_engine, session_scope
from gridflex.store.models import Account, Asset
from gridflex.store.queries import beliefs as q

PG_DATABASE = "gridflex_heatmap_bench"
VALID_FROM = datetime(2025, 1, 1, tzinfo=UTC)
WINDOW_START = datetime(2024, 1, 1, tzinfo=UTC)
HALF_US = 1_800_000_000
LEVELS = (  # share of the substations, voltages, transformer rating [MVA], parent level
    ("GSP", 0.01, (132, 33), 240.0, None),
    ("BSP", 0.04, (33, 11), 90.0, "GSP"),
    ("Primary", 0.20, (33, 11), 24.0, "BSP"),
    ("Secondary", 0.75, (11, 0.4), 1.0, "Primary"),
)


def registry_records(n: int, rng: np.random.Generator) -> tuple[dict, dict[str, float]]:
    """Registry records (seed's JSON shape) of ``n`` substations and each one's peak [MW]."""
    substations, peaks, names = [], {}, {}
    for level, share, (high, low), rating, parent in LEVELS:
        count = max(1, round(n * share))
        names[level] = []
        for k in range(count):
            key = f"{level}-{k:04d}"
            record = {
                "name": key, "type": level, "area": f"Area {k % 7}", "voltages": [high, low],
                "longitude": round(float(rng.uniform(-3, 0)), 6),
                "latitude": round(float(rng.uniform(51, 54)), 6), "mRID": key,
                "demandContractedCapacity": round(float(rng.uniform(0, 0.05 * rating)), 3),
                "breakerAvailableCapacity": round(float(rng.uniform(1, 20)), 2),
                "Transformers": [
                    {"name": f"T{u}", "voltages": [high, low], "Ratings": [
                        {"name": "F", "summerRating": rating, "winterRating": rating * 1.2,
                         "fromVoltage": high, "toVoltage": low},
                        {"name": "R", "summerRating": rating / 2, "winterRating": rating / 2,
                         "fromVoltage": low, "toVoltage": high}]}
                    for u in (1, 2)
                ],
            }  # fmt: skip
            if parent:
                record[parent] = names[parent][k % len(names[parent])]
            substations.append(record)
            names[level].append(key)
            peaks[key] = float(rng.uniform(0.3, 1.05)) * rating
    return {"Substations": substations[:n]}, peaks


def setup(url: str, n: int) -> tuple[int, dict[str, float]]:
    """Migrate, import the registry, add sensors and a year of demand; the timings."""
    rng = np.random.default_rng(0)
    timings = {}
    migrate.upgrade(url)
    records, peaks = registry_records(n, rng)
    began = time.perf_counter()
    with session_scope(url) as session:
        account = accounts.create_account(session, name="Bench DSO", roles=["DSO"])
        service.import_dataset(session, account, read_dataset(records))
        account_id = account.id
    timings["import registry [s]"] = time.perf_counter() - began
    began = time.perf_counter()
    steps = (VALID_FROM - WINDOW_START) // timedelta(minutes=30)
    starts = int(WINDOW_START.timestamp()) * 1_000_000 + HALF_US * np.arange(steps, dtype=np.int64)
    hours = (starts // 3_600_000_000) % 24
    shape = 0.6 + 0.25 * np.sin(2 * np.pi * (hours - 11) / 24)
    with session_scope(url) as session:
        source = get_or_create_source(session, name="bench", type="demo script")
        assets = session.scalars(
            sa.select(Asset).where(Asset.account_id == account_id, Asset.external_id.in_(peaks))
        ).all()
        for asset in assets:
            sensor = sensors.create_sensor(
                session,
                {"name": "demand", "unit": "MW", "event_resolution": timedelta(minutes=30),
                 "generic_asset_id": asset.id},
                actor=None,
            )  # fmt: skip
            rows = np.empty(steps, dtype=q.ROW_DTYPE)
            rows["sensor_id"] = sensor.id
            rows["event_start_us"] = starts
            rows["belief_time_us"] = starts + HALF_US
            rows["source_id"] = source.id
            rows["cumulative_probability"] = 0.5
            rows["belief_horizon_us"] = 0
            noise = 1 + 0.05 * rng.standard_normal(steps)
            rows["event_value"] = np.round(peaks[asset.external_id] * shape * noise, 4)
            q.insert(session, rows)  # the store's bulk path (COPY / executemany)
    with get_engine(url).connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            sa.text("VACUUM ANALYZE belief" if "postgres" in url else "ANALYZE")
        )
    timings[f"load {n} x {steps} beliefs [s]"] = time.perf_counter() - began
    return account_id, timings


def recompute(url: str, account_id: int, repeats: int, label: str = "bench") -> dict[str, float]:
    totals, parts = [], []
    for i in range(repeats):
        request = service.PublishRequest(
            title=f"Bench {i}",
            valid_from=VALID_FROM,
            valid_to=VALID_FROM + timedelta(days=90),
            identifier=f"{label}-{i}",
        )
        began = time.perf_counter()
        with session_scope(url) as session:
            account = session.get(Account, account_id)
            published = service.publish_from_registry(session, account, request)
        totals.append(time.perf_counter() - began)
        parts.append(published.timings_s)
    best = int(np.argsort(totals)[len(totals) // 2])
    return {
        "publish (recompute) total [s]": totals[best],
        "  fastest run [s]": min(totals),
        "  slowest run [s]": max(totals),
        "  read registry + demand [s]": parts[best]["read"],
        "  engine + checks [s]": parts[best]["compute"],
        "  store [s]": parts[best]["store"],
    }


def serve(url: str, repeats: int) -> dict[str, float]:
    out = {}
    with running_server(url) as (_, base), httpx.Client(base_url=base, timeout=60) as client:
        at = {"at": (VALID_FROM + timedelta(days=1)).isoformat()}
        for fmt in ("json", "geojson"):
            times = []
            for _ in range(repeats + 1):
                began = time.perf_counter()
                res = client.get("/heatmap", params={**at, "format": fmt})
                times.append(time.perf_counter() - began)
                assert res.status_code == 200, res.text
            out[f"GET /heatmap {fmt} size [MB]"] = len(res.content) / 1e6
            out[f"GET /heatmap {fmt}, first [ms]"] = times[0] * 1000
            out[f"GET /heatmap {fmt}, later (median) [ms]"] = statistics.median(times[1:]) * 1000
    return out


def bench(url: str, n: int, repeats: int) -> tuple[int, dict[str, float]]:
    account_id, figures = setup(url, n)
    figures.update(recompute(url, account_id, repeats))
    figures.update(serve(url, max(repeats, 10)))
    return account_id, figures


def compressed(url: str, account_id: int, repeats: int) -> dict[str, float]:
    """The recompute again once every belief is in compressed chunks (``gridflex db compress``)."""
    began = time.perf_counter()
    compression.compress(url, int(VALID_FROM.timestamp()) * 1_000_000 + compression.SPAN_US)
    return {
        "compress [s]": time.perf_counter() - began,
        **recompute(url, account_id, repeats, "chunks"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--substations", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="an admin connection; '' skips PostgreSQL",
    )  # fmt: skip
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="run one database only")
    args = parser.parse_args()
    print(f"{args.substations} substations x 1 year half-hourly; {os.cpu_count()} CPUs")
    results = {}
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as folder:
            _, results["SQLite"] = bench(
                f"sqlite:///{folder}/bench.db", args.substations, args.repeats
            )
    wanted = args.postgres_url and args.only != "sqlite"
    pg = fresh_postgres(args.postgres_url, PG_DATABASE) if wanted else None
    if pg:
        try:
            account_id, results["PostgreSQL"] = bench(pg, args.substations, args.repeats)
            results["PG chunks"] = compressed(pg, account_id, args.repeats)
        finally:
            drop_postgres(args.postgres_url, PG_DATABASE)
    names = list(dict.fromkeys(name for r in results.values() for name in r))
    width = max(len(n) for n in names)
    print(f"{'':{width}}  " + "  ".join(f"{b:>10}" for b in results))
    for name in names:
        print(
            f"{name:{width}}  "
            + "  ".join(f"{r.get(name, float('nan')):10.3f}" for r in results.values())
        )


if __name__ == "__main__":
    main()
