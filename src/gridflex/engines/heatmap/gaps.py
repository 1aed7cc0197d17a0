"""Fill the figures a published file lacks from a recomputed copy, never touching given ones.

A file published as is keeps every value it gives. Where it leaves out a figure
that `recompute_dataset` could compute (statistics from measured demand, firm
capacities from transformer ratings, available capacities, reverse power flow),
the computed figure fills the gap. A limiting factor is taken only together with
the available capacity it limits (the factor of a given figure is unknown). A
missing RAG status is derived from the available and firm capacities as
published, so that it agrees with them. Each filled field is reported as a
`Problem` of kind ``filled`` (with the value).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from typing import Any

from gridflex.engines.heatmap.errors import Problem
from gridflex.engines.heatmap.model import FIELDS, Circuit, Dataset, Substation
from gridflex.engines.heatmap.parse import model_label
from gridflex.engines.heatmap.rag import RagThresholds, rag

_STATISTICS = (
    "demand_maximum_mva",
    "demand_minimum_mva",
    "demand_p99_mva",
    "demand_p75_mva",
    "demand_p50_mva",
    "demand_p25_mva",
)
_SUBSTATION_FIGURES = (
    *_STATISTICS,
    "demand_firm_capacity_mva",
    "generation_firm_capacity_mva",
    "reverse_power_flow_total_capacity_mva",
    "reverse_power_flow_available_capacity_mva",
)
# available capacity -> (its limiting factor, its RAG status, the firm capacity for RAG)
_DIRECTIONS = {
    "demand_available_capacity_mva": (
        "demand_constraint_limiting_factor",
        "demand_constraint",
        "demand_firm_capacity_mva",
    ),
    "generation_available_capacity_mva": (
        "generation_constraint_limiting_factor",
        "generation_constraint",
        "generation_firm_capacity_mva",
    ),
}


def fill_gaps(
    given: Dataset, computed: Dataset, *, thresholds: RagThresholds = RagThresholds()
) -> tuple[Dataset, list[Problem]]:
    """``given`` with its missing figures taken from ``computed`` (same records, same order).

    Returns the filled dataset and one ``filled`` problem per field filled.
    """
    filled: list[Problem] = []
    substations = [
        _substation(s, c, f"Substations[{i}]", thresholds, filled)
        for i, (s, c) in enumerate(_pairs(given.substations, computed.substations))
    ]
    circuits = [
        _circuit(s, c, f"Circuits[{i}]", thresholds, filled)
        for i, (s, c) in enumerate(_pairs(given.circuits, computed.circuits))
    ]
    out = dataclasses.replace(
        given,
        substations=substations if given.substations is not None else None,
        circuits=circuits if given.circuits is not None else None,
    )
    return out, filled


def _pairs(given: Sequence[Any] | None, computed: Sequence[Any] | None) -> list[tuple[Any, Any]]:
    given, computed = list(given or ()), list(computed or ())
    if len(given) != len(computed):
        raise ValueError("fill_gaps needs the computed copy of the same records")
    return list(zip(given, computed, strict=True))


def _substation(
    given: Substation,
    computed: Substation,
    path: str,
    thresholds: RagThresholds,
    filled: list[Problem],
) -> Substation:
    changes = {a: getattr(computed, a) for a in _SUBSTATION_FIGURES if _gap(given, computed, a)}
    for available, (factor, status, firm) in _DIRECTIONS.items():
        if _gap(given, computed, available):
            changes[available] = getattr(computed, available)
            if getattr(given, factor) is None and getattr(computed, factor) is not None:
                changes[factor] = getattr(computed, factor)
        if getattr(given, status) is None:
            value = _rag(
                changes.get(available, getattr(given, available)),
                changes.get(firm, getattr(given, firm)),
                thresholds,
            )
            if value is not None:
                changes[status] = value
    return _apply(given, changes, path, filled)


def _circuit(
    given: Circuit, computed: Circuit, path: str, thresholds: RagThresholds, filled: list[Problem]
) -> Circuit:
    attrs = (*_STATISTICS, "demand_available_capacity_mva")
    changes = {a: getattr(computed, a) for a in attrs if _gap(given, computed, a)}
    if given.demand_constraint is None:
        ratings = [r for r in (given.summer_rating_mva, given.winter_rating_mva) if r is not None]
        available = changes.get(
            "demand_available_capacity_mva", given.demand_available_capacity_mva
        )
        value = _rag(available, min(ratings) if ratings else None, thresholds)
        if value is not None:
            changes["demand_constraint"] = value
    return _apply(given, changes, path, filled)


def _gap(given: Any, computed: Any, attr: str) -> bool:
    return getattr(given, attr) is None and getattr(computed, attr) is not None


def _rag(available: Any, firm: Any, thresholds: RagThresholds) -> str | None:
    if not isinstance(available, int | float):
        return None
    firm_value = float(firm) if isinstance(firm, int | float) else float("nan")
    status = rag([float(available)], [firm_value], thresholds=thresholds)[0]
    return None if status is None else str(status)


def _apply(record: Any, changes: dict[str, Any], path: str, filled: list[Problem]) -> Any:
    if not changes:
        return record
    label = model_label(path, record)
    keys = _KEYS[type(record)]
    for attr, value in changes.items():
        filled.append(Problem(label, keys[attr], f"computed: {value}", "filled"))
    out = copy.copy(record)  # dataclasses.replace re-runs __init__: 10x slower for these
    for attr, value in changes.items():
        setattr(out, attr, value)
    return out


_KEYS = {cls: {attr: info.key for attr, info in FIELDS[cls]} for cls in (Substation, Circuit)}
