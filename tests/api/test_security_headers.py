"""Security headers on every answer; the Swagger UI and chart pages run under the strict CSP."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
import uvicorn

from gridflex.api.app import create_app
from tests.api import browser
from tests.api.belief_helpers import body, owned_sensor

START = "2026-11-23T00:00:00+01:00"


def directives(policy: str) -> dict[str, list[str]]:
    parts = [part.split() for part in policy.split(";") if part.strip()]
    return {words[0]: words[1:] for words in parts}


def assert_protected(res) -> None:  # noqa: ANN001
    assert res.headers["x-content-type-options"] == "nosniff"
    assert res.headers["x-frame-options"] == "DENY"
    assert res.headers["referrer-policy"] == "no-referrer"
    csp = directives(res.headers["content-security-policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no inline scripts, no eval
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["connect-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]


def test_every_kind_of_answer_carries_the_security_headers(client, world):
    actor = world.user(world.account())
    answers = [
        client.get("/api/"),  # public JSON
        client.get("/api/v3_0/assets"),  # 401
        client.get("/api/v3_0/assets", headers=actor.headers),  # 200
        client.get("/api/v3_0/sensors/999999", headers=actor.headers),  # 404
        client.post("/api/v3_0/assets", headers=actor.headers, content=b"x" * 4_000_000),  # 413
        client.get("/api/v3_0/docs"),  # HTML
        client.get("/api/v3_0/openapi.json"),
        client.get("/no/such/page"),
    ]
    assert [res.status_code for res in answers] == [200, 401, 200, 404, 413, 200, 200, 404]
    for res in answers:
        assert_protected(res)


def test_https_answers_ask_browsers_to_stay_on_https(client):
    assert "strict-transport-security" not in client.get("/api/").headers
    res = client.get("https://testserver/api/")
    assert res.headers["strict-transport-security"] == "max-age=31536000"


def test_map_tile_host_is_the_one_outside_image_origin(settings):
    from fastapi.testclient import TestClient

    tiles = settings.model_copy(
        update={"map_tile_url": "https://{s}.tile.example.org/{z}/{x}/{y}.png"}
    )
    with TestClient(create_app(tiles)) as client:
        csp = directives(client.get("/api/").headers["content-security-policy"])
    assert csp["img-src"] == ["'self'", "data:", "https://*.tile.example.org"]
    assert csp["script-src"] == ["'self'"] and csp["connect-src"] == ["'self'"]


def test_token_answers_are_never_stored(client, world):
    actor = world.user(world.account())
    good = client.post(
        "/api/requestAuthToken", json={"email": actor.email, "password": actor.password}
    )
    bad = client.post("/api/requestAuthToken", json={"email": actor.email, "password": "nope"})
    assert (good.status_code, bad.status_code) == (200, 401)
    for res in (good, bad):
        assert res.headers["cache-control"] == "no-store"
        assert_protected(res)


class _Scripts(HTMLParser):
    """The page's scripts (inline text or src), stylesheets and inline styles."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.stylesheets: list[str] = []
        self.inline_styles = 0
        self._in_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "style" in attributes or tag == "style" or any(a.startswith("on") for a in attributes):
            self.inline_styles += 1
        if tag == "script":
            self._in_script = {**attributes, "text": ""}
            self.scripts.append(self._in_script)
        if tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append(attributes["href"] or "")

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            self._in_script["text"] = (self._in_script["text"] or "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None


def _page_parts(html: str) -> _Scripts:
    parser = _Scripts()
    parser.feed(html)
    return parser


def test_swagger_page_has_no_inline_code_and_its_files_are_served(client):
    parts = _page_parts(client.get("/api/v3_0/docs").text)
    assert parts.inline_styles == 0
    sources = [script["src"] for script in parts.scripts]
    assert all(sources) and not any((s["text"] or "").strip() for s in parts.scripts)
    assert "/api/v3_0/docs/swagger-init.js" in sources
    for src in sources:
        res = client.get(src)
        assert res.status_code == 200 and "javascript" in res.headers["content-type"], src
    init = client.get("/api/v3_0/docs/swagger-init.js").text
    assert "/api/v3_0/openapi.json" in init and "SwaggerUIBundle(" in init
    for href in parts.stylesheets:
        assert client.get(href).headers["content-type"].startswith("text/css")


@pytest.fixture
def chart_asset(client, world):
    owned = owned_sensor(world, unit="kW", resolution="PT1H")
    res = client.post(owned.url, headers=owned.headers, json=body([5.0, 7.0], START, "PT2H", "kW"))
    assert res.status_code == 200, res.text
    res = client.patch(
        f"/api/v3_0/assets/{owned.asset_id}",
        headers=owned.headers,
        json={
            "sensors_to_show": [
                {"title": "Power </script><b>", "plots": [{"sensor": owned.sensor_id}]}
            ]
        },
    )
    assert res.status_code == 200, res.text
    return owned


CHART_WINDOW = {"event_starts_after": START, "event_ends_before": "2026-11-23T02:00:00+01:00"}


def test_chart_page_has_no_inline_code_and_keeps_its_spec_inert(client, chart_asset):
    owned = chart_asset
    res = client.get(
        f"/api/v3_0/assets/{owned.asset_id}/chart",
        headers={**owned.headers, "Accept": "text/html"},
        params=CHART_WINDOW,
    )
    assert res.status_code == 200
    assert_protected(res)
    parts = _page_parts(res.text)
    assert parts.inline_styles == 0
    runnable = [s for s in parts.scripts if s.get("type") != "application/json"]
    # Absolute addresses, so that a saved copy of the page still finds its scripts.
    base = str(client.base_url).rstrip("/")
    assert [s["src"] for s in runnable] == [f"{base}/ui/vega-embed.js", f"{base}/ui/chart-page.js"]
    assert not any((s["text"] or "").strip() for s in runnable)
    # The panel title cannot end the data block: the one JSON block holds it, escaped.
    (data,) = [s for s in parts.scripts if s.get("type") == "application/json"]
    assert "</script>" not in (data["text"] or "") and "\\u003c/script>" in (data["text"] or "")
    for path, kind in (("/ui/chart-page.js", "javascript"), ("/ui/chart-page.css", "text/css")):
        served = client.get(path)
        assert served.status_code == 200 and kind in served.headers["content-type"]


# --- in a real browser (skipped where Chromium is not installed) ----------------------------

needs_browser = pytest.mark.skipif(browser.CHROMIUM is None, reason="chromium not installed")


@pytest.fixture
def live_url(app) -> Iterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "live server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@needs_browser
@pytest.mark.slow
def test_swagger_ui_works_in_a_browser_under_the_policy(live_url):
    report = browser.open_page(
        f"{live_url}/api/v3_0/docs",
        ready="document.querySelectorAll('.opblock').length > 10",
        actions=["document.querySelector('.opblock-summary').click()"],
        settled="document.querySelector('.opblock.is-open') !== null",
    )
    assert report.csp_violations() == []
    assert len(re.findall(r'class="opblock opblock-', report.html)) > 10
    assert "is-open" in report.html  # an operation expanded: the UI is alive, not just drawn


@needs_browser
@pytest.mark.slow
def test_chart_page_draws_in_a_browser_under_the_policy(live_url, chart_asset):
    owned = chart_asset
    query = "&".join(f"{k}={v.replace('+', '%2B')}" for k, v in CHART_WINDOW.items())
    report = browser.open_page(
        f"{live_url}/api/v3_0/assets/{owned.asset_id}/chart?{query}",
        headers={**owned.headers, "Accept": "text/html"},
        ready="document.querySelector('#chart canvas, #chart svg') !== null",
    )
    assert report.csp_violations() == []
    assert "could not be drawn" not in report.html
    assert re.search(r"<canvas|<svg", report.html)
