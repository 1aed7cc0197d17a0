"""Knowledge time: when an event's value can first be known.

A sensor declares how (its ``knowledge_horizon``):

- ``{"fnc": "ex_post", "delay": "PT0H"}`` (the default, for measurements):
  known ``delay`` after the event ends.
- ``{"fnc": "at_date", "days_before": 1, "hour": 12, "timezone": "Europe/Amsterdam"}``
  (e.g. day-ahead prices): known at ``hour`` o'clock local time, ``days_before``
  days before the local date of the event's start.

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


def validate_knowledge_horizon(spec: dict[str, Any]) -> dict[str, Any]:
    """A normalised copy of a knowledge-horizon spec, or a ValidationError naming the problem."""
    fnc = spec.get("fnc", "ex_post")
    if fnc == "ex_post":
        delay = parse_duration(str(spec.get("delay", "PT0H")), field=FIELD)
        return {"fnc": "ex_post", "delay": format_duration(delay)}
    if fnc == "at_date":
        try:
            days, hour = int(spec.get("days_before", 1)), float(spec.get("hour", 12))
            ZoneInfo(str(spec.get("timezone", "UTC")))
        except (TypeError, ValueError, ZoneInfoNotFoundError):
            raise ValidationError(
                "at_date needs integer days_before, an hour (0-24) and an IANA timezone.",
                field=FIELD,
            ) from None
        if not 0 <= hour <= 24:
            raise ValidationError("hour must lie between 0 and 24.", field=FIELD)
        return {
            "fnc": "at_date",
            "days_before": days,
            "hour": hour,
            "timezone": str(spec.get("timezone", "UTC")),
        }
    raise ValidationError(
        f"Unknown knowledge-horizon function {fnc!r}; use ex_post or at_date.", field=FIELD
    )


def knowledge_times_us(
    event_starts_us: np.ndarray, *, resolution: timedelta, spec: dict[str, Any] | None
) -> np.ndarray:
    """Knowledge time of each event [µs since the Unix epoch, UTC]."""
    starts = np.asarray(event_starts_us, dtype=np.int64)
    spec = validate_knowledge_horizon(spec or {})
    if spec["fnc"] == "ex_post":
        delay = parse_duration(spec["delay"])
        return starts + _us(resolution) + _us(delay)
    local = (
        pd.DatetimeIndex(starts.astype("datetime64[us]"))
        .tz_localize("UTC")
        .tz_convert(spec["timezone"])
    )
    midnight = local.normalize() - pd.Timedelta(days=spec["days_before"])
    known = (midnight.tz_localize(None) + pd.Timedelta(hours=spec["hour"])).tz_localize(
        spec["timezone"], ambiguous="NaT", nonexistent="shift_forward"
    )
    # An ambiguous local time (DST fall-back) resolves to the earlier instant.
    fallback = (midnight.tz_localize(None) + pd.Timedelta(hours=spec["hour"])).tz_localize(
        spec["timezone"], ambiguous=True, nonexistent="shift_forward"
    )
    known = known.where(~known.isna(), fallback)
    return (
        known.tz_convert("UTC").tz_localize(None).values.astype("datetime64[us]").astype(np.int64)
    )


def _us(delta: timedelta) -> int:
    return int(round(delta.total_seconds() * 1_000_000))
