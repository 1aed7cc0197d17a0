"""The specification's rules, checked on a whole dataset: a list of problems.

Each `Problem` names the record (``Substations[3] (mRID 'abc')``) and the field.
The rules:

- required fields are present, enumerated fields hold one of their values, numbers
  are numbers (the specification's ``required`` lists and enums);
- ``valid`` is two date-times, the first before the second;
- connected, contracted and quoted capacities are disjoint buckets: an individual
  (non-aggregate) project sits in one bucket per direction, and no project is
  listed twice at one substation (both would count one capacity twice);
- each substation's connected / contracted / quoted total (demand and generation)
  is at least the sum over its listed projects (demand: Demands and Storage;
  generation: Generators and Storage), within the precision the numbers are
  written in (a file writing 7 significant digits is exact to half its last digit);
- capacities and ratings are not negative; coordinates lie on the globe;
  ``shortCode`` is upper-case letters and digits;
- substation mRIDs are unique, and names where they serve as identifiers;
- ``GSP``/``BSP``/``Primary`` and circuit ``FromSubstation``/``ToSubstation`` name
  substations of the dataset (of the right type);
- a circuit's line has at least two coordinates.

Each problem carries its kind (`gridflex.engines.heatmap.conformance.KINDS`), which
says whether a lenient import keeps the record (a deviation) or refuses it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from typing import Any

from gridflex.engines.heatmap.errors import Problem
from gridflex.engines.heatmap.hierarchy import parent_index, substation_index
from gridflex.engines.heatmap.model import FIELDS, Circuit, Dataset, Substation
from gridflex.engines.heatmap.parse import model_label

TOLERANCE_MVA = 1e-6
"""Least rounding allowance when comparing a total with the sum of its projects [MVA]."""

_SHORT_CODE = re.compile(r"^[A-Z0-9]+$")
_BUCKETS = ("Connected", "Contracted", "Quoted")
_NON_NEGATIVE_UNITS = ("MVA",)
# Measured demand is negative under reverse power flow, and an available capacity is
# negative where a substation is over-committed: both carry meaning, not errors.
_NEGATIVE_ALLOWED = {
    "demandMinimum",
    "demandAvailableCapacity",
    "generationAvailableCapacity",
    "reversePowerFlowAvailableCapacity",
    "demandMaximum",
    "demand99Percentile",
    "demand75Percentile",
    "demand50Percentile",
    "demand25Percentile",
}


def check_dataset(dataset: Dataset) -> list[Problem]:
    """Every problem found in the dataset (an empty list when it follows the rules)."""
    problems: list[Problem] = []
    for label, record in _walk(dataset, "dataset", ""):
        problems += _field_problems(record, label)
    problems += _valid_problems(dataset)
    substations = dataset.substations or []
    problems += _identifier_problems(substations)
    problems += parent_index(substations)[1]
    for i, substation in enumerate(substations):
        label = _label(f"Substations[{i}]", substation)
        problems += _bucket_problems(substation, label)
        problems += _total_problems(substation, label)
    problems += _circuit_problems(dataset.circuits or [], substations)
    return problems


_label = model_label


def _walk(record: Any, label: str, prefix: str) -> Iterator[tuple[str, Any]]:
    """Every record under ``record`` (itself first) with its label."""
    yield label, record
    for attr, info in FIELDS[type(record)]:
        value = getattr(record, attr)
        if info.kind == "records" and isinstance(value, list):
            for i, child in enumerate(value):
                child_label = _label(f"{prefix}{info.key}[{i}]", child)
                yield from _walk(child, child_label, f"{child_label}.")
        elif info.kind == "record" and value is not None:
            child_label = f"{prefix}{info.key}"
            yield from _walk(value, child_label, f"{child_label}.")


def _field_problems(record: Any, label: str) -> list[Problem]:
    problems = []
    for attr, info in FIELDS[type(record)]:
        value = getattr(record, attr)
        if value is None:
            if info.required:
                problems.append(
                    Problem(label, info.key, "required field is missing", "missing-required")
                )
            continue
        if info.kind == "enum" and value not in info.choices:
            problems.append(
                Problem(label, info.key, f"{value!r} is not one of {', '.join(info.choices)}")
            )  # unreadable: the parser refuses such values
        elif info.kind == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(Problem(label, info.key, f"{value!r} is not a number"))
            elif (
                value < 0 and info.unit in _NON_NEGATIVE_UNITS and info.key not in _NEGATIVE_ALLOWED
            ):
                problems.append(
                    Problem(label, info.key, f"{value} {info.unit} is negative", "negative")
                )
        elif info.kind == "bool" and not isinstance(value, bool):
            problems.append(Problem(label, info.key, f"{value!r} is not true or false"))
    problems += _coordinate_problems(record, label)
    short_code = getattr(record, "short_code", None)
    if isinstance(record, Substation) and short_code and not _SHORT_CODE.match(short_code):
        problems.append(
            Problem(
                label,
                "shortCode",
                f"{short_code!r} is not upper-case letters and digits",
                "short-code",
            )
        )
    return problems


def _coordinate_problems(record: Any, label: str) -> list[Problem]:
    problems = []
    lat = getattr(record, "latitude_deg", None)
    lon = getattr(record, "longitude_deg", None)
    if isinstance(lat, int | float) and not -90.0 <= lat <= 90.0:
        problems.append(
            Problem(label, "latitude", f"{lat} is outside [-90, 90] degrees", "off-globe")
        )
    if isinstance(lon, int | float) and not -180.0 <= lon <= 180.0:
        problems.append(
            Problem(label, "longitude", f"{lon} is outside [-180, 180] degrees", "off-globe")
        )
    return problems


def _valid_problems(dataset: Dataset) -> list[Problem]:
    valid = dataset.valid
    if valid is None:
        return []  # reported as a missing required field
    if len(valid) != 2:
        return [Problem("dataset", "valid", f"expected two date-times, got {len(valid)}")]
    if not valid[0] < valid[1]:
        return [
            Problem(
                "dataset", "valid", "the first date-time (from) must precede the second", "validity"
            )
        ]
    return []


def _identifier_problems(substations: Sequence[Substation]) -> list[Problem]:
    problems = []
    seen: dict[str, int] = {}
    for i, s in enumerate(substations):
        # A name is an identifier only where the substation has no mRID.
        key, field = (s.mrid, "mRID") if s.mrid else (s.name, "name")
        if not key:
            continue
        if key in seen:
            problems.append(
                Problem(
                    _label(f"Substations[{i}]", s),
                    field,
                    f"'{key}' is also the identifier of Substations[{seen[key]}]",
                    "duplicate",
                )
            )
        else:
            seen[key] = i
    return problems


def _projects(substation: Substation) -> list[tuple[str, Any]]:
    return [
        *((f"Demands[{i}]", p) for i, p in enumerate(substation.demands or ())),
        *((f"Generators[{i}]", p) for i, p in enumerate(substation.generators or ())),
        *((f"Storage[{i}]", p) for i, p in enumerate(substation.storage or ())),
    ]


def _bucket_problems(substation: Substation, label: str) -> list[Problem]:
    problems = []
    seen: dict[str, str] = {}
    for path, project in _projects(substation):
        project_label = _label(f"{label}.{path}", project)
        ident = project.mrid or None
        if ident and ident in seen:
            problems.append(
                Problem(
                    project_label,
                    "mRID",
                    f"the project '{ident}' is also {seen[ident]}",
                    "duplicate-project",
                )
            )
        elif ident:
            seen[ident] = path
        if project.aggregate is not False:
            continue
        for direction in ("demand", "generation"):
            used = [b for b in _BUCKETS if _value(project, direction, b) > 0]
            if len(used) > 1:
                fields = ", ".join(f"{direction}{b}Capacity" for b in used)
                problems.append(
                    Problem(
                        project_label,
                        f"{direction}{used[1]}Capacity",
                        f"an individual project sits in one bucket, but has capacity in {fields}",
                        "several-buckets",
                    )
                )
    return problems


def _total_problems(substation: Substation, label: str) -> list[Problem]:
    problems = []
    projects = [p for _, p in _projects(substation)]
    for direction in ("demand", "generation"):
        for bucket in _BUCKETS:
            attr = f"{direction}_{bucket.lower()}_capacity_mva"
            total = getattr(substation, attr)
            if not isinstance(total, int | float):
                continue
            found = (getattr(p, attr, None) for p in projects)
            values: list[float] = [v for v in found if isinstance(v, int | float) and v]
            listed = sum(values)
            # Each number is exact to half its last written digit; so is their sum.
            slack = written_half_digit(total) + sum(written_half_digit(v) for v in values)
            if total + max(slack, TOLERANCE_MVA) < listed:
                problems.append(
                    Problem(
                        label,
                        f"{direction}{bucket}Capacity",
                        f"total {total} MVA is less than the {listed:g} MVA of the listed projects",
                        "total-below-projects",
                    )
                )
    return problems


def written_half_digit(value: float) -> float:
    """Half a unit of the last digit of a number as written (its shortest form) [same unit].

    ``12.34567`` -> 5e-6; ``1.2e-05`` -> 5e-7. A file that writes 7 significant digits
    cannot say more than this, so sums are compared within it. Whole numbers count as
    exact (``30`` in a file of decimals means 30.000...).
    """
    if isinstance(value, int) or not math.isfinite(value) or float(value).is_integer():
        return 0.0
    text = repr(float(value))
    mantissa, _, exponent = text.partition("e")
    decimals = len(mantissa.partition(".")[2].rstrip("0")) - int(exponent or 0)
    return 0.5 * 10.0 ** (-decimals)


def _value(project: Any, direction: str, bucket: str) -> float:
    value = getattr(project, f"{direction}_{bucket.lower()}_capacity_mva", None)
    return float(value) if isinstance(value, int | float) else 0.0


def _circuit_problems(
    circuits: Sequence[Circuit], substations: Sequence[Substation]
) -> list[Problem]:
    index = substation_index(substations)
    problems = []
    for i, circuit in enumerate(circuits):
        label = _label(f"Circuits[{i}]", circuit)
        refs = [("FromSubstation", circuit.from_substation)]
        refs += [("ToSubstation", ref) for ref in circuit.to_substation or ()]
        for field, ref in refs:
            if ref and ref not in index:
                problems.append(
                    Problem(
                        label,
                        field,
                        f"no substation with mRID or name '{ref}'",
                        "unresolved-reference",
                    )
                )
        for j, line in enumerate(circuit.geometry.lines or () if circuit.geometry else ()):
            if len(line.coordinates or ()) < 2:
                problems.append(
                    Problem(
                        f"{label}.Geometry.Lines[{j}]",
                        "Coordinates",
                        "a line needs 2 or more",
                        "short-line",
                    )
                )
    return problems
