"""Importing heatmap data into the registry: from the seed's JSON, or CSV tables (a folder or zip).

Files are read by `files` (tolerant, within size limits): what was accepted in a
non-standard form comes back as normalisations, and (lenient) what could not be
understood as refused records.

Before anything is written, the registry as it would be after the import is
checked against every rule of `check_dataset` except one: figures that
publishing computes (firm and available capacities, RAG, limiting factors,
reverse power flow) and the dataset's metadata may be absent from a registry.
Lenient (the default), the deviations found are kept and reported by kind (see
`gridflex.engines.heatmap.conformance`); strict, any problem refuses the whole
import, naming each record and field. With ``publish``, the file's own dataset is
published as well, its metadata, identifier and values unchanged (see
`publishing.publish_file`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from gridflex.engines.heatmap import (
    Circuit,
    Dataset,
    HeatmapDataError,
    Normalisation,
    Substation,
    check_dataset,
)
from gridflex.engines.heatmap.conformance import (
    Conformance,
    drop_unplaceable,
    explain_references,
    split,
)
from gridflex.engines.heatmap.parse import Reading
from gridflex.services import audit
from gridflex.services.heatmap import registry as reg
from gridflex.services.heatmap.file_publishing import publish_file
from gridflex.store.models import Account, User

# Published figures a registry need not hold: publishing computes them.
COMPUTED: dict[type, dict[str, Any]] = {
    Substation: {
        "demand_firm_capacity_mva": 0.0,
        "demand_available_capacity_mva": 0.0,
        "demand_constraint": "Green",
        "demand_constraint_limiting_factor": "Thermal",
        "generation_firm_capacity_mva": 0.0,
        "generation_available_capacity_mva": 0.0,
        "generation_constraint": "Green",
        "generation_constraint_limiting_factor": "Thermal",
        "reverse_power_flow_total_capacity_mva": 0.0,
        "reverse_power_flow_available_capacity_mva": 0.0,
    },
    Circuit: {"demand_constraint": "Green"},
}
_PLACEHOLDER_METADATA: dict[str, Any] = {
    **{
        name: "-"
        for name in (
            "contributor",
            "coverage",
            "creator",
            "description",
            "format",
            "identifier",
            "language",
            "publisher",
            "rights",
            "title",
        )
    },
    "date": datetime(2000, 1, 1, tzinfo=UTC),
    "issued": datetime(2000, 1, 1, tzinfo=UTC),
    "valid": [datetime(2000, 1, 1, tzinfo=UTC), datetime(2000, 1, 2, tzinfo=UTC)],
}


@dataclass
class ImportReport:
    account_id: int
    counts: dict[str, dict[str, int]]
    conformance: Conformance = field(default_factory=Conformance)
    published: str | None = None
    published_new: bool = False

    @property
    def normalisations(self) -> list[Normalisation]:
        return self.conformance.normalisations


# ---------------------------------------------------------------- importing


def import_dataset(
    session: Session,
    account: Account,
    reading: Reading,
    *,
    actor: User | None = None,
    publish: bool = False,
    strict: bool = False,
) -> ImportReport:
    """Write a read file into the account's registry (and publish its dataset, if asked).

    Lenient (default): records that cannot be understood were left out by the reader
    (`read_uploads`), and records that cannot be placed (a repeated identifier,
    coordinates off the globe) are left out here; every other deviation from the
    specification is kept and reported. Strict: any problem refuses the whole import.
    """
    conformance = Conformance(refused=list(reading.refused), normalisations=list(reading.notes))
    dataset, gone = reading.dataset, set(reading.refused_keys)
    if not strict:
        dataset, dropped, more = drop_unplaceable(dataset)
        conformance.refused += dropped
        gone |= more
    registry = reg.load(session, account)
    after = reg.merged(registry.dataset(), dataset)
    problems = check_dataset(_with_placeholders(after))
    refused, kept = split(problems)
    if refused or (strict and kept):
        raise HeatmapDataError(refused + kept if strict else refused)
    conformance.deviations = explain_references(kept, gone)
    written = reg.write(session, registry, dataset, after, actor=actor)
    counts = written.counts
    report = ImportReport(account_id=account.id, counts=counts, conformance=conformance)
    if publish:
        published = publish_file(
            session,
            account,
            dataset,
            conformance,
            assets=(registry, written),
            gone=gone,
            actor=actor,
            strict=strict,
        )
        report.published, report.published_new = published.row.identifier, published.created
        if published.conformance is None:  # publish_file always hands one to store
            raise ValueError("publishing the file gave no conformance report")
        report.conformance = published.conformance
    audit.record(
        session,
        "Heatmap registry import: "
        + "; ".join(
            f"{kind} " + ", ".join(f"{n} {outcome}" for outcome, n in c.items())
            for kind, c in counts.items()
        )
        + f"; {len(conformance.refused)} records refused, "
        f"{len(conformance.deviations)} deviations kept",
        actor=actor,
        account_id=report.account_id,
    )
    return report


_Record = TypeVar("_Record", Substation, Circuit)


def _with_placeholders(dataset: Dataset) -> Dataset:
    """The dataset with stand-ins for absent computed figures and for its metadata (a
    registry holds none: publishing checks the metadata)."""

    def filled(record: _Record) -> _Record:
        missing = {k: v for k, v in COMPUTED[type(record)].items() if getattr(record, k) is None}
        return dataclasses.replace(record, **missing) if missing else record

    return dataclasses.replace(
        dataset,
        **_PLACEHOLDER_METADATA,
        substations=[filled(s) for s in dataset.substations or ()],
        circuits=[filled(c) for c in dataset.circuits or ()],
    )
