"""Reading v1 messages (seed 003): singular/plural keys, groups, the time-series notations, belief timing.

What a message may say, and how it is read:

- Keys are the same in singular and plural (``connection`` = ``connections``,
  ``value`` = ``values``, ``sensor``/``market``/``source``/``group`` likewise); a
  single value where a list is expected is a list of one.
- ``groups`` hold the entities (connections, sensors or markets) and their values;
  every other key stated at the message level (``start``, ``duration``, ``unit``,
  ``horizon``, ``prior``, ...) is inherited by each group unless the group states
  it itself. Without ``groups`` the message is its own, single group (the
  flattened form).
- A series is ``values`` + ``start`` + ``duration`` (resolution = duration / number
  of values), or the equivalent explicit ``timeseries`` list of ``{value, start,
  duration}`` items, which must follow each other without gaps and with equal
  durations.
- v1 notation: ``start`` on a quarter hour, ``duration`` a whole number of
  15-minute PTUs, the resolution a whole number of PTUs, every PTU with a value.

Status strings: a missing field -> REQUIRED_INFO_MISSING; a timestamp without an
offset -> INVALID_TIMEZONE; an unreadable start or duration -> INVALID_PERIOD;
an unreadable prior -> INVALID_DATETIME; an unreadable horizon -> INVALID_HORIZON;
values that do not cover whole PTUs (a null, a gap, a start or duration off the
PTU grid) -> PTUS_INCOMPLETE; a resolution that is not a whole number of PTUs
-> INVALID_RESOLUTION.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from gridflex.errors import ValidationError
from gridflex.services.legacy.errors import LegacyError
from gridflex.timing import format_duration, parse_datetime, parse_duration

PTU = timedelta(minutes=15)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# singular -> plural; the plural is the key used inside.
PAIRS = {
    "connection": "connections",
    "sensor": "sensors",
    "market": "markets",
    "value": "values",
    "source": "sources",
    "group": "groups",
}
LIST_KEYS = frozenset(PAIRS.values())


@dataclass
class Group:
    """One group of a message, with everything it inherited from the message level."""

    entities: list[str]
    values: np.ndarray | None  # float; only for messages that carry values
    start: datetime | None
    duration: timedelta | None
    unit: str | None
    horizon: timedelta | None
    prior: datetime | None
    resolution: timedelta | None
    sources: list[str] | None

    def required_values(self) -> np.ndarray:
        """The values of a group parsed ``with_values``."""
        if self.values is None:
            raise ValueError("this group was parsed without values")
        return self.values

    def required_period(self) -> tuple[datetime, timedelta]:
        """Start and duration of a group parsed with values or ``needs_period``."""
        if self.start is None or self.duration is None:
            raise ValueError("this group was parsed without a period")
        return self.start, self.duration


def normalise_keys(obj: dict[str, Any]) -> dict[str, Any]:
    """The same object with plural keys only, and lists where lists are meant."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        canon = PAIRS.get(key, key)
        if canon in out:
            raise LegacyError(
                "INVALID_REQUEST",
                f"'{key}' and '{canon}' are the same key (singular and plural are not distinguished); "
                "state it once.",
                field=canon,
            )
        if canon in LIST_KEYS and not isinstance(value, list):
            value = [value]
        out[canon] = value
    return out


def parse_groups(
    payload: dict[str, Any], *, entity: str, with_values: bool, needs_period: bool = True
) -> list[Group]:
    """The groups of a message (one for the flattened form), fully parsed and checked.

    ``entity`` is the singular key naming the addressed things: ``connection``,
    ``sensor`` or ``market``.
    """
    message = normalise_keys(payload)
    raw_groups = message.pop("groups", None)
    if raw_groups is None:
        raw_groups = [{}]
    elif not raw_groups:
        raise LegacyError("REQUIRED_INFO_MISSING", "'groups' is empty.", field="groups")
    groups = []
    for i, raw in enumerate(raw_groups):
        if not isinstance(raw, dict):
            raise LegacyError("INVALID_REQUEST", f"groups[{i}] must be an object.", field="groups")
        merged = {**message, **normalise_keys(raw)}
        where = f"groups[{i}]." if len(raw_groups) > 1 or raw else ""
        groups.append(
            _group(
                merged,
                PAIRS[entity],
                with_values=with_values,
                needs_period=needs_period,
                where=where,
            )
        )
    return groups


def _group(
    merged: dict[str, Any], plural: str, *, with_values: bool, needs_period: bool, where: str
) -> Group:
    entities = merged.get(plural)
    if not entities:
        raise LegacyError(
            "REQUIRED_INFO_MISSING", f"Missing field '{where}{plural.rstrip('s')}'.", field=plural
        )
    for item in entities:
        if not isinstance(item, str | int) or isinstance(item, bool):
            raise LegacyError(
                "INVALID_REQUEST",
                f"{where}{plural} must hold strings (addresses or names).",
                field=plural,
            )
    values = start = duration = None
    if with_values:
        values, start, duration = _series(merged, where)
    elif needs_period:
        start, duration = _period(merged, where)
    return Group(
        entities=[str(item).strip() for item in entities],
        values=values,
        start=start,
        duration=duration,
        unit=_unit(merged.get("unit")),
        horizon=None if merged.get("horizon") is None else parse_horizon(merged["horizon"]),
        prior=None
        if merged.get("prior") is None
        else moment(merged["prior"], "prior", "INVALID_DATETIME"),
        resolution=None
        if merged.get("resolution") in (None, "")
        else _resolution(merged["resolution"]),
        sources=_sources(merged.get("sources")),
    )


def _series(merged: dict[str, Any], where: str) -> tuple[np.ndarray, datetime, timedelta]:
    if "values" in merged and "timeseries" in merged:
        raise LegacyError(
            "INVALID_REQUEST",
            f"{where}: give either 'values' (with start and duration) or 'timeseries', not both.",
            field="values",
        )
    if "timeseries" in merged:
        values, start, duration = _explicit(merged["timeseries"], where)
    else:
        if "values" not in merged:
            raise LegacyError(
                "REQUIRED_INFO_MISSING", f"Missing field '{where}values'.", field="values"
            )
        start, duration = _period(merged, where)
        values = _numbers(merged["values"], where)
    check_ptus(start, duration, where)
    step = duration / len(values)
    if step * len(values) != duration or step % PTU:
        raise LegacyError(
            "INVALID_RESOLUTION",
            f"{where}{len(values)} values over {format_duration(duration)} give a resolution of "
            f"{format_duration(duration / len(values))}; in v1 each value covers a whole number of "
            "15-minute PTUs.",
            field="values",
        )
    return values, start, duration


def _numbers(raw: list[Any], where: str) -> np.ndarray:
    if not raw:
        raise LegacyError("REQUIRED_INFO_MISSING", f"{where}values is empty.", field="values")
    for i, value in enumerate(raw):
        if value is None:
            raise LegacyError(
                "PTUS_INCOMPLETE",
                f"{where}values[{i}] is missing (null): every PTU of the period needs a value.",
                field="values",
            )
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise LegacyError(
                "INVALID_REQUEST",
                f"{where}values[{i}] = {value!r} is not a number.",
                field="values",
            )
    return np.asarray(raw, dtype=float)


def _explicit(raw: Any, where: str) -> tuple[np.ndarray, datetime, timedelta]:
    """The explicit ``timeseries`` notation, read into values + start + duration."""
    if not isinstance(raw, list) or not raw:
        raise LegacyError(
            "REQUIRED_INFO_MISSING",
            f"{where}timeseries must be a non-empty list.",
            field="timeseries",
        )
    values, starts, durations = [], [], []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not {"value", "start", "duration"} <= item.keys():
            raise LegacyError(
                "REQUIRED_INFO_MISSING",
                f"{where}timeseries[{i}] needs 'value', 'start' and 'duration'.",
                field="timeseries",
            )
        values.append(item["value"])
        starts.append(moment(item["start"], "start", "INVALID_PERIOD"))
        durations.append(_duration(item["duration"], "duration"))
    if len(set(durations)) > 1:
        raise LegacyError(
            "INVALID_RESOLUTION",
            f"{where}timeseries items have different durations; v1 series have one resolution.",
            field="timeseries",
        )
    for i in range(1, len(starts)):
        if starts[i] != starts[i - 1] + durations[i - 1]:
            raise LegacyError(
                "PTUS_INCOMPLETE",
                f"{where}timeseries[{i}] starts at {starts[i].isoformat()}, not where the item before it "
                f"ends ({(starts[i - 1] + durations[i - 1]).isoformat()}): the series has a gap or overlap.",
                field="timeseries",
            )
    return _numbers(values, where), starts[0], durations[0] * len(values)


def _period(merged: dict[str, Any], where: str) -> tuple[datetime, timedelta]:
    for key in ("start", "duration"):
        if merged.get(key) in (None, ""):
            raise LegacyError("REQUIRED_INFO_MISSING", f"Missing field '{where}{key}'.", field=key)
    start = moment(merged["start"], "start", "INVALID_PERIOD")
    duration = _duration(merged["duration"], "duration")
    check_ptus(start, duration, where)
    return start, duration


def check_ptus(start: datetime, duration: timedelta, where: str = "") -> None:
    """v1 notation: start on a quarter hour and a whole number of 15-minute PTUs."""
    if (start - _EPOCH) % PTU:
        raise LegacyError(
            "PTUS_INCOMPLETE",
            f"{where}start {start.isoformat()} is not at the beginning of a PTU: use a time on the hour "
            "or a multiple of 15 minutes thereafter.",
            field="start",
        )
    if duration % PTU:
        raise LegacyError(
            "PTUS_INCOMPLETE",
            f"{where}duration {format_duration(duration)} is not a whole number of 15-minute PTUs.",
            field="duration",
        )


def moment(raw: Any, field: str, status: str) -> datetime:
    """An aware datetime; INVALID_TIMEZONE when it has no offset, ``status`` when unreadable."""
    text = raw.strip() if isinstance(raw, str) else raw
    try:
        return parse_datetime(text, field=field)
    except ValidationError:
        pass
    try:
        naive = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        naive = None
    if naive is not None and naive.tzinfo is None:
        raise LegacyError(
            "INVALID_TIMEZONE",
            f"{field} {raw!r} has no timezone: timestamps must be timezone-aware "
            "(e.g. '2015-01-01T00:00:00Z' or '2015-01-01T01:00:00+01:00').",
            field=field,
        )
    raise LegacyError(status, f"{field} {raw!r} is not an ISO 8601 timestamp.", field=field)


def _duration(raw: Any, field: str) -> timedelta:
    try:
        value = parse_duration(raw, field=field)
    except ValidationError:
        raise LegacyError(
            "INVALID_PERIOD",
            f"{field} {raw!r} is not an ISO 8601 duration (e.g. PT1H30M).",
            field=field,
        ) from None
    if value <= timedelta(0):
        raise LegacyError("INVALID_PERIOD", f"{field} must be positive.", field=field)
    return value


def parse_horizon(raw: Any) -> timedelta:
    """``PT6H``, ``-PT10M`` (after the fact) or ``R/PT6H`` (rolling: the same for every event)."""
    if not isinstance(raw, str):
        raise LegacyError("INVALID_HORIZON", f"horizon {raw!r} is not a duration.", field="horizon")
    text = raw.strip()
    negative = text.startswith("-")
    text = text.lstrip("-")
    if text.upper().startswith("R/"):
        text = text[2:]
    try:
        if text.startswith(("-", "+")):
            raise ValidationError("double sign")
        value = parse_duration(text, field="horizon")
    except ValidationError:
        raise LegacyError(
            "INVALID_HORIZON",
            f"horizon {raw!r} cannot be read: use an ISO 8601 duration such as 'PT6H', '-PT10M' or 'R/PT6H'.",
            field="horizon",
        ) from None
    return -value if negative else value


def _resolution(raw: Any) -> timedelta:
    try:
        value = parse_duration(raw, field="resolution")
    except ValidationError:
        raise LegacyError(
            "INVALID_RESOLUTION",
            f"resolution {raw!r} is not an ISO 8601 duration.",
            field="resolution",
        ) from None
    if value <= timedelta(0) or value % PTU:
        raise LegacyError(
            "INVALID_RESOLUTION",
            f"resolution {raw!r} is not a whole number of 15-minute PTUs.",
            field="resolution",
        )
    return value


def _unit(raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise LegacyError("INVALID_UNIT", f"unit {raw!r} is not a unit.", field="unit")
    return raw.strip()


def _sources(raw: Any) -> list[str] | None:
    if raw in (None, [], ""):
        return None
    items: list[str] = []
    for item in raw:
        items.extend(part.strip() for part in str(item).split(",") if part.strip())
    return items or None
