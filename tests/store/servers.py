"""Extra database servers for the scale tests: a streaming replica and a PgBouncer.

Both run as the ``postgres`` OS user on a free local port, in a temporary folder,
and are stopped and removed when their ``with`` block ends. Where they cannot run
(not root, tools missing) the test is skipped; where they could but fail to start,
the test fails (so CI, which runs as root with the tools installed, never skips).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from gridflex.store.base import get_engine
from tests.processes import free_port

MAX_CLONED_BYTES = 2 * 1024**3  # a bigger shared test server takes too long to clone


def _postgres_user() -> pwd.struct_passwd:
    if os.geteuid() != 0:
        pytest.skip("starting extra database servers needs root (to run them as postgres)")
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("no postgres OS user to run an extra database server as")


@contextmanager
def _folder(owner: pwd.struct_passwd) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="gridflex-server-"))
    os.chown(folder, owner.pw_uid, owner.pw_gid)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _as(owner: pwd.struct_passwd, *args: str | Path, **kwargs) -> subprocess.CompletedProcess:  # noqa: ANN003
    return subprocess.run(
        [str(a) for a in args],
        user=owner.pw_uid,
        group=owner.pw_gid,
        extra_groups=[],
        capture_output=True,
        text=True,
        check=False,
        **kwargs,
    )


def _wait_for_port(port: int, what: str, log: Path, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    text = log.read_text() if log.exists() else "(no log)"
    pytest.fail(f"{what} did not start on port {port}: {text[-2000:]}")


def _server_facts(url: str) -> dict[str, str]:
    names = (
        "server_version_num",
        "max_connections",
        "max_worker_processes",
        "max_wal_senders",
        "max_prepared_transactions",
        "max_locks_per_transaction",
    )
    with get_engine(url).connect() as conn:
        facts = {name: conn.execute(sa.text(f"SHOW {name}")).scalar_one() for name in names}
        facts["bytes"] = conn.execute(
            sa.text("SELECT sum(pg_database_size(datname)) FROM pg_database")
        ).scalar_one()
    return {name: str(value) for name, value in facts.items()}


@contextmanager
def streaming_replica(primary_url: str) -> Iterator[int]:
    """A hot standby of the server at ``primary_url``, made with pg_basebackup: its port."""
    owner = _postgres_user()
    facts = _server_facts(primary_url)
    bindir = Path(f"/usr/lib/postgresql/{int(facts['server_version_num']) // 10000}/bin")
    if not (bindir / "pg_basebackup").exists():
        pytest.skip(f"no PostgreSQL server tools in {bindir}")
    if int(facts["bytes"]) > MAX_CLONED_BYTES:
        pytest.skip("the test server holds too much data to clone it for a replica quickly")
    parsed = sa.engine.make_url(primary_url)
    port = free_port()
    with _folder(owner) as folder:
        data = folder / "data"
        made = _as(
            owner, bindir / "pg_basebackup", "-h", parsed.host or "127.0.0.1",
            "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres",
            "-D", data, "-R", "-X", "stream", "-c", "fast", "--no-sync",
        )  # fmt: skip
        if made.returncode:
            pytest.fail(
                f"pg_basebackup failed (replication allowed in pg_hba.conf?): {made.stderr}"
            )
        settings = {
            "data_directory": data,
            "hba_file": folder / "pg_hba.conf",
            "ident_file": folder / "pg_ident.conf",
            "port": port,
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": folder,
            "hot_standby": "on",
            "fsync": "off",
            "shared_buffers": "16MB",
            **{name: facts[name] for name in facts if name.startswith("max_")},
        }
        (folder / "replica.conf").write_text(
            "".join(f"{name} = '{value}'\n" for name, value in settings.items())
        )
        (folder / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        )
        (folder / "pg_ident.conf").write_text("")
        for name in ("replica.conf", "pg_hba.conf", "pg_ident.conf"):
            os.chown(folder / name, owner.pw_uid, owner.pw_gid)
        log = folder / "replica.log"
        ctl = [bindir / "pg_ctl", "-D", data, "-l", log]
        started = _as(owner, *ctl, "-o", f"-c config_file={folder / 'replica.conf'}", "-w", "start")
        if started.returncode:
            pytest.fail(f"the replica did not start: {started.stdout} {log.read_text()[-2000:]}")
        try:
            _wait_for_port(port, "the replica", log)
            yield port
        finally:
            _as(owner, *ctl, "-m", "immediate", "stop")


@contextmanager
def pgbouncer(server_url: str, *, pool_size: int = 2) -> Iterator[int]:
    """A PgBouncer in transaction mode in front of the server at ``server_url``: its port."""
    owner = _postgres_user()
    exe = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not os.access(exe, os.X_OK):
        pytest.skip("pgbouncer is not installed (.ci/run installs it)")
    parsed = sa.engine.make_url(server_url)
    port = free_port()
    with _folder(owner) as folder:
        ini = folder / "pgbouncer.ini"
        ini.write_text(
            "[databases]\n"
            f"* = host={parsed.host or '127.0.0.1'} port={parsed.port or 5432}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {folder / 'users.txt'}\n"
            f"pool_mode = transaction\ndefault_pool_size = {pool_size}\nmax_client_conn = 200\n"
            f"logfile = {folder / 'pgbouncer.log'}\npidfile = {folder / 'pgbouncer.pid'}\n"
        )
        (folder / "users.txt").write_text(f'"{parsed.username or "postgres"}" ""\n')
        for path in (ini, folder / "users.txt"):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        server = subprocess.Popen(
            [exe, str(ini)],
            user=owner.pw_uid,
            group=owner.pw_gid,
            extra_groups=[],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for_port(port, "pgbouncer", folder / "pgbouncer.log")
            yield port
        finally:
            server.terminate()
            server.wait(timeout=30)
