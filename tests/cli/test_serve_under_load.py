"""``gridflex serve --workers 2`` comes up while every core is busy, and shuts down cleanly.

Before: each server process needed seconds of CPU to import the app, uvicorn's supervisor
replaced any that missed its 5 s health check, and on a busy machine the processes were
replaced in a loop, never serving. Now the imports are cheap and the check is a setting.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from tests.processes import free_port

pytestmark = pytest.mark.slow

BURN = "import time\nwhile True:\n    sum(range(10**6))\n"


def test_two_server_processes_answer_within_30_s_while_all_cores_are_busy(tmp_path):
    from gridflex.api.charts import ensure_bundle
    from gridflex.store import migrate

    database = f"sqlite:///{tmp_path / 'load.db'}"
    migrate.upgrade(database)  # what is measured is the server processes coming up
    ensure_bundle()  # built once per machine; a fresh one builds it before serving
    burners = [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range(os.cpu_count() or 2)]
    port = free_port()
    env = {
        **os.environ,
        "GRIDFLEX_MODE": "demo",
        "GRIDFLEX_DATABASE_URL": database,
        "GRIDFLEX_LOG_FORMAT": "json",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gridflex.cli.main", "serve", "--port", str(port), "--workers", "2",
         "--no-upgrade"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        answered = _first_answer(f"http://127.0.0.1:{port}/api/", within_s=30)
        for _ in range(20 if answered is not None else 0):  # they keep serving: no restarts
            assert httpx.get(f"http://127.0.0.1:{port}/api/", timeout=10).status_code == 200
    finally:
        for burner in burners:
            burner.kill()
        server.send_signal(signal.SIGTERM)
        _, log = server.communicate(timeout=60)
    assert answered is not None and answered.status_code == 200, "no answer within 30 s"
    assert server.returncode == 0, log.decode()[-2000:]  # a graceful shutdown
    assert b"died" not in log.lower(), log.decode()[-2000:]


def _first_answer(url: str, *, within_s: float) -> httpx.Response | None:
    began = time.monotonic()
    while time.monotonic() - began < within_s:
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            time.sleep(0.2)
    return None
