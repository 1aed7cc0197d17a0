"""Importing heatmap data into the registry: from the seed's JSON, or CSV tables (a folder or zip).

Reading is tolerant (see `gridflex.engines.heatmap.parse_dataset`): what it
accepted in a non-standard form comes back as normalisations. On top of the
engine's readers, CSV files may be UTF-8 (with or without BOM) or Windows-1252
and separated by commas or semicolons, and JSON may start with a BOM; each such
reading is reported too.

Before anything is written, the registry as it would be after the import is
checked against every rule of `check_dataset` except one: figures that
publishing computes (firm and available capacities, RAG, limiting factors,
reverse power flow) and the dataset's metadata may be absent from a registry.
Any problem refuses the whole import, naming each record and field. With
``publish``, the file's own dataset (which must then be complete) is published
as well, its metadata and identifier unchanged.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from gridflex.engines.heatmap import (
    Circuit,
    Dataset,
    HeatmapDataError,
    Normalisation,
    Problem,
    Substation,
    check_dataset,
    parse_csv_tables,
    parse_json,
)
from gridflex.services import audit
from gridflex.services.heatmap import publishing
from gridflex.services.heatmap import registry as reg
from gridflex.store.models import Account, User

# Published figures a registry need not hold: publishing computes them.
COMPUTED = {
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
_PLACEHOLDER_METADATA = {
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


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its name (which says the format and, for CSV, the table) and bytes."""

    name: str
    data: bytes


@dataclass
class ImportReport:
    account_id: int
    counts: dict[str, dict[str, int]]
    normalisations: list[Normalisation] = field(default_factory=list)
    published: str | None = None
    published_new: bool = False


# ---------------------------------------------------------------- reading files


def read_path(path: Path) -> tuple[Dataset, list[Normalisation]]:
    """A ``.json`` file, a ``.zip`` of CSV tables, a folder of CSV files or one CSV file."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
        if not files:
            raise HeatmapDataError([Problem(str(path), "", "the folder holds no .csv files")])
        return read_uploads([Upload(p.name, p.read_bytes()) for p in files])
    if not path.exists():
        raise HeatmapDataError([Problem(str(path), "", "no such file or folder")])
    return read_uploads([Upload(path.name, path.read_bytes())])


def read_uploads(uploads: Sequence[Upload]) -> tuple[Dataset, list[Normalisation]]:
    """One JSON file, one zip of CSV tables, or CSV files (one per table, named after it)."""
    if not uploads:
        raise HeatmapDataError([Problem("upload", "", "no file given")])
    kinds = {_kind(u) for u in uploads}
    if len(uploads) == 1 and kinds <= {"json", "zip"}:
        upload = uploads[0]
        if kinds == {"json"}:
            return _read_json(upload)
        return _read_zip(upload)
    if kinds != {"csv"}:
        names = ", ".join(u.name for u in uploads)
        raise HeatmapDataError(
            [
                Problem(
                    "upload",
                    "",
                    f"expected one .json file, one .zip of CSV tables, or .csv files; got {names}",
                )
            ]
        )
    return _read_tables(uploads)


def _kind(upload: Upload) -> str:
    name = upload.name.lower()
    for suffix in ("json", "zip", "csv"):
        if name.endswith(f".{suffix}"):
            return suffix
    # A body without a file name: tell JSON from a zip by their first bytes.
    head = upload.data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if upload.data[:2] == b"PK":
        return "zip"
    return "json" if head in (b"{", b"[") else "unknown"


def _read_json(upload: Upload) -> tuple[Dataset, list[Normalisation]]:
    data, notes = upload.data, []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        notes.append(Normalisation(upload.name, "", "BOM", "", "byte-order mark removed"))
    dataset, more = parse_json(data)
    return dataset, notes + more


def _read_zip(upload: Upload) -> tuple[Dataset, list[Normalisation]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(upload.data))
    except zipfile.BadZipFile:
        raise HeatmapDataError([Problem(upload.name, "", "not a zip file")]) from None
    with archive:
        files = [
            Upload(name.rsplit("/", 1)[-1], archive.read(name))
            for name in archive.namelist()
            if name.lower().endswith(".csv") and not name.rsplit("/", 1)[-1].startswith(".")
        ]
    if not files:
        raise HeatmapDataError([Problem(upload.name, "", "the zip holds no .csv files")])
    return _read_tables(files)


def _read_tables(uploads: Sequence[Upload]) -> tuple[Dataset, list[Normalisation]]:
    tables: dict[str, list[dict[str, str]]] = {}
    notes: list[Normalisation] = []
    for upload in uploads:
        tables[upload.name], found = _csv_rows(upload)
        notes += found
    dataset, more = parse_csv_tables(tables)
    return dataset, notes + more


def _csv_rows(upload: Upload) -> tuple[list[dict[str, str]], list[Normalisation]]:
    notes = []
    try:
        text = upload.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = upload.data.decode("cp1252", errors="replace")
        notes.append(Normalisation(upload.name, "", "bytes", "text", "read as Windows-1252"))
    header = text.split("\n", 1)[0]
    delimiter = ","
    if header.count(";") > header.count(","):
        delimiter = ";"
        notes.append(Normalisation(upload.name, "", ";", ",", "semicolon-separated file"))
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
    return rows, notes


# ---------------------------------------------------------------- importing


def import_dataset(
    session: Session,
    account: Account,
    dataset: Dataset,
    notes: Sequence[Normalisation] = (),
    *,
    actor: User | None = None,
    publish: bool = False,
) -> ImportReport:
    """Write a read dataset into the account's registry (and publish it as is, if asked)."""
    registry = reg.load(session, account)
    after = reg.merged(registry.dataset(), dataset)
    problems = check_dataset(_with_placeholders(after))
    if problems:
        raise HeatmapDataError(problems)
    report = ImportReport(account_id=account.id, counts={}, normalisations=list(notes))
    if publish:
        published = publishing.publish_as_is(session, account, dataset, actor=actor)
        report.published, report.published_new = published.row.identifier, published.created
    counts = reg.write(session, registry, dataset, after, actor=actor).counts
    report.counts = counts
    audit.record(
        session,
        "Heatmap registry import: "
        + "; ".join(
            f"{kind} " + ", ".join(f"{n} {outcome}" for outcome, n in c.items())
            for kind, c in counts.items()
        ),
        actor=actor,
        account_id=report.account_id,
    )
    return report


def _with_placeholders(dataset: Dataset) -> Dataset:
    """The dataset with stand-ins where computed figures and metadata are absent."""

    def filled(record: Substation | Circuit) -> Substation | Circuit:
        missing = {k: v for k, v in COMPUTED[type(record)].items() if getattr(record, k) is None}
        return dataclasses.replace(record, **missing) if missing else record

    metadata = {k: v for k, v in _PLACEHOLDER_METADATA.items() if getattr(dataset, k) is None}
    return dataclasses.replace(
        dataset,
        **metadata,
        substations=[filled(s) for s in dataset.substations or ()],
        circuits=[filled(c) for c in dataset.circuits or ()],
    )
