"""Knowledge time: when an event's value can first be known.

A sensor declares how (its ``knowledge_horizon``):

- ``{"fnc": "ex_post", "delay": "PT0H"}`` (the default, for measurements):
  known ``delay`` after the event ends (``end = start + resolution``; an
  instantaneous event ends when it starts).
- ``{"fnc": "at_date", "days_before": 1, "hour": 12, "timezone": "Europe/Amsterdam"}``
  (e.g. day-ahead prices): known at ``hour`` o'clock local time, ``days_before``
  calendar days before the local date of the event's start. Without a
  ``timezone`` the sensor's own timezone is meant.

The reference platform's names are accepted too and normalised to the above:
``{"fnc": "ex_post", "ex_post_horizon": "PT0H"}`` (or ``"horizon"``) and
``{"fnc": "x_days_ago_at_y_oclock", "x": 1, "y": 12, "z": "Europe/Amsterdam"}``.

The belief horizon of a belief is knowledge time minus belief time: positive
for forecasts, negative for values recorded after the fact.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from gridflex.errors import ValidationError
from gridflex.timing import format_duration, parse_duration

FIELD = "knowledge_horizon"
_ALIASES = {"x_days_ago_at_y_oclock": "at_date"}
_AT_DATE_KEYS = {"days_before": "x", "hour": "y", "timezone": "z"}


def validate_knowledge_horizon(spec: dict[str, Any]) -> dict[str, Any]:
    """A normalised copy of a knowledge-horizon spec, or a ValidationError naming the problem."""
    if not isinstance(spec, dict):
        raise ValidationError("knowledge_horizon must be an object with a 'fnc' key.", field=FIELD)
    fnc = _ALIASES.get(spec.get("fnc", "ex_post"), spec.get("fnc", "ex_post"))
    if fnc == "ex_post":
        raw = spec.get("delay", spec.get("ex_post_horizon", spec.get("horizon", "PT0H")))
        delay = parse_duration(str(raw), field=FIELD)
        return {"fnc": "ex_post", "delay": format_duration(delay)}
    if fnc == "at_date":
        args = {key: spec.get(key, spec.get(alias)) for key, alias in _AT_DATE_KEYS.items()}
        try:
            days = int(1 if args["days_before"] is None else args["days_before"])
            hour = float(12 if args["hour"] is None else args["hour"])
            timezone = None if args["timezone"] is None else str(args["timezone"])
            ZoneInfo(timezone or "UTC")
        except (TypeError, ValueError, ZoneInfoNotFoundError):
            raise ValidationError(
                "at_date needs integer days_before, an hour (0-24) and an IANA timezone.",
                field=FIELD,
            ) from None
        if not 0 <= hour <= 24:
            raise ValidationError("hour must lie between 0 and 24.", field=FIELD)
        spec_out: dict[str, Any] = {"fnc": "at_date", "days_before": days, "hour": hour}
        return spec_out if timezone is None else {**spec_out, "timezone": timezone}
    raise ValidationError(
        f"Unknown knowledge-horizon function {fnc!r}; use ex_post or at_date.", field=FIELD
    )


def knowledge_times_us(
    event_starts_us: np.ndarray,
    *,
    resolution: timedelta,
    spec: dict[str, Any] | None,
    timezone: str = "UTC",
) -> np.ndarray:
    """Knowledge time of each event.

    Parameters
    ----------
    event_starts_us : ndarray of int64, shape (n,)
        Event starts. [µs since the Unix epoch, UTC]
    resolution : timedelta
        Event duration (zero for instantaneous events).
    spec : dict or None
        The sensor's knowledge horizon (see the module docstring); None means ex post.
    timezone : str
        The sensor's timezone, for an ``at_date`` spec that names none.

    Returns
    -------
    ndarray of int64, shape (n,)
        Knowledge times. [µs since the Unix epoch, UTC]
    """
    starts = np.asarray(event_starts_us, dtype=np.int64)
    spec = validate_knowledge_horizon(spec or {})
    if spec["fnc"] == "ex_post":
        delay = parse_duration(spec["delay"])
        return starts + _us(resolution) + _us(delay)
    return _at_date_us(starts, spec["days_before"], spec["hour"], spec.get("timezone", timezone))


def _at_date_us(starts: np.ndarray, days_before: int, hour: float, timezone: str) -> np.ndarray:
    """Local wall-clock arithmetic: calendar days, not 24-hour blocks, so DST days come out right."""
    utc = pd.DatetimeIndex(starts.astype("datetime64[us]")).tz_localize("UTC")
    local_dates = utc.tz_convert(timezone).tz_localize(None).normalize()
    wall = local_dates - pd.Timedelta(days=days_before) + pd.Timedelta(hours=hour)
    # A wall time that occurs twice (DST fall-back) is taken at its first occurrence;
    # one that does not exist (spring-forward) moves to the first instant after the gap.
    known = wall.tz_localize(
        timezone, ambiguous=np.ones(len(wall), dtype=bool), nonexistent="shift_forward"
    )
    return (
        known.tz_convert("UTC").tz_localize(None).values.astype("datetime64[us]").astype(np.int64)
    )


def _us(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
