"""Sensor data from files: CSV (comma or semicolon separated) and Excel (.xlsx).

A file has a column of event starts and a column of values, optionally a column
of belief times. Columns are found by header (``event_start``/``datetime``/
``start``/``timestamp``, ``event_value``/``value``, ``belief_time``); without a
known header the first column holds the event starts and the last the values.
Timestamps are ISO 8601; timestamps without an offset are read in the sensor's
timezone (as the reference platform does; Excel cells carry none).

The file is read and stored in frames of about ``CHUNK_ROWS`` rows, never as a
whole: memory stays bounded whatever the file's size, and the caller's transaction
keeps the result all-or-nothing. A file longer than one frame must be sorted by event
start (exports are); a shorter one may come in any order. The file's resolution is the
most common step between consecutive event starts (of its first frame; later frames
must agree); it must equal the sensor's, or be a whole multiple (upsampled) or a whole
divisor (downsampled) of it, as for JSON posts.

Belief times: the file's column if it has one; else, with
``belief-time-measured-instantly``, each event's knowledge time (horizon 0);
else the time of the upload.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

import numpy as np
import pandas as pd

from gridflex.engines.beliefs.knowledge import knowledge_times_us
from gridflex.engines.beliefs.resample import upsample
from gridflex.errors import ValidationError
from gridflex.services.belief_checks import (
    check_signs,
    from_us,
    is_extensive,
    misaligned,
    resolution_factor,
    td_us,
    to_us,
)
from gridflex.services.beliefs import BeliefFrame
from gridflex.store.models import Sensor
from gridflex.timing import format_duration
from gridflex.units import convert

CHUNK_ROWS = 100_000  # rows per frame: ~10 MB of arrays and cells, whatever the file's size
FIELD = "uploaded-files"
_START_NAMES = {
    "event_start",
    "event start",
    "event_starts",
    "start",
    "datetime",
    "timestamp",
    "time",
    "date",
}
_VALUE_NAMES = {"event_value", "event value", "event_values", "value", "values"}
_BELIEF_NAMES = {"belief_time", "belief time", "belief_times"}
_MISSING = {"", "nan", "null", "none", "na", "n/a"}


@dataclass
class _Columns:
    start: int
    value: int
    belief: int | None
    header: bool


def frames_from_file(
    file: IO[bytes],
    filename: str,
    sensor: Sensor,
    *,
    unit: str | None,
    measured_instantly: bool,
    now: datetime,
) -> Iterator[BeliefFrame]:
    """Read one uploaded file into frames of beliefs for ``sensor`` (resampled, converted, with
    belief times), about ``CHUNK_ROWS`` rows each; the beliefs of one event stay in one frame."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension in ("csv", "txt"):
        chunks = _csv_chunks(file)
    elif extension in ("xlsx", "xlsm"):
        chunks = _xlsx_chunks(file)
    elif extension == "xls":
        raise ValidationError(
            "Old Excel files (.xls) are not read; save the sheet as .xlsx or .csv.", field=FIELD
        )
    else:
        raise ValidationError(
            f"Only CSV and Excel (.xlsx) files are accepted, got {filename!r}.", field=FIELD
        )
    carry, posted, found = _Rows.empty(), None, False
    for rows, last in _with_last(_parsed(chunks, sensor.timezone)):
        rows = carry.then(rows)
        if last and posted is None:  # the whole file in one frame: any order will do
            rows = rows.sorted()
        else:
            rows.check_sorted()
        step = _file_resolution(rows.starts, sensor)
        if posted is None:
            posted = step
        elif step != posted and len(np.unique(rows.starts)) > 2:
            raise ValidationError(
                f"The file's resolution changes from {format_duration(posted)} to "
                f"{format_duration(step)} near {from_us(rows.starts[0]).isoformat()}.",
                field=FIELD,
            )
        if not last:  # keep the last event (or sensor step) for the next frame: it may go on
            rows, carry = rows.split_last(_group_keys(sensor, rows.starts, posted))
        if len(rows.starts):
            found = True
            yield _to_sensor(
                sensor,
                rows.starts,
                rows.values,
                rows.beliefs,
                posted=posted,
                unit=unit or sensor.unit,
                measured_instantly=measured_instantly,
                now=now,
            )
    if not found:
        raise ValidationError("The file holds no values.", field=FIELD)


@dataclass
class _Rows:
    """Parsed rows of a file: event starts and belief times [µs], values; NaN values dropped."""

    starts: np.ndarray
    values: np.ndarray
    beliefs: np.ndarray | None

    @classmethod
    def empty(cls) -> _Rows:
        return cls(np.empty(0, dtype=np.int64), np.empty(0), None)

    def then(self, other: _Rows) -> _Rows:
        if not len(self.starts):
            return other
        beliefs = None if other.beliefs is None else np.concatenate([self.beliefs, other.beliefs])
        return _Rows(
            np.concatenate([self.starts, other.starts]),
            np.concatenate([self.values, other.values]),
            beliefs,
        )

    def take(self, index: Any) -> _Rows:
        return _Rows(
            self.starts[index],
            self.values[index],
            None if self.beliefs is None else self.beliefs[index],
        )

    def sorted(self) -> _Rows:
        return self.take(np.argsort(self.starts, kind="stable"))

    def check_sorted(self) -> None:
        back = np.flatnonzero(np.diff(self.starts) < 0)
        if len(back):
            raise ValidationError(
                f"Event start {from_us(self.starts[back[0] + 1]).isoformat()} comes after a later "
                f"one; a file of more than {CHUNK_ROWS} rows must be sorted by event start.",
                field=FIELD,
            )

    def split_last(self, keys: np.ndarray) -> tuple[_Rows, _Rows]:
        """(rows before the last key's rows, the last key's rows); keys ascend."""
        cut = int(np.searchsorted(keys, keys[-1])) if len(keys) else 0
        return self.take(slice(0, cut)), self.take(slice(cut, None))


def _with_last(items: Iterator[_Rows]) -> Iterator[tuple[_Rows, bool]]:
    """Each item with whether it is the last one."""
    previous: _Rows | None = None
    for item in items:
        if previous is not None:
            yield previous, False
        previous = item
    if previous is not None:
        yield previous, True


def _group_keys(sensor: Sensor, starts: np.ndarray, posted: timedelta) -> np.ndarray:
    """Rows with the same key end up in one belief of the sensor (one event, or one sensor
    step that finer rows are averaged or summed into): a frame never splits them."""
    step = td_us(sensor.event_resolution)
    if step <= 0 or posted >= sensor.event_resolution:
        return starts
    return _buckets(sensor, starts)


def _csv_chunks(file: IO[bytes]) -> Iterator[tuple[pd.DataFrame, int]]:
    """(chunk of string cells, line number of its first row) per chunk; the header is the first chunk's business."""
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    try:
        sample = text.read(4096)
        text.seek(0)
        separator = _separator(sample)
        reader = pd.read_csv(
            text,
            sep=separator,
            header=None,
            dtype=str,
            keep_default_na=False,
            chunksize=CHUNK_ROWS,
            skip_blank_lines=True,
        )
        line = 1
        for chunk in reader:
            if separator == ";":  # European exports write decimal commas
                chunk = chunk.apply(lambda column: column.str.replace(",", ".", regex=False))
            yield chunk, line
            line += len(chunk)
    except pd.errors.EmptyDataError:
        raise ValidationError("The file is empty.", field=FIELD) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValidationError(
            f"The file is not a readable CSV file (UTF-8 text): {exc}", field=FIELD
        ) from None
    finally:
        text.detach()


def _separator(sample: str) -> str:
    """Semicolon or tab when every sampled line has one (semicolon files may use decimal commas), else comma."""
    lines = [line for line in sample.splitlines()[:-1] or sample.splitlines() if line.strip()]
    for candidate in (";", "\t"):
        if lines and all(candidate in line for line in lines):
            return candidate
    return ","


def _xlsx_chunks(file: IO[bytes]) -> Iterator[tuple[pd.DataFrame, int]]:
    from openpyxl import load_workbook  # only needed for Excel uploads

    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a damaged file
        raise ValidationError(
            f"The file is not a readable Excel (.xlsx) file: {exc}", field=FIELD
        ) from None
    try:
        rows: list[list[str]] = []
        line = 1
        for row in book.active.iter_rows(values_only=True):
            if all(cell is None for cell in row):
                continue
            rows.append(["" if cell is None else _cell_text(cell) for cell in row])
            if len(rows) == CHUNK_ROWS:
                yield pd.DataFrame(rows), line
                line, rows = line + len(rows), []
        if rows:
            yield pd.DataFrame(rows), line
    finally:
        book.close()


def _cell_text(cell: Any) -> str:
    return cell.isoformat() if isinstance(cell, datetime) else str(cell)


def _parsed(chunks: Iterator[tuple[pd.DataFrame, int]], timezone: str) -> Iterator[_Rows]:
    """The rows of each chunk of cells, parsed (header found in the first chunk)."""
    columns: _Columns | None = None
    for chunk, line in chunks:
        if columns is None:
            columns = _columns(chunk)
            if columns.header:
                chunk, line = chunk.iloc[1:], line + 1
        if chunk.shape[1] <= max(columns.start, columns.value, columns.belief or 0):
            raise ValidationError(f"Row {line} has too few columns.", field=FIELD)
        rows = _Rows(
            _times(chunk.iloc[:, columns.start], timezone, "event start", line),
            _values(chunk.iloc[:, columns.value], line),
            None
            if columns.belief is None
            else _times(chunk.iloc[:, columns.belief], timezone, "belief time", line),
        )
        yield rows.take(~np.isnan(rows.values))


def _columns(chunk: pd.DataFrame) -> _Columns:
    raw = [str(cell).strip() for cell in chunk.iloc[0]]
    first = [cell.lower() for cell in raw]
    names = {name: i for i, name in enumerate(first)}
    header = not _looks_like_time(raw[0])
    if not header:
        return _Columns(start=0, value=len(first) - 1, belief=None, header=False)
    start = next((names[n] for n in _START_NAMES if n in names), 0)
    belief = next((names[n] for n in _BELIEF_NAMES if n in names), None)
    value = next((names[n] for n in _VALUE_NAMES if n in names), len(first) - 1)
    if len(first) < 2 or value in (start, belief):
        raise ValidationError(
            "The file needs a column of event starts and a column of values.", field=FIELD
        )
    return _Columns(start=start, value=value, belief=belief, header=True)


def _looks_like_time(text: str) -> bool:
    return not pd.isna(pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True))


def _times(cells: pd.Series, timezone: str, what: str, line: int) -> np.ndarray:
    """ISO 8601 strings -> µs since the epoch (UTC); naive ones are local times of ``timezone``."""
    text = cells.astype(str).str.strip()
    aware = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
    try:
        if aware.all():
            parsed = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
        elif not aware.any():
            parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
            parsed = parsed.dt.tz_localize(timezone, ambiguous="infer", nonexistent="raise")
        else:
            row = line + int(np.argmax(~aware.to_numpy()))
            raise ValidationError(
                f"Row {row}: the {what} has no UTC offset while others have one.", field=FIELD
            )
    except (ValueError, TypeError) as exc:  # ambiguous or non-existent local times (DST)
        raise ValidationError(
            f"The {what}s hold local times that are ambiguous or do not exist in {timezone} "
            f"(daylight saving time): {exc}. Add UTC offsets to the timestamps.",
            field=FIELD,
        ) from None
    bad = parsed.isna().to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raise ValidationError(
            f"Row {line + i}: {text.iloc[i]!r} is not a valid ISO 8601 {what}.", field=FIELD
        )
    return (
        parsed.dt.tz_convert("UTC")
        .dt.tz_localize(None)
        .to_numpy()
        .astype("datetime64[us]")
        .astype(np.int64)
    )


def _values(cells: pd.Series, line: int) -> np.ndarray:
    text = cells.astype(str).str.strip()
    missing = text.str.lower().isin(_MISSING).to_numpy()
    numbers = pd.to_numeric(text.where(~missing, "nan"), errors="coerce").to_numpy(dtype=float)
    bad = (np.isnan(numbers) & ~missing) | np.isinf(numbers)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValidationError(
            f"Row {line + i}: {text.iloc[i]!r} is not a valid number.", field=FIELD
        )
    return numbers


def _file_resolution(starts: np.ndarray, sensor: Sensor) -> timedelta:
    """The most common step between consecutive distinct event starts (the sensor's for one event)."""
    distinct = np.unique(starts)
    if len(distinct) < 2:
        return sensor.event_resolution
    steps, counts = np.unique(np.diff(distinct), return_counts=True)
    return timedelta(microseconds=int(steps[np.argmax(counts)]))


def _to_sensor(
    sensor: Sensor,
    starts: np.ndarray,
    values: np.ndarray,
    belief_times: np.ndarray | None,
    *,
    posted: timedelta,
    unit: str,
    measured_instantly: bool,
    now: datetime,
) -> BeliefFrame:
    required = sensor.event_resolution
    try:
        kind, factor = resolution_factor(posted, required)
    except ValidationError as exc:
        raise ValidationError(
            f"The file's {exc.message[0].lower()}{exc.message[1:]}", field=FIELD
        ) from None
    values = convert(
        values, unit, sensor.unit, resolution=posted if posted > timedelta(0) else None
    )
    extensive = is_extensive(sensor.unit)
    if required > timedelta(0):
        if kind == "finer":
            starts, values, belief_times = _downsample(
                sensor, starts, values, belief_times, factor, extensive
            )
        bad = misaligned(starts, required, sensor.timezone)
        if bad.any():
            raise ValidationError(
                f"Event start {from_us(starts[np.argmax(bad)], sensor.timezone).isoformat()} is not aligned to the "
                f"sensor's resolution of {required}.",
                field=FIELD,
            )
        if kind == "coarser":
            offsets = np.arange(factor, dtype=np.int64) * td_us(required)
            starts = (starts[:, None] + offsets[None, :]).ravel()
            values = upsample(values, factor, energy_like=extensive)
            belief_times = None if belief_times is None else np.repeat(belief_times, factor)
    check_signs(sensor, values)
    if belief_times is None:
        if measured_instantly:
            belief_times = knowledge_times_us(
                starts, resolution=required, spec=sensor.knowledge_horizon, timezone=sensor.timezone
            )
        else:
            belief_times = np.full(len(starts), to_us(now), dtype=np.int64)
    return BeliefFrame(starts, values, belief_times)


def _downsample(
    sensor: Sensor,
    starts: np.ndarray,
    values: np.ndarray,
    belief_times: np.ndarray | None,
    factor: int,
    extensive: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Mean (intensive) or complete sum (extensive) per sensor step and belief time."""
    buckets = _buckets(sensor, starts)
    frame = pd.DataFrame(
        {"s": buckets, "b": 0 if belief_times is None else belief_times, "v": values}
    )
    grouped = frame.groupby(["s", "b"], sort=True)["v"]
    if extensive:
        table = grouped.agg(["sum", "count"])
        table = table[table["count"] == factor]  # a partial sum would understate the step
        out = table["sum"]
    else:
        out = grouped.mean()
    s = out.index.get_level_values("s").to_numpy(dtype=np.int64)
    b = out.index.get_level_values("b").to_numpy(dtype=np.int64)
    return s, out.to_numpy(dtype=float), None if belief_times is None else b


def _buckets(sensor: Sensor, starts: np.ndarray) -> np.ndarray:
    """The start of the sensor step (on its local grid) each event start falls in [µs]."""
    step = td_us(sensor.event_resolution)
    utc = pd.DatetimeIndex(starts.astype("datetime64[us]")).tz_localize("UTC")
    local = (
        utc.tz_convert(sensor.timezone)
        .tz_localize(None)
        .values.astype("datetime64[us]")
        .astype(np.int64)
    )
    return starts - (local % step if step <= 86_400_000_000 else 0)
