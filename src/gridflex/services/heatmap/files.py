"""Reading heatmap files within bounds: one JSON file, a zip of CSV tables, or CSV files.

On top of the engine's readers, CSV files may be UTF-8 (with or without BOM) or
Windows-1252 and separated by commas or semicolons, and JSON may start with a BOM;
each such reading is reported as a normalisation.

Memory stays bounded (`ReadLimits`, settings ``GRIDFLEX_HEATMAP_MAX_IMPORT_BYTES``
and ``GRIDFLEX_HEATMAP_MAX_ZIP_MEMBERS``): the bytes read in all, counting zip
members as inflated, may not pass ``max_bytes``, and a zip may list at most
``max_members`` entries. A member is inflated in chunks and given up as soon as the
total passes the limit (a zip bomb costs one chunk, not gigabytes); its declared
size is checked before that. Past the limit: `TooLargeError` (HTTP 413) naming the
member; an archive that cannot be read: `HeatmapDataError` (422) naming it.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from gridflex.engines.heatmap import HeatmapDataError, Normalisation, Problem
from gridflex.engines.heatmap.csv_format import read_csv_tables
from gridflex.engines.heatmap.parse import Reading, read_json
from gridflex.errors import TooLargeError, ValidationError

_CHUNK = 1 << 20  # bytes inflated per read
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class ReadLimits:
    """Bounds of one import: bytes read in all (zip members inflated), entries of a zip."""

    max_bytes: int = 64 * 1024 * 1024
    max_members: int = 64


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its name (which says the format and, for CSV, the table) and its
    content, as bytes or as a binary file (a spooled upload: read within the limits)."""

    name: str
    data: bytes | IO[bytes]


class _Budget:
    """Bytes left to read in this import."""

    def __init__(self, limits: ReadLimits) -> None:
        self.limits = limits
        self.used = 0

    def take(self, n: int, name: str) -> None:
        self.used += n
        if self.used > self.limits.max_bytes:
            raise TooLargeError(
                f"{name}: the import holds more than {self.limits.max_bytes} bytes "
                "(zip members counted inflated; GRIDFLEX_HEATMAP_MAX_IMPORT_BYTES).",
                field=name,
            )

    def read(self, stream: IO[bytes], name: str) -> bytes:
        """A stream's bytes, given up as soon as they pass the budget."""
        parts = []
        while chunk := stream.read(_CHUNK):
            self.take(len(chunk), name)
            parts.append(chunk)
        return b"".join(parts)


def read_path(path: Path, *, lenient: bool = True, limits: ReadLimits = ReadLimits()) -> Reading:
    """A ``.json`` file, a ``.zip`` of CSV tables, a folder of CSV files or one CSV file."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
        if not files:
            raise HeatmapDataError([Problem(str(path), "", "the folder holds no .csv files")])
    elif path.exists():
        files = [path]
    else:
        raise HeatmapDataError([Problem(str(path), "", "no such file or folder")])
    handles = [p.open("rb") for p in files]
    try:
        uploads = [Upload(p.name, h) for p, h in zip(files, handles, strict=True)]
        return read_uploads(uploads, lenient=lenient, limits=limits)
    finally:
        for handle in handles:
            handle.close()


def read_uploads(
    uploads: Sequence[Upload], *, lenient: bool = True, limits: ReadLimits = ReadLimits()
) -> Reading:
    """One JSON file, one zip of CSV tables, or CSV files (one per table, named after it)."""
    if not uploads:
        raise HeatmapDataError([Problem("upload", "", "no file given")])
    budget = _Budget(limits)
    kinds = [_kind(u) for u in uploads]
    if len(uploads) == 1 and kinds[0] in ("json", "zip"):
        if kinds[0] == "json":
            return _read_json(uploads[0], budget, lenient)
        return _read_zip(uploads[0], budget, lenient)
    if set(kinds) != {"csv"}:
        names = ", ".join(u.name for u in uploads)
        expected = "expected one .json file, one .zip of CSV tables, or .csv files"
        raise HeatmapDataError([Problem("upload", "", f"{expected}; got {names}")])
    named = [(u.name, _bytes(u, budget)) for u in uploads]
    return _read_tables(named, lenient)


def _bytes(upload: Upload, budget: _Budget) -> bytes:
    if isinstance(upload.data, bytes):
        budget.take(len(upload.data), upload.name)
        return upload.data
    return budget.read(upload.data, upload.name)


def _head(upload: Upload) -> bytes:
    if isinstance(upload.data, bytes):
        return upload.data[:8]
    position = upload.data.tell()
    head = upload.data.read(8)
    upload.data.seek(position)
    return head


def _kind(upload: Upload) -> str:
    name = upload.name.lower()
    for suffix in ("json", "zip", "csv"):
        if name.endswith(f".{suffix}"):
            return suffix
    # A body without a file name: tell JSON from a zip by their first bytes.
    head = _head(upload)
    if head[:2] == b"PK":
        return "zip"
    return "json" if head.removeprefix(_BOM).lstrip(b" \t\r\n")[:1] in (b"{", b"[") else "unknown"


def _read_json(upload: Upload, budget: _Budget, lenient: bool) -> Reading:
    data, notes = _bytes(upload, budget), []
    if data.startswith(_BOM):
        data = data[3:]
        notes.append(Normalisation(upload.name, "", "BOM", "", "byte-order mark removed"))
    reading = read_json(data, lenient=lenient)
    reading.notes[:0] = notes
    return reading


def _read_zip(upload: Upload, budget: _Budget, lenient: bool) -> Reading:
    source = io.BytesIO(upload.data) if isinstance(upload.data, bytes) else upload.data
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise HeatmapDataError([Problem(upload.name, "", "not a zip file")]) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > budget.limits.max_members:
            raise ValidationError(
                f"{upload.name}: the zip lists {len(entries)} entries, more than "
                f"{budget.limits.max_members} (GRIDFLEX_HEATMAP_MAX_ZIP_MEMBERS).",
                field=upload.name,
            )
        tables = [e for e in entries if _is_table(e.filename)]
        _check_declared(tables, budget)
        files = [(e.filename.rsplit("/", 1)[-1], _inflate(archive, e, budget)) for e in tables]
    if not files:
        raise HeatmapDataError([Problem(upload.name, "", "the zip holds no .csv files")])
    return _read_tables(files, lenient)


def _is_table(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return name.lower().endswith(".csv") and not base.startswith(".")


def _check_declared(entries: Sequence[zipfile.ZipInfo], budget: _Budget) -> None:
    """Refuse before inflating anything when the sizes the zip declares pass the limit."""
    total = budget.used
    for entry in entries:
        total += entry.file_size
        if total > budget.limits.max_bytes:
            raise TooLargeError(
                f"{entry.filename}: inflates to {entry.file_size} bytes, past the limit of "
                f"{budget.limits.max_bytes} bytes for an import "
                "(GRIDFLEX_HEATMAP_MAX_IMPORT_BYTES).",
                field=entry.filename,
            )


def _inflate(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, budget: _Budget) -> bytes:
    try:
        with archive.open(entry) as member:
            return budget.read(member, entry.filename)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        # Corrupt data, an unsupported compression method or an encrypted member.
        raise HeatmapDataError(
            [Problem(entry.filename, "", f"cannot be read from the zip: {exc}")]
        ) from None


def _read_tables(files: Sequence[tuple[str, bytes]], lenient: bool) -> Reading:
    tables: dict[str, list[dict[str, str]]] = {}
    notes: list[Normalisation] = []
    for name, data in files:
        tables[name], found = _csv_rows(name, data)
        notes += found
    reading = read_csv_tables(tables, lenient=lenient)
    reading.notes[:0] = notes
    return reading


def _csv_rows(name: str, data: bytes) -> tuple[list[dict[str, str]], list[Normalisation]]:
    notes = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        notes.append(Normalisation(name, "", "bytes", "text", "read as Windows-1252"))
    header = text.split("\n", 1)[0]
    delimiter = ","
    if header.count(";") > header.count(","):
        delimiter = ";"
        notes.append(Normalisation(name, "", ";", ",", "semicolon-separated file"))
    try:
        rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:  # a NUL byte, a field past the csv module's size limit
        raise HeatmapDataError([Problem(name, "", f"not a readable CSV table: {exc}")]) from None
    return rows, notes
