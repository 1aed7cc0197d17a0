"""How far a dataset follows the specification: what an import refused, kept and filled.

Published heatmap files deviate from the draft standard in ways whose meaning is
still clear (required fields left out, a project counted in two buckets, short
codes with spaces). A lenient import stores every record it can understand and
reports each deviation by kind; only records it cannot understand are refused.

Kinds (`KINDS`), with what a lenient import does:

- refused (the record is not imported): ``unreadable`` (a value that cannot be
  read), ``orphan`` (a CSV row whose parent is not in the file), ``duplicate`` (an
  identifier an earlier record has), ``off-globe`` (coordinates off the globe);
- kept as given, reported: ``missing-required``, ``several-buckets``,
  ``total-below-projects``, ``short-code``, ``unresolved-reference`` (a GSP, BSP,
  Primary or circuit end that is not in the dataset, or was refused),
  ``wrong-parent-type``, ``duplicate-project``, ``negative``, ``short-line``,
  ``validity``;
- ``filled``: a field the file lacks, computed on publishing;
- ``normalised``: a value accepted in another form (see `Normalisation`).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass, field
from typing import Any

from gridflex.engines.heatmap.errors import Normalisation, Problem
from gridflex.engines.heatmap.model import Circuit, Dataset, Substation
from gridflex.engines.heatmap.parse import model_label

REFUSED, KEPT, FILLED, NORMALISED = "refused", "kept", "filled", "normalised"
KINDS: dict[str, tuple[str, str]] = {
    "unreadable": (REFUSED, "a value that cannot be read"),
    "orphan": (REFUSED, "a CSV row whose parent record is not in the file"),
    "duplicate": (REFUSED, "an identifier that an earlier record already has"),
    "off-globe": (REFUSED, "coordinates off the globe"),
    "missing-required": (KEPT, "a field the specification requires is absent"),
    "several-buckets": (
        KEPT,
        "an individual project with capacity in more than one of connected/contracted/quoted",
    ),
    "total-below-projects": (
        KEPT,
        "a total below the sum of its projects, beyond the precision written",
    ),
    "short-code": (KEPT, "a short code that is not upper-case letters and digits"),
    "unresolved-reference": (
        KEPT,
        "a reference to a substation that is not in the dataset (or was refused)",
    ),
    "wrong-parent-type": (KEPT, "a GSP/BSP/Primary reference to a substation of another type"),
    "duplicate-project": (KEPT, "a project listed twice at one substation"),
    "negative": (KEPT, "a negative capacity or rating"),
    "short-line": (KEPT, "a circuit line with fewer than two points"),
    "validity": (KEPT, "a validity range that ends before it starts"),
    "filled": (FILLED, "a field the file lacks, computed from the registry and measurements"),
    "normalised": (NORMALISED, "a value accepted in a form the specification does not use"),
}
"""kind -> (what a lenient import does, what it means)."""

EXAMPLES = 5  # first examples kept per kind


@dataclass
class Conformance:
    """Everything an import or a publication found, by outcome."""

    refused: list[Problem] = field(default_factory=list)
    deviations: list[Problem] = field(default_factory=list)
    filled: list[Problem] = field(default_factory=list)
    normalisations: list[Normalisation] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not (self.refused or self.deviations)

    def summary(self, examples: int = EXAMPLES) -> dict[str, Any]:
        """Counts per kind with the fields concerned and the first examples (JSON-ready)."""
        notes = [
            Problem(n.record, n.field, f"{n.reason} ({n})", "normalised")
            for n in self.normalisations
        ]
        groups: dict[str, list[Problem]] = {}
        for problem in [*self.refused, *self.deviations, *self.filled, *notes]:
            groups.setdefault(problem.kind, []).append(problem)
        order = {kind: i for i, kind in enumerate(KINDS)}
        kinds = [
            _kind_summary(kind, found, examples)
            for kind, found in sorted(groups.items(), key=lambda kv: order.get(kv[0], len(order)))
        ]
        return {
            "conforms": self.conforms,
            "refused": len(self.refused),
            "deviations": len(self.deviations),
            "filled": len(self.filled),
            "normalised": len(self.normalisations),
            "kinds": kinds,
        }


def _kind_summary(kind: str, found: list[Problem], examples: int) -> dict[str, Any]:
    outcome, meaning = KINDS.get(kind, (REFUSED, kind))
    fields = Counter(_where(p) for p in found)
    return {
        "kind": kind,
        "outcome": outcome,
        "description": meaning,
        "count": len(found),
        "fields": dict(fields.most_common()),
        "examples": [
            {"record": p.record, "field": p.field, "message": p.message} for p in found[:examples]
        ],
    }


def _where(problem: Problem) -> str:
    """``Substations.Demands.demandConnectedCapacity``: the record's class path and field."""
    path = re.sub(r" \([^()]*\)", "", problem.record)  # (mRID 'x'), (substation 'y')
    path = re.sub(r"\[\d+\]| line \d+", "", path)
    return f"{path}.{problem.field}" if problem.field else path


def split(problems: Iterable[Problem]) -> tuple[list[Problem], list[Problem]]:
    """(refused, kept) by the kind of each problem."""
    refused: list[Problem] = []
    kept: list[Problem] = []
    for problem in problems:
        (refused if KINDS.get(problem.kind, (REFUSED,))[0] == REFUSED else kept).append(problem)
    return refused, kept


def drop_unplaceable(dataset: Dataset) -> tuple[Dataset, list[Problem], set[str]]:
    """The dataset without records that cannot be placed: a repeated identifier (the later
    record goes) or coordinates off the globe.

    Returns the dataset, the refusals and the identifiers of the records left out.
    """
    refused: list[Problem] = []
    gone: set[str] = set()
    substations = _keep(dataset.substations, "Substations", refused, gone)
    circuits = _keep(dataset.circuits, "Circuits", refused, gone)
    if not refused:
        return dataset, [], set()
    return dataclasses.replace(dataset, substations=substations, circuits=circuits), refused, gone


def _keep(
    records: Sequence[Substation | Circuit] | None,
    table: str,
    refused: list[Problem],
    gone: set[str],
) -> list[Any] | None:
    if records is None:
        return None
    kept, seen = [], set()
    for i, record in enumerate(records):
        label = model_label(f"{table}[{i}]", record)
        key = record.mrid or record.name
        problem = _off_globe(record, label)
        if problem is None and not key:
            problem = Problem(
                label, "name", "neither an mRID nor a name: record not imported", "unreadable"
            )
        elif problem is None and key in seen:
            problem = Problem(
                label,
                "mRID" if record.mrid else "name",
                f"'{key}' is also the identifier of an earlier record: record not imported",
                "duplicate",
            )
        if problem is not None:
            refused.append(problem)
            if key not in seen:
                gone |= {k for k in (record.mrid, record.name) if k}
            continue
        seen.add(key)
        kept.append(record)
    return kept


def _off_globe(record: Substation | Circuit, label: str) -> Problem | None:
    points: list[tuple[str, Any, Any]] = []
    if isinstance(record, Substation):
        points.append((label, record.latitude_deg, record.longitude_deg))
    elif record.geometry is not None:
        for j, line in enumerate(record.geometry.lines or ()):
            for point in line.coordinates or ():
                points.append(
                    (f"{label}.Geometry.Lines[{j}]", point.latitude_deg, point.longitude_deg)
                )
    for where, lat, lon in points:
        for name, value, bound in (("latitude", lat, 90.0), ("longitude", lon, 180.0)):
            if isinstance(value, int | float) and not -bound <= value <= bound:
                return Problem(
                    where,
                    name,
                    f"{value} is outside [-{bound:g}, {bound:g}] degrees: record not imported",
                    "off-globe",
                )
    return None


def explain_references(problems: Sequence[Problem], gone: Set[str]) -> list[Problem]:
    """Unresolved references to records that were refused say so."""
    out = []
    for problem in problems:
        ref = _quoted(problem.message) if problem.kind == "unresolved-reference" else None
        if ref is not None and ref in gone:
            problem = dataclasses.replace(
                problem, message=f"'{ref}' was not imported (refused, see above): reference kept"
            )
        out.append(problem)
    return out


def _quoted(message: str) -> str | None:
    match = re.search(r"'(.*)'$", message)
    return match[1] if match else None
