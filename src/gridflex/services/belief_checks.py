"""Checks shared by every way data enters or leaves the belief store.

Resolutions must be equal or whole multiples/divisors of each other; event
starts must lie on the resolution grid; pure producers and consumers refuse
values of the wrong sign; and a unit is either intensive (averaged, repeated)
or extensive (summed, split).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from gridflex.errors import ResolutionError, ValidationError
from gridflex.store.models import Sensor
from gridflex.timing import format_duration
from gridflex.units import dimensionality, parse_unit

# No measured or planned quantity comes near this; beyond it, sums over a sensor's values overflow.
MAX_VALUE = 1e100
US = 1_000_000
DAY_US = 86_400 * US
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EXTENSIVE = ("J", "m**3", "kg")  # energy (kWh, MWh), volume (m³, l), mass


def td_us(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


def to_us(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(f"{moment.isoformat()} has no timezone offset.", field="start")
    return td_us(moment.astimezone(UTC) - EPOCH)


def from_us(moment_us: int, timezone: str | None = None) -> datetime:
    """An instant (µs since the epoch) as an aware datetime, in ``timezone`` if given.

    Instants beyond what datetime holds (data stored before moments were bounded) are
    clamped to its limits, so that reading them never fails.
    """
    try:
        moment = EPOCH + timedelta(microseconds=int(moment_us))
        return moment.astimezone(ZoneInfo(timezone)) if timezone else moment
    except OverflowError:
        return (
            datetime.max.replace(tzinfo=UTC) if moment_us > 0 else datetime.min.replace(tzinfo=UTC)
        )


def is_extensive(unit: str) -> bool:
    """Energy-like (stock) units: values of consecutive events add up.

    Energy, volume, mass, and a plain currency or emission amount (EUR, kgCO2eq)
    are extensive; rates and intensities (kW, EUR/MWh, m³/h, °C, %) are not.
    """
    dims = parse_unit(unit).dimensionality
    if any(dims == dimensionality(kind) for kind in _EXTENSIVE):
        return True
    items = list(dict(dims).items())
    return (
        len(items) == 1
        and items[0][1] == 1
        and items[0][0].startswith(("[currency_", "[emissions"))
    )


def resolution_factor(posted: timedelta, required: timedelta) -> tuple[str, int]:
    """How a resolution maps onto the required one: ("same" | "coarser" | "finer", factor)."""
    if required <= timedelta(0) or posted == required:
        return "same", 1
    if posted > timedelta(0):
        ratio = td_us(posted) / td_us(required)
        if ratio > 1 and td_us(posted) % td_us(required) == 0:
            return "coarser", round(ratio)
        if ratio < 1 and td_us(required) % td_us(posted) == 0:
            return "finer", round(1 / ratio)
    raise ResolutionError(
        f"Resolution of {posted} is incompatible with the sensor's required resolution of {required}: "
        f"use {format_duration(required)}, a whole multiple of it or a whole divisor of it.",
        field="duration",
    )


def misaligned(starts_us: np.ndarray, resolution: timedelta, timezone: str) -> np.ndarray:
    """Which event starts lie off the resolution grid.

    Steps that divide a day count from midnight, in UTC or in the sensor's
    timezone (so hourly data in a +05:30 zone may start at :30 UTC); steps of
    whole days must start at local midnight; other steps are not checked.
    """
    starts = np.asarray(starts_us, dtype=np.int64)
    step = td_us(resolution)
    if step <= 0 or len(starts) == 0 or (DAY_US % step and step % DAY_US):
        return np.zeros(len(starts), dtype=bool)
    utc_ok = starts % step == 0 if DAY_US % step == 0 else np.zeros(len(starts), dtype=bool)
    if utc_ok.all():
        return ~utc_ok
    index = (
        pd.DatetimeIndex(starts.astype("datetime64[us]")).tz_localize("UTC").tz_convert(timezone)
    )
    local = index.tz_localize(None).values.astype("datetime64[us]").astype(np.int64)
    return ~(utc_ok | (local % min(step, DAY_US) == 0))


def check_alignment(
    moment: datetime, resolution: timedelta, timezone: str, *, field: str = "start"
) -> None:
    """Refuse a start that is off the resolution grid, suggesting the nearest earlier one."""
    if misaligned(np.array([to_us(moment)]), resolution, timezone)[0]:
        stamp = pd.Timestamp(moment)
        if DAY_US % td_us(resolution) == 0:
            suggestion = stamp.floor(resolution).isoformat()
        else:  # whole days: the local midnight
            suggestion = stamp.tz_convert(timezone).normalize().isoformat()
        raise ValidationError(
            f"{field} {moment.isoformat()} is not aligned to the resolution of {format_duration(resolution)} "
            f"(e.g. {suggestion} is).",
            field=field,
        )


def check_magnitudes(values: np.ndarray) -> None:
    """Refuse values the store could not sum (NaN means "no value" and passes)."""
    too_big = np.abs(values) > MAX_VALUE
    if too_big.any():
        i = int(np.flatnonzero(too_big)[0])
        raise ValidationError(
            f"Value {float(values[i])!r} is not a finite number within ±{MAX_VALUE:g}.",
            field="values",
        )


def check_signs(sensor: Sensor, values: np.ndarray) -> None:
    """Pure producers/consumers (sensor or asset attribute) refuse values of the wrong sign.

    Consumption is positive unless the sensor says ``consumption_is_positive: false``.
    """
    attributes = {**(sensor.asset.attributes or {}), **(sensor.attributes or {})}
    flip = attributes.get("consumption_is_positive") is False
    signed = -values if flip else values
    if attributes.get("is_pure_consumer") and np.any(signed < 0):
        raise ValidationError(
            f"Sensor {sensor.id} records a pure consumer: production values "
            f"({'positive' if flip else 'negative'}) are refused.",
            field="values",
        )
    if attributes.get("is_pure_producer") and np.any(signed > 0):
        raise ValidationError(
            f"Sensor {sensor.id} records a pure producer: consumption values "
            f"({'negative' if flip else 'positive'}) are refused.",
            field="values",
        )
