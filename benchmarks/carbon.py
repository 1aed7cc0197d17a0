"""Carbon-intensity API figures: flow tracing of a year, and latest/history under loopback load.

Run: ``.venv/bin/python benchmarks/carbon.py [--seconds 10] [--clients 32] [--workers 2]
[--postgres-url postgresql://...]``.

1. The carbon engine traces 50 zones x 8,760 hours (random production, a ring
   plus chords network), as the compute service calls it; and the compute
   service recomputes the demo system (6 zones x 1 year) from the store.
2. A real ``gridflex serve`` (``--workers`` uvicorn processes) on 127.0.0.1
   serves the carbon demo from a fresh SQLite file (or PostgreSQL); this
   process opens ``--clients`` keep-alive connections that each send one
   request after another for ``--seconds`` (after a warm-up), with a minimal
   HTTP/1.1 client on asyncio so that the load generator stays cheap.
   Figures: requests/second and latency percentiles. Also the CPU time of one
   request through the ASGI app in this process, which hardly moves when other
   processes share the cores (unlike requests/second).

Targets (2 cores): the traced year in under 2 s; latest above 1,000 requests/s
with p99 under 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import timedelta
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
from common import SECRET, drop_postgres, fresh_postgres, running_server

from gridflex.demo import carbon as carbon_demo
from gridflex.engines.carbon import (
    PRODUCTION_TYPES,
    ExchangeLinks,
    resolve_factors_g_per_kwh,
    trace_flows,
)
from gridflex.security import issue_token
from gridflex.services import accounts, users
from gridflex.services.carbon import recompute
from gridflex.store import migrate
from gridflex.store.base import session_scope

PG_DATABASE = "gridflex_bench_carbon"


def tracing_seconds(n_zones: int = 50, n_steps: int = 8760, repeats: int = 3) -> float:
    rng = np.random.default_rng(0)
    production = rng.uniform(0.0, 1000.0, (n_steps, n_zones, len(PRODUCTION_TYPES)))
    pairs = {(i, (i + 1) % n_zones) for i in range(n_zones)}
    while len(pairs) < 2 * n_zones:
        a, b = (int(v) for v in rng.integers(0, n_zones, 2))
        if a != b and (b, a) not in pairs:
            pairs.add((a, b))
    frm, to = (np.array(v) for v in zip(*sorted(pairs), strict=True))
    links = ExchangeLinks(frm, to, rng.uniform(-300.0, 300.0, (n_steps, frm.size)), n_zones)
    factors = resolve_factors_g_per_kwh([f"Z{i}" for i in range(n_zones)], year=2024)
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        trace_flows(production, links, factors_g_per_kwh={"lifecycle": factors})
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def prepare(url: str, days: int) -> tuple[str, float, float]:
    """Migrate, load the carbon demo, make a user; return a token and load / recompute seconds."""
    migrate.upgrade(url)
    end = pd.Timestamp.now(tz="UTC").floor("h")
    began = time.perf_counter()
    with session_scope(url) as session:
        carbon_demo.build_system(
            session,
            (end - pd.Timedelta(days=days)).to_pydatetime(),
            end.to_pydatetime(),
            forecast=False,
        )
    loaded = time.perf_counter() - began
    began = time.perf_counter()
    with session_scope(url) as session:
        recompute(session, now=pd.Timestamp.now(tz="UTC").to_pydatetime() + timedelta(seconds=1))
    recomputed = time.perf_counter() - began
    with session_scope(url) as session:
        account = accounts.create_account(session, name="carbon bench")
        user = users.create_user(
            session,
            email="bench@carbon.example",
            username="bench",
            account_id=account.id,
            password="bench-password",
            roles=[],
        )
        token = issue_token(user.id, user.token_key, secret_key=SECRET, max_age_s=3600)
    return token, loaded, recomputed


async def _client(
    port: int,
    request: bytes,
    stop_at: float,
    record_from: float,
    out: list[float],
    errors: list[int],
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while True:
            began = time.perf_counter()
            if began >= stop_at:
                return
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            done = time.perf_counter()
            if began >= record_from:
                out.append(done - began)
                if status != 200:
                    errors.append(status)
    finally:
        writer.close()


async def _load(
    port: int, path: str, token: str, clients: int, seconds: float, warmup: float
) -> tuple[list[float], list[int], float]:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nauth-token: {token}\r\n"
        "Connection: keep-alive\r\n\r\n"
    ).encode()
    now = time.perf_counter()
    record_from, stop_at = now + warmup, now + warmup + seconds
    latencies: list[float] = []
    errors: list[int] = []
    await asyncio.gather(
        *(_client(port, request, stop_at, record_from, latencies, errors) for _ in range(clients))
    )
    return latencies, errors, seconds


def load(port: int, path: str, token: str, clients: int, seconds: float) -> str:
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover
        runner = asyncio.run
    latencies, errors, span = runner(_load(port, path, token, clients, seconds, warmup=2.0))
    ms = np.array(latencies) * 1000
    return (
        f"{len(ms) / span:,.0f} requests/s, latency p50 {np.percentile(ms, 50):.1f} ms, "
        f"p90 {np.percentile(ms, 90):.1f} ms, p99 {np.percentile(ms, 99):.1f} ms "
        f"({len(ms)} requests, {len(errors)} not 200)"
    )


async def _asgi_get(app: object, path: str, query: str, token: str) -> int:
    """One GET through the ASGI app itself (no socket, no client library)."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": query.encode(), "headers": [(b"host", b"x"), (b"auth-token", token.encode())],
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "state": {}, "app": app,
    }  # fmt: skip
    status: list[int] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)  # type: ignore[operator]
    return status[0]


def cpu_per_request_us(url: str, token: str, path: str, n: int = 500, repeats: int = 7) -> float:
    """CPU time of one request in this process (best of ``repeats`` x ``n``): unlike requests/s,
    it hardly moves when other processes share the cores. [µs]"""
    from gridflex.api.app import create_app
    from gridflex.config import Settings

    app = create_app(Settings(database_url=url, secret_key=SECRET, mode="production"))

    async def run() -> float:
        async with app.router.lifespan_context(app):
            for _ in range(100):  # warm the caches
                assert await _asgi_get(app, path, "zone=DE", token) == 200
            best = []
            for _ in range(repeats):
                began = time.process_time()
                for _ in range(n):
                    await _asgi_get(app, path, "zone=DE", token)
                best.append((time.process_time() - began) / n * 1e6)
            return min(best)

    return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--days", type=int, default=365, help="days of demo data on the server")
    parser.add_argument(
        "--postgres-url",
        default=None,
        help="serve from PostgreSQL: an admin URL (the database gridflex_bench_carbon is made)",
    )
    args = parser.parse_args()

    print(f"trace_flows, 50 zones x 8,760 hours: {tracing_seconds():.2f} s (median of 3)")
    if args.postgres_url:  # an admin URL: the benchmark makes (and drops) its own database
        url = fresh_postgres(args.postgres_url, PG_DATABASE)
        if url is None:
            return
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='gridflex-carbon-')}/bench.db"
    token, loaded, recomputed = prepare(url, args.days)
    print(
        f"carbon demo, 6 zones x {args.days} days hourly ({url.split(':')[0]}): import and trace "
        f"{loaded:.1f} s; recompute from the store (nothing changed) {recomputed:.2f} s"
    )
    for path in ("/v3/carbon-intensity/latest", "/v3/carbon-intensity/history"):
        print(
            f"{path}?zone=DE in-process: {cpu_per_request_us(url, token, path):.0f} µs CPU/request"
        )
    try:
        with running_server(url, workers=args.workers) as (_, base):
            port = urlsplit(base).port
            for path in (
                "/v3/carbon-intensity/latest?zone=DE",
                "/v3/carbon-intensity/history?zone=DE",
            ):
                figures = load(port, path, token, args.clients, args.seconds)
                print(f"{path}, {args.clients} clients, {args.workers} server workers: {figures}")
    finally:
        if args.postgres_url:
            drop_postgres(args.postgres_url, PG_DATABASE)


if __name__ == "__main__":
    main()
