"""Posting and reading v1 series through the belief store, so the v3_0 API sees the same beliefs.

Every posted value goes through ``services.beliefs.post_series`` under the posting
user's data source (units converted to the sensor's, coarser data upsampled,
belief times from ``prior``/``horizon`` as seed 003 says); every read goes through
``services.beliefs.read_series``. Power in these messages is in MW with
consumption positive; a sensor (or its asset) with ``consumption_is_positive:
false`` stores production as positive numbers, so signs are flipped at this edge.
The caller owns the transaction: an error anywhere leaves nothing stored once it
is rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from gridflex.errors import UnitError, ValidationError
from gridflex.services import beliefs, sources
from gridflex.services.legacy import addressing
from gridflex.services.legacy.errors import LegacyError
from gridflex.services.legacy.messages import Group
from gridflex.store.models import DataSource, Sensor, User
from gridflex.timing import format_duration, utcnow
from gridflex.units import convert, is_convertible

POWER_UNIT = "MW"
_DIGITS = 12  # answers keep 12 significant digits: float noise of unit conversion (2.3000000000000003) goes


@dataclass
class _Posting:
    sensor: Sensor
    group: Group
    values: np.ndarray
    unit: str


def post_power(
    session: Session,
    user: User,
    groups: list[Group],
    *,
    host: str,
    meter_data: bool,
    now: datetime | None = None,
) -> beliefs.WriteResult:
    """Meter data or prognoses (MW, consumption positive), fanned out to each connection of a group."""
    postings = []
    for group in groups:
        _require_unit(group.unit, POWER_UNIT, "power")
        if meter_data and group.horizon is not None and group.horizon > timedelta(0):
            raise LegacyError(
                "INVALID_HORIZON",
                f"Meter data are recorded after the fact, so the horizon must be zero or negative (e.g. -PT10M), "
                f"not {format_duration(group.horizon)}; post forecasts with postPrognosis.",
                field="horizon",
            )
        given = group.required_values()
        for label in group.entities:
            sensor = addressing.resolve_connection(session, user, label, host, write=True)
            _check_signs(sensor, given, label)
            values = -given if _production_positive(sensor) else given
            postings.append(_Posting(sensor, group, values, POWER_UNIT))
    return _write(session, user, postings, now)


def post_prices(
    session: Session, user: User, groups: list[Group], *, host: str, now: datetime | None = None
) -> beliefs.WriteResult:
    """Prices (``<currency>/MWh``) for the markets of each group."""
    postings = []
    for group in groups:
        unit = group.unit or ""
        currency = addressing.price_currency(unit) if unit else None
        if currency is None or not _same_unit(unit, f"{currency}/MWh"):
            raise LegacyError(
                "INVALID_UNIT",
                f"Prices should be given in <currency>/MWh (e.g. EUR/MWh), not {group.unit!r}.",
                field="unit",
            )
        for label in group.entities:
            sensor = addressing.resolve_market(session, user, label, host, write=True)
            wanted = addressing.price_currency(sensor.unit)
            if wanted != currency:
                raise LegacyError(
                    "INVALID_UNIT",
                    f"Prices for market {label!r} should be given in {wanted}/MWh.",
                    field="unit",
                )
            postings.append(_Posting(sensor, group, group.required_values(), unit))
    return _write(session, user, postings, now)


def post_weather(
    session: Session,
    user: User,
    groups: list[Group],
    *,
    host: str,
    max_distance_km: float = addressing.DEFAULT_MAX_WEATHER_DISTANCE_KM,
    now: datetime | None = None,
) -> beliefs.WriteResult:
    """Weather data (°C, kW/m², m/s by type) for the nearest weather-station sensor of each address."""
    postings = []
    for group in groups:
        for label in group.entities:
            target = addressing.resolve_weather(
                session, user, label, host, write=True, max_distance_km=max_distance_km
            )
            expected = addressing.WEATHER_UNITS.get(target.weather_type or "", target.sensor.unit)
            what = target.weather_type or f"sensor {target.sensor.id}"
            unit = _require_unit(group.unit, expected, what)
            if not is_convertible(unit, target.sensor.unit):
                raise LegacyError(
                    "INVALID_UNIT",
                    f"The {what} sensor records {target.sensor.unit!r}, which {unit!r} cannot convert to.",
                    field="unit",
                )
            postings.append(_Posting(target.sensor, group, group.required_values(), unit))
    return _write(session, user, postings, now)


def _write(
    session: Session, user: User, postings: list[_Posting], now: datetime | None
) -> beliefs.WriteResult:
    """All checks passed: store every posting under the user's source, with one arrival time."""
    source = sources.user_source(session, user)
    now = now or utcnow()
    stored = known = 0
    for p in postings:
        start, duration = p.group.required_period()
        result = beliefs.post_series(
            session,
            p.sensor,
            source,
            values=p.values,
            start=start,
            duration=duration,
            unit=p.unit,
            prior=p.group.prior,
            horizon=p.group.horizon,
            now=now,
        )
        stored, known = stored + result.stored, known + result.already_known
    return beliefs.WriteResult(stored, known)


def read_power(session: Session, user: User, groups: list[Group], *, host: str) -> list[np.ndarray]:
    """Per group, the summed power of its connections (MW, consumption positive; NaN where unknown).

    A sum is unknown for an event where any connection of the group has no belief.
    """
    out = []
    for group in groups:
        unit = group.unit or POWER_UNIT
        _require_unit(unit, POWER_UNIT, "power")
        source_ids = resolve_sources(session, group.sources) if group.sources else None
        start, duration = group.required_period()
        total: np.ndarray | None = None
        for label in group.entities:
            sensor = addressing.resolve_connection(session, user, label, host, write=False)
            _check_resolution(sensor, group)
            series = beliefs.read_series(
                session,
                sensor,
                start=start,
                duration=duration,
                resolution=group.resolution,
                unit=POWER_UNIT,
                prior=group.prior,
                horizon=group.horizon,
                source_ids=source_ids,
            )
            values = -series.values if _production_positive(sensor) else series.values
            if total is not None and len(total) != len(values):
                raise LegacyError(
                    "INVALID_RESOLUTION",
                    "The connections of a group have different resolutions; ask for a common 'resolution'.",
                    field="resolution",
                )
            total = values if total is None else total + values
        if total is None:
            raise ValueError("a group without connections")  # parse_groups refuses those
        out.append(significant(total, _DIGITS))
    return out


def significant(values: np.ndarray, digits: int) -> np.ndarray:
    """Values rounded to ``digits`` significant digits (NaN stays NaN, -0.0 becomes 0.0)."""
    out = np.asarray(values, dtype=float) + 0.0
    nonzero = np.isfinite(out) & (out != 0)
    magnitude = np.floor(np.log10(np.abs(out[nonzero])))
    # Dividing by an exact power of ten gives the double nearest to the decimal, as parsing it would.
    scale = 10.0 ** (digits - 1 - magnitude)
    out[nonzero] = np.round(out[nonzero] * scale) / scale
    return out


def _check_resolution(sensor: Sensor, group: Group) -> None:
    native = sensor.event_resolution
    wanted = group.resolution
    if wanted is None or native <= timedelta(0):
        return
    if wanted < native or wanted % native:
        raise LegacyError(
            "INVALID_RESOLUTION",
            f"resolution {format_duration(wanted)} is not a multiple of the resolution of "
            f"{group.entities[0]!r} ({format_duration(native)}); data can only be downsampled.",
            field="resolution",
        )


def resolve_sources(session: Session, keys: list[str]) -> list[int]:
    """Source ids for v1 source selectors: user ids (``"42"``), USEF roles (``"MDC"``), source names or types."""
    ids: set[int] = set()
    for key in keys:
        if key.isascii() and key.isdigit():
            if session.get(User, int(key)) is None:
                raise LegacyError(
                    "INVALID_SOURCE", f"Source {key!r}: there is no user {key}.", field="sources"
                )
            ids.update(
                session.scalars(sa.select(DataSource.id).where(DataSource.user_id == int(key)))
            )
            continue
        try:
            ids.update(sources.resolve_sources(session, [key]))
        except ValidationError:
            raise LegacyError(
                "INVALID_SOURCE",
                f"Source {key!r} is neither a user id, a USEF role (e.g. MDC) nor a data source name.",
                field="sources",
            ) from None
    return sorted(ids)


def _attributes(sensor: Sensor) -> dict[str, Any]:
    return {**(sensor.asset.attributes or {}), **(sensor.attributes or {})}


def _production_positive(sensor: Sensor) -> bool:
    return _attributes(sensor).get("consumption_is_positive") is False


def _check_signs(sensor: Sensor, values: np.ndarray, label: str) -> None:
    """Pure consumers refuse production (negative), pure producers consumption (positive)."""
    attributes = _attributes(sensor)
    if attributes.get("is_pure_consumer") and (values < 0).any():
        i = int(np.flatnonzero(values < 0)[0])
        raise LegacyError(
            "POWER_VALUE_TOO_SMALL",
            f"Connection {label!r} is a pure consumer: it cannot produce, so negative values (production) are "
            f"refused (values[{i}] = {values[i]:g}).",
            field="values",
        )
    if attributes.get("is_pure_producer") and (values > 0).any():
        i = int(np.flatnonzero(values > 0)[0])
        raise LegacyError(
            "POWER_VALUE_TOO_BIG",
            f"Connection {label!r} is a pure producer: it cannot consume, so positive values (consumption) are "
            f"refused (values[{i}] = {values[i]:g}).",
            field="values",
        )


def _same_unit(given: str | None, expected: str) -> bool:
    """Whether ``given`` is ``expected`` under another spelling (``MW`` = ``megawatt``; ``kW`` is not)."""
    if not given:
        return False
    try:
        if not is_convertible(given, expected):
            return False
        zero, one = convert(np.array([0.0, 1.0]), given, expected)
    except UnitError:
        return False
    return abs(zero) < 1e-12 and abs(one - 1.0) < 1e-12


def _require_unit(given: str | None, expected: str, what: str) -> str:
    """``given``, if it is ``expected`` under some spelling."""
    if not given or not _same_unit(given, expected):
        stated = f", not {given!r}" if given else " (the message states no unit)"
        raise LegacyError(
            "INVALID_UNIT", f"Data for {what} should be given in {expected}{stated}.", field="unit"
        )
    return given
