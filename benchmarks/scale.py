"""The belief store at scale on PostgreSQL: 10⁸ beliefs over 10,000 sensors, one table vs partitioned.

Run: ``.venv/bin/python benchmarks/scale.py [--beliefs 100000000] [--sensors 10000]
[--requests 200] [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres] [--keep]``.

Loads, with the store's own bulk path (``q.insert``: binary COPY), day by day across
all sensors as data arrive: substations with a year of half-hourly demand (1,000 at
10⁸ beliefs; the heatmap registry of ``benchmarks/heatmap.py``), the rest as
15-minute values on the other sensors (fewer sensors for smaller ``--beliefs``, so
that each still holds a month). Then, first on the one-table layout (migration 0008)
and again after ``gridflex db partition`` (hash partitions by sensor):

- GET one sensor-month, p50 and p99 over ``--requests`` random sensors and months,
  through the store's read (``services.beliefs.read_series``) and over HTTP
  (``gridflex serve``, one process);
- POST one sensor-year (35,040 values) over HTTP to fresh sensors (median, max);
- the heatmap recompute over the substations (median of 3);
- disk bytes per belief (table, partitions and indexes; with chunks, theirs too).

Then, on the partitioned table, ``gridflex db compress`` keeps all but the last week as
compressed weekly chunks (``--reclaim``: the rows' space given back), and the same figures
are measured again: reads of a month now come mostly from chunks.

Targets at 10⁸ beliefs: GET month p99 < 50 ms, POST year < 0.5 s, ≤ 60 bytes a belief.
Needs free disk for twice the table while partitioning (about 35 GB at 10⁸).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, datetime, timedelta

import httpx
import numpy as np
import orjson
import sqlalchemy as sa
from common import SECRET, TOKEN_S, drop_postgres, fresh_postgres, running_server
from heatmap import registry_records

from gridflex.engines.heatmap import read_dataset
from gridflex.security import issue_token
from gridflex.services import accounts, assets, sensors, users
from gridflex.services import beliefs as belief_service
from gridflex.services import heatmap as heatmap_service
from gridflex.services.sources import get_or_create_source
from gridflex.store import compression, migrate, partitioning
from gridflex.store.base import get_engine, session_scope
from gridflex.store.models import Account, Asset, Sensor
from gridflex.store.queries import beliefs as q

PG_DATABASE = "gridflex_scale_bench"
YEAR_START = datetime(2024, 1, 1, tzinfo=UTC)
DAYS = 366
HALF_US, QUARTER_US, DAY_US = 1_800_000_000, 900_000_000, 86_400_000_000
FULL = 100_000_000  # beliefs at which the figures of the issue are asked for
LAYOUTS = ("one table", "partitioned", "compressed")
POSTS = 4  # sensor-years posted per layout


def plan(beliefs: int, n_sensors: int) -> tuple[int, int, int]:
    """Substations, other sensors and 15-minute events per other sensor."""
    subs = max(10, round(1000 * beliefs / FULL))
    rest = beliefs - subs * DAYS * 48
    others = max(1, min(n_sensors - subs, rest // (31 * 96)))
    return subs, others, min(DAYS * 96, rest // others)


def make_entities(url: str, subs: int, others: int, post_sensors: int) -> dict:
    """The DSO registry with demand sensors, and a prosumer's sensors (and fresh ones for POSTs)."""
    records, peaks = registry_records(subs, np.random.default_rng(0))
    day = timedelta(days=1)
    with session_scope(url) as session:
        dso = accounts.create_account(session, name="Bench DSO", roles=["DSO"])
        heatmap_service.import_dataset(session, dso, read_dataset(records))
        demand, peak = [], {}
        substations = sa.select(Asset).where(
            Asset.account_id == dso.id, Asset.external_id.in_(peaks)
        )
        for asset in session.scalars(substations):
            spec = {"name": "demand", "unit": "MW", "event_resolution": day / 48}
            made = sensors.create_sensor(
                session, {**spec, "generic_asset_id": asset.id}, actor=None
            )
            demand.append(made.id)
            peak[made.id] = peaks[asset.external_id]
        owner = accounts.create_account(session, name="Bench prosumer", roles=["Prosumer"])
        user = users.create_user(
            session, email="bench@example.org", username="bench", account_id=owner.id,
            password="bench-password", roles=["account-admin"],
        )  # fmt: skip
        type_id = assets.asset_type_by_name_or_id(session, "building").id
        site = assets.create_asset(
            session, {"name": "site", "generic_asset_type_id": type_id, "account_id": owner.id},
            actor=None,
        )  # fmt: skip
        spec = {"unit": "kW", "event_resolution": day / 96, "generic_asset_id": site.id}
        made = [
            sensors.create_sensor(session, {**spec, "name": f"power {i}"}, actor=None).id
            for i in range(others + post_sensors)
        ]
        source = get_or_create_source(session, name="bench", type="demo script").id
        token = issue_token(user.id, user.token_key, secret_key=SECRET, max_age_s=TOKEN_S)
        return {
            "dso": dso.id, "demand": sorted(demand), "peak": peak, "others": made[:others],
            "fresh": made[others:], "source": source, "token": token,
        }  # fmt: skip


def load(url: str, ents: dict, per_other: int) -> int:
    """One COPY per day over all sensors; returns the number of beliefs loaded."""
    rng = np.random.default_rng(1)
    t0 = int(YEAR_START.timestamp()) * 1_000_000
    first_other = DAYS * DAY_US - per_other * QUARTER_US  # the others end with the year
    total, began = 0, time.perf_counter()
    for day in range(DAYS):
        parts = [(ents["demand"], t0 + day * DAY_US + HALF_US * np.arange(48), HALF_US)]
        starts = t0 + day * DAY_US + QUARTER_US * np.arange(96)
        starts = starts[starts >= t0 + first_other]
        if len(starts):
            parts.append((ents["others"], starts, QUARTER_US))
        rows = np.concatenate([_rows(ids, s, step, ents["source"], rng) for ids, s, step in parts])
        demand = len(ents["demand"]) * 48  # substations: their peak times a daily shape
        hours = (rows["event_start_us"][:demand] // 3_600_000_000) % 24
        scale = np.array([ents["peak"][s] for s in rows["sensor_id"][:demand]])
        shape = 0.6 + 0.25 * np.sin(2 * np.pi * (hours - 11) / 24)
        rows["event_value"][:demand] = np.round(scale * shape * rng.uniform(0.95, 1.05, demand), 4)
        with session_scope(url) as session:
            q.insert(session, rows)
        total += len(rows)
        if day % 30 == 29:
            print(f"  loaded {total:,} beliefs ({time.perf_counter() - began:.0f} s)", flush=True)
    return total


def _rows(ids: list[int], starts: np.ndarray, step: int, source: int, rng) -> np.ndarray:  # noqa: ANN001
    rows = np.empty(len(ids) * len(starts), dtype=q.ROW_DTYPE)
    rows["sensor_id"] = np.repeat(ids, len(starts))
    rows["event_start_us"] = np.tile(starts, len(ids))
    rows["belief_time_us"] = rows["event_start_us"] + step
    rows["source_id"] = source
    rows["cumulative_probability"] = 0.5
    rows["belief_horizon_us"] = 0
    rows["event_value"] = np.round(rng.normal(10, 3, len(rows)), 3)
    return rows


def vacuum(url: str) -> None:
    with get_engine(url).connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            sa.text("VACUUM (ANALYZE) belief")
        )


def bytes_per_belief(url: str, beliefs: int) -> float:
    return sum(compression.disk_bytes(url).values()) / beliefs


def _months(ents: dict, per_other: int, n: int) -> list[tuple[int, datetime]]:
    """``n`` random (sensor, month start) pairs inside the other sensors' data."""
    rng = np.random.default_rng(2)
    end = YEAR_START + timedelta(days=DAYS)
    first = end - timedelta(microseconds=per_other * QUARTER_US)
    span_days = max(0, (end - first).days - 30)
    return [
        (
            int(rng.choice(ents["others"])),
            first + timedelta(days=int(rng.integers(0, span_days + 1))),
        )
        for _ in range(n)
    ]


def _pcts(times: list[float]) -> tuple[float, float]:
    return float(np.percentile(times, 50)) * 1000, float(np.percentile(times, 99)) * 1000


def measure(url: str, ents: dict, per_other: int, n: int, layout: str) -> dict[str, float]:
    out: dict[str, float] = {}
    asks = _months(ents, per_other, n)
    times = []
    for sensor_id, start in asks:
        began = time.perf_counter()
        with session_scope(url) as session:
            sensor = session.get(Sensor, sensor_id)
            series = belief_service.read_series(
                session, sensor, start=start, duration=timedelta(days=30)
            )
        times.append(time.perf_counter() - began)
        assert not np.isnan(series.values).any()
    out["GET month, store p50 [ms]"], out["GET month, store p99 [ms]"] = _pcts(times)
    with (
        running_server(url) as (_, base),
        httpx.Client(
            base_url=base, headers={"Authorization": ents["token"]}, timeout=120
        ) as client,
    ):
        times = []
        for sensor_id, start in asks:
            params = {"start": start.isoformat(), "duration": "P30D", "unit": "kW"}
            began = time.perf_counter()
            res = client.get(f"/api/v3_0/sensors/{sensor_id}/data", params=params)
            times.append(time.perf_counter() - began)
            assert res.status_code == 200 and None not in res.json()["values"], res.text[:200]
        out["GET month, HTTP p50 [ms]"], out["GET month, HTTP p99 [ms]"] = _pcts(times)
        times = []
        fresh = ents["fresh"][LAYOUTS.index(layout) :: len(LAYOUTS)]
        rng = np.random.default_rng(3)
        for sensor_id in fresh:
            payload = orjson.dumps({
                "values": np.round(rng.normal(10, 3, 35_040), 3).tolist(),
                "start": "2025-01-01T00:00:00+00:00", "duration": "P365D", "unit": "kW",
            })  # fmt: skip
            began = time.perf_counter()
            res = client.post(
                f"/api/v3_0/sensors/{sensor_id}/data", content=payload,
                headers={"Content-Type": "application/json"},
            )  # fmt: skip
            times.append(time.perf_counter() - began)
            assert res.status_code == 200, res.text[:200]
        out["POST year, median [ms]"] = statistics.median(times) * 1000
        out["POST year, max [ms]"] = max(times) * 1000
    out["heatmap recompute, median of 3 [s]"] = recompute(url, ents["dso"], layout)
    return out


def recompute(url: str, account_id: int, layout: str) -> float:
    valid_from = YEAR_START + timedelta(days=DAYS)
    times = []
    for i in range(3):
        request = heatmap_service.PublishRequest(
            title=f"Bench {layout} {i}", valid_from=valid_from,
            valid_to=valid_from + timedelta(days=90),
            identifier=f"bench-{layout.replace(' ', '-')}-{i}",
        )  # fmt: skip
        began = time.perf_counter()
        with session_scope(url) as session:
            account = session.get(Account, account_id)
            heatmap_service.publish_from_registry(session, account, request)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def run(url: str, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    subs, others, per_other = plan(args.beliefs, args.sensors)
    print(f"{subs} substations x {DAYS * 48} + {others} sensors x {per_other} beliefs")
    migrate.upgrade(url, "0008_login_failures")  # the last layout with one belief table
    began = time.perf_counter()
    ents = make_entities(url, subs, others, post_sensors=POSTS * len(LAYOUTS))
    print(f"entities made in {time.perf_counter() - began:.0f} s")
    began = time.perf_counter()
    total = load(url, ents, per_other)
    vacuum(url)
    load_s = time.perf_counter() - began
    migrate.upgrade(url)  # 0009 leaves a big table as it is; 0011 adds the (empty) chunk table
    with get_engine(url).connect() as conn:
        if partitioning.partition_count(conn) is not None:
            raise SystemExit("use --beliefs above a million: 0009 partitions smaller tables")
    figures: dict[str, dict[str, float]] = {}
    one = {"load (COPY + VACUUM) [s]": load_s, "beliefs": float(total)}
    one["bytes per belief"] = bytes_per_belief(url, total)
    one.update(measure(url, ents, per_other, args.requests, "one table"))
    figures["one table"] = one
    began = time.perf_counter()
    with get_engine(url).begin() as conn:
        partitioning.convert(conn, args.partitions)
    vacuum(url)
    parted = {"partition (convert + VACUUM) [s]": time.perf_counter() - began}
    total += POSTS * 35_040
    parted["bytes per belief"] = bytes_per_belief(url, total)
    parted.update(measure(url, ents, per_other, args.requests, "partitioned"))
    figures[f"{args.partitions} hash partitions"] = parted
    total += POSTS * 35_040
    began = time.perf_counter()
    last_week = int(YEAR_START.timestamp()) * 1_000_000 + (DAYS - 7) * DAY_US
    moved = compression.compress(url, last_week)  # as the nightly `db compress` would
    compression.vacuum(url, full=True)
    packed = {"compress (+ VACUUM FULL) [s]": time.perf_counter() - began}
    packed["beliefs in chunks"] = float(moved.beliefs)
    packed["bytes per belief"] = bytes_per_belief(url, total)
    packed.update(measure(url, ents, per_other, args.requests, "compressed"))
    figures["partitions + chunks"] = packed
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--beliefs", type=int, default=FULL)
    parser.add_argument("--sensors", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--partitions", type=int, default=partitioning.DEFAULT_PARTITIONS)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    url = fresh_postgres(args.postgres_url, PG_DATABASE)
    if url is None:
        return
    try:
        figures = run(url, args)
    finally:
        if not args.keep:
            drop_postgres(args.postgres_url, PG_DATABASE)
    names = list(dict.fromkeys(name for f in figures.values() for name in f))
    width = max(len(n) for n in names)
    print(f"{'':{width}}  " + "  ".join(f"{layout:>20}" for layout in figures))
    for name in names:
        cells = (f"{f[name]:20.1f}" if name in f else f"{'':20}" for f in figures.values())
        print(f"{name:{width}}  " + "  ".join(cells))
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
