"""Peak server memory while a large CSV file is uploaded to a sensor (POST .../data/upload).

Run: ``.venv/bin/python benchmarks/upload_memory.py [--megabytes 500] [--only sqlite|postgres]
[--postgres-url URL]``. Writes a CSV of one-minute values (about 35 bytes a row), starts
``gridflex serve`` in a subprocess, uploads the file over HTTP and prints the server's resident
memory before the upload, its peak (VmHWM) after it, the rows stored and the time taken.
Target: peak growth under 200 MiB for a 500 MB file.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
from common import SECRET, TOKEN_S, drop_postgres, fresh_postgres, running_server

from gridflex.security import issue_token
from gridflex.services import accounts, assets, sensors, users
from gridflex.store import migrate
from gridflex.store.base import session_scope

PG_DATABASE = "gridflex_bench_upload"
START = datetime(2000, 1, 1, tzinfo=UTC)


def write_csv(path: Path, megabytes: int) -> int:
    """One-minute values from 2000 on until the file holds ``megabytes``; returns the rows."""
    rows, target = 0, megabytes * 1_000_000
    block = 100_000
    with path.open("w") as out:
        out.write("event_start,event_value\n")
        while path.stat().st_size < target:
            minutes = np.arange(rows, rows + block)
            stamps = np.datetime64("2000-01-01T00:00") + minutes.astype("timedelta64[m]")
            values = np.round(np.sin(minutes / 1440 * 2 * np.pi) * 100 + 200, 3)
            out.write(
                "".join(
                    f"{s}:00+00:00,{v}\n" for s, v in zip(stamps.astype(str), values, strict=True)
                )
            )
            rows += block
            out.flush()
    return rows


def fill(url: str) -> tuple[str, int]:
    migrate.upgrade(url)
    with session_scope(url) as session:
        account = accounts.create_account(session, name="upload", roles=["MDC"])
        user = users.create_user(
            session,
            email="upload@example.org",
            username="upload",
            account_id=account.id,
            password="upload-bench-password-1",
        )
        asset = assets.create_asset(
            session,
            {"name": "meter", "generic_asset_type_id": 1, "account_id": account.id},
            actor=None,
        )
        sensor = sensors.create_sensor(
            session,
            {
                "name": "power",
                "unit": "kW",
                "event_resolution": timedelta(minutes=1),
                "generic_asset_id": asset.id,
            },
            actor=None,
        )
        token = issue_token(user.id, user.token_key, secret_key=SECRET, max_age_s=TOKEN_S)
        return token, sensor.id


def memory_kib(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def measure(url: str, label: str, csv: Path, rows: int) -> None:
    token, sensor_id = fill(url)
    with running_server(url) as (server, base):
        before = memory_kib(server.pid)
        began = time.perf_counter()
        with csv.open("rb") as handle:
            res = httpx.post(
                f"{base}/api/v3_0/sensors/{sensor_id}/data/upload",
                headers={"Authorization": token},
                files={"uploaded-files": ("meter.csv", handle, "text/csv")},
                timeout=3600,
            )
        took = time.perf_counter() - began
        after = memory_kib(server.pid)
    growth_mib = (after["VmHWM"] - before["VmRSS"]) / 1024
    print(
        f"{label:10} {csv.stat().st_size / 1e6:7.0f} MB  {rows / 1e6:5.1f} M rows  "
        f"answer {res.status_code}  {took:6.0f} s  RSS before {before['VmRSS'] / 1024:5.0f} MiB  "
        f"peak {after['VmHWM'] / 1024:5.0f} MiB  growth {growth_mib:5.0f} MiB"
    )
    if res.status_code >= 300:  # a refused upload measures nothing
        raise SystemExit(f"{label}: the upload was refused: {res.status_code} {res.text[:300]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=int, default=500)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "meter.csv"
        rows = write_csv(csv, args.megabytes)
        if args.only != "postgres":
            measure(f"sqlite:///{tmp}/upload.db", "SQLite", csv, rows)
        if args.only != "sqlite":
            url = fresh_postgres(args.postgres_url, PG_DATABASE)
            if url:
                try:
                    measure(url, "PostgreSQL", csv, rows)
                finally:
                    drop_postgres(args.postgres_url, PG_DATABASE)


if __name__ == "__main__":
    main()
