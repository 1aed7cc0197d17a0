"""Platform-core figures: token verification cost, and list-page latency over 10,000 assets / 50,000 sensors.

Run: ``.venv/bin/python benchmarks/entities.py [--postgres-url postgresql://postgres@127.0.0.1:5432/test]``.
A real server (``gridflex serve``) runs in a subprocess on 127.0.0.1; requests come from this process.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import sqlalchemy as sa
from common import SECRET, drop_postgres, fresh_postgres, running_server

from gridflex.security import issue_token, read_token
from gridflex.services import accounts, users
from gridflex.store import migrate
from gridflex.store.base import get_engine, session_scope

PG_DATABASE = "gridflex_bench"
N_ASSETS, SENSORS_PER_ASSET = 10_000, 5


def token_cost_us(repeats: int = 20_000) -> float:
    token = issue_token(1, "k" * 32, secret_key=SECRET, max_age_s=3600)
    began = time.perf_counter()
    for _ in range(repeats):
        read_token(token, secret_key=SECRET)
    return (time.perf_counter() - began) / repeats * 1e6


def fill(url: str) -> str:
    """Migrate, then insert the assets and sensors set-based; returns a token for the owner."""
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
        account_id, user_id, key = account.id, user.id, user.token_key
    engine = get_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO generic_asset (name, generic_asset_type_id, account_id, attributes, flex_context, flex_model, "
                "sensors_to_show, sensors_to_show_as_kpis, latitude, longitude) VALUES (:n, 3, :a, '{}', '{}', '{}', '[]', '[]', 52, 4)"
            ),
            [{"n": f"asset {i}", "a": account_id} for i in range(N_ASSETS)],
        )
        ids = [row[0] for row in conn.execute(sa.text("SELECT id FROM generic_asset ORDER BY id"))]
        conn.execute(
            sa.text(
                "INSERT INTO sensor (name, unit, event_resolution_s, timezone, knowledge_horizon, attributes, "
                "generic_asset_id, created_at) VALUES (:n, 'kW', 900, 'UTC', '{}', '{}', :g, CURRENT_TIMESTAMP)"
            ),
            [{"n": f"sensor {k}", "g": i} for i in ids for k in range(SENSORS_PER_ASSET)],
        )
    if engine.dialect.name == "postgresql":  # as autovacuum would after a bulk load
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))
    return issue_token(user_id, key, secret_key=SECRET, max_age_s=3600)


def latency_ms(url: str, token: str, paths: list[str], repeats: int = 50) -> dict[str, float]:
    out = {}
    with (
        running_server(url) as (_, base),
        httpx.Client(base_url=base, headers={"Authorization": token}, timeout=30) as client,
    ):
        for path in paths:
            client.get(path)  # warm up
            times = []
            for _ in range(repeats):
                began = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, response.text
            out[path] = statistics.median(times)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(
        f"token verification: {token_cost_us():.1f} µs per request (HMAC only, no password hashing)"
    )
    paths = [
        "/api/v3_0/assets?page=1&per_page=10",
        "/api/v3_0/assets?page=500&per_page=10&sort_by=name",
        "/api/v3_0/sensors?page=1&per_page=10",
        "/api/v3_0/sensors?page=2000&per_page=25",
        "/api/v3_0/assets?page=1&per_page=10&filter=asset%20999",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        backends = {"sqlite": f"sqlite:///{Path(tmp) / 'bench.db'}"}
        pg = fresh_postgres(args.postgres_url, PG_DATABASE)
        if pg:
            backends["postgresql"] = pg
        for name, url in backends.items():
            began = time.perf_counter()
            token = fill(url)
            print(
                f"\n[{name}] {N_ASSETS} assets, {N_ASSETS * SENSORS_PER_ASSET} sensors loaded in "
                f"{time.perf_counter() - began:.1f} s; median latency over 50 requests:"
            )
            for path, ms in latency_ms(url, token, paths).items():
                print(f"  {ms:7.1f} ms  GET {path}")
        if pg:
            drop_postgres(args.postgres_url, PG_DATABASE)


if __name__ == "__main__":
    main()
