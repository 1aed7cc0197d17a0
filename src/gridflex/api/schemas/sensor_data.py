"""Request schemas of the sensor-data routes; timing fields are parsed with field-naming errors."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from gridflex.errors import ValidationError
from gridflex.services.belief_checks import MAX_VALUE
from gridflex.timing import parse_datetime, parse_duration


def _datetime(value: Any, field: str) -> datetime:
    try:
        return parse_datetime(value, field=field)
    except ValidationError as exc:
        raise ValueError(exc.message) from None


def _duration(value: Any, field: str) -> timedelta:
    try:
        return parse_duration(value, field=field)
    except ValidationError as exc:
        raise ValueError(exc.message) from None


def _source_keys(value: Any) -> list[str] | None:
    """Sources as a list of keys: repeated parameters, a JSON list or comma-separated text."""
    if value in (None, ""):
        return None
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


class Timing(BaseModel):
    model_config = ConfigDict(extra="ignore")

    start: datetime
    duration: timedelta
    unit: str
    prior: datetime | None = None
    horizon: timedelta | None = None

    @field_validator("start", "prior", mode="before")
    @classmethod
    def _aware(cls, value: Any, info: Any) -> Any:
        return None if value is None else _datetime(value, info.field_name)

    @field_validator("duration", "horizon", mode="before")
    @classmethod
    def _iso_duration(cls, value: Any, info: Any) -> Any:
        return None if value is None else _duration(value, info.field_name)

    @field_validator("duration")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("duration must be positive.")
        return value

    @field_validator("unit", mode="before")
    @classmethod
    def _unit(cls, value: Any) -> Any:
        if not isinstance(value, str):  # "" is allowed: dimensionless
            raise ValueError("Not a valid unit (e.g. kW, MWh, EUR/MWh, or '' for dimensionless).")
        return value.strip()


class SensorDataPost(Timing):
    """Seed 003 time series: ``values`` over [start, start + duration), evenly spaced."""

    values: list[Any]
    source: int | str | None = None  # another data source; only for those allowed to name one

    @field_validator("values")
    @classmethod
    def _numbers(cls, values: list[Any]) -> list[float | None]:
        if not values:
            raise ValueError("values must contain at least one value.")
        for i, value in enumerate(values):
            kind = type(value)
            if kind is float or kind is int:
                # an int compares exactly, however long; float() of a 400-digit one overflows
                finite = kind is int or math.isfinite(value)
                if not (finite and -MAX_VALUE <= value <= MAX_VALUE):
                    shown = (
                        f"{value!r}" if kind is float else f"an integer of {len(str(value))} digits"
                    )
                    raise ValueError(
                        f"values[{i}] = {shown} is not a finite number within ±{MAX_VALUE:g}."
                    )
            elif value is not None:
                raise ValueError(f"values[{i}] = {value!r} is not a valid number.")
        return values


class SensorDataQuery(Timing):
    resolution: timedelta | None = None
    source: list[str] | None = None

    @field_validator("resolution", mode="before")
    @classmethod
    def _resolution(cls, value: Any) -> Any:
        return None if value in (None, "") else _duration(value, "resolution")

    @field_validator("resolution")
    @classmethod
    def _positive_resolution(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value <= timedelta(0):
            raise ValueError("resolution must be positive.")
        return value

    @field_validator("source", mode="before")
    @classmethod
    def _sources(cls, value: Any) -> Any:
        return _source_keys(value)


class SensorStatsQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    event_start_time: datetime | None = None
    event_end_time: datetime | None = None
    sort_keys: bool = True

    @field_validator("event_start_time", "event_end_time", mode="before")
    @classmethod
    def _aware(cls, value: Any, info: Any) -> Any:
        return None if value in (None, "") else _datetime(value, info.field_name)


class SensorDataDelete(BaseModel):
    """Which beliefs a DELETE removes: all of the sensor's, or those matching every filter given.

    Unknown keys are refused (a destructive route never ignores a parameter).
    """

    model_config = ConfigDict(extra="forbid")

    start: datetime | None = None  # events starting at or after this moment
    until: datetime | None = None  # ... and ending at or before this one
    source: list[str] | None = None  # ids, names, types or account roles, as on GET
    beliefs_after: datetime | None = None  # beliefs recorded at or after this moment
    beliefs_before: datetime | None = None  # ... and at or before this one

    @field_validator("start", "until", "beliefs_after", "beliefs_before", mode="before")
    @classmethod
    def _aware(cls, value: Any, info: Any) -> Any:
        return None if value in (None, "") else _datetime(value, info.field_name)

    @field_validator("source", mode="before")
    @classmethod
    def _sources(cls, value: Any) -> Any:
        return _source_keys(value)
