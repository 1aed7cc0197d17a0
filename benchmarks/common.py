"""What the HTTP benchmarks share: a throw-away PostgreSQL database and a real server.

Benchmarks never touch an existing database: PostgreSQL figures come from a fresh
database next to the admin URL, dropped afterwards; the server is ``gridflex serve``
in a subprocess on a free port of 127.0.0.1.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import httpx
import sqlalchemy as sa

from gridflex.store.base import get_engine, normalise_url

SECRET = "benchmark-secret-key-0123456789"
TOKEN_S = 3600  # token lifetime; the server refuses tokens that outlive its own (6 h default)


def _admin(admin_url: str, *statements: str) -> None:
    admin = sa.create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for statement in statements:
                conn.execute(sa.text(statement))
    finally:
        admin.dispose()


def fresh_postgres(admin_url: str, name: str) -> str | None:
    """A new, empty database ``name`` next to ``admin_url``; None (and a note) if unreachable."""
    try:
        _admin(
            admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
        )
    except Exception as exc:  # noqa: BLE001 - any failure means: skip PostgreSQL
        print(f"PostgreSQL skipped: {exc.__class__.__name__}: {exc}")
        return None
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres(admin_url: str, name: str) -> None:
    get_engine(admin_url.rsplit("/", 1)[0] + f"/{name}").dispose()  # our own pooled connections
    _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(url: str, **extra: str) -> dict[str, str]:
    """The environment of a production-mode server (or worker) on ``url``."""
    return {
        **os.environ,
        "GRIDFLEX_DATABASE_URL": url,
        "GRIDFLEX_SECRET_KEY": SECRET,
        "GRIDFLEX_MODE": "production",
        "GRIDFLEX_LOG_LEVEL": "WARNING",
        **extra,
    }


@contextmanager
def running_server(
    url: str, *, workers: int = 1, env: Mapping[str, str] | None = None, start_s: float = 120
) -> Iterator[tuple[subprocess.Popen, str]]:
    """``gridflex serve`` on a free port, once ``GET /api/`` answers: (process, base URL)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gridflex.cli.main", "serve", "--port", str(port),
         "--no-upgrade", "--workers", str(workers)],
        env=dict(env or server_env(url)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_s
        while True:
            try:
                httpx.get(f"{base}/api/", timeout=5)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server on {base} did not start") from None
                time.sleep(0.1)
        yield server, base
    finally:
        server.terminate()
        server.wait(timeout=30)
