"""Tolerant readers of single values, and the seed's date-time form.

Published heatmap files deviate from the specification in ways whose meaning is
still clear: RAG values in upper case, numbers written as text (``"30"``,
``"33 kV"``), date-times without a colon in the offset or without an offset at all,
booleans as ``"TRUE"`` or ``1``. Each reader returns the value in the specification's
form plus a reason when it had to change the form (``None`` when the value was
already standard), and raises `Unreadable` only when the meaning is not clear.

``text=True`` marks values read from a text format (CSV), where every cell is a
string by nature: plain numbers and booleans written as text are then not reported.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

from gridflex.errors import ValidationError
from gridflex.timing import parse_datetime

Converted = tuple[Any, str | None]

NULL_TOKENS = frozenset({"", "n/a", "na", "null", "none", "nan", "-", "--", "tbc", "tbd"})
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_NUMBER_WITH_UNIT = re.compile(r"^(?P<number>\S+?)\s*(?P<unit>[A-Za-z°]+)$")
_UNIT_SPELLINGS = {
    "MVA": {"mva"},
    "kV": {"kv"},
    "kA": {"ka"},
    "s": {"s", "sec", "secs", "second", "seconds"},
    "deg": {"°", "deg", "degree", "degrees"},
}
_LIST_SEPARATORS = re.compile(r"\s*[;/,]\s*|\s+")
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})
_TIME = re.compile(r"^(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?$")
_TIME_OFFSET = re.compile(r"^(?P<time>[\d:]+)(?:\.\d+)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$")
_RAG_LETTERS = {"r": "Red", "a": "Amber", "g": "Green"}
_MAX_NUMBER_TEXT = 100  # characters of a number written as text (no float needs more)


class Unreadable(ValueError):
    """A value whose meaning is not clear; the message says what was expected."""


def format_datetime(value: datetime) -> str:
    """A datetime in the seed's form, ``2024-01-01T00:00:00.000+0000`` (UTC).

    Milliseconds as in the seed; microseconds only when the value has them, so that
    nothing is rounded away.
    """
    utc = value.astimezone(UTC)
    fraction = (
        f"{utc.microsecond // 1000:03d}"
        if utc.microsecond % 1000 == 0
        else (f"{utc.microsecond:06d}")
    )
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + fraction + "+0000"


def read_str(value: Any, *, text: bool = False) -> Converted:
    if isinstance(value, str):
        if "\x00" in value:  # no database keeps it in text, and no name needs it
            raise Unreadable(f"text with a NUL character: {_clip(value)}")
        return value, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value), "number given where text is expected: kept as text"
    raise Unreadable(f"expected text, got {type(value).__name__} {value!r}")


def read_number(value: Any, unit: str | None = None, *, text: bool = False) -> Converted:
    """A number (int stays int); text is read as a number, with the field's unit allowed."""
    if isinstance(value, bool):
        raise Unreadable(f"expected a number{_in(unit)}, got the boolean {value!r}")
    if isinstance(value, int):
        return _bounded(value, unit), None
    if isinstance(value, float):
        if math.isnan(value):
            return None, "NaN read as absent"
        if math.isinf(value):
            raise Unreadable(f"expected a finite number{_in(unit)}, got {value!r}")
        return value, None
    if not isinstance(value, str):
        raise Unreadable(f"expected a number{_in(unit)}, got {type(value).__name__} {value!r}")
    raw = value.strip()
    if raw.lower() in NULL_TOKENS:
        return None, None if text and raw == "" else "placeholder text read as absent"
    reason = None if text else "number given as text"
    match = _NUMBER_WITH_UNIT.match(raw)
    if match and not _NUMBER.match(raw) and _NUMBER.match(match["number"]):
        given_unit = match["unit"]
        if unit is None or given_unit.lower() not in _UNIT_SPELLINGS.get(unit, {unit.lower()}):
            raise Unreadable(f"expected a number{_in(unit)}, got {value!r} (unit not accepted)")
        raw, reason = match["number"], f"unit '{given_unit}' removed (the field is in {unit})"
    if len(raw) > _MAX_NUMBER_TEXT or not _NUMBER.match(raw):
        raise Unreadable(f"expected a number{_in(unit)}, got {_clip(value)}")
    number = int(raw) if _INTEGER.match(raw) else float(raw)
    if isinstance(number, float) and math.isinf(number):
        raise Unreadable(f"expected a finite number{_in(unit)}, got {value!r}")
    return _bounded(number, unit), reason


def _bounded(number: int | float, unit: str | None) -> int | float:
    # Integers past 64 bits cannot be written back as JSON numbers by our writer.
    if isinstance(number, int) and abs(number) >= 2**63:
        raise Unreadable(f"{str(number)[:20]}... is too large a number{_in(unit)}")
    return number


def _clip(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def read_numbers(value: Any, unit: str | None = None, *, text: bool = False) -> Converted:
    """A list of numbers; a single number or a separated string (``33/11``) is accepted."""
    if isinstance(value, list):
        out = []
        reasons = set()
        for i, item in enumerate(value):
            try:
                number, reason = read_number(item, unit, text=text)
            except Unreadable as exc:
                raise Unreadable(f"item {i}: {exc}") from None
            if number is None:
                raise Unreadable(f"item {i} is empty ({item!r})")
            out.append(number)
            if reason:
                reasons.add(reason)
        return out, "; ".join(sorted(reasons)) or None
    if isinstance(value, str):
        raw = value.strip()
        if raw.lower() in NULL_TOKENS:
            return None, None if text and raw == "" else "placeholder text read as absent"
        parts = [p for p in _LIST_SEPARATORS.split(raw) if p]
        numbers, _ = read_numbers(parts, unit, text=True)
        return numbers, None if text else "list given as separated text"
    number, reason = read_number(value, unit, text=text)
    if number is None:
        return None, reason
    return [number], "single number given where a list is expected: wrapped in a list"


def read_bool(value: Any, *, text: bool = False) -> Converted:
    if isinstance(value, bool):
        return value, None
    if isinstance(value, int) and value in (0, 1):
        return bool(value), "0/1 read as a boolean"
    if isinstance(value, str):
        raw = value.strip().lower()
        if raw in NULL_TOKENS:
            return None, None if text and raw == "" else "placeholder text read as absent"
        if raw in _TRUE or raw in _FALSE:
            plain = text and raw in ("true", "false")
            return raw in _TRUE, None if plain else "boolean given as text"
    raise Unreadable(f"expected true or false, got {value!r}")


def read_enum(value: Any, choices: tuple[str, ...], *, text: bool = False) -> Converted:
    """One of ``choices``; case, spaces, hyphens and underscores are forgiven."""
    if isinstance(value, str):
        if value in choices:
            return value, None
        key = re.sub(r"[\s_\-]", "", value).lower()
        if key in NULL_TOKENS:
            return None, None if text and key == "" else "placeholder text read as absent"
        for choice in choices:
            if choice.lower() == key:
                return choice, "written in the specification's spelling"
        if set(choices) == {"Red", "Amber", "Green"} and key in _RAG_LETTERS:
            return _RAG_LETTERS[key], "RAG initial read as the full word"
    raise Unreadable(f"expected one of {', '.join(choices)}, got {value!r}")


def read_datetime(value: Any, *, text: bool = False) -> Converted:
    """An aware UTC datetime; offsets like ``+0000`` are standard (the seed's form)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC), None
    if not isinstance(value, str) or not value.strip():
        raise Unreadable(f"expected an ISO 8601 date-time, got {value!r}")
    raw = value.strip()
    reasons = []
    try:
        parsed = parse_datetime(raw, bounded=False)
    except ValidationError:
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            raise Unreadable(
                f"expected an ISO 8601 date-time such as 2024-01-01T00:00:00.000+0000, got {value!r}"
            ) from None
        if parsed.tzinfo is not None:  # pragma: no cover - parse_datetime accepts these
            raise Unreadable(f"cannot read the offset of {value!r}") from None
        parsed = parsed.replace(tzinfo=UTC)
        reasons.append("no UTC offset given: read as UTC")
    if parsed.utcoffset():
        reasons.append("converted to UTC")
    try:
        result = parsed.astimezone(UTC)
    except OverflowError:
        raise Unreadable(f"{value!r} lies outside the years 1 to 9999 in UTC") from None
    if not reasons and format_datetime(result) != raw:
        reasons.append("written in the seed's date-time form")
    return result, "; ".join(reasons) or None


def read_datetimes(value: Any, *, text: bool = False) -> Converted:
    """The two-element ``valid`` range; an ISO 8601 interval ``start/end`` is accepted."""
    reason = None
    if isinstance(value, str) and ("/" in value or (text and ";" in value)):
        value = [part for part in re.split(r"[/;]", value) if part.strip()]
        reason = None if text else "interval given as text: split into two date-times"
    if not isinstance(value, list) or len(value) != 2:
        raise Unreadable(f"expected a list of two date-times [from, to), got {value!r}")
    out, reasons = [], [reason] if reason else []
    for i, item in enumerate(value):
        try:
            moment, why = read_datetime(item, text=text)
        except Unreadable as exc:
            raise Unreadable(f"item {i}: {exc}") from None
        out.append(moment)
        if why:
            reasons.append(f"item {i}: {why}")
    return out, "; ".join(reasons) or None


def read_time(value: Any, *, text: bool = False) -> Converted:
    """A time of day ``HH:MM`` (``HH:MM:SS`` when seconds matter; ``24:00`` ends a day).

    The specification's own format for these fields is a date-time, and real files write
    times with an offset (``11:00:00+0000``): both are kept as written, once readable.
    """
    if not isinstance(value, str):
        raise Unreadable(f"expected a time of day such as 11:00, got {_clip(value)}")
    raw = value.strip()
    if raw.lower() in NULL_TOKENS:
        return None, None if text and raw == "" else "placeholder text read as absent"
    if "T" in raw:
        read_datetime(raw)  # Unreadable says why not
        return value, None
    offset = _TIME_OFFSET.match(raw)
    match = _TIME.match(offset["time"] if offset else raw)
    if match is None:
        raise Unreadable(f"expected a time of day such as 11:00, got {_clip(value)}")
    hours, minutes, seconds = int(match["h"]), int(match["m"]), int(match["s"] or 0)
    if minutes > 59 or seconds > 59 or hours > 24 or (hours == 24 and (minutes or seconds)):
        raise Unreadable(f"not a time of day: {_clip(value)}")
    if offset:
        return value, None
    canonical = f"{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")
    return canonical, None if canonical == value else "written as HH:MM"


def read_strs(value: Any, *, text: bool = False) -> Converted:
    """A list of strings (identifiers); a single string becomes a one-element list."""
    if isinstance(value, list):
        out, reasons = [], set()
        for i, item in enumerate(value):
            try:
                item_text, reason = read_str(item)
            except Unreadable as exc:
                raise Unreadable(f"item {i}: {exc}") from None
            out.append(item_text)
            if reason:
                reasons.add(reason)
        return out, "; ".join(sorted(reasons)) or None
    if isinstance(value, str):
        if text:  # CSV cells hold lists as ';'-separated text
            return ([part.strip() for part in value.split(";")] if value.strip() else None), None
        return [value], "single identifier given where a list is expected: wrapped in a list"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [str(value)], "single number given where a list of identifiers is expected"
    raise Unreadable(f"expected a list of identifiers, got {value!r}")


def _in(unit: str | None) -> str:
    return f" [{unit}]" if unit else ""
