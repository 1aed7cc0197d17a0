"""Login answer times: a wrong password for a known email vs an unknown email.

Both must cost the same (one argon2 verification with production parameters, the
throttle's counters), so that timing does not tell which emails have an account.
Before the fix the unknown email was answered about 40x faster.

Run: ``.venv/bin/python benchmarks/login_timing.py [--tries 40]``: an in-process app on a
throw-away SQLite file; prints the median and quartiles of each case and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from gridflex.api.app import create_app
from gridflex.config import Settings
from gridflex.services import accounts, users
from gridflex.store import migrate
from gridflex.store.base import session_scope


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tries", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'login.db'}"
        migrate.upgrade(url)
        with session_scope(url) as session:
            account = accounts.create_account(session, name="bench")
            users.create_user(session, email="known@example.org", username="known",
                              account_id=account.id, password="pebble kettle orbit 71")  # fmt: skip
        # Limits high enough that the benchmark's own failures never lock it out.
        settings = Settings(mode="test", database_url=url, login_throttle="100000 per 1 minute",
                            login_throttle_per_address="100000 per 1 minute")  # fmt: skip
        times: dict[str, list[float]] = {"wrong password": [], "unknown email": []}
        with TestClient(create_app(settings)) as client:
            for i in range(args.tries + 3):
                for case, email in (("wrong password", "known@example.org"),
                                    ("unknown email", f"nobody{i}@example.org")):  # fmt: skip
                    began = time.perf_counter()
                    res = client.post("/api/requestAuthToken",
                                      json={"email": email, "password": "wrong guess"})  # fmt: skip
                    elapsed_ms = (time.perf_counter() - began) * 1000
                    assert res.status_code == 401, res.text
                    if i >= 3:  # warm-up
                        times[case].append(elapsed_ms)
    for case, values in times.items():
        q1, median, q3 = statistics.quantiles(values, n=4)
        print(
            f"{case:>15}: median {median:6.1f} ms (quartiles {q1:.1f}-{q3:.1f}), {len(values)} tries"
        )
    ratio = statistics.median(times["wrong password"]) / statistics.median(times["unknown email"])
    print(f"wrong password / unknown email: {ratio:.2f}x")


if __name__ == "__main__":
    main()
