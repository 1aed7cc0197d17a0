"""A live gridflex server on 127.0.0.1 (a random port) for tests that drive it over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from gridflex.api.app import create_app
from gridflex.config import Settings


@pytest.fixture
def live_server(settings: Settings, live_server_for: Any) -> str:
    """``host:port`` of a running server; stopped after the test."""
    return live_server_for(create_app(settings))
