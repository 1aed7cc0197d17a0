"""Carbon engine benchmark: flow tracing of 50 zones x 8,760 hours (target: under 2 s on 2 cores).

Run with ``.venv/bin/python benchmarks/carbon_engine.py``. Prints the median of
three runs for each input form and solver, with lifecycle and direct factors
traced together as the services do.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from gridflex.engines.carbon import (
    PRODUCTION_TYPES,
    ExchangeLinks,
    resolve_factors_g_per_kwh,
    trace_flows,
)

N_STEPS = 8760
N_ZONES = 50
REPEATS = 3


def grid(n_zones: int, rng: np.random.Generator) -> tuple[np.ndarray, ExchangeLinks]:
    """A year of random production and a ring-plus-chords network (2 links per zone)."""
    production = rng.uniform(0.0, 1000.0, (N_STEPS, n_zones, len(PRODUCTION_TYPES)))
    pairs = {(i, (i + 1) % n_zones) for i in range(n_zones)}
    while len(pairs) < 2 * n_zones:
        a, b = (int(v) for v in rng.integers(0, n_zones, 2))
        if a != b and (b, a) not in pairs:
            pairs.add((a, b))
    frm, to = (np.array(v) for v in zip(*sorted(pairs), strict=True))
    flow = rng.uniform(-300.0, 300.0, (N_STEPS, frm.size))
    return production, ExchangeLinks(frm, to, flow, n_zones)


def median_seconds(run) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    rng = np.random.default_rng(0)
    for n_zones, methods, with_matrix in (
        (N_ZONES, ("auto", "sparse"), True),
        (200, ("auto",), False),
    ):
        production, links = grid(n_zones, rng)
        zone_ids = [f"Z{i}" for i in range(n_zones)]
        factors = {
            kind: resolve_factors_g_per_kwh(zone_ids, year=2024, factor_type=kind)
            for kind in ("lifecycle", "direct")
        }
        inputs = {"links": links}
        if with_matrix:
            inputs["(T, Z, Z) matrix"] = links.flow_matrix_mw()
        for label, exchange in inputs.items():
            for method in methods:
                seconds = median_seconds(
                    lambda p=production, ex=exchange, f=factors, m=method: trace_flows(
                        p, ex, factors_g_per_kwh=f, method=m
                    )
                )
                print(
                    f"trace_flows {n_zones} zones x {N_STEPS} h, {label}, method={method}: "
                    f"{seconds:.2f} s (median of {REPEATS})"
                )


if __name__ == "__main__":
    main()
