"""Signing in to the web UI from a TestClient, and reading the CSRF token of a page."""

from __future__ import annotations

import re
from typing import Any

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def log_in(client: Any, email: str, password: str) -> Any:
    """Sign in through the login form (as a browser does); returns the answer to the POST."""
    page = client.get("/ui/login")
    return client.post(
        "/ui/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )


def csrf(client: Any, path: str = "/ui/token") -> str:
    """The session's CSRF token, read from a page with a form."""
    return csrf_of(client.get(path).text)
