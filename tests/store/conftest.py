"""Fixtures of the store tests: the command line against the test database."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from gridflex.cli.main import app
from gridflex.config import get_settings


@pytest.fixture
def gridflex(db, monkeypatch):
    """``gridflex <args>`` on the test database; the CLI runner's result."""
    monkeypatch.setenv("GRIDFLEX_DATABASE_URL", db)
    monkeypatch.setenv("GRIDFLEX_MODE", "test")
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(app, list(args), catch_exceptions=False)
    get_settings.cache_clear()
