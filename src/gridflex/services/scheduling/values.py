"""One flex-model or flex-context value: a fixed quantity, a sensor's series, or time segments.

Clients write every field in a few ways:

- a quantity string: ``"25 kWh"``, ``"95%"``, ``"4"`` (a bare number only where the
  field has no unit, or for SoC fields when ``soc-unit`` says which);
- ``{"sensor": id}``: that sensor's beliefs over the planning window;
- a list of segments ``[{"start", "end" | "duration", "value"}]``; SoC fields also
  take points in time ``{"datetime", "value"}``;
- for ``soc-gain``, ``soc-usage`` and the inflexible power fields: a list of such
  values, summed.

Parsing (this module) checks units, sensors and permissions without reading any
data, so that a trigger refuses bad input at once and names the field; `loading`
turns a spec into per-step arrays inside the job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from gridflex.errors import ValidationError
from gridflex.store.models import Sensor
from gridflex.timing import parse_datetime, parse_duration
from gridflex.units import convert, is_convertible, parse_quantity, parse_unit

# The unit(s) each kind of value is converted to, tried in order ({c}: the context's currency).
CANONICAL = {
    "energy": ("kWh",),
    "power": ("kW",),
    "fraction": ("",),
    "energy-price": ("{c}/kWh",),
    "power-price": ("{c}/kW",),
    "co2-price": ("{c}/kgCO2eq", "{c}/kg"),
    "intensity": ("gCO2eq/kWh", "g/kWh"),
}
EXAMPLES = {
    "energy": "'25 kWh'",
    "power": "'10 kW'",
    "fraction": "'95%' or 0.95",
    "energy-price": "'0.25 EUR/kWh' or '250 EUR/MWh'",
    "power-price": "'1000 EUR/kW'",
    "co2-price": "'100 EUR/tCO2'",
    "intensity": "'300 gCO2eq/kWh'",
}
_SEGMENT_KEYS = {"start", "end", "duration", "value", "datetime"}


@dataclass(frozen=True)
class Fixed:
    """One value for the whole window, in the kind's canonical unit."""

    value: float


@dataclass(frozen=True)
class FromSensor:
    """A sensor's series, to be read in ``unit`` (the canonical unit it converts to)."""

    sensor_id: int
    unit: str


@dataclass(frozen=True)
class Segment:
    """A value over [start, end) for per-step fields, or at the moments [start, end] for SoC fields."""

    start: datetime
    end: datetime
    value: float


@dataclass(frozen=True)
class Segments:
    items: tuple[Segment, ...]


@dataclass(frozen=True)
class Total:
    """Several values that add up (e.g. two kinds of heat demand in ``soc-usage``)."""

    parts: tuple[Spec, ...]


Spec = Fixed | FromSensor | Segments | Total


def currency_of(unit: str) -> str | None:
    """The currency code in a unit (``EUR`` in ``EUR/MWh``), or None."""
    for dim in dict(parse_unit(unit).dimensionality):
        if dim.startswith("[currency_"):
            return dim[len("[currency_") : -1]
    return None


def latest_moment(spec: Spec | None) -> datetime | None:
    """The last moment a segment spec refers to (to extend the horizon to targets)."""
    if isinstance(spec, Segments) and spec.items:
        return max(item.end for item in spec.items)
    if isinstance(spec, Total):
        found = [m for m in (latest_moment(p) for p in spec.parts) if m is not None]
        return max(found) if found else None
    return None


def sensor_ids(spec: Spec | None) -> list[int]:
    if isinstance(spec, FromSensor):
        return [spec.sensor_id]
    if isinstance(spec, Total):
        return [i for part in spec.parts for i in sensor_ids(part)]
    return []


@dataclass
class Parser:
    """Parses values for one device or one site; remembers every sensor it was pointed at.

    ``can_read`` decides whether the requesting user may read a sensor (None: no
    check, as inside a job, where the trigger already checked).
    """

    session: Session
    can_read: Callable[[Sensor], bool] | None = None
    currency: str = "EUR"
    soc_unit: str | None = None
    who: str = ""
    refs: list[tuple[str, Sensor]] = field(default_factory=list)

    def fail(self, message: str, name: str) -> ValidationError:
        prefix = f"{self.who}: " if self.who else ""
        return ValidationError(f"{prefix}{message}", field=name)

    def sensor(self, raw: Any, name: str) -> Sensor:
        """A sensor given by id (or ``{"sensor": id}``) that exists and may be read."""
        if isinstance(raw, dict) and set(raw) == {"sensor"}:
            raw = raw["sensor"]
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise self.fail(f"{name} must be a sensor id, e.g. {{'sensor': 3}}.", name)
        found = self.session.get(Sensor, raw)
        if found is None or (self.can_read is not None and not self.can_read(found)):
            raise self.fail(f"No sensor found with ID {raw}.", name)
        self.refs.append((name, found))
        return found

    def units(self, kind: str) -> tuple[str, ...]:
        return tuple(u.format(c=self.currency) for u in CANONICAL[kind])

    def quantity(self, raw: Any, name: str, kind: str) -> float:
        """A fixed value converted to the kind's canonical unit."""
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise self.fail(f"{name} must be a quantity such as {EXAMPLES[kind]}.", name)
        try:
            magnitude, unit = parse_quantity(raw, field=name)
        except ValidationError as exc:
            raise self.fail(exc.message, name) from None
        if unit == "" and kind == "energy" and self.soc_unit:
            unit = self.soc_unit
        if unit == "" and kind != "fraction":
            raise self.fail(
                f"{name} needs a unit, e.g. {EXAMPLES[kind]}"
                + (" (or give soc-unit)." if kind == "energy" else "."),
                name,
            )
        for target in self.units(kind):
            if is_convertible(unit, target):
                return float(convert(magnitude, unit, target))
        raise self.fail(self._unit_problem(f"`{raw}`", unit, kind), name)

    def _unit_problem(self, what: str, unit: str, kind: str) -> str:
        found = currency_of(unit) if unit else None
        if kind.endswith("price") and found and found != self.currency:
            return (
                f"{what} is in {found}, but the prices of this schedule are in {self.currency}; "
                "use one currency."
            )
        return f"Cannot convert {what} to {self.units(kind)[0] or 'a fraction'}; give e.g. {EXAMPLES[kind]}."

    def from_sensor(self, raw: dict, name: str, kind: str) -> FromSensor:
        sensor = self.sensor(raw, name)
        step = sensor.event_resolution if sensor.event_resolution > timedelta(0) else None
        for target in self.units(kind):
            if is_convertible(sensor.unit, target, resolution=step):
                return FromSensor(sensor.id, target)
        raise self.fail(
            self._unit_problem(f"sensor {sensor.id} (unit {sensor.unit!r})", sensor.unit, kind),
            name,
        )

    def value(
        self, raw: Any, name: str, kind: str, *, points: bool = False, summed: bool = False
    ) -> Spec:
        """Any form of value (see the module docstring) for the field ``name``."""
        if isinstance(raw, dict):
            if "sensor" in raw:
                extra = set(raw) - {"sensor"}
                if extra:
                    raise self.fail(
                        f"{name}: unknown key(s) {sorted(extra)} next to 'sensor'.", name
                    )
                return self.from_sensor(raw, name, kind)
            raise self.fail(
                f"{name} must be a quantity, {{'sensor': id}} or a list of segments.", name
            )
        if isinstance(raw, list):
            if not raw:
                raise self.fail(f"{name} must not be an empty list.", name)
            is_segments = all(isinstance(item, dict) and "sensor" not in item for item in raw)
            if is_segments:
                return self.segments(raw, name, kind, points=points)
            if summed:
                return Total(tuple(self.value(item, name, kind, points=points) for item in raw))
            raise self.fail(
                f"{name} must be a list of segments ({{'start', 'end', 'value'}}).", name
            )
        return Fixed(self.quantity(raw, name, kind))

    def segments(self, raw: list, name: str, kind: str, *, points: bool) -> Segments:
        items = []
        for i, item in enumerate(raw):
            where = f"{name}[{i}]"
            unknown = set(item) - _SEGMENT_KEYS
            if unknown:
                raise self.fail(f"{where}: unknown key(s) {sorted(unknown)}.", name)
            if "value" not in item:
                raise self.fail(f"{where}: 'value' is missing.", name)
            start, end = self._span(item, where, name, points=points)
            items.append(Segment(start, end, self.quantity(item["value"], name, kind)))
        return Segments(tuple(items))

    def _span(
        self, item: dict, where: str, name: str, *, points: bool
    ) -> tuple[datetime, datetime]:
        try:
            if "datetime" in item:
                if not points or {"start", "end", "duration"} & set(item):
                    raise ValidationError(
                        "give either 'datetime' (SoC fields only) or 'start' with 'end' or 'duration'."
                    )
                moment = parse_datetime(item["datetime"], field=name)
                return moment, moment
            if "start" not in item or ("end" in item) == ("duration" in item):
                raise ValidationError("give 'start' and one of 'end' or 'duration'.")
            start = parse_datetime(item["start"], field=name)
            end = (
                parse_datetime(item["end"], field=name)
                if "end" in item
                else start + parse_duration(item["duration"], field=name)
            )
        except ValidationError as exc:
            raise self.fail(f"{where}: {exc.message}", name) from None
        if end < start or (end == start and not points):
            raise self.fail(f"{where}: the segment ends before it starts.", name)
        return start, end

    def flag(self, raw: Any, name: str) -> bool:
        if not isinstance(raw, bool):
            raise self.fail(f"{name} must be true or false.", name)
        return raw
