"""A headless Chromium driven over the DevTools protocol: open a page, collect what the
console and the Content-Security-Policy report, read the rendered DOM.

Used by the browser tests; they are skipped where no ``chromium`` is installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.request import urlopen

from websockets.sync.client import connect

from tests.processes import free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class PageReport:
    html: str
    messages: list[str] = field(default_factory=list)  # console and browser log entries

    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if "Content Security Policy" in m]


@contextmanager
def _browser() -> Any:
    port = free_port()
    # Chromium's helper processes can still write into the profile just after the browser
    # itself has exited; a leftover file in a temporary folder must not fail the test.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
             f"--remote-debugging-port={port}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as res:
                        targets = json.load(res)
                    page = next(t for t in targets if t.get("type") == "page")
                    break
                except (OSError, StopIteration):
                    if time.monotonic() > deadline:
                        raise RuntimeError("chromium did not start") from None
                    time.sleep(0.2)
            with connect(page["webSocketDebuggerUrl"], max_size=None) as ws:
                yield ws
        finally:
            process.terminate()
            process.wait(timeout=10)


def open_page(
    url: str,
    *,
    ready: str,
    headers: dict[str, str] | None = None,
    actions: list[str] = (),  # type: ignore[assignment]
    settled: str = "true",
    timeout_s: float = 60,
) -> PageReport:
    """Load ``url``, wait until the JavaScript expression ``ready`` holds, run ``actions``
    (e.g. a click), wait until ``settled`` holds; each wait gives up after ``timeout_s``."""
    with _browser() as ws:
        ids = iter(range(1, 1_000_000))
        messages: list[str] = []

        def call(method: str, **params: Any) -> dict:
            request_id = next(ids)
            ws.send(json.dumps({"id": request_id, "method": method, "params": params}))
            while True:
                event = json.loads(ws.recv(timeout=timeout_s))
                _collect(event, messages)
                if event.get("id") == request_id:
                    return event.get("result", {})

        for domain in ("Log", "Runtime", "Network", "Page"):
            call(f"{domain}.enable")
        if headers:
            call("Network.setExtraHTTPHeaders", headers=headers)

        def wait_for(expression: str) -> None:
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                done = call("Runtime.evaluate", expression=f"Boolean({expression})",
                            returnByValue=True)  # fmt: skip
                if done.get("result", {}).get("value"):
                    return
                time.sleep(0.25)

        call("Page.navigate", url=url)
        wait_for(ready)
        for action in actions:
            call("Runtime.evaluate", expression=action)
        wait_for(settled)
        time.sleep(0.5)  # late reports (e.g. a blocked style) arrive just after rendering
        html = call("Runtime.evaluate", expression="document.documentElement.outerHTML",
                    returnByValue=True)["result"]["value"]  # fmt: skip
        return PageReport(html, messages)


def _collect(event: dict, messages: list[str]) -> None:
    method, params = event.get("method"), event.get("params", {})
    if method == "Log.entryAdded":
        messages.append(params["entry"].get("text", ""))
    elif method == "Runtime.consoleAPICalled":
        messages.append(
            " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
        )
    elif method == "Runtime.exceptionThrown":
        messages.append(params["exceptionDetails"].get("exception", {}).get("description", ""))
