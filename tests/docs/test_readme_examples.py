"""The README's examples run as written against a live demo server.

A temporary folder stands for a reader's checkout: ``gridflex demo`` builds the demo world
into its ``gridflex.db`` (a month instead of a year, to stay quick), it links ``examples/``
and the virtual environment (``.venv``), and ``gridflex serve`` serves it on a free port.
Each fenced ``bash`` or ``python`` block of README.md is one test, named by its heading and
its place under it: it runs in that folder after the block marked ``<!-- setup: ... -->``
(activating the environment, logging in), under ``bash -euo pipefail``, and must exit 0. The
examples call curl with ``-f``, so an HTTP error fails them. The README's address
``localhost:8000`` (or ``127.0.0.1:8000``) is the only thing rewritten: to the server's port.
Blocks marked ``<!-- not-run: reason -->`` (installing, serving, PostgreSQL only) are skipped
with that reason, so the list of skipped blocks is visible in the README itself.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.processes import free_port, wait_until_answers

# One demo server for all blocks: keep them on one xdist worker (scripts/test: --dist loadgroup).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("readme")]

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DEMO_DAYS = 30  # enough for the forecasts (28 days of carbon history) and the past-range examples
BLOCK_TIMEOUT_S = 240
_FENCE = re.compile(r"^```(\w*)\s*$")
_MARKER = re.compile(r"^<!--\s*(not-run|setup)\b:?\s*(.*?)\s*-->$")
_README_ADDRESS = re.compile(r"\b(?:localhost|127\.0\.0\.1):8000\b")


@dataclass(frozen=True)
class Block:
    heading: str
    index: int  # 1-based, among the runnable languages' blocks under the heading
    language: str
    text: str
    marker: str | None  # "not-run" or "setup"
    reason: str

    @property
    def name(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.heading.lower()).strip("-")
        return f"{slug}-{self.index}-{self.language}"


def readme_blocks(text: str) -> list[Block]:
    """The README's bash and python blocks, with the marker on the line before each, if any."""
    blocks: list[Block] = []
    lines = text.splitlines()
    heading, counts, i = "top", {}, 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#") and not line.startswith("#!"):
            heading = line.lstrip("#").strip()
        fence = _FENCE.match(line)
        if fence is None:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        language = fence.group(1)
        if language in ("bash", "python"):
            before = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            marker = _MARKER.match(before.strip())
            counts[heading] = counts.get(heading, 0) + 1
            blocks.append(
                Block(
                    heading,
                    counts[heading],
                    language,
                    "\n".join(lines[i + 1 : end]),
                    marker.group(1) if marker else None,
                    marker.group(2) if marker else "",
                )
            )
        i = end + 1
    return blocks


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))
SETUP = [b for b in BLOCKS if b.marker == "setup"]


def test_the_readme_has_one_setup_block_and_few_skipped_ones():
    assert len(SETUP) == 1 and SETUP[0].language == "bash"
    skipped = [b for b in BLOCKS if b.marker == "not-run"]
    assert all(b.reason for b in skipped), "every not-run marker says why"
    assert len(skipped) <= 4, [b.name for b in skipped]


@dataclass
class Demo:
    folder: Path
    address: str  # host:port
    env: dict[str, str]


def _environment() -> dict[str, str]:
    """The caller's environment without gridflex settings (the examples set their own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDFLEX_")}
    env["GRIDFLEX_MODE"] = "demo"  # as ./scripts/demo runs the server
    env.pop("VIRTUAL_ENV", None)  # a fresh terminal, as the README's reader opens
    return env


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    if shutil.which("curl") is None:
        pytest.skip("the README's examples need curl")
    venv = Path(sys.prefix)
    if not (venv / "bin" / "activate").exists() or not (venv / "bin" / "gridflex").exists():
        pytest.skip(f"needs gridflex installed in a virtual environment (not {venv})")
    folder = tmp_path_factory.mktemp("checkout")
    (folder / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    (folder / ".venv").symlink_to(venv, target_is_directory=True)
    env = _environment()
    gridflex = [sys.executable, "-m", "gridflex.cli.main"]
    built = subprocess.run(
        [*gridflex, "demo", "--days", str(DEMO_DAYS)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    port = free_port()
    log = (folder / "serve.log").open("w")
    server = subprocess.Popen(
        [*gridflex, "serve", "--port", str(port), "--no-upgrade", "--graceful-timeout", "2"],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_answers(
            f"http://127.0.0.1:{port}/api/", server, folder / "serve.log", within_s=60
        )
        yield Demo(folder, f"127.0.0.1:{port}", env)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _script(block: Block, address: str) -> str:
    body = block.text
    if block.language == "python":  # the setup's shell (TOKEN, the venv's python) runs it
        body = f"python - <<'README_PYTHON'\n{body}\nREADME_PYTHON"
    parts = [body] if block.marker == "setup" else [SETUP[0].text, body]
    return _README_ADDRESS.sub(address, "\n".join(parts)) + "\n"


def _param(block: Block) -> object:
    skip = block.marker == "not-run"
    marks = [pytest.mark.skip(reason=f"README marks it not-run: {block.reason}")] if skip else []
    return pytest.param(block, id=block.name, marks=marks)


@pytest.mark.parametrize("block", [_param(b) for b in BLOCKS])
def test_readme_example_runs(block: Block, demo: Demo):
    script = demo.folder / f"{block.name}.sh"
    script.write_text(_script(block, demo.address), encoding="utf-8")
    ran = subprocess.run(
        ["bash", "-euo", "pipefail", str(script)],
        cwd=demo.folder,
        env=demo.env,
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT_S,
    )
    assert ran.returncode == 0, (
        f"README block {block.name!r} (under '## {block.heading}') exited {ran.returncode}\n"
        f"--- block\n{block.text}\n--- stdout (end)\n{ran.stdout[-3000:]}\n"
        f"--- stderr (end)\n{ran.stderr[-3000:]}"
    )
