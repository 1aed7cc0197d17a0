"""Benchmark of the heatmap engine on a generated 1,000-substation network.

Measures (median of several runs, wall clock):
- recomputing statistics and capacities for 1,000 substations x 1 year half-hourly
  (target: under 5 s on 2 cores);
- serialising the full dataset as JSON and as GeoJSON (target for a whole HTTP
  response: under 200 ms, so these must be well under that);
- for reference: CSV zip, parsing the JSON back, the checks, a filter and a near search.

Run: ``.venv/bin/python benchmarks/heatmap_engine.py``
"""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np

from gridflex.engines.heatmap import (
    Dataset,
    Demand,
    DemandSeries,
    Generator,
    Rating,
    Substation,
    Transformer,
    check_dataset,
    filter_dataset,
    nearest_substations,
    parse_json,
    recompute_dataset,
    to_csv_zip,
    to_geojson,
    to_json,
)

LEVELS = (
    ("GSP", 10, (400, 132), 240.0),
    ("BSP", 40, (132, 33), 90.0),
    ("Primary", 200, (33, 11), 24.0),
    ("Secondary", 750, (11, 0.4), 1.0),
)


def build_network(rng: np.random.Generator) -> Dataset:
    """10 GSPs, 40 BSPs, 200 Primaries, 750 Secondaries with transformers and projects."""
    substations: list[Substation] = []
    parents: dict[str, list[str]] = {}
    for level, count, voltages, rating in LEVELS:
        above = {"GSP": None, "BSP": "GSP", "Primary": "BSP", "Secondary": "Primary"}[level]
        names = []
        for k in range(count):
            name = f"{level}-{k:04d}"
            refs = {}
            if above:
                parent = parents[above][k % len(parents[above])]
                refs[{"GSP": "gsp", "BSP": "bsp", "Primary": "primary"}[above]] = parent
            substations.append(_substation(rng, name, level, voltages, rating, refs))
            names.append(name)
        parents[level] = names
    return Dataset(
        contributor="Bench",
        coverage="Somewhere",
        creator="Bench",
        date=datetime(2024, 1, 1, tzinfo=UTC),
        description="Generated network.",
        format="application/json",
        identifier="bench",
        issued=datetime(2023, 12, 1, tzinfo=UTC),
        language="en",
        publisher="Bench",
        rights="https://example.org/licence",
        title="Bench",
        valid=[datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 4, 1, tzinfo=UTC)],
        substations=substations,
        circuits=[],
    )


def _substation(
    rng: np.random.Generator, name: str, level: str, voltages: tuple, rating: float, refs: dict
) -> Substation:
    n_tx = 1 if level == "Secondary" else 2
    transformers = [
        Transformer(
            name=f"T{t}",
            voltages_kv=list(voltages),
            mrid=f"{name}-T{t}",
            ratings=[
                Rating(
                    name="Operational",
                    summer_rating_mva=rating,
                    winter_rating_mva=rating * 1.2,
                    from_voltage_kv=voltages[0],
                    to_voltage_kv=voltages[1],
                )
            ],
        )
        for t in range(n_tx)
    ]
    demands = [
        Demand(
            name=f"{name}-D{d}",
            aggregate=False,
            demand_connected_capacity_mva=0.0,
            demand_contracted_capacity_mva=float(rng.uniform(0, rating / 20)),
            voltage_kv=voltages[1],
            mrid=f"{name}-D{d}",
        )
        for d in range(3)
    ]
    generators = [
        Generator(
            name=f"{name}-G{g}",
            aggregate=False,
            generation_connected_capacity_mva=0.0,
            generation_contracted_capacity_mva=float(rng.uniform(0, rating / 20)),
            voltage_kv=voltages[1],
            technology_type="PV",
            mrid=f"{name}-G{g}",
        )
        for g in range(2)
    ]
    return Substation(
        name=name,
        type=level,
        area="Bench",
        voltages_kv=list(voltages),
        longitude_deg=float(rng.uniform(-5, 1)),
        latitude_deg=float(rng.uniform(50, 55)),
        mrid=f"mrid-{name}",
        short_code=name.replace("-", "")[:8].upper(),
        demand_contracted_capacity_mva=sum(d.demand_contracted_capacity_mva or 0 for d in demands),
        generation_contracted_capacity_mva=sum(
            g.generation_contracted_capacity_mva or 0 for g in generators
        ),
        demand_quoted_capacity_mva=float(rng.uniform(0, rating / 10)),
        breaker_available_capacity_ka=float(rng.uniform(0.5, 10)),
        transformers=transformers,
        demands=demands,
        generators=generators,
        **refs,
    )


def build_series(rng: np.random.Generator, dataset: Dataset) -> DemandSeries:
    """One year half-hourly before valid[0], daily and seasonal shape, 1 % gaps."""
    start = datetime(2023, 1, 1, tzinfo=UTC)
    steps = 365 * 48
    t = np.arange(steps)
    shape = 1 + 0.3 * np.sin(2 * np.pi * t / 48) + 0.2 * np.cos(2 * np.pi * t / steps)
    scale = np.array(
        [dict((lv[0], lv[3]) for lv in LEVELS)[s.type or ""] for s in dataset.substations or ()]
    )
    load_frac = rng.uniform(0.3, 0.7, scale.size)[:, None]  # peak 45-105 % of a unit
    demand = load_frac * scale[:, None] * shape[None, :] + rng.normal(0, 0.02, (scale.size, steps))
    demand[rng.random(demand.shape) < 0.01] = np.nan
    return DemandSeries(demand, start, timedelta(minutes=30))


def timed(label: str, func: Callable[[], object], runs: int) -> object:
    times, result = [], None
    for _ in range(runs):
        begin = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - begin)
    print(f"{label:<58} {1000 * statistics.median(times):9.1f} ms  (min {1000 * min(times):.1f})")
    return result


def main() -> None:
    rng = np.random.default_rng(42)
    dataset = build_network(rng)
    series = build_series(rng, dataset)
    n = len(dataset.substations or ())
    shape = np.shape(series.demand_mva)
    print(f"heatmap engine: {n} substations, series {shape[0]} x {shape[1]}, {os.cpu_count()} CPUs")
    result = timed(
        "recompute statistics + capacities (1,000 x 17,520)",
        lambda: recompute_dataset(dataset, substation_demand=series),
        runs=3,
    )
    assert isinstance(result, Dataset)
    counts = Counter(s.demand_constraint for s in result.substations or ())
    print(f"{'':<58} demand RAG: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    body = timed("to_json (seed shape, orjson)", lambda: to_json(result), runs=20)
    geo = timed("to_geojson (orjson)", lambda: to_geojson(result), runs=20)
    assert isinstance(body, bytes) and isinstance(geo, bytes)
    print(f"{'':<58} JSON {len(body) / 1e6:.2f} MB, GeoJSON {len(geo) / 1e6:.2f} MB")
    timed("to_csv_zip", lambda: to_csv_zip(result), runs=5)
    timed("parse_json (tolerant import)", lambda: parse_json(body), runs=5)
    timed("check_dataset", lambda: check_dataset(result), runs=5)
    timed(
        "filter_dataset(type=Primary, demandConstraint=Green)",
        lambda: filter_dataset(result, type="Primary", demand_constraint="Green"),
        runs=20,
    )
    timed(
        "nearest_substations(radius 50 km, demand >= 1 MVA)",
        lambda: nearest_substations(
            result, lat=52.0, lon=-2.0, radius_km=50, needs="demand", mva=1.0
        ),
        runs=20,
    )


if __name__ == "__main__":
    main()
