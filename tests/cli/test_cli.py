"""The gridflex command, driven as a user would (through Typer's runner), on both databases."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from gridflex.cli.main import app
from gridflex.config import get_settings
from gridflex.store.base import get_engine


@pytest.fixture
def run(db, monkeypatch):
    monkeypatch.setenv("GRIDFLEX_DATABASE_URL", db)
    monkeypatch.setenv("GRIDFLEX_MODE", "test")
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):  # noqa: ANN202
        result = runner.invoke(app, list(args), catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    yield invoke
    get_settings.cache_clear()


def _count(db: str, table: str) -> int:
    with get_engine(db).connect() as conn:
        return conn.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar_one()


def test_add_show_and_delete_entities(run, db):
    assert "revision" in run("db", "upgrade").output
    assert "id 1" in run("add", "account", "--name", "ACME", "--roles", "Prosumer,DSO").output
    run(
        "add",
        "user",
        "--email",
        "me@acme.example",
        "--password",
        "tulip harbour lantern",
        "--account",
        "1",
        "--roles",
        "account-admin",
    )
    run(
        "add",
        "asset",
        "--name",
        "site",
        "--type",
        "building",
        "--account",
        "1",
        "--latitude",
        "52",
        "--longitude",
        "4",
        "--flex-context",
        '{"site-power-capacity": "100 kW"}',
    )
    run("add", "sensor", "--name", "power", "--asset", "1", "--unit", "kW", "--resolution", "PT15M")
    shown = run("show", "accounts").output
    assert "ACME" in shown and "DSO" in shown
    assert "me@acme.example" in run("show", "users").output
    assert "site" in run("show", "assets").output
    assert "PT15M" in run("show", "sensors").output
    run("delete", "asset", "--id", "1", "--yes")
    assert _count(db, "generic_asset") == 0 and _count(db, "sensor") == 0


def test_bad_input_names_the_field_and_exits_nonzero(run, db):
    run("db", "upgrade")
    result = run("add", "account", "--name", "X", "--roles", "Wizard", ok=False)
    assert result.exit_code == 1 and "roles" in result.output and "Wizard" in result.output
    result = run("add", "sensor", "--name", "p", "--asset", "99", "--unit", "kW", ok=False)
    assert result.exit_code == 1 and "generic_asset_id" in result.output
    result = run(
        "add",
        "sensor",
        "--name",
        "p",
        "--asset",
        "1",
        "--unit",
        "kW",
        "--resolution",
        "15 minutes",
        ok=False,
    )
    assert result.exit_code == 1 and "resolution" in result.output
    assert _count(db, "sensor") == 0


def test_demo_builds_once_and_prints_a_working_token(run, db):
    quarter = time.time() // 900
    first = run("demo", "--days", "3").output
    assert "demo@gridflex.example" in first and "Token" in first
    assert "Web UI: http://127.0.0.1:8000/" in first  # where a person opens it, and the login
    with get_engine(db).connect() as conn:
        beliefs = conn.execute(sa.text("SELECT count(*) FROM belief")).scalar_one()
    assert beliefs >= 4 * 3 * 96  # four measured series, three days at 15 minutes, plus prices
    with get_engine(db).connect() as conn:
        first, last = conn.execute(
            sa.text(
                "SELECT min(event_start_us), max(event_start_us) FROM belief JOIN sensor ON sensor.id = belief.sensor_id "
                "WHERE sensor.name = 'site consumption'"
            )
        ).one()
    now_us = time.time() * 1e6
    assert (
        now_us - 4 * 86400e6 < first < now_us and last < now_us + 2 * 86400e6
    )  # the last days, not 1970
    second = run("demo", "--days", "3").output
    assert "already present" in second
    if time.time() // 900 == quarter:  # else a new quarter-hour was rightly topped up
        assert "up to date" in second
        with get_engine(db).connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM belief")).scalar_one() == beliefs


def test_unsafe_secret_is_refused_in_production(run, monkeypatch):
    monkeypatch.setenv("GRIDFLEX_MODE", "production")
    monkeypatch.delenv("GRIDFLEX_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    result = run("db", "current", ok=False)
    assert result.exit_code == 2 and "GRIDFLEX_SECRET_KEY" in result.output
