"""Password strength: guessable passwords are refused (422 naming ``password``) on every way in."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from gridflex.cli.main import app as cli_app
from gridflex.config import get_settings
from gridflex.store.base import get_engine

WEAK = ["12345678", "        ", "password1234", "qwertyuiop", "jane.doe2026", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]  # fmt: skip


@pytest.mark.parametrize("password", WEAK)
def test_api_refuses_guessable_passwords_saying_why(client, world, password):
    account = world.account()
    admin = world.user(account, roles=["account-admin"])
    body = {
        "email": "jane.doe@example.org",
        "username": "jane",
        "account_id": account,
        "password": password,
    }
    res = client.post("/api/v3_0/users", json=body, headers=admin.headers)
    assert res.status_code == 422, res.text
    (message,) = res.json()["message"]["json"]["password"]
    assert "too easy to guess" in message and len(message) > 60  # with the library's advice
    listed = client.get("/api/v3_0/users", headers=admin.headers).json()
    assert "jane.doe@example.org" not in [u["email"] for u in listed]


def test_api_accepts_a_strong_password(client, world):
    account = world.account()
    admin = world.user(account, roles=["account-admin"])
    body = {"email": "jane.doe@example.org", "username": "jane", "account_id": account}
    res = client.post(
        "/api/v3_0/users",
        json={**body, "password": "pebble kettle orbit 71"},
        headers=admin.headers,
    )
    assert res.status_code == 201, res.text
    login = {"email": "jane.doe@example.org", "password": "pebble kettle orbit 71"}
    assert client.post("/api/requestAuthToken", json=login).status_code == 200


@pytest.fixture
def run(db, monkeypatch):
    monkeypatch.setenv("GRIDFLEX_DATABASE_URL", db)
    monkeypatch.setenv("GRIDFLEX_MODE", "test")
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(cli_app, list(args), catch_exceptions=False)
    get_settings.cache_clear()


def test_cli_refuses_a_guessable_password_and_stores_nothing(run, db):
    assert run("add", "account", "--name", "ACME").exit_code == 0
    user = ["add", "user", "--email", "me@acme.example", "--account", "1"]
    for weak in ("12345678", "acme2026!"):
        result = run(*user, "--password", weak)
        assert result.exit_code == 1
        assert "password" in result.output and "too easy to guess" in result.output
    with get_engine(db).connect() as conn:
        assert conn.scalar(sa.text('SELECT count(*) FROM "user"')) == 0
    assert run(*user, "--password", "pebble kettle orbit 71").exit_code == 0
