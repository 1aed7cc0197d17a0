"""Read a heatmap dataset in the seed's JSON shape into the model, tolerantly.

`parse_dataset` accepts the deviations real published files show (see
`gridflex.engines.heatmap.convert`), field names in another letter case, ``null``
for "absent", a single record where a list is expected, and fields the
specification does not know (kept verbatim in ``extra`` so that a round trip loses
nothing). Everything it changed is returned as a list of `Normalisation`. Missing
required fields are accepted and reported too (`check_dataset` lists them as
problems); only values whose meaning is unclear are refused, all of them at once, in
one `HeatmapDataError` whose problems name the record and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from gridflex.engines.heatmap import convert
from gridflex.engines.heatmap.errors import HeatmapDataError, Normalisation, Problem
from gridflex.engines.heatmap.model import FIELDS, KEYS, Dataset, FieldInfo

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
    reader = _Reader(text=text, labels=labels or {})
    if not isinstance(obj, dict):
        raise HeatmapDataError(
            [Problem("dataset", "", f"expected a JSON object, got {type(obj).__name__}")]
        )
    dataset = reader.record(Dataset, obj, "dataset")
    if reader.problems or dataset is None:
        raise HeatmapDataError(reader.problems)
    return dataset, reader.notes


def parse_json(data: bytes | str) -> tuple[Dataset, list[Normalisation]]:
    """Decode JSON text and `parse_dataset` it; invalid JSON is a `HeatmapDataError`."""
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise HeatmapDataError([Problem("dataset", "", f"not valid JSON: {exc}")]) from None
    return parse_dataset(obj)


def record_label(path: str, obj: Any) -> str:
    """``Substations[3] (mRID 'abc')``: the path plus the record's mRID, else its name."""
    if isinstance(obj, dict):
        for key in ("mRID", "name"):
            ident = obj.get(key)
            if isinstance(ident, str | int | float) and not isinstance(ident, bool) and ident != "":
                return f"{path} ({key} '{ident}')"
    return path


class _Reader:
    def __init__(self, *, text: bool, labels: Mapping[int, str]) -> None:
        self.text = text
        self.labels = labels
        self.notes: list[Normalisation] = []
        self.problems: list[Problem] = []

    def note(self, record: str, key: str, original: Any, value: Any, reason: str) -> None:
        self.notes.append(Normalisation(record, key, original, value, reason))

    def record(self, cls: type, obj: Any, label: str) -> Any:
        label = self.labels.get(id(obj), label)
        if not isinstance(obj, dict):
            self.problems.append(Problem(label, "", f"expected an object, got {obj!r}"))
            return None
        keys = KEYS[cls]
        # Children of the dataset are named from the top ("Substations[3]"), others
        # from their parent ("Substations[3] (name 'X').Transformers[0]").
        prefix = "" if cls is Dataset else f"{label}."
        by_lower = {key.lower(): key for key in keys}
        values: dict[str, Any] = {}
        extra: dict[str, Any] = {}
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
            if value is not None:
                values[attr] = value
        for attr, info in FIELDS[cls]:
            if info.required and attr not in values:
                self.note(label, info.key, None, None, "required field missing: left empty")
        return cls(**values, extra=extra)

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
            self.problems.append(Problem(label, info.key, str(exc)))
            return None
        if reason:
            self.note(label, info.key, raw, value, reason)
        return value

    def records(self, info: FieldInfo, raw: Any, label: str, prefix: str) -> list[Any] | None:
        assert info.item is not None
        if isinstance(raw, dict):
            self.note(label, info.key, "{...}", "[{...}]", "single record wrapped in a list")
            raw = [raw]
        if not isinstance(raw, list):
            self.problems.append(
                Problem(label, info.key, f"expected a list of records, got {raw!r}")
            )
            return None
        out = []
        for i, item in enumerate(raw):
            child = self.record(info.item, item, record_label(f"{prefix}{info.key}[{i}]", item))
            if child is not None:
                out.append(child)
        return out
