"""Web UI: how fast each page of the demo world paints in headless Chromium.

Builds the demo world (``gridflex demo --days N``) in a throw-away SQLite file, serves
it with ``gridflex serve``, logs in as the demo user and opens every page a few
times; prints per page the server's answer time for the HTML, the browser's first
contentful paint, and (for pages with charts or maps) the time until they are drawn.

    python benchmarks/ui_pages.py [--days 30] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from common import running_server, server_env

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
# page -> a JavaScript function true once its chart or map is drawn (None: nothing to wait for);
# functions, not expressions: Playwright would evaluate an expression with eval, which the CSP refuses
PAINTED = "() => performance.getEntriesByName('first-contentful-paint').length > 0"
PAGES = {
    "/": None,
    "/ui/dashboard": "() => document.querySelectorAll('#map path.leaflet-interactive').length > 0",
    "/ui/assets": None,
    "/ui/assets/{site}": "() => document.getElementById('chart-status').textContent.includes('shown')",
    "/ui/sensors/{sensor}": "() => document.getElementById('chart-status').textContent.includes('shown')",
    "/ui/accounts": None,
    "/ui/heatmap": "() => document.querySelectorAll('.hm-marker').length > 0",
    "/ui/carbon": "() => document.querySelectorAll('#map path.leaflet-interactive').length > 0",
    "/ui/carbon/DE": "() => document.getElementById('intensity-chart-status').textContent.includes('shown')",
}


def build_demo(url: str, days: int) -> None:
    env = {**os.environ, "GRIDFLEX_DATABASE_URL": url, "GRIDFLEX_MODE": "demo"}
    subprocess.run(
        [sys.executable, "-m", "gridflex.cli.main", "demo", "--days", str(days)],
        env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip


def measure(base: str, repeat: int) -> None:
    from playwright.sync_api import sync_playwright

    httpx.get(f"{base}/ui/vega-embed.js", timeout=120)  # built once per process, at start-up
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.goto(f"{base}/ui/login")
        page.fill("#email", "demo@gridflex.example")
        page.fill("#password", "gridflex-demo")
        page.click("form[action='/ui/login'] button[type=submit]")
        page.wait_for_url("**/ui/dashboard")
        print(f"{'page':24s} {'HTML [ms]':>10s} {'first paint [ms]':>17s} {'drawn [ms]':>11s}")
        for template, drawn in PAGES.items():
            path = template.format(site=3, sensor=4)
            html, paint, ready = [], [], []
            for _ in range(repeat):
                began = time.perf_counter()
                answer = page.goto(base + path)
                assert answer is not None and answer.ok, (path, answer and answer.status)
                page.wait_for_function(drawn or PAINTED, timeout=60_000)
                ready.append((time.perf_counter() - began) * 1000)
                timing = page.evaluate(
                    """() => ({html: performance.getEntriesByType('navigation')[0].responseEnd,
                               paint: (performance.getEntriesByName('first-contentful-paint')[0]
                                       || {startTime: NaN}).startTime})"""
                )
                html.append(timing["html"])
                paint.append(timing["paint"])
            shown = f"{statistics.median(ready):11.0f}" if drawn else f"{'':>11s}"
            print(
                f"{path:24s} {statistics.median(html):10.0f} {statistics.median(paint):17.0f} {shown}"
            )
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'ui.db'}"
        began = time.perf_counter()
        build_demo(url, options.days)
        print(f"demo world ({options.days} days) built in {time.perf_counter() - began:.0f} s")
        with running_server(url, env=server_env(url), start_s=300) as (_, base):
            measure(base, options.repeat)


if __name__ == "__main__":
    main()
