"""Shared fixtures: a database per backend (SQLite and PostgreSQL), a live app, factories.

Every test that takes ``db`` (directly or through ``client``) runs once on SQLite
and once on PostgreSQL. PostgreSQL is found at ``GRIDFLEX_TEST_POSTGRES_URL``
(default: the local server, database ``test``); when it cannot be reached those
cases are skipped, unless ``GRIDFLEX_TEST_REQUIRE_SERVICES=1`` (set by CI), which
turns the skip into a failure.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import uvicorn
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from gridflex import security, tracing
from gridflex.api.app import create_app
from gridflex.config import Settings
from gridflex.services import accounts, assets, sensors, users
from gridflex.store import migrate
from gridflex.store.base import Base, get_engine, normalise_url, session_scope
from gridflex.timing import parse_duration

POSTGRES_ADMIN_URL = os.environ.get(
    "GRIDFLEX_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUIRE_SERVICES = os.environ.get("GRIDFLEX_TEST_REQUIRE_SERVICES") == "1"
# Tables filled by the first migration; tests keep their seeded rows.
REFERENCE_TABLES = {"role": 4, "account_role": 7, "generic_asset_type": 15}

# Hashing with production argon2 costs ~50 ms per user; tests create many users.
security._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _admin(*statements: str) -> None:
    """Run statements on the PostgreSQL server (outside a transaction, as CREATE DATABASE needs)."""
    admin = sa.create_engine(normalise_url(POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for statement in statements:
                conn.execute(sa.text(statement))
    finally:
        admin.dispose()


def _postgres_url() -> str:
    name = f"gridflex_test_{_worker()}_{os.getpid()}"
    try:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    except Exception as exc:
        if REQUIRE_SERVICES:
            pytest.fail(f"PostgreSQL is required but unreachable at {POSTGRES_ADMIN_URL}: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_ADMIN_URL}")
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated, empty database of each backend, made once per test session (and the
    PostgreSQL one dropped at its end: the server is shared, test databases must not pile up)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'gridflex.db'}"
    else:
        url = _postgres_url()
    migrate.upgrade(url)
    yield url
    if request.param == "postgres":
        get_engine(url).dispose()
        _admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _empty(url: str) -> None:
    engine = get_engine(url)
    tables = [t for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(
                [f'"{t.name}"' for t in tables if t.name not in REFERENCE_TABLES] + ["belief_chunk"]
            )  # the chunk table has no model (store.compression)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                if table.name not in REFERENCE_TABLES:
                    conn.execute(table.delete())
        for name, seeded in REFERENCE_TABLES.items():
            conn.execute(sa.text(f'DELETE FROM "{name}" WHERE id > {seeded}'))


@pytest.fixture
def db(database_url: str) -> Iterator[str]:
    """The database URL, emptied (but for reference data) before each test."""
    _empty(database_url)
    yield database_url


@pytest.fixture
def settings(db: str) -> Settings:
    # A short graceful shutdown: tests end apps whose job threads may still wait on a gate.
    return Settings(
        mode="test", database_url=db, entity_host="gridflex.example.org", graceful_timeout_s=1
    )


@pytest.fixture
def app(settings: Settings) -> Any:
    return create_app(settings)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def spans() -> Iterator[Any]:
    """Tracing on in this process, into memory: the SDK's exporter, read after ``tracing.flush()``."""
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    tracing.configure(exporter)
    yield exporter
    tracing.shutdown()


@pytest.fixture
def traced_client(spans: Any, settings: Settings) -> Iterator[TestClient]:
    """A client of an app made while tracing into ``spans``."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def live_server_for() -> Iterator[Any]:
    """Start a real server (uvicorn, a thread, 127.0.0.1, a free port) for an app: ``host:port``."""
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(app: Any) -> str:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("live server did not start")
            time.sleep(0.02)
        return f"127.0.0.1:{port}"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Actor:
    """A user of the test world with ready-made auth headers."""

    id: int
    account_id: int
    email: str
    password: str
    headers: dict[str, str]


class World:
    """Factories for accounts, users, assets and sensors, written through the services."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def account(
        self,
        name: str | None = None,
        roles: list[str] | None = None,
        consultancy_account_id: int | None = None,
    ) -> int:
        with session_scope(self.settings.database_url) as session:
            return accounts.create_account(
                session,
                name=name or f"account {self._next()}",
                roles=roles or [],
                consultancy_account_id=consultancy_account_id,
            ).id

    def user(
        self,
        account_id: int,
        roles: list[str] | None = None,
        email: str | None = None,
        password: str = "secret-password",
    ) -> Actor:
        email = email or f"user{self._next()}@example.org"
        with session_scope(self.settings.database_url) as session:
            user = users.create_user(
                session,
                email=email,
                username=email.split("@")[0],
                account_id=account_id,
                password=password,
                roles=list(roles or []),
            )
            token = security.issue_token(
                user.id, user.token_key, secret_key=self.settings.secret_key, max_age_s=3600
            )
            return Actor(user.id, account_id, email, password, {"Authorization": token})

    def asset(
        self,
        account_id: int | None,
        name: str | None = None,
        type_name: str = "battery",
        **fields: Any,
    ) -> int:
        with session_scope(self.settings.database_url) as session:
            type_id = assets.asset_type_by_name_or_id(session, type_name).id
            return assets.create_asset(
                session,
                {
                    "name": name or f"asset {self._next()}",
                    "generic_asset_type_id": type_id,
                    "account_id": account_id,
                    **fields,
                },
                actor=None,
            ).id

    def sensor(
        self,
        asset_id: int,
        name: str = "power",
        unit: str = "kW",
        resolution: str = "PT15M",
        **fields: Any,
    ) -> int:
        with session_scope(self.settings.database_url) as session:
            return sensors.create_sensor(
                session,
                {
                    "name": name,
                    "unit": unit,
                    "event_resolution": parse_duration(resolution),
                    "generic_asset_id": asset_id,
                    **fields,
                },
                actor=None,
            ).id


@pytest.fixture
def world(settings: Settings) -> World:
    return World(settings)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("database_url") == "postgres":
            item.add_marker(pytest.mark.postgres)


ROOT = Path(__file__).resolve().parents[1]
