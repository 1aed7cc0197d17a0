"""What tests that start a server in a subprocess share: a free port, and waiting for it."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answers(url: str, server: subprocess.Popen, log: Path, *, within_s: float) -> None:
    """Return once ``url`` answers 200; fail with the server's log if it exits or stays silent."""
    began = time.monotonic()
    while time.monotonic() - began < within_s:
        if server.poll() is not None:
            pytest.fail(f"the server exited ({server.returncode}):\n{log.read_text()[-5000:]}")
        try:
            if httpx.get(url, timeout=10).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"no answer from {url} within {within_s} s:\n{log.read_text()[-5000:]}")
