"""The web UI in a real browser (headless Chromium): what a person sees and can do.

One live server over a small world built once for the module (SQLite): the demo
account with three days of data, the six-country carbon demo over two days, and a
published heatmap dataset. Every page is checked for console errors and, with
axe-core, for serious or critical accessibility problems.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from gridflex.api.app import create_app
from gridflex.api.charts import vega_bundle
from gridflex.config import Settings
from gridflex.demo import carbon as carbon_demo
from gridflex.demo import world as demo_world
from gridflex.services import accounts, users
from gridflex.store import migrate
from gridflex.store.base import get_engine, session_scope
from gridflex.store.models import Sensor
from gridflex.timing import utcnow
from tests.api.heatmap.helpers import complete_dataset
from tests.processes import free_port

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed (npm ci)"),
]
sync_api = pytest.importorskip("playwright.sync_api")


def _build_world(url: str) -> dict[str, Any]:
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    with session_scope(url) as session:
        report = demo_world.build(session, days=3)
        carbon_demo.build_system(session, now - timedelta(days=2), now)
        dso = accounts.create_account(session, name="Network Operator", roles=["DSO"])
        users.create_user(
            session,
            email="dso@example.org",
            username="dso",
            account_id=dso.id,
            password="dso-pass-kettle-garden",
        )
        site = session.get(Sensor, report.sensors["site consumption"]).generic_asset_id
    return {"site": site, "consumption": report.sensors["site consumption"]}


def _publish_heatmap(base: str) -> None:
    """Through the API, as a network operator would."""
    with httpx.Client(base_url=base) as http:
        token = http.post(
            "/api/requestAuthToken",
            json={"email": "dso@example.org", "password": "dso-pass-kettle-garden"},
        ).json()["auth_token"]
        res = http.post(
            "/heatmap/upload?publish=true",
            json=complete_dataset(),
            headers={"Authorization": token},
        )
        assert res.status_code in (200, 201), res.text


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('ui') / 'ui.db'}"
    migrate.upgrade(url)
    ids = _build_world(url)
    vega_bundle()  # built once per process: the first chart page need not wait for it
    port = free_port()
    app = create_app(Settings(mode="test", database_url=url, entity_host="gridflex.example.org"))
    live = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=live.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not live.started:
        assert time.monotonic() < deadline, "live server did not start"
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    _publish_heatmap(base)
    yield {"base": base, **ids}
    live.should_exit = True
    thread.join(timeout=10)
    get_engine(url).dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


class Visit:
    """A page in its own browser context that records console errors.

    Conditions to wait for are written as functions (``"() => ..."``): a bare expression
    would be evaluated with ``eval`` inside the page, which its CSP refuses.
    """

    def __init__(self, browser: Any, base: str) -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)  # a busy CI machine
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def go(self, path: str) -> Any:
        answer = self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        return answer

    def log_in(self, email: str, password: str) -> None:
        self.go("/")
        self.page.fill("#email", email)
        self.page.fill("#password", password)
        self.page.click("form[action='/ui/login'] button[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def check(self) -> None:
        """No console errors, and no serious or critical accessibility violations."""
        assert self.errors == [], self.errors
        if self.page.evaluate("typeof window.axe === 'undefined'"):
            self.page.evaluate(AXE.read_text())  # evaluated by the browser's devtools: no CSP
        found = self.page.evaluate(
            """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
                 .map(v => ({id: v.id, impact: v.impact,
                             nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
        )
        bad = [v for v in found if v["impact"] in ("serious", "critical")]
        assert bad == [], bad

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Any, server: dict[str, Any]) -> Iterator[Visit]:
    v = Visit(browser, server["base"])
    yield v
    v.close()


@pytest.fixture
def demo(visit: Visit) -> Visit:
    visit.log_in(demo_world.USER_EMAIL, demo_world.USER_PASSWORD)
    return visit


def _marks(page: Any, selector: str) -> int:
    """Drawn marks (SVG paths with a shape) inside a chart."""
    return page.eval_on_selector_all(
        f"{selector} svg path",
        "ps => ps.filter(p => (p.getAttribute('d') || '').length > 20).length",
    )


def test_login_refuses_a_wrong_password_and_lets_the_right_one_in(visit: Visit) -> None:
    visit.go("/")
    assert visit.page.locator("a[href='/ui/heatmap']").count() >= 1
    assert visit.page.locator("a[href='/ui/carbon']").count() >= 1
    visit.check()
    visit.page.fill("#email", demo_world.USER_EMAIL)
    visit.page.fill("#password", "not the password")
    visit.page.click("form[action='/ui/login'] button[type=submit]")
    assert "not correct" in visit.page.locator("[role=alert]").inner_text()
    visit.errors.clear()  # the browser logs the 401 answer itself
    visit.page.fill("#password", demo_world.USER_PASSWORD)
    visit.page.click("form[action='/ui/login'] button[type=submit]")
    visit.page.wait_for_url("**/ui/dashboard")
    assert visit.page.locator("h1").inner_text() == demo_world.ACCOUNT


def test_dashboard_shows_the_sites_on_a_map(demo: Visit) -> None:
    demo.go("/ui/dashboard")
    demo.page.wait_for_selector("#map path.leaflet-interactive")
    assert demo.page.locator("#map path.leaflet-interactive").count() == 1  # the demo site
    assert "Demo site" in demo.page.locator("main").inner_text()
    demo.check()


def test_asset_page_draws_the_charts_with_data(demo: Visit, server: dict[str, Any]) -> None:
    demo.go(f"/ui/assets/{server['site']}")
    demo.page.wait_for_function(
        "() => document.getElementById('chart-status').textContent.includes('values shown')"
    )
    assert _marks(demo.page, "#chart") >= 3  # price line, consumption line, solar line
    shown = int(demo.page.locator("#chart-status").inner_text().split()[0])
    assert shown > 500  # three days of quarter hours, several sensors
    demo.check()


def test_schedule_now_runs_a_job_and_shows_its_result(demo: Visit, server: dict[str, Any]) -> None:
    demo.go(f"/ui/assets/{server['site']}")
    form = demo.page.locator("form.job-form[data-kind=Schedule]")
    form.locator("button[type=submit]").click()
    done = form.locator(".job-progress .alert.ok, .job-progress .alert.error")
    done.wait_for(timeout=120_000)
    assert "Schedule ready" in done.inner_text(), done.inner_text()
    demo.go(f"/ui/assets/{server['site']}")
    assert demo.page.locator("#jobs-title + div .badge.finished").count() >= 1
    demo.check()


def test_csv_upload_shows_a_result_per_file(
    demo: Visit, server: dict[str, Any], tmp_path: Path
) -> None:
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text("event_start,value\n2020-01-01T00:00:00+00:00,5\n2020-01-01T00:15:00+00:00,6\n")
    bad.write_text("event_start,value\n2020-01-01T00:00:00+00:00,five\n")
    demo.go(f"/ui/sensors/{server['consumption']}")
    demo.page.set_input_files("#files", [str(good), str(bad)])
    demo.page.click("form[enctype='multipart/form-data'] button[type=submit]")
    demo.page.wait_for_load_state("networkidle")
    rows = demo.page.locator("table[aria-label='Upload results'] tbody tr")
    assert rows.count() == 2
    assert "stored" in rows.nth(0).inner_text() and "2 new values" in rows.nth(0).inner_text()
    assert "refused" in rows.nth(1).inner_text()
    demo.check()


def test_account_admin_adds_and_deactivates_a_user(demo: Visit) -> None:
    demo.go("/ui/accounts")  # one account: straight to it
    demo.page.fill("#new-email", "colleague@example.org")
    demo.page.click("form[action$='/users'] button[type=submit]")
    demo.page.wait_for_load_state("networkidle")
    assert "User created." in demo.page.locator("main").inner_text()
    demo.check()
    demo.page.uncheck("input[name=active]")
    demo.page.click("form[action^='/ui/users/'] button.primary")
    demo.page.wait_for_load_state("networkidle")
    assert demo.page.locator(".badge.red").inner_text() == "inactive"
    demo.check()


def test_public_heatmap_shows_markers_a_filter_and_the_near_search(visit: Visit) -> None:
    visit.go("/ui/heatmap")
    visit.page.wait_for_selector(".hm-marker")
    assert visit.page.locator(".hm-marker").count() == 4  # the dataset's four substations
    assert visit.page.locator("#map path.leaflet-interactive").count() >= 1  # its circuit
    visit.page.uncheck("input[name=type][value=GSP]")
    assert visit.page.locator(".hm-marker").count() == 3
    visit.page.locator(".hm-marker").first.focus()  # markers work from the keyboard
    visit.page.keyboard.press("Enter")
    assert "headroom" in visit.page.locator("#heatmap-record").inner_text()
    # A point just beside the substations (not on one): the nearest substations, nearest first.
    boxes = [m.bounding_box() for m in visit.page.locator(".hm-marker").all()]
    right = max(b["x"] + b["width"] for b in boxes)
    middle = sum(b["y"] + b["height"] / 2 for b in boxes) / len(boxes)
    visit.page.fill("#radius", "60")
    visit.page.mouse.click(right + 6, middle)
    visit.page.wait_for_selector("#heatmap-record ol li")
    assert "nearest first" in visit.page.locator("#heatmap-record").inner_text()
    visit.check()


def test_carbon_map_and_zone_page(visit: Visit) -> None:
    visit.go("/ui/carbon")
    visit.page.wait_for_selector("#map path.leaflet-interactive")
    assert visit.page.locator("#map path.leaflet-interactive").count() >= 6  # the demo's zones
    assert visit.page.locator("aside table tbody tr").count() == 6
    visit.check()
    visit.go("/ui/carbon/DE")
    visit.page.wait_for_function(
        "() => document.getElementById('intensity-chart-status').textContent.includes('values shown')"
    )
    assert _marks(visit.page, "#intensity-chart") >= 2  # measured and forecast
    assert _marks(visit.page, "#mix-chart") >= 1
    assert "Start at" in visit.page.locator("main").inner_text()
    visit.check()
