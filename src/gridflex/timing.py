"""Time helpers: ISO 8601 durations and datetimes, UTC inside, alignment checks.

Durations are accepted in every form clients produce: ``PT1H``, ``P1D``, ``P1W``,
pandas' ``P0DT12H0M0S``, fractional seconds, a leading ``-`` for negative
horizons (seed 003) and ``R/PT6H`` rolling horizons. Years and months are
refused: they have no fixed length.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from gridflex.errors import ValidationError

# The moments and durations gridflex works with: wide enough for any energy data, narrow
# enough that adding a duration to a moment never leaves what Python and both databases hold.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
LONGEST = timedelta(days=36_525)  # 100 years

_DURATION = re.compile(
    r"^(?P<sign>[-+])?P(?!$)(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(text: str, *, field: str = "duration") -> timedelta:
    """Parse an ISO 8601 duration (with the extensions above) into a timedelta."""
    if not isinstance(text, str):
        raise ValidationError(f"Not a valid ISO 8601 duration: {text!r}.", field=field)
    raw = text.strip().upper()
    if raw.startswith("R/"):  # rolling horizon: the same duration for every event
        raw = raw[2:]
    match = _DURATION.match(raw)
    if not match:
        raise ValidationError(
            f"Cannot parse {text!r} as an ISO 8601 duration (e.g. PT15M, PT1H, P1D).", field=field
        )
    parts = {k: float(v) for k, v in match.groupdict().items() if v and k != "sign"}
    seconds = sum(parts.get(k, 0.0) * s for k, s in _SECONDS.items())
    if seconds > LONGEST.total_seconds():
        raise ValidationError(
            f"{text!r} is longer than the longest duration gridflex accepts ({LONGEST.days} days).",
            field=field,
        )
    value = timedelta(**parts)
    return -value if match.group("sign") == "-" else value


_SECONDS = {"weeks": 604_800.0, "days": 86_400.0, "hours": 3_600.0, "minutes": 60.0, "seconds": 1.0}


def format_duration(value: timedelta) -> str:
    """Format a timedelta as a compact ISO 8601 duration (``PT15M``, ``P1D``, ``-PT10M``)."""
    total = value.total_seconds()
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    out = f"{sign}P"
    if days:
        out += f"{int(days)}D"
    time = ""
    if hours:
        time += f"{int(hours)}H"
    if minutes:
        time += f"{int(minutes)}M"
    if seconds:
        time += f"{seconds:g}S"
    if time:
        out += "T" + time
    return out if out not in ("P", "-P") else "PT0S"


def parse_datetime(text: str | datetime, *, field: str = "start", bounded: bool = True) -> datetime:
    """Parse an ISO 8601 datetime that must carry an offset (``Z`` or ``+01:00``), within
    ``EARLIEST`` and ``LATEST`` (unless not ``bounded``: e.g. a dataset valid "until 9999").
    A datetime is checked the same way."""
    if isinstance(text, datetime):
        value = text
    else:
        if not isinstance(text, str) or not text.strip():
            raise ValidationError("Not a valid datetime.", field=field)
        raw = text.strip()
        # Accept offsets like +0000 (seen in real files) by inserting the colon.
        raw = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", raw)
        try:
            value = datetime.fromisoformat(raw.replace("z", "Z"))
        except ValueError:
            raise ValidationError(
                f"Not a valid ISO 8601 datetime: {text!r}.", field=field
            ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            f"Not a valid aware datetime: {text!s} has no timezone offset (add e.g. 'Z' or '+01:00').",
            field=field,
        )
    if bounded and not EARLIEST <= _utc_or_none(value) < LATEST:
        raise ValidationError(
            f"{text!s} lies outside the moments gridflex accepts "
            f"({EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d}, UTC).",
            field=field,
        )
    return value


def _utc_or_none(value: datetime) -> datetime:
    """``value`` in UTC; moments at the edge of what datetime holds (year 1 at +14:00) sort first."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return EARLIEST - timedelta(days=1) if value.year < 2000 else LATEST


def to_utc(value: datetime) -> datetime:
    """The same instant in UTC (naive values are taken to be UTC already, as the store returns them)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def is_aligned(moment: datetime, resolution: timedelta) -> bool:
    """Whether ``moment`` lies on the resolution grid counted from the Unix epoch (UTC)."""
    if resolution <= timedelta(0):
        return True
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return (to_utc(moment) - epoch) % resolution == timedelta(0)


def ratio(longer: timedelta, shorter: timedelta) -> float:
    """How many ``shorter`` steps fit in ``longer`` (float, to test for whole multiples)."""
    return longer / shorter


_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse_rate_limit(limit: str) -> tuple[int, timedelta]:
    """A limit such as "10 per 5 minutes" (or "10/minute") as (count, window)."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:per|/)\s*(\d*)\s*(second|minute|hour|day)s?\s*", limit)
    if not match:
        raise ValueError(f"Cannot read rate limit {limit!r} (e.g. '10 per 5 minutes').")
    count, amount, unit = int(match.group(1)), int(match.group(2) or 1), match.group(3)
    return count, timedelta(seconds=amount * _UNITS[unit])
