"""Fuzz every operation of the server's own OpenAPI document with schemathesis, as an admin and
as a plain user, on SQLite and PostgreSQL; print server errors and schema/status violations.

Run: ``.venv/bin/python benchmarks/fuzz_api.py [--max-examples 50] [--postgres-url URL]
[--only sqlite|postgres] [--role admin|user]``. A real server (``gridflex serve``) runs in a
subprocess on 127.0.0.1 over a small world (an account with a site, a battery, sensors with a
day of data, a public price sensor); schemathesis (a dev dependency) sends the requests. Exit
status 1 when any check failed, so that CI can run a bounded version.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from common import SECRET, TOKEN_S, drop_postgres, fresh_postgres, running_server, server_env

from gridflex.security import issue_token
from gridflex.services import accounts, assets, beliefs, sensors, sources, users
from gridflex.store import migrate
from gridflex.store.base import session_scope

PG_DATABASE = "gridflex_fuzz"
CHECKS = (
    "not_a_server_error,status_code_conformance,response_schema_conformance,"
    "content_type_conformance"
)


def fill(url: str) -> dict[str, str]:
    """A small world; returns a token per role."""
    migrate.upgrade(url)
    tokens = {}
    with session_scope(url) as session:
        account = accounts.create_account(session, name="Fuzz", roles=["Prosumer", "MDC", "DSO"])
        site_type = assets.asset_type_by_name_or_id(session, "building").id
        battery_type = assets.asset_type_by_name_or_id(session, "battery").id
        site = assets.create_asset(
            session,
            {"name": "site", "generic_asset_type_id": site_type, "account_id": account.id},
            actor=None,
        )
        battery = assets.create_asset(
            session,
            {
                "name": "battery",
                "generic_asset_type_id": battery_type,
                "account_id": account.id,
                "parent_asset_id": site.id,
                "attributes": {"capacity_in_mw": 0.01},
            },
            actor=None,
        )
        public = assets.create_asset(
            session,
            {"name": "market", "generic_asset_type_id": site_type, "account_id": None},
            actor=None,
        )
        start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        for asset, name, unit in ((battery, "power", "kW"), (public, "prices", "EUR/MWh")):
            sensor = sensors.create_sensor(
                session,
                {
                    "name": name,
                    "unit": unit,
                    "event_resolution": timedelta(hours=1),
                    "generic_asset_id": asset.id,
                },
                actor=None,
            )
            source = sources.get_or_create_source(session, name="fuzz", type="user")
            beliefs.post_series(
                session,
                sensor,
                source,
                values=list(np.linspace(1, 24, 24)),
                start=start,
                duration=timedelta(hours=24),
                unit=unit,
            )
        for role, roles in (("admin", ["admin"]), ("user", [])):
            user = users.create_user(
                session,
                email=f"{role}@fuzz.example",
                username=role,
                account_id=account.id,
                password="fuzzing-is-fun-42",
                roles=roles,
            )
            tokens[role] = issue_token(
                user.id, user.token_key, secret_key=SECRET, max_age_s=TOKEN_S
            )
    return tokens


def run(base: str, token: str, max_examples: int, report_dir: Path) -> tuple[list[dict], Counter]:
    """One schemathesis run: the failures it reported (one dict per failing check) and counts of
    what it tried (operations, cases, checks)."""
    report = report_dir / "events.ndjson"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "st"), "run", f"{base}/api/v3_0/openapi.json",
            "--url", base, "-H", f"Authorization: {token}", "--checks", CHECKS,
            "--max-examples", str(max_examples), "--workers", "2", "--phases", "examples,coverage,fuzzing",
            "--report", "ndjson", "--report-ndjson-path", str(report), "--continue-on-failure",
            "--suppress-health-check", "all", "--request-timeout", "60", "--seed", "1",
        ],
        check=False,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return failures_in(report)


def failures_in(report: Path) -> tuple[list[dict], Counter]:
    """Failed checks of the run's scenarios (``{"check", "operation", "status", "message"}``)
    and how many operations, cases and checks the run holds."""
    found, tried, operations = [], Counter(), set()
    for line in report.read_text().splitlines():
        scenario = json.loads(line).get("ScenarioFinished")
        if not scenario:
            continue
        recorder = scenario["recorder"]
        operations.add(recorder.get("label"))
        for case_id, checks in recorder.get("checks", {}).items():
            tried["cases"] += 1
            tried["checks"] += len(checks)
            for check in checks:
                if check.get("status") != "failure":
                    continue
                response = (recorder.get("interactions", {}).get(case_id) or {}).get("response")
                found.append(
                    {
                        "check": check["name"],
                        "operation": recorder.get("label", "?"),
                        "status": (response or {}).get("status_code"),
                        "message": str(check.get("failure_info") or "")[:300],
                    }
                )
    tried["operations"] = len(operations)
    return found, tried


def fuzz(url: str, label: str, roles: list[str], max_examples: int) -> int:
    tokens = fill(url)
    env = server_env(url, GRIDFLEX_TRIGGER_RATE_LIMIT="100000 per minute")
    bad = 0
    with running_server(url, env=env) as (_, base):
        for role in roles:
            with tempfile.TemporaryDirectory() as tmp:
                failures, tried = run(base, tokens[role], max_examples, Path(tmp))
            kinds = Counter((f["check"], f["operation"], f["status"]) for f in failures)
            print(
                f"{label:9} {role:6} operations {tried['operations']:3}  cases {tried['cases']:6}  "
                f"checks {tried['checks']:6}  failures: {len(kinds)}"
            )
            for (check, operation, status), count in sorted(kinds.items()):
                print(f"    {check:32} {status}  {operation}  (x{count})")
            bad += len(kinds)
    return bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--role", choices=["admin", "user"])
    args = parser.parse_args()
    roles = [args.role] if args.role else ["admin", "user"]
    bad = 0
    if args.only != "postgres":
        with tempfile.TemporaryDirectory() as tmp:
            bad += fuzz(f"sqlite:///{tmp}/fuzz.db", "SQLite", roles, args.max_examples)
    if args.only != "sqlite":
        url = fresh_postgres(args.postgres_url, PG_DATABASE)
        if url:
            try:
                bad += fuzz(url, "PostgreSQL", roles, args.max_examples)
            finally:
                drop_postgres(args.postgres_url, PG_DATABASE)
    print(f"distinct failures: {bad}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
