"""Publishing heatmap datasets: computed from the registry and the measurements, or as given.

A published dataset is immutable: its JSON (the seed's shape) is stored once, as
the bytes that are served, under its identifier. Publishing the very same content
under an identifier again changes nothing; different content under a taken
identifier is refused.

Computing a dataset (`publish_from_registry`): the registry's records, the
Dublin Core metadata (given, else the account's previous dataset's, else
defaults), measured demand over the statistics window before ``valid_from``, and
network-study figures go through `gridflex.engines.heatmap.recompute_dataset`;
the result must pass every rule of `check_dataset` before it is stored.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from gridflex.engines.heatmap import (
    Dataset,
    HeatmapDataError,
    HeatmapOptions,
    Problem,
    check_dataset,
    recompute_dataset,
    statistics_window,
    to_dict,
    to_geojson,
    to_json,
)
from gridflex.engines.heatmap.conformance import Conformance, split
from gridflex.errors import ConflictError, NotFoundError, ValidationError
from gridflex.services import audit
from gridflex.services.heatmap import registry as reg
from gridflex.services.heatmap.measurements import measured_demand
from gridflex.store.models import Account, HeatmapDataset, User
from gridflex.store.queries import heatmap as queries
from gridflex.timing import parse_datetime, utcnow

DEFAULT_RIGHTS = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
DEFAULT_LANGUAGE = "en"
FORMAT = "application/json"
RESERVED_IDENTIFIERS = frozenset({"datasets", "upload", "publish"})  # paths under /heatmap
_NEEDS_FIRM_AND_PEAK = (
    "needs a firm capacity (given, or from transformer ratings) and the peak demand "
    "(from a 'demand' sensor, or a given demandMaximum)"
)
_NEEDS_GENERATION = (
    "needs a generation firm capacity (given, or from transformer ratings and the minimum "
    "demand: a 'demand' sensor, or a given demandMinimum)"
)
_NEEDS_RATINGS = "needs transformers with ratings (a step-up rating where power can flow back)"
COMPUTATION_NEEDS = {
    "demandFirmCapacity": "give it, or transformers with step-down ratings",
    "demandAvailableCapacity": _NEEDS_FIRM_AND_PEAK,
    "demandConstraint": _NEEDS_FIRM_AND_PEAK,
    "demandConstraintLimitingFactor": _NEEDS_FIRM_AND_PEAK,
    "generationFirmCapacity": _NEEDS_GENERATION,
    "generationAvailableCapacity": _NEEDS_GENERATION,
    "generationConstraint": _NEEDS_GENERATION,
    "generationConstraintLimitingFactor": _NEEDS_GENERATION,
    "reversePowerFlowTotalCapacity": _NEEDS_RATINGS,
    "reversePowerFlowAvailableCapacity": _NEEDS_RATINGS,
}
"""What each computed figure needs, for the message when it could not be computed."""
_METADATA_FIELDS = ("description", "creator", "publisher", "contributor", "coverage", "rights")


@dataclass(frozen=True)
class PublishRequest:
    """What the publisher says about a new dataset; unset fields get defaults."""

    title: str
    valid_from: datetime
    valid_to: datetime
    identifier: str | None = None
    description: str | None = None
    creator: str | None = None
    publisher: str | None = None
    contributor: str | None = None
    coverage: str | None = None
    rights: str | None = None
    language: str | None = None


@dataclass
class Published:
    """A stored dataset; ``created`` is False when the same content was already published."""

    row: HeatmapDataset
    dataset: Dataset
    created: bool
    warnings: list[str] = field(default_factory=list)
    conformance: Conformance | None = None
    timings_s: dict[str, float] = field(default_factory=dict)


def parse_moment(text: str | datetime, *, field: str) -> datetime:
    """An aware date-time (offsets like ``+0000`` accepted) or a date (midnight UTC)."""
    if isinstance(text, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", text):
        try:
            return datetime.fromisoformat(text.strip()).replace(tzinfo=UTC)
        except ValueError:
            raise ValidationError(f"Not a valid date: {text[:40]!r}.", field=field) from None
    if isinstance(text, str) and len(text) > 64:
        raise ValidationError(f"Not a valid date-time: {text[:40]!r}...", field=field)
    try:
        return parse_datetime(text, field=field, bounded=False).astimezone(UTC)
    except OverflowError:
        raise ValidationError(
            f"{text!r} lies outside the years 1 to 9999 in UTC.", field=field
        ) from None


# ---------------------------------------------------------------- publishing


def publish_from_registry(
    session: Session,
    account: Account,
    request: PublishRequest,
    *,
    actor: User | None = None,
    now: datetime | None = None,
    options: HeatmapOptions = HeatmapOptions(),
    strict: bool = False,
) -> Published:
    """Compute a dataset from the account's registry and measurements, check it and store it.

    A figure that cannot be computed refuses publishing, saying what it needs. Other
    deviations of the registry's records from the specification (kept by a lenient
    import) are published with the dataset's conformance report, or refused if
    ``strict``.
    """
    began = time.perf_counter()
    _check_request(request)
    registry = reg.load(session, account)
    if not registry.substations:
        raise ValidationError(
            f"The registry of account {account.name!r} holds no substations; import them first.",
            field="registry",
        )
    start, end = statistics_window(request.valid_from, months=options.window_months)
    with ThreadPoolExecutor(1) as pool:
        # Parsing the loaded records is pure Python; it runs while the demand read waits
        # for the database or the C scanner (0.3 s of 2-3 for a thousand substations).
        parsing = pool.submit(registry.dataset)
        substations = measured_demand(
            session, [a.id for a in registry.substations], start=start, end=end
        )
        circuits = measured_demand(session, [a.id for a in registry.circuits], start=start, end=end)
        base = parsing.result()
    dataset = dataclasses.replace(base, **_metadata(session, account, request, base, now))
    loaded = time.perf_counter()
    study = registry.study()
    computed = recompute_dataset(
        dataset,
        substation_demand=substations.series,
        circuit_demand=circuits.series,
        demand_voltage_headroom_mva=study["demand_voltage_headroom_mva"],
        generation_voltage_headroom_mva=study["generation_voltage_headroom_mva"],
        options=options,
    )
    refused, kept = split(check_dataset(computed))
    gaps = [p for p in kept if p.kind == "missing-required" and p.field in COMPUTATION_NEEDS]
    refused += kept if strict else gaps
    if refused:
        raise HeatmapDataError([_explained(p) for p in refused])
    computed_at = time.perf_counter()
    report = Conformance(deviations=kept)
    published = store(session, account, computed, actor=actor, conformance=report)
    published.warnings = substations.warnings + circuits.warnings
    published.timings_s = {
        "read": loaded - began,
        "compute": computed_at - loaded,
        "store": time.perf_counter() - computed_at,
    }
    return published


def _explained(problem: Problem) -> Problem:
    """A missing computed figure is a gap in the registry: say what the figure needs."""
    if problem.message == "required field is missing" and problem.field in COMPUTATION_NEEDS:
        why = COMPUTATION_NEEDS[problem.field]
        if problem.record.startswith("Circuits"):
            why = "needs summer and winter ratings and the peak demand (a 'demand' sensor)"
        return Problem(problem.record, problem.field, f"could not be computed: {why}")
    return problem


def _check_request(request: PublishRequest) -> None:
    if not request.title or not request.title.strip():
        raise ValidationError("A dataset needs a title.", field="title")
    if request.valid_from.tzinfo is None or request.valid_to.tzinfo is None:
        raise ValidationError("Validity dates need a UTC offset.", field="valid")
    if not request.valid_from < request.valid_to:
        raise ValidationError(
            "valid-from (inclusive) must come before valid-to (exclusive).", field="valid"
        )
    for name, value in vars(request).items():
        if isinstance(value, str) and "\x00" in value:
            raise ValidationError(f"'{name}' holds a NUL character.", field=name)
    if request.identifier is not None:
        check_identifier(request.identifier)


def check_identifier(identifier: str | None) -> str:
    if not identifier or not identifier.strip():
        raise ValidationError("A published dataset needs an identifier.", field="identifier")
    if (
        identifier in RESERVED_IDENTIFIERS
        or "/" in identifier
        or "\x00" in identifier
        or len(identifier) > 255
    ):
        raise ValidationError(
            f"{identifier[:40]!r} cannot be an identifier: it must not contain '/' or NUL, be "
            "longer than "
            f"255 characters or be one of {', '.join(sorted(RESERVED_IDENTIFIERS))}.",
            field="identifier",
        )
    return identifier


def _metadata(
    session: Session,
    account: Account,
    request: PublishRequest,
    base: Dataset,
    now: datetime | None,
) -> dict[str, Any]:
    """Dublin Core fields: given, else those of the account's previous dataset, else defaults."""
    defaults = default_metadata(session, account, base, now)
    values: dict[str, Any] = {
        name: getattr(request, name) or defaults[name] for name in (*_METADATA_FIELDS, "language")
    }
    return {
        **values,
        "title": request.title.strip(),
        "identifier": request.identifier or defaults["identifier"],
        "format": FORMAT,
        "date": request.valid_from.astimezone(UTC),
        "issued": defaults["issued"],
        "valid": [request.valid_from.astimezone(UTC), request.valid_to.astimezone(UTC)],
    }


def default_metadata(
    session: Session, account: Account, base: Dataset, now: datetime | None = None
) -> dict[str, Any]:
    """Dublin Core defaults: the account's previous dataset's, else made from the account;
    a new identifier, ``issued`` now (to the millisecond, as the seed writes it)."""
    previous = queries.latest_dataset_of(session, account.id)
    before = previous.dublin_core if previous is not None else {}
    areas = sorted({s.area for s in base.substations or () if s.area})
    made = {
        "title": f"Network capacity heatmap of {account.name}",
        "description": f"Network capacity heatmap of {account.name}.",
        "creator": account.name,
        "publisher": account.name,
        "contributor": account.name,
        "coverage": ", ".join(areas) or account.name,
        "rights": DEFAULT_RIGHTS,
        "language": DEFAULT_LANGUAGE,
    }
    issued = (now or utcnow()).astimezone(UTC)
    return {
        **{name: before.get(name) or value for name, value in made.items()},
        "title": made["title"],
        "identifier": str(uuid.uuid4()),
        "format": FORMAT,
        "issued": issued.replace(microsecond=issued.microsecond // 1000 * 1000),
    }


def store(
    session: Session,
    account: Account,
    dataset: Dataset,
    *,
    actor: User | None = None,
    conformance: Conformance | None = None,
) -> Published:
    """Store a checked dataset under its identifier (once; the same content again is a no-op),
    with its conformance report."""
    identifier = check_identifier(dataset.identifier)
    assert dataset.valid is not None and dataset.issued is not None and dataset.title is not None
    content = to_json(dataset)
    sha = hashlib.sha256(content).hexdigest()
    existing = queries.dataset_with_identifier(session, identifier)
    if existing is not None:
        if existing.content_sha256 == sha:
            return Published(existing, dataset, created=False, conformance=conformance)
        raise ConflictError(
            f"A different dataset with identifier {identifier!r} is already published; "
            "published datasets never change: publish under a new identifier."
        )
    metadata = to_dict(dataclasses.replace(dataset, substations=None, circuits=None))
    metadata.pop("Substations", None)
    metadata.pop("Circuits", None)
    row = HeatmapDataset(
        identifier=identifier,
        title=dataset.title[:500],
        valid_from=dataset.valid[0],
        valid_to=dataset.valid[1],
        issued=dataset.issued,
        dublin_core=metadata,
        content=content,
        content_sha256=sha,
        geojson=to_geojson(dataset),
        substation_count=len(dataset.substations or ()),
        circuit_count=len(dataset.circuits or ()),
        conformance=conformance.summary() if conformance is not None else None,
        account_id=account.id,
        user_id=actor.id if actor is not None else None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        f"Heatmap dataset {identifier} ({dataset.title}) published",
        actor=actor,
        account_id=account.id,
    )
    return Published(row, dataset, created=True, conformance=conformance)


# ---------------------------------------------------------------- finding


def dataset_valid_at(session: Session, at: datetime | None = None) -> HeatmapDataset:
    """The dataset valid at ``at`` (default: now); of several, the last issued."""
    moment = (at or utcnow()).astimezone(UTC)
    row = queries.dataset_valid_at(session, moment)
    if row is None:
        raise NotFoundError(f"No heatmap dataset is valid at {moment.isoformat()}.")
    return row


def dataset_by_identifier(session: Session, identifier: str) -> HeatmapDataset:
    valid = "\x00" not in identifier and len(identifier) <= 255  # else no dataset has it
    row = queries.dataset_with_identifier(session, identifier) if valid else None
    if row is None:
        raise NotFoundError(f"No heatmap dataset with identifier {identifier[:80]!r}.")
    return row


def list_datasets(session: Session) -> list[HeatmapDataset]:
    """Every published dataset, latest validity first."""
    return queries.all_datasets(session)


def content_of(session: Session, row: HeatmapDataset, *, geojson: bool = False) -> bytes:
    """The stored JSON (or GeoJSON) bytes: deferred columns, loaded only here."""
    column = "geojson" if geojson else "content"
    value = queries.dataset_column(session, row.id, column)
    if value is None or isinstance(value, dict):  # both columns hold bytes, never null
        raise ValueError(f"heatmap dataset {row.id} has no stored {column}")
    return bytes(value)  # a driver may give a memoryview


def conformance_of(session: Session, row: HeatmapDataset) -> dict[str, Any] | None:
    """The dataset's conformance report (deferred column; None for older datasets)."""
    value = queries.dataset_column(session, row.id, "conformance")
    return value if isinstance(value, dict) else None
