"""Importing a published heatmap file as a DNO writes it, and a zip bomb, on each database.

1. A real-world-like file (``tests/api/heatmap/realistic_file.py``: ~1,000
   substations, 7 significant digits, ``+0000`` offsets, required fields missing on
   many records, projects in two buckets, short codes with spaces, references outside
   the sample) is imported with ``--publish`` through the services, as ``gridflex
   heatmap import`` does: read, check, write the registry, compute the gaps, store.
   Prints the import time (median of ``--repeats``, each into a fresh account),
   the refusals and the conformance report, then checks through a real server
   (``GET /heatmap/{identifier}``) that every substation and circuit of the input
   comes back with its values unchanged.
2. A zip bomb (one CSV member of ``--bomb-mib`` MiB of zeros, deflated to a few
   hundred KiB) is posted to ``POST /heatmap/upload`` of the real server: prints the
   status, the time to answer and the server's peak memory (VmHWM) before and after.

Run: ``.venv/bin/python benchmarks/heatmap_import.py [--substations 1000] [--repeats 3]
[--only sqlite|postgresql] [--postgres-url ...] [--bomb-mib 2048]``.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import httpx
from common import drop_postgres, fresh_postgres, running_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.api.heatmap.realistic_file import realistic_file  # noqa: E402

from gridflex.services import accounts, users  # noqa: E402
from gridflex.services import heatmap as service  # noqa: E402
from gridflex.store import migrate  # noqa: E402
from gridflex.store.base import session_scope  # noqa: E402

PG_DATABASE = "gridflex_heatmap_import_bench"
PASSWORD = "benchmark-password-123"


def import_once(url: str, data: bytes, n: int) -> tuple[float, service.ImportReport]:
    with session_scope(url) as session:
        account = accounts.create_account(session, name=f"DNO {n}", roles=["DSO"])
        began = time.perf_counter()
        reading = service.read_uploads([service.Upload("file.json", data)])
        report = service.import_dataset(session, account, reading, publish=True)
    return time.perf_counter() - began, report


def print_report(summary: dict) -> None:
    print(
        f"  refused {summary['refused']}, deviations kept {summary['deviations']}, "
        f"fields computed {summary['filled']}, values normalised {summary['normalised']}"
    )
    for kind in summary["kinds"]:
        fields = ", ".join(f"{k} {n}" for k, n in list(kind["fields"].items())[:4])
        print(f"  {kind['kind']:<22} {kind['outcome']:<10} {kind['count']:>6}  {fields}")
        if kind["examples"]:
            first = kind["examples"][0]
            print(f"  {'':<22} e.g. {first['record']} {first['field']}: {first['message']}")


def check_served(url: str, document: dict, identifier: str) -> tuple[int, int, int]:
    """(substations, circuits, values) served unchanged; raises on the first difference."""
    with running_server(url) as (_, base):
        served = httpx.get(f"{base}/heatmap/{identifier}", timeout=60).json()
    values = 0
    for table in ("Substations", "Circuits"):
        sent, got = document[table], served[table]
        assert len(sent) == len(got), (table, len(sent), len(got))
        for given, answer in zip(sent, got, strict=True):
            for key, value in given.items():
                assert answer.get(key) == value, (table, given.get("mRID"), key, value)
                values += 1
    return len(served["Substations"]), len(served["Circuits"]), values


def zip_bomb(mib: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("Substations.csv", "w", force_zip64=True) as member:
            member.write(b"name,type,area,voltages,longitude,latitude\n")
            block = b"0" * (1 << 20)
            for _ in range(mib):
                member.write(block)
    return buffer.getvalue()


def peak_rss_mib(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process [MiB]."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def bomb(url: str, mib: int) -> None:
    payload = zip_bomb(mib)
    with session_scope(url) as session:
        account = accounts.create_account(session, name="Bomb DNO", roles=["DSO"])
        users.create_user(
            session, email="bomb@example.org", username="bomb", account_id=account.id,
            password=PASSWORD, roles=["account-admin"],
        )  # fmt: skip
    with running_server(url) as (server, base), httpx.Client(base_url=base, timeout=120) as c:
        token = c.post(
            "/api/requestAuthToken", json={"email": "bomb@example.org", "password": PASSWORD}
        ).json()["auth_token"]
        c.get("/heatmap/datasets")  # the server has loaded everything it loads anyway
        before = peak_rss_mib(server.pid)
        began = time.perf_counter()
        res = c.post(
            "/heatmap/upload",
            content=payload,
            headers={"Authorization": token, "Content-Type": "application/zip"},
        )
        took = time.perf_counter() - began
        after = peak_rss_mib(server.pid)
    print(
        f"  zip bomb: {len(payload) / 1024:.0f} KiB inflating to {mib} MiB -> "
        f"{res.status_code} in {took:.2f} s: {res.json()['message']}"
    )
    print(
        f"  server memory: {before[0]:.0f} MiB before, peak {after[1]:.0f} MiB "
        f"(peak before {before[1]:.0f} MiB), {after[0]:.0f} MiB after"
    )


def bench(url: str, n: int, repeats: int, bomb_mib: int) -> None:
    migrate.upgrade(url)
    document, rates = realistic_file(n)
    data = json.dumps(document).encode()
    print(
        f"  file: {len(data) / 1e6:.1f} MB, {rates.substations} substations, "
        f"{rates.circuits} circuits; written deviations: {rates}"
    )
    times, report = [], None
    for k in range(repeats):
        document["identifier"] = f"dno-sample-{k}"
        data = json.dumps(document).encode()
        took, report = import_once(url, data, k)
        times.append(took)
    assert report is not None and report.published is not None
    print(
        f"  import + publish: median {statistics.median(times):.2f} s "
        f"(runs {', '.join(f'{t:.2f}' for t in times)}); refused records: "
        f"{len(report.conformance.refused)}; counts {report.counts}"
    )
    print_report(report.conformance.summary())
    substations, circuits, values = check_served(url, document, report.published)
    print(f"  GET /heatmap/{report.published}: {substations} substations, {circuits} circuits, "
          f"{values} given values all unchanged")  # fmt: skip
    bomb(url, bomb_mib)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--substations", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--bomb-mib", type=int, default=2048)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="run one database only")
    args = parser.parse_args()
    if args.only != "postgresql":
        print("SQLite")
        with tempfile.TemporaryDirectory() as folder:
            bench(f"sqlite:///{folder}/bench.db", args.substations, args.repeats, args.bomb_mib)
    pg = fresh_postgres(args.postgres_url, PG_DATABASE) if args.only != "sqlite" else None
    if pg:
        print("PostgreSQL")
        try:
            bench(pg, args.substations, args.repeats, args.bomb_mib)
        finally:
            drop_postgres(args.postgres_url, PG_DATABASE)


if __name__ == "__main__":
    main()
