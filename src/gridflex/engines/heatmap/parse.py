"""Read a heatmap dataset in the seed's JSON shape into the model, tolerantly.

`parse_dataset` accepts the deviations real published files show (see
`gridflex.engines.heatmap.convert`), field names in another letter case, ``null``
for "absent", a single record where a list is expected, and fields the
specification does not know (kept verbatim in ``extra`` so that a round trip loses
nothing). Everything it changed is returned as a list of `Normalisation`. Missing
required fields are accepted and reported too (`check_dataset` lists them as
problems); only values whose meaning is unclear are refused, all of them at once, in
one `HeatmapDataError` whose problems name the record and the field.

`read_dataset` with ``lenient=True`` refuses record by record instead: a record
holding a value that cannot be read is left out (with its children), reported in
`Reading.refused`, and the rest of the document is read. Metadata fields of the
dataset that cannot be read are left out alone (the dataset itself is kept).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from gridflex.engines.heatmap import convert
from gridflex.engines.heatmap.errors import HeatmapDataError, Normalisation, Problem
from gridflex.engines.heatmap.model import KEYS, Circuit, Dataset, FieldInfo, Substation

_SCALAR_READERS = {
    "str": lambda raw, info, text: convert.read_str(raw, text=text),
    "number": lambda raw, info, text: convert.read_number(raw, info.unit, text=text),
    "numbers": lambda raw, info, text: convert.read_numbers(raw, info.unit, text=text),
    "bool": lambda raw, info, text: convert.read_bool(raw, text=text),
    "enum": lambda raw, info, text: convert.read_enum(raw, info.choices, text=text),
    "datetime": lambda raw, info, text: convert.read_datetime(raw, text=text),
    "datetimes": lambda raw, info, text: convert.read_datetimes(raw, text=text),
    "time": lambda raw, info, text: convert.read_time(raw, text=text),
    "strs": lambda raw, info, text: convert.read_strs(raw, text=text),
}


_FAILED = object()  # a value that could not be read


@dataclass
class Reading:
    """What reading a document gave: the dataset, what was normalised, what was refused."""

    dataset: Dataset
    notes: list[Normalisation] = field(default_factory=list)
    refused: list[Problem] = field(default_factory=list)
    refused_keys: set[str] = field(default_factory=set)
    """mRIDs and names of the substations and circuits left out (references to them dangle)."""


def read_dataset(
    obj: Any,
    *,
    text: bool = False,
    labels: Mapping[int, str] | None = None,
    lenient: bool = False,
) -> Reading:
    """Read the seed's JSON shape (already decoded); see `parse_dataset` for the arguments.

    Strict (default): any value that cannot be read raises `HeatmapDataError`.
    Lenient: the records holding such values are left out and listed in ``refused``.
    """
    reader = _Reader(text=text, labels=labels or {}, lenient=lenient)
    if not isinstance(obj, dict):
        raise HeatmapDataError(
            [Problem("dataset", "", f"expected a JSON object, got {type(obj).__name__}")]
        )
    dataset = reader.record(Dataset, obj, "dataset")
    if dataset is None or (reader.problems and not lenient):
        raise HeatmapDataError(reader.problems)
    return Reading(dataset, reader.notes, reader.problems, reader.refused_keys)


def parse_dataset(
    obj: Any, *, text: bool = False, labels: Mapping[int, str] | None = None
) -> tuple[Dataset, list[Normalisation]]:
    """Build a `Dataset` from the seed's JSON shape (already decoded).

    Parameters
    ----------
    obj : dict
        The decoded document.
    text : bool
        The values come from a text format (CSV): numbers and booleans written as
        text are expected there and not reported.
    labels : mapping of ``id(record dict)`` to str, optional
        Names to use for records in messages instead of their JSON path (the CSV
        reader passes ``Demands.csv row 4 (substation 'X')``).

    Returns
    -------
    (Dataset, list of Normalisation)

    Raises
    ------
    HeatmapDataError
        With every value that cannot be read, each naming its record and field.
    """
    reading = read_dataset(obj, text=text, labels=labels)
    return reading.dataset, reading.notes


def parse_json(data: bytes | str) -> tuple[Dataset, list[Normalisation]]:
    """Decode JSON text and `parse_dataset` it; invalid JSON is a `HeatmapDataError`."""
    reading = read_json(data)
    return reading.dataset, reading.notes


def read_json(data: bytes | str, *, lenient: bool = False) -> Reading:
    """Decode JSON text and `read_dataset` it; invalid JSON is a `HeatmapDataError`."""
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise HeatmapDataError([Problem("dataset", "", f"not valid JSON: {exc}")]) from None
    return read_dataset(obj, lenient=lenient)


def record_label(path: str, obj: Any) -> str:
    """``Substations[3] (mRID 'abc')``: the path plus the record's mRID, else its name."""
    if isinstance(obj, dict):
        for key in ("mRID", "name"):
            ident = obj.get(key)
            if isinstance(ident, str | int | float) and not isinstance(ident, bool) and ident != "":
                return f"{path} ({key} '{_clip(str(ident), 80)}')"
    return path


def model_label(path: str, record: Any) -> str:
    """`record_label` of a model record (a dataclass), without building a dict per call."""
    ident = getattr(record, "mrid", None)
    key = "mRID"
    if not ident:
        ident, key = getattr(record, "name", None), "name"
    if not ident or not isinstance(ident, str | int | float) or isinstance(ident, bool):
        return path
    return f"{path} ({key} '{_clip(str(ident), 80)}')"


class _Reader:
    def __init__(self, *, text: bool, labels: Mapping[int, str], lenient: bool = False) -> None:
        self.text = text
        self.labels = labels
        self.lenient = lenient
        self.notes: list[Normalisation] = []
        self.problems: list[Problem] = []
        self.refused_keys: set[str] = set()

    def note(self, record: str, key: str, original: Any, value: Any, reason: str) -> None:
        self.notes.append(Normalisation(record, key, original, value, reason))

    def record(self, cls: type, obj: Any, label: str) -> Any:
        label = self.labels.get(id(obj), label)
        if not isinstance(obj, dict):
            self.problems.append(Problem(label, "", f"expected an object, got {_short(obj)}"))
            return None
        keys = KEYS[cls]
        # Children of the dataset are named from the top ("Substations[3]"), others
        # from their parent ("Substations[3] (name 'X').Transformers[0]").
        prefix = "" if cls is Dataset else f"{label}."
        by_lower = {key.lower(): key for key in keys}
        values: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        failed: list[int] = []  # positions in self.problems
        for key, raw in obj.items():
            spec = keys.get(key)
            if spec is None:
                canonical = by_lower.get(str(key).lower())
                if canonical is None or canonical in obj:
                    extra[key] = raw
                    self.note(label, key, raw, raw, "field not in the specification: kept as is")
                    continue
                self.note(label, canonical, key, canonical, "field name spelled as specified")
                spec = keys[canonical]
            attr, info = spec
            value = self.value(info, raw, label, prefix)
            if value is _FAILED:
                failed.append(len(self.problems) - 1)
            elif value is not None:
                values[attr] = value
        if failed and self.lenient and cls is not Dataset:
            self._refuse(failed)
            if cls in (Substation, Circuit):
                self.refused_keys |= {str(obj[k]) for k in ("mRID", "name") if obj.get(k)}
            return None
        return cls(**values, extra=extra)  # missing required fields: see check_dataset

    def _refuse(self, failed: list[int]) -> None:
        """Say in each problem that its record was left out (with what it holds)."""
        for at in failed:
            problem = self.problems[at]
            self.problems[at] = Problem(
                problem.record, problem.field, f"{problem.message}: record not imported"
            )

    def value(self, info: FieldInfo, raw: Any, label: str, prefix: str) -> Any:
        if raw is None:
            self.note(label, info.key, None, None, "null read as absent")
            return None
        if info.kind == "records":
            return self.records(info, raw, label, prefix)
        if info.kind == "record":
            assert info.item is not None
            return self.record(info.item, raw, f"{prefix}{info.key}")
        try:
            value, reason = _SCALAR_READERS[info.kind](raw, info, self.text)
        except convert.Unreadable as exc:
            self.problems.append(Problem(label, info.key, _clip(str(exc))))
            return _FAILED
        if reason:
            self.note(label, info.key, raw, value, reason)
        return value

    def records(self, info: FieldInfo, raw: Any, label: str, prefix: str) -> Any:
        """The records read (a list), or ``_FAILED`` when ``raw`` holds no list."""
        assert info.item is not None
        if isinstance(raw, dict):
            self.note(label, info.key, "{...}", "[{...}]", "single record wrapped in a list")
            raw = [raw]
        if not isinstance(raw, list):
            self.problems.append(
                Problem(label, info.key, f"expected a list of records, got {_short(raw)}")
            )
            return _FAILED
        out = []
        for i, item in enumerate(raw):
            child = self.record(info.item, item, record_label(f"{prefix}{info.key}[{i}]", item))
            if child is not None:
                out.append(child)
        return out


def _short(value: Any) -> str:
    """A value for a message, cut to a readable length (a field may hold megabytes)."""
    return _clip(repr(value) if not isinstance(value, dict | list) else type(value).__name__)


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else f"{text[: limit - 3]}..."
