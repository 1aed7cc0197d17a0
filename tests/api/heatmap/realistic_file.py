"""A heatmap file like the ones DNOs publish: ~1,000 substations that follow the draft
standard loosely, with every deviation real files show, at realistic rates.

We have no copy of a real file; this generator writes one with the deviations
issue 17 lists, so that the import and its benchmark (`benchmarks/heatmap_import.py`)
meet them at scale:

- numbers written to 7 significant digits, so a total differs from the sum of its
  projects by ~1e-5 MVA (each rounded on its own);
- date-times with ``+0000`` offsets (the seed's form, and without milliseconds), and
  curtailment times with them (``11:00:00+0000``);
- required fields missing on sub-records (``demandConnectedCapacity`` on quoted-only
  demands, ``voltage`` on generators) and substation fields the standard requires
  (available capacities, limiting factors, reverse power flow) absent everywhere;
- an individual project with capacity in two buckets (connected and quoted);
- short codes with spaces or hyphens;
- GSP/BSP references and circuit ends naming substations outside the sample.

`realistic_file` returns the decoded JSON and `Rates` says how many of each were
written, so that a test can check the import's report against them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

DEFAULT_SUBSTATIONS = 1000
_AREAS = ("EPN", "LPN", "SPN")
_TECHNOLOGIES = ("PV", "Wind", "CHP", "Battery", "Hydro", "Biomass")


@dataclass
class Rates:
    """How many of each deviation the generator wrote (what the import should report)."""

    substations: int = 0
    circuits: int = 0
    demands_without_connected: int = 0
    generators_without_voltage: int = 0
    several_buckets: int = 0
    bad_short_codes: int = 0
    outside_references: int = 0
    totals_off_by_rounding: int = 0
    missing: dict[str, int] = field(default_factory=dict)


def sig7(value: float) -> float:
    """``value`` written to 7 significant digits, as the files do."""
    if value == 0 or not math.isfinite(value):
        return 0.0
    return float(f"{value:.7g}")


def realistic_file(
    n_substations: int = DEFAULT_SUBSTATIONS, *, seed: int = 17, identifier: str = "dno-sample"
) -> tuple[dict[str, Any], Rates]:
    """The decoded JSON of a published heatmap file and the deviations it holds."""
    rng = np.random.default_rng(seed)
    rates = Rates()
    gsps = max(2, n_substations // 80)
    bsps = max(4, n_substations // 16)
    kinds = ["GSP"] * gsps + ["BSP"] * bsps + ["Primary"] * (n_substations - gsps - bsps)
    names: dict[str, list[str]] = {"GSP": [], "BSP": []}
    substations = []
    for i, kind in enumerate(kinds):
        record = _substation(rng, i, kind, names, rates)
        names.setdefault(kind, []).append(record["mRID"])
        substations.append(record)
    circuits = [_circuit(rng, j, substations, rates) for j in range(max(1, n_substations // 5))]
    rates.substations, rates.circuits = len(substations), len(circuits)
    absent = (
        "demandAvailableCapacity",
        "generationAvailableCapacity",
        "demandConstraintLimitingFactor",
        "generationConstraintLimitingFactor",
        "reversePowerFlowTotalCapacity",
        "reversePowerFlowAvailableCapacity",
    )
    rates.missing = {name: len(substations) for name in absent}
    document = {
        "contributor": "Sample Network Operator",
        "coverage": "Eastern, London and South Eastern licence areas",
        "creator": "Sample Network Operator",
        "date": "2025-01-01T00:00:00.000+0000",
        "description": "Network capacity heatmap (sample of the published file).",
        "format": "application/json",
        "identifier": identifier,
        "issued": "2024-12-20T09:30:00+0000",
        "language": "en",
        "publisher": "Sample Network Operator",
        "rights": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "title": "Network capacity heatmap Q1 2025",
        "valid": ["2025-01-01T00:00:00.000+0000", "2100-01-01T00:00:00+0000"],
        "Substations": substations,
        "Circuits": circuits,
    }
    return document, rates


def _substation(
    rng: np.random.Generator, i: int, kind: str, names: dict[str, list[str]], rates: Rates
) -> dict[str, Any]:
    high, low, rating = {"GSP": (132, 33, 240.0), "BSP": (33, 11, 90.0)}.get(kind, (33, 11, 24.0))
    mrid = f"{i:08x}{'a1b2c3d4' * 4}"
    code = f"S{i:04d}"
    if rng.random() < 0.06:
        code = f"{code[:2]} {code[2:]}" if rng.random() < 0.5 else f"{code[:2]}-{code[2:]}"
        rates.bad_short_codes += 1
    firm = sig7(rating * rng.uniform(0.9, 1.1))
    peak = firm * rng.uniform(0.3, 1.05)
    record: dict[str, Any] = {
        "name": f"{kind.upper()} {i:04d}",
        "type": kind,
        "area": _AREAS[i % len(_AREAS)],
        "voltages": [high, low],
        "longitude": round(float(rng.uniform(-1.5, 1.5)), 6),
        "latitude": round(float(rng.uniform(51.0, 52.8)), 6),
        "demandFirmCapacity": firm,
        "demandConstraint": ["Red", "Amber", "Green"][int(rng.integers(3))],
        "generationFirmCapacity": sig7(firm * rng.uniform(0.3, 0.8)),
        "generationConstraint": ["Red", "Amber", "Green"][int(rng.integers(3))],
        "mRID": mrid,
        "shortCode": code,
        "demandMaximum": sig7(peak),
        "demandMinimum": sig7(peak * rng.uniform(0.1, 0.3)),
        "demand99Percentile": sig7(peak * 0.97),
        "demand75Percentile": sig7(peak * 0.8),
        "demand50Percentile": sig7(peak * 0.6),
        "demand25Percentile": sig7(peak * 0.45),
        "breakerAvailableCapacity": sig7(rng.uniform(0.5, 12.0)),
    }
    record.update(_parents(rng, kind, names, rates))
    record.update(_projects(rng, rates, low))
    record["Transformers"] = [
        {
            "name": f"T{u}",
            "voltages": [high, low],
            "mRID": f"{mrid}-T{u}",
            "Ratings": [
                {"name": "ONAN", "summerRating": rating, "winterRating": rating * 1.2,
                 "fromVoltage": high, "toVoltage": low},
                {"name": "Reverse", "summerRating": rating / 2, "winterRating": rating / 2,
                 "fromVoltage": low, "toVoltage": high},
            ],
        }
        for u in (1, 2)
    ]  # fmt: skip
    if rng.random() < 0.1:
        record["Curtailments"] = [
            {"name": "Solar curtailment", "description": "Export limited at midday",
             "type": "Generation", "curtailedBy": sig7(rng.uniform(0.5, 3)),
             "technologyType": "PV", "season": "Summer", "dayType": "Weekday",
             "startTime": "11:00", "endTime": "16:00"}
        ]  # fmt: skip
        if rng.random() < 0.5:  # times with the offset files write
            record["Curtailments"][0].update(startTime="11:00:00+0000", endTime="16:00:00+0000")
    if rng.random() < 0.05:
        record["OtherConstraints"] = [
            {"name": "Site constraint", "description": "No room for a third transformer",
             "type": "Physical"}
        ]  # fmt: skip
    return record


def _parents(
    rng: np.random.Generator, kind: str, names: dict[str, list[str]], rates: Rates
) -> dict[str, str]:
    """GSP/BSP references; ~3 % name a station outside the sample (as a sample does)."""
    refs = {}
    for level in {"BSP": ("GSP",), "Primary": ("GSP", "BSP")}.get(kind, ()):
        if rng.random() < 0.03 or not names[level]:
            refs[level] = f"{level} OUTSIDE {int(rng.integers(1000)):03d}"
            rates.outside_references += 1
        else:
            refs[level] = names[level][int(rng.integers(len(names[level])))]
    return refs


def _projects(rng: np.random.Generator, rates: Rates, voltage: float) -> dict[str, Any]:
    demands = [_demand(rng, rates, voltage, k) for k in range(int(rng.integers(0, 4)))]
    generators = [_generator(rng, rates, voltage, k) for k in range(int(rng.integers(0, 6)))]
    out: dict[str, Any] = {"Demands": demands, "Generators": generators}
    totals: dict[str, float] = {}
    for project in demands + generators:
        for key, exact in project.pop("_exact").items():
            totals[key] = totals.get(key, 0.0) + exact
    # Aggregate capacity not listed as projects, then each total rounded on its own:
    # the rounded total may fall ~1e-5 MVA below the sum of the rounded projects.
    for key in ("demandConnectedCapacity", "demandContractedCapacity", "demandQuotedCapacity",
                "generationConnectedCapacity", "generationContractedCapacity",
                "generationQuotedCapacity"):  # fmt: skip
        listed = sum(p.get(key, 0.0) for p in demands + generators)
        exact = totals.get(key, 0.0)
        out[key] = sig7(exact) if exact else 0
        if exact and out[key] < listed:
            rates.totals_off_by_rounding += 1
    return out


def _capacities(
    rng: np.random.Generator, rates: Rates, direction: str
) -> tuple[dict[str, float], dict[str, float]]:
    """One bucket per individual project; ~4 % also quoted while connected (two buckets)."""
    size = float(rng.lognormal(0.0, 1.0))
    bucket = ["Connected", "Contracted", "Quoted"][int(rng.choice(3, p=[0.6, 0.2, 0.2]))]
    exact = {f"{direction}{bucket}Capacity": size}
    if bucket == "Connected" and rng.random() < 0.04:
        exact[f"{direction}QuotedCapacity"] = float(rng.lognormal(-1.0, 0.5))
        rates.several_buckets += 1
    written = {key: sig7(value) for key, value in exact.items()}
    for other in ("Connected", "Contracted"):  # required: zero where not in that bucket
        written.setdefault(f"{direction}{other}Capacity", 0)
    return written, exact


def _demand(rng: np.random.Generator, rates: Rates, voltage: float, k: int) -> dict[str, Any]:
    written, exact = _capacities(rng, rates, "demand")
    record = {"name": f"Demand project {k + 1}", "aggregate": False, **written,
              "voltage": voltage, "technologyType": "EV charging", "_exact": exact}  # fmt: skip
    if written["demandConnectedCapacity"] == 0 and rng.random() < 0.6:
        del record["demandConnectedCapacity"]  # quoted/contracted only: left out
        rates.demands_without_connected += 1
    return record


def _generator(rng: np.random.Generator, rates: Rates, voltage: float, k: int) -> dict[str, Any]:
    written, exact = _capacities(rng, rates, "generation")
    technology = _TECHNOLOGIES[int(rng.integers(len(_TECHNOLOGIES)))]
    record = {"name": f"{technology} project {k + 1}", "aggregate": False, **written,
              "voltage": voltage, "technologyType": technology, "_exact": exact}  # fmt: skip
    if rng.random() < 0.25:
        del record["voltage"]
        rates.generators_without_voltage += 1
    return record


def _circuit(
    rng: np.random.Generator, j: int, substations: list[dict[str, Any]], rates: Rates
) -> dict[str, Any]:
    source = substations[int(rng.integers(len(substations)))]
    target = substations[int(rng.integers(len(substations)))]["mRID"]
    if rng.random() < 0.03:
        target = f"PRIMARY OUTSIDE {j:03d}"
        rates.outside_references += 1
    points = [
        {"latitude": round(source["latitude"] + 0.01 * k, 6),
         "longitude": round(source["longitude"] + 0.012 * k, 6)}
        for k in range(int(rng.integers(2, 6)))
    ]  # fmt: skip
    rating = sig7(float(rng.uniform(5, 20)))
    return {
        "mRID": f"circuit-{j:05d}",
        "name": f"Feeder {j}",
        "voltage": 11,
        "demandConstraint": ["Red", "Amber", "Green"][int(rng.integers(3))],
        "FromSubstation": source["mRID"],
        "ToSubstation": [target],
        "summerRating": rating,
        "winterRating": sig7(rating * 1.15),
        "demandMaximum": sig7(rating * float(rng.uniform(0.3, 0.9))),
        "Geometry": {"type": "LineString", "Lines": [{"Coordinates": points}]},
    }
