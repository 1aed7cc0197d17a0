"""The README's first command: ``gridflex demo --serve`` builds a short demo, serves it, and stops.

Run as a reader runs it (the command in a process of its own, on a SQLite file), with one
day of history: too little for the forecasts, which the demo skips with a warning rather
than aborting before it serves. Then a UI page and an API route answer with the demo's
credentials, and Ctrl-C (SIGINT) stops the server cleanly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx
import pytest

from tests.processes import free_port, wait_until_answers
from tests.ui.helpers import log_in

pytestmark = pytest.mark.slow

EMAIL, PASSWORD = "demo@gridflex.example", "gridflex-demo-meadow"
READY_WITHIN_S = 400  # building the demo and starting the server, on a busy 2-core machine


def test_demo_serve_builds_a_one_day_demo_serves_it_and_stops_on_ctrl_c(tmp_path):
    from gridflex.api.charts import ensure_bundle

    ensure_bundle()  # built once per machine; what is tested is the demo's own work
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDFLEX_")}
    env.update(
        GRIDFLEX_MODE="demo",  # as ./scripts/demo runs it
        GRIDFLEX_DATABASE_URL=f"sqlite:///{tmp_path / 'gridflex.db'}",
        GRIDFLEX_GRACEFUL_TIMEOUT="5",
    )
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gridflex.cli.main", "demo", "--serve", "--days", "1",
             "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(f"{base}/api/v3_0/health/ready", server, log, within_s=READY_WITHIN_S)
        with httpx.Client(base_url=base, timeout=60) as ui:
            assert log_in(ui, EMAIL, PASSWORD).status_code == 303
            page = ui.get("/ui/dashboard")
            assert page.status_code == 200 and "Demo site" in page.text, page.text[:2000]
        with httpx.Client(base_url=base, timeout=60) as api:
            login = api.post("/api/requestAuthToken", json={"email": EMAIL, "password": PASSWORD})
            assert login.status_code == 200, login.text
            headers = {"Authorization": login.json()["auth_token"]}
            assets = api.get("/api/v3_0/assets", headers=headers)
            assert assets.status_code == 200, assets.text
            assert "Demo site" in {asset["name"] for asset in assets.json()}
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl-C, as a reader stops it
        try:
            server.wait(timeout=120)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            pytest.fail(f"still running 120 s after SIGINT:\n{log.read_text()[-5000:]}")
    output = log.read_text()
    assert server.returncode == 0, output[-5000:]
    assert f"Web UI: http://127.0.0.1:{port}/" in output  # where to open it, on the chosen port
    # Too little data for the carbon forecasts: one line saying so and how to get them.
    warning = next(line for line in output.splitlines() if "Carbon forecasts skipped" in line)
    assert warning.startswith("Warning:") and "--days 2" in warning
