"""The dataset as CSV: one table per class, zipped; and back.

Tables (file ``<Table>.csv`` in the zip) and their key columns:

==================== ============================ ====================================
table                class                        key columns (before the fields)
==================== ============================ ====================================
Dataset              metadata (one row)           -
Substations          Substation                   -
Demands              Demand                       substation
Generators           Generator                    substation
Storage              Storage                      substation
Transformers         Transformer                  substation
Ratings              Rating                       substation, transformer
OtherConstraints     Constraint (of a substation) substation
Curtailments         Curtailment                  substation
Circuits             Circuit (+ ``Geometry.type``) -
CircuitConstraints   Constraint (of a circuit)    circuit
CircuitCoordinates   Coordinate                   circuit, line
==================== ============================ ====================================

Field columns carry the seed's field names. A key column holds the parent's mRID,
or its name where it has none (so keys must be unique: the writer refuses
duplicates); ``line`` is the 0-based index of the circuit's line. Cells: empty =
absent; lists (``voltages``, ``valid``, ``ToSubstation``) are ``;``-separated;
booleans ``true``/``false``; date-times in the seed's form. Rows keep the order of
the lists. Unknown columns are kept as text fields. Not carried: the difference
between an absent list and an empty one, and empty strings (both read as absent).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson

from gridflex.engines.heatmap.convert import format_datetime
from gridflex.engines.heatmap.errors import HeatmapDataError, Normalisation, Problem
from gridflex.engines.heatmap.model import (
    FIELDS,
    KEYS,
    Circuit,
    Constraint,
    Coordinate,
    Curtailment,
    Dataset,
    Demand,
    Generator,
    Rating,
    Storage,
    Substation,
    Transformer,
)
from gridflex.engines.heatmap.parse import Reading, read_dataset, record_label

GEOMETRY_TYPE = "Geometry.type"
MAX_LINE_INDEX = 9_999  # a circuit's line index; more lines than this is no drawing
# table -> (class, key columns, JSON key of the list in the parent)
TABLES: dict[str, tuple[type, tuple[str, ...], str]] = {
    "Dataset": (Dataset, (), ""),
    "Substations": (Substation, (), "Substations"),
    "Demands": (Demand, ("substation",), "Demands"),
    "Generators": (Generator, ("substation",), "Generators"),
    "Storage": (Storage, ("substation",), "Storage"),
    "Transformers": (Transformer, ("substation",), "Transformers"),
    "Ratings": (Rating, ("substation", "transformer"), "Ratings"),
    "OtherConstraints": (Constraint, ("substation",), "OtherConstraints"),
    "Curtailments": (Curtailment, ("substation",), "Curtailments"),
    "Circuits": (Circuit, (), "Circuits"),
    "CircuitConstraints": (Constraint, ("circuit",), "OtherConstraints"),
    "CircuitCoordinates": (Coordinate, ("circuit", "line"), "Coordinates"),
}
_SUBSTATION_CHILDREN = (
    "Demands",
    "Generators",
    "Storage",
    "Transformers",
    "OtherConstraints",
    "Curtailments",
)
_CHILD_ATTR = {table: KEYS[Substation][TABLES[table][2]][0] for table in _SUBSTATION_CHILDREN}
"""Substation attribute holding the records of each child table."""


# ---------------------------------------------------------------- writing


def to_csv_zip(dataset: Dataset) -> bytes:
    """The dataset as a zip of CSV tables (see the module docstring)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table, rows in to_csv_tables(dataset).items():
            archive.writestr(f"{table}.csv", _csv_text(table, rows))
    return buffer.getvalue()


def to_csv_tables(dataset: Dataset) -> dict[str, list[dict[str, str]]]:
    """The dataset as rows per table, every cell as text."""
    tables: dict[str, list[dict[str, str]]] = {name: [] for name in TABLES}
    tables["Dataset"].append(_row(dataset, {}))
    substations = dataset.substations or []
    for i, (s_key, substation) in enumerate(
        zip(_keys(substations, "Substations", _has_children), substations, strict=True)
    ):
        tables["Substations"].append(_row(substation, {}))
        for table in _SUBSTATION_CHILDREN:
            for child in getattr(substation, _CHILD_ATTR[table]) or ():
                tables[table].append(_row(child, {"substation": s_key}))
        transformers = substation.transformers or []
        t_keys = _keys(transformers, f"Substations[{i}].Transformers", lambda t: bool(t.ratings))
        for t_key, transformer in zip(t_keys, transformers, strict=True):
            for rating in transformer.ratings or ():
                tables["Ratings"].append(_row(rating, {"substation": s_key, "transformer": t_key}))
    circuits = dataset.circuits or []
    for c_key, circuit in zip(_keys(circuits, "Circuits", _has_children), circuits, strict=True):
        geometry = {GEOMETRY_TYPE: circuit.geometry.type or ""} if circuit.geometry else {}
        tables["Circuits"].append({**_row(circuit, {}), **geometry})
        for constraint in circuit.other_constraints or ():
            tables["CircuitConstraints"].append(_row(constraint, {"circuit": c_key}))
        lines = circuit.geometry.lines or [] if circuit.geometry else []
        for j, line in enumerate(lines):
            for point in line.coordinates or ():
                tables["CircuitCoordinates"].append(_row(point, {"circuit": c_key, "line": str(j)}))
    return tables


def _has_children(record: Substation | Circuit) -> bool:
    if isinstance(record, Circuit):
        return bool(record.other_constraints or (record.geometry and record.geometry.lines))
    return any(getattr(record, _CHILD_ATTR[t]) for t in _SUBSTATION_CHILDREN)


def _keys(records: Sequence[Any], label: str, needs_key: Callable[[Any], bool]) -> list[str]:
    """Each record's key (mRID, else name).

    Records with child rows need a key that no other record has: CSV rows could not
    say which of two same-named parents they belong to.
    """
    keys = [r.mrid or r.name or "" for r in records]
    holders: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        holders.setdefault(key, []).append(i)
    problems = []
    for i, key in enumerate(keys):
        if not needs_key(records[i]):
            continue
        where = record_label(f"{label}[{i}]", {"mRID": records[i].mrid, "name": records[i].name})
        if not key:
            problems.append(Problem(where, "mRID", "needs an mRID or a name to key its CSV rows"))
        elif len(holders[key]) > 1:
            other = next(j for j in holders[key] if j != i)
            problems.append(Problem(where, "mRID", f"key '{key}' is also that of {label}[{other}]"))
    if problems:
        raise HeatmapDataError(problems)
    return keys


def _row(record: Any, keys: dict[str, str]) -> dict[str, str]:
    row = dict(keys)
    for attr, info in FIELDS[type(record)]:
        if info.kind not in ("records", "record"):
            row[info.key] = _cell(getattr(record, attr))
    for key, value in record.extra.items():
        row.setdefault(str(key), _cell(value))
    return row


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, float):
        return repr(value)  # shortest text that reads back to the same float
    if isinstance(value, int | str):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, int | float | str | datetime) for v in value):
        return ";".join(_cell(v) for v in value)
    return orjson.dumps(value).decode()


def _csv_text(table: str, rows: list[dict[str, str]]) -> str:
    cls, key_columns, _ = TABLES[table]
    columns = list(key_columns)
    columns += [info.key for _, info in FIELDS[cls] if info.kind not in ("records", "record")]
    if table == "Circuits":
        columns.append(GEOMETRY_TYPE)
    known = set(columns)
    for row in rows:  # unknown fields after the known ones, in order of appearance
        for column in row:
            if column not in known:
                known.add(column)
                columns.append(column)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


# ---------------------------------------------------------------- reading


def parse_csv_zip(data: bytes) -> tuple[Dataset, list[Normalisation]]:
    """Read a zip of CSV tables (as written by `to_csv_zip`) into a dataset."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise HeatmapDataError([Problem("CSV archive", "", "not a zip file")]) from None
    tables: dict[str, list[dict[str, str]]] = {}
    with archive:
        for name in archive.namelist():
            if name.lower().endswith(".csv"):
                text = archive.read(name).decode("utf-8-sig")  # Excel writes a BOM
                tables[name.rsplit("/", 1)[-1]] = list(csv.DictReader(io.StringIO(text)))
    return parse_csv_tables(tables)


def parse_csv_tables(
    tables: Mapping[str, Sequence[Mapping[str, Any]]],
) -> tuple[Dataset, list[Normalisation]]:
    """Build a dataset from per-class tables of rows (column -> cell text).

    Table names may carry ``.csv`` and any letter case. Errors name the table, the
    line in the file (the header is line 1) and the column.
    """
    reading = read_csv_tables(tables)
    return reading.dataset, reading.notes


def read_csv_tables(
    tables: Mapping[str, Sequence[Mapping[str, Any]]], *, lenient: bool = False
) -> Reading:
    """`parse_csv_tables`; lenient: rows that cannot be read (or placed) are left out and
    listed in ``refused`` (a row whose parent was left out goes with it)."""
    builder = _Builder()
    named = builder.tables(tables)
    obj = builder.build(named)
    try:
        reading = read_dataset(obj, text=True, labels=builder.labels, lenient=lenient)
    except HeatmapDataError as exc:
        raise HeatmapDataError(builder.problems + exc.problems) from None
    if builder.problems and not lenient:
        raise HeatmapDataError(builder.problems)
    reading.refused[:0] = [
        Problem(p.record, p.field, f"{p.message}: not imported", p.kind) for p in builder.problems
    ]
    return reading


class _Builder:
    """Turns rows into the seed's nested shape, remembering where each record came from."""

    def __init__(self) -> None:
        self.labels: dict[int, str] = {}
        self.problems: list[Problem] = []

    def tables(self, tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, list[dict]]:
        by_lower = {name.lower(): name for name in TABLES}
        named: dict[str, list[dict]] = {name: [] for name in TABLES}
        for given, rows in tables.items():
            stem = given[:-4] if given.lower().endswith(".csv") else given
            table = by_lower.get(stem.lower())
            if table is None:
                self.problems.append(
                    Problem(f"table {given}", "", f"unknown table; expected {', '.join(TABLES)}")
                )
                continue
            parsed = (self.row(table, n, row) for n, row in enumerate(rows, start=2))
            named[table] = [row for row in parsed if row]  # blank lines are not records
        return named

    def row(self, table: str, line: int, row: Mapping[str, Any]) -> dict[str, Any]:
        out = {}
        for column, cell in row.items():
            if column is None:  # csv.DictReader puts cells beyond the header here
                self.problems.append(
                    Problem(f"{table}.csv line {line}", "", "more cells than columns")
                )
                return {}
            text = cell.strip() if isinstance(cell, str) else cell
            if text not in ("", None):
                out[column.strip()] = text
        keys = TABLES[table][1]
        ident = ", ".join(f"{k} '{out[k]}'" for k in keys if k in out)
        label = (
            record_label(f"{table}.csv line {line}", out)
            if not ident
            else (f"{table}.csv line {line} ({ident})")
        )
        self.labels[id(out)] = label
        return out

    def build(self, named: dict[str, list[dict]]) -> dict[str, Any]:
        if len(named["Dataset"]) > 1:
            self.problems.append(Problem("Dataset.csv", "", "expected one row of metadata"))
        obj: dict[str, Any] = dict(named["Dataset"][0]) if named["Dataset"] else {}
        if named["Dataset"]:
            self.labels[id(obj)] = self.labels[id(named["Dataset"][0])]
        substations = self.index(named["Substations"])
        for table in _SUBSTATION_CHILDREN:
            self.attach(named[table], substations, table, ("substation",))
        transformers = {
            (s_key, t_key): t
            for s_key, s in substations.items()
            for t_key, t in self.index(s.get("Transformers", [])).items()
        }
        self.attach(named["Ratings"], transformers, "Ratings", ("substation", "transformer"))
        circuits = self.index(named["Circuits"])
        self.attach(named["CircuitConstraints"], circuits, "CircuitConstraints", ("circuit",))
        for circuit in named["Circuits"]:
            if GEOMETRY_TYPE in circuit:
                circuit["Geometry"] = {"type": circuit.pop(GEOMETRY_TYPE)}
        self.coordinates(named["CircuitCoordinates"], circuits)
        if named["Substations"]:
            obj["Substations"] = named["Substations"]
        if named["Circuits"]:
            obj["Circuits"] = named["Circuits"]
        return obj

    def index(self, rows: list[dict]) -> dict[Any, dict]:
        index: dict[Any, dict] = {}
        for row in rows:
            key = row.get("mRID") or row.get("name")
            if key is not None:
                index.setdefault(key, row)
        return index

    def parent(self, row: dict, parents: dict[Any, dict], keys: tuple[str, ...]) -> dict | None:
        key = tuple(row.pop(k, None) for k in keys)
        found = parents.get(key[0] if len(key) == 1 else key)
        if found is None:
            shown = ", ".join(f"'{k}'" for k in key)
            self.problems.append(
                Problem(
                    self.labels[id(row)], keys[-1], f"no parent record with key {shown}", "orphan"
                )
            )
        return found

    def attach(self, rows: list[dict], parents: dict[Any, dict], table: str, keys: tuple) -> None:
        list_key = TABLES[table][2]
        for row in rows:
            parent = self.parent(row, parents, keys)
            if parent is not None:
                parent.setdefault(list_key, []).append(row)

    def coordinates(self, rows: list[dict], circuits: dict[Any, dict]) -> None:
        for row in rows:
            line_text = row.pop("line", "0")
            parent = self.parent(row, circuits, ("circuit",))
            digits = line_text.isascii() and line_text.isdigit() and len(line_text) <= 4
            if not (digits and int(line_text) <= MAX_LINE_INDEX):
                self.problems.append(
                    Problem(
                        self.labels[id(row)],
                        "line",
                        f"expected a line index from 0 to {MAX_LINE_INDEX}, got {line_text[:20]!r}",
                    )
                )
                continue
            if parent is None:
                continue
            geometry = parent.setdefault("Geometry", {})
            lines = geometry.setdefault("Lines", [])
            while len(lines) <= int(line_text):
                lines.append({"Coordinates": []})
            lines[int(line_text)]["Coordinates"].append(row)
