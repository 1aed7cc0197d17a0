"""Publishing an imported file's own dataset: its values unchanged, its gaps computed, its report kept.

Strict: the file must follow every rule of the specification; it is published as
given. Lenient (default):

- Dublin Core fields the file lacks come from the account's previous dataset, else
  defaults (a new identifier, ``issued`` now); only ``valid`` cannot be made up;
- figures it lacks are computed where the registry and the measurements allow
  (`gridflex.engines.heatmap.gaps`): statistics from the ``demand`` sensors of the
  registry assets the import just wrote, firm capacity from transformer ratings,
  available capacity, limiting factor, RAG, reverse power flow; otherwise left out;
- every other deviation is kept and reported; the dataset is stored with its
  conformance report (`GET /heatmap/{identifier}/conformance`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Set
from datetime import datetime

import numpy as np
from sqlalchemy.orm import Session

from gridflex.engines.heatmap import (
    Dataset,
    HeatmapDataError,
    HeatmapOptions,
    Problem,
    check_dataset,
    recompute_dataset,
    statistics_window,
)
from gridflex.engines.heatmap.conformance import Conformance, explain_references, split
from gridflex.engines.heatmap.gaps import fill_gaps
from gridflex.errors import ValidationError
from gridflex.services.heatmap import registry as reg
from gridflex.services.heatmap.measurements import measured_demand
from gridflex.services.heatmap.publishing import Published, default_metadata, store
from gridflex.store.models import Account, User

_METADATA = (
    "contributor",
    "coverage",
    "creator",
    "description",
    "format",
    "identifier",
    "issued",
    "language",
    "publisher",
    "rights",
    "title",
)


def publish_file(
    session: Session,
    account: Account,
    dataset: Dataset,
    conformance: Conformance,
    *,
    assets: tuple[reg.Registry, reg.WriteCounts],
    gone: Set[str] = frozenset(),
    actor: User | None = None,
    strict: bool = False,
    now: datetime | None = None,
    options: HeatmapOptions = HeatmapOptions(),
) -> Published:
    """Publish a file's dataset; ``conformance`` holds what reading and importing found,
    ``assets`` the registry before the import and what writing it gave (the asset ids),
    ``gone`` the identifiers of records refused (references to them are reported)."""
    if strict:
        problems = check_dataset(dataset)
        if problems:
            raise HeatmapDataError(problems)
        return store(session, account, dataset, actor=actor, conformance=conformance)
    dataset, filled = _metadata_gaps(session, account, dataset, now)
    dataset, computed, warnings = _figure_gaps(session, dataset, *assets, options)
    refused, kept = split(check_dataset(dataset))
    if refused:
        raise HeatmapDataError(refused)  # a dataset-level problem: nothing to leave out
    report = dataclasses.replace(
        conformance, deviations=explain_references(kept, gone), filled=filled + computed
    )
    published = store(session, account, dataset, actor=actor, conformance=report)
    published.warnings = warnings
    return published


def _metadata_gaps(
    session: Session, account: Account, dataset: Dataset, now: datetime | None
) -> tuple[Dataset, list[Problem]]:
    if not dataset.valid:
        raise ValidationError(
            "Publishing a file needs its validity range 'valid' [from, to).", field="valid"
        )
    defaults = {**default_metadata(session, account, dataset, now), "date": dataset.valid[0]}
    changes = {name: defaults[name] for name in (*_METADATA, "date") if not getattr(dataset, name)}
    filled = [
        Problem("dataset", name, f"not in the file: {value}", "filled")
        for name, value in changes.items()
    ]
    return dataclasses.replace(dataset, **changes), filled


def _figure_gaps(
    session: Session,
    dataset: Dataset,
    registry: reg.Registry,
    written: reg.WriteCounts,
    options: HeatmapOptions,
) -> tuple[Dataset, list[Problem], list[str]]:
    """The dataset with the figures it lacks computed, where the data allow."""
    assert dataset.valid is not None
    keys = [reg.record_key(s)[:255] for s in dataset.substations or ()]
    substation_ids = [written.substation_ids[key] for key in keys]
    circuits = [written.circuit_ids[reg.record_key(c)[:255]] for c in dataset.circuits or ()]
    before = {a.external_id: i for i, a in enumerate(registry.substations)}
    rows = [before.get(key, -1) for key in keys]  # network-study figures stay on the assets
    start, end = statistics_window(dataset.valid[0], months=options.window_months)
    substations = measured_demand(session, substation_ids, start=start, end=end)
    measured_circuits = measured_demand(session, circuits, start=start, end=end)
    study = {k: _in_order(v, rows) for k, v in registry.study().items()}
    computed = recompute_dataset(
        dataset,
        substation_demand=substations.series,
        circuit_demand=measured_circuits.series,
        demand_voltage_headroom_mva=study["demand_voltage_headroom_mva"],
        generation_voltage_headroom_mva=study["generation_voltage_headroom_mva"],
        options=options,
    )
    filled, found = fill_gaps(dataset, computed, thresholds=options.rag)
    return filled, found, substations.warnings + measured_circuits.warnings


def _in_order(values: np.ndarray | None, rows: list[int]) -> np.ndarray | None:
    """Registry-ordered figures in the dataset's order (NaN for records not found)."""
    if values is None:
        return None
    index = np.asarray(rows, dtype=np.intp)
    return np.where(index >= 0, values[np.maximum(index, 0)], np.nan)
