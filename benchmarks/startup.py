"""Start-up costs of the gridflex command and of a server process (issue targets in brackets).

- ``gridflex --help``: wall time (< 0.5 s);
- ``gridflex db upgrade`` on an empty SQLite file: wall time (< 1.5 s);
- ``gridflex serve`` (one process): time from start until ``GET /api/`` answers (< 2 s), and
  the process's resident memory once idle (< 200 MiB).

Run: ``.venv/bin/python benchmarks/startup.py [--runs 5] [--python PATH]``. ``--python`` picks
the interpreter of the environment to measure (e.g. one made with ``pip install -c
constraints.txt .``, without the dev extras: pandas loads pyarrow when it is installed, ~40 MiB).
Prints the median and the range of the runs, and the machine's load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import free_port


def timed(command: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - began


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def serve_once(python: str, env: dict[str, str]) -> tuple[float, float]:
    """Seconds until the first answer, and the idle RSS (MiB) two seconds later."""
    port = free_port()
    began = time.perf_counter()
    server = subprocess.Popen(
        [python, "-m", "gridflex.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/", timeout=1) as res:
                    assert res.status == 200
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError("the server exited before answering") from None
                time.sleep(0.02)
        answered = time.perf_counter() - began
        time.sleep(2)
        return answered, rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait()


def line(label: str, values: list[float], unit: str, target: str) -> None:
    print(
        f"{label:44} {statistics.median(values):7.2f} {unit:4} "
        f"(runs {min(values):.2f}-{max(values):.2f})  target {target}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    gridflex = [args.python, "-m", "gridflex.cli.main"]
    with tempfile.TemporaryDirectory() as tmp:
        # The chart bundle is built once per machine (GRIDFLEX_CACHE_DIR): the usual cache is
        # used, so that the runs measure a server's start, not that one-off build.
        env = {**os.environ, "GRIDFLEX_MODE": "demo"}
        helps, upgrades, answers, memory = [], [], [], []
        for run in range(args.runs):
            helps.append(timed([*gridflex, "--help"], env))
            env["GRIDFLEX_DATABASE_URL"] = f"sqlite:///{tmp}/empty-{run}.db"
            upgrades.append(timed([*gridflex, "db", "upgrade"], env))
            answered, rss = serve_once(args.python, env)
            answers.append(answered)
            memory.append(rss)
    print(f"{args.python}; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}")
    line("gridflex --help", helps, "s", "< 0.5 s")
    line("gridflex db upgrade (empty SQLite file)", upgrades, "s", "< 1.5 s")
    line("gridflex serve: first answer to GET /api/", answers, "s", "< 2 s")
    line("gridflex serve: idle resident memory", memory, "MiB", "< 200 MiB")


if __name__ == "__main__":
    main()
