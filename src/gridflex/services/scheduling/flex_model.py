"""The flex-model of one device: parsed (and checked) at trigger time, built into an engine device in the job.

A device is the power sensor it is scheduled for, plus its flex-model: the fields
stored on the sensor's asset (``flex_model``), overridden by the request. What kind
of device it is follows from the fields:

- ``process-type`` / ``power`` / ``duration``: a process load (inflexible,
  shiftable or breakable), optionally kept out of ``time-restrictions``;
- no SoC field, ``consumption-capacity`` zero and a ``production-capacity``: a
  curtailable producer such as PV (production up to that capacity);
- anything else: a storage device (without SoC fields its SoC is unconstrained).

Sensor and asset attributes give defaults the way the reference platform does:
``capacity_in_mw`` for power-capacity, ``is_pure_consumer`` / ``is_pure_producer``
for a zero production / consumption capacity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from gridflex.engines.scheduling import (
    CurtailableProduction,
    Device,
    ProcessLoad,
    StorageDevice,
)
from gridflex.errors import ValidationError
from gridflex.services.sensors import get_sensor
from gridflex.store.models import Sensor
from gridflex.timing import parse_duration
from gridflex.units import is_convertible

from .loading import Loader, Window
from .values import Fixed, Parser, Segments, Spec

# field -> (kind, grid): "ends" are SoC limits at step ends, "sum" a list of values that add up.
STORAGE_VALUES: dict[str, tuple[str, str]] = {
    "soc-min": ("energy", "ends"),
    "soc-max": ("energy", "ends"),
    "soc-minima": ("energy", "ends"),
    "soc-maxima": ("energy", "ends"),
    "soc-targets": ("energy", "ends"),
    "soc-gain": ("power", "sum"),
    "soc-usage": ("power", "sum"),
    "power-capacity": ("power", "steps"),
    "consumption-capacity": ("power", "steps"),
    "production-capacity": ("power", "steps"),
    "charging-efficiency": ("fraction", "steps"),
    "discharging-efficiency": ("fraction", "steps"),
    "storage-efficiency": ("fraction", "steps"),
}
SOC_FIELDS = {
    "state-of-charge",
    "soc-at-start",
    "soc-unit",
    "soc-min",
    "soc-max",
    "soc-minima",
    "soc-maxima",
    "soc-targets",
    "soc-gain",
    "soc-usage",
    "storage-efficiency",
}
STORAGE_OTHER = {
    "sensor",
    "state-of-charge",
    "soc-at-start",
    "soc-unit",
    "roundtrip-efficiency",
    "prefer-charging-sooner",
    "prefer-curtailing-later",
}
PROCESS_FIELDS = {"sensor", "power", "duration", "process-type", "time-restrictions"}
PROCESS_KINDS = ("inflexible", "shiftable", "breakable")


@dataclass(frozen=True)
class DeviceSpec:
    """A parsed flex-model: what kind of device, and its values (canonical units)."""

    sensor_id: int
    name: str
    kind: str  # "storage", "production" or "process"
    values: dict[str, Spec] = field(default_factory=dict)
    soc_at_start_kwh: float | None = None
    soc_sensor_id: int | None = None
    roundtrip_efficiency: float | None = None
    prefer_charging_sooner: bool = True
    prefer_curtailing_later: bool = True
    has_soc: bool = True
    process: dict[str, Any] = field(default_factory=dict)

    def latest_target(self) -> datetime | None:
        """The last SoC target or minimum moment: the horizon is extended to reach it."""
        moments = [
            max(item.end for item in spec.items)
            for name in ("soc-targets", "soc-minima")
            if isinstance(spec := self.values.get(name), Segments)
        ]
        return max(moments) if moments else None


def device_label(sensor: Sensor) -> str:
    return f"{sensor.name} (sensor {sensor.id})"


def attributes(sensor: Sensor) -> dict[str, Any]:
    return {**(sensor.asset.attributes or {}), **(sensor.attributes or {})}


def consumption_is_positive(sensor: Sensor) -> bool:
    """The sign convention of a power sensor's stored values (gridflex default: consumption positive)."""
    return attributes(sensor).get("consumption_is_positive") is not False


def parse_device(parser: Parser, sensor: Sensor, model: dict[str, Any]) -> DeviceSpec:
    """Check one device's flex-model and turn it into a spec; names the field on any problem."""
    parser.who = device_label(sensor)
    if "sensor" in model and model["sensor"] != sensor.id:
        raise parser.fail(f"flex-model sensor {model['sensor']} is not {sensor.id}.", "sensor")
    if {"process-type", "power", "duration", "time-restrictions"} & set(model):
        return _parse_process(parser, sensor, model)
    unknown = sorted(set(model) - set(STORAGE_VALUES) - STORAGE_OTHER)
    if unknown:
        raise parser.fail("Unknown field.", unknown[0])
    return _parse_storage(parser, sensor, model)


def _defaults(sensor: Sensor, model: dict[str, Any]) -> dict[str, Any]:
    """Capacities implied by the sensor's (or its asset's) attributes, unless the model sets them."""
    attrs = attributes(sensor)
    out = dict(model)
    capacity = attrs.get("capacity_in_mw")
    if "power-capacity" not in out and isinstance(capacity, int | float) and capacity >= 0:
        out["power-capacity"] = f"{capacity} MW"
    if attrs.get("is_pure_consumer") and "production-capacity" not in out:
        out["production-capacity"] = "0 kW"
    if attrs.get("is_pure_producer") and "consumption-capacity" not in out:
        out["consumption-capacity"] = "0 kW"
    return out


def _parse_storage(parser: Parser, sensor: Sensor, model: dict[str, Any]) -> DeviceSpec:
    if "soc-unit" in model:
        unit = model["soc-unit"]
        if unit not in ("kWh", "MWh", "Wh"):
            raise parser.fail("soc-unit must be one of kWh, MWh or Wh.", "soc-unit")
        parser.soc_unit = unit
    has_soc = bool(SOC_FIELDS & set(model))
    values: dict[str, Spec] = {}
    for name, raw in _defaults(sensor, model).items():
        if name in STORAGE_VALUES:
            kind, grid = STORAGE_VALUES[name]
            values[name] = parser.value(
                raw, name, kind, points=grid == "ends", summed=grid == "sum"
            )
    soc_sensor = (
        _soc_sensor(parser, model["state-of-charge"]) if "state-of-charge" in model else None
    )
    soc_at_start = (
        parser.quantity(model["soc-at-start"], "soc-at-start", "energy")
        if "soc-at-start" in model
        else None
    )
    if has_soc and soc_at_start is None and soc_sensor is None:
        raise parser.fail(
            "soc-at-start is required for a storage device (or a state-of-charge sensor "
            "that knows the SoC at the start).",
            "soc-at-start",
        )
    roundtrip = (
        parser.quantity(model["roundtrip-efficiency"], "roundtrip-efficiency", "fraction")
        if "roundtrip-efficiency" in model
        else None
    )
    spec = DeviceSpec(
        sensor_id=sensor.id,
        name=device_label(sensor),
        kind="production" if _is_producer(values, has_soc) else "storage",
        values=values,
        soc_at_start_kwh=soc_at_start,
        soc_sensor_id=soc_sensor,
        roundtrip_efficiency=roundtrip,
        prefer_charging_sooner=parser.flag(
            model.get("prefer-charging-sooner", True), "prefer-charging-sooner"
        ),
        prefer_curtailing_later=parser.flag(
            model.get("prefer-curtailing-later", True), "prefer-curtailing-later"
        ),
        has_soc=has_soc,
    )
    _check_fixed(parser, spec)
    return spec


def _soc_sensor(parser: Parser, raw: Any) -> int:
    sensor = parser.sensor(raw, "state-of-charge")
    if not is_convertible("kWh", sensor.unit):
        raise parser.fail(
            f"The state-of-charge sensor {sensor.id} records {sensor.unit!r}, not energy (e.g. kWh).",
            "state-of-charge",
        )
    return sensor.id


def _is_producer(values: dict[str, Spec], has_soc: bool) -> bool:
    consumption = values.get("consumption-capacity")
    return (
        not has_soc
        and isinstance(consumption, Fixed)
        and consumption.value == 0
        and "production-capacity" in values
    )


def _fixed(spec: DeviceSpec, name: str) -> float | None:
    value = spec.values.get(name)
    return value.value if isinstance(value, Fixed) else None


def _check_fixed(parser: Parser, spec: DeviceSpec) -> None:
    """What can be refused before any data is read (the engine re-checks everything per step)."""
    lo, hi, start = _fixed(spec, "soc-min"), _fixed(spec, "soc-max"), spec.soc_at_start_kwh
    if lo is not None and hi is not None and lo > hi:
        raise parser.fail(f"soc-min ({lo:g} kWh) is above soc-max ({hi:g} kWh).", "soc-min")
    if start is not None and hi is not None and start > hi + 1e-9:
        raise parser.fail(
            f"soc-at-start ({start:g} kWh) is above soc-max ({hi:g} kWh).", "soc-at-start"
        )
    if start is not None and lo is not None and start < lo - 1e-9:
        raise parser.fail(
            f"soc-at-start ({start:g} kWh) is below soc-min ({lo:g} kWh).", "soc-at-start"
        )
    for name in ("power-capacity", "consumption-capacity", "production-capacity"):
        value = _fixed(spec, name)
        if value is not None and value < 0:
            raise parser.fail(f"{name} must not be negative.", name)
    bounds = {
        "charging-efficiency": (0.0, math.inf),
        "discharging-efficiency": (0.0, 1.0),
        "storage-efficiency": (0.0, 1.0),
    }
    for name, (low, high) in bounds.items():
        value = _fixed(spec, name)
        if value is not None and not (low < value <= high + 1e-12):
            raise parser.fail(
                f"{name} must be {'positive' if high == math.inf else 'in (0, 100%]'}.", name
            )
    rt = spec.roundtrip_efficiency
    if rt is not None and not (0 < rt <= 1 + 1e-12):
        raise parser.fail("roundtrip-efficiency must be in (0, 100%].", "roundtrip-efficiency")


def _parse_process(parser: Parser, sensor: Sensor, model: dict[str, Any]) -> DeviceSpec:
    unknown = sorted(set(model) - PROCESS_FIELDS)
    if unknown:
        raise parser.fail("Unknown field.", unknown[0])
    for name in ("power", "duration"):
        if name not in model:
            raise parser.fail(f"{name} is required for a process.", name)
    power = parser.quantity(model["power"], "power", "power")
    try:
        duration = parse_duration(model["duration"], field="duration")
    except ValidationError as exc:
        raise parser.fail(exc.message, "duration") from None
    if duration <= timedelta(0):
        raise parser.fail("duration must be positive.", "duration")
    kind = str(model.get("process-type", "shiftable")).lower()
    if kind not in PROCESS_KINDS:
        raise parser.fail(
            f"process-type must be one of {', '.join(k.upper() for k in PROCESS_KINDS)}.",
            "process-type",
        )
    restrictions = model.get("time-restrictions", [])
    if not isinstance(restrictions, list):
        raise parser.fail(
            "time-restrictions must be a list of {'start', 'duration'}.", "time-restrictions"
        )
    window = (
        parser.segments(
            [{**item, "value": 1} if isinstance(item, dict) else item for item in restrictions],
            "time-restrictions",
            "fraction",
            points=False,
        )
        if restrictions
        else Segments(())
    )
    return DeviceSpec(
        sensor_id=sensor.id,
        name=device_label(sensor),
        kind="process",
        has_soc=False,
        process={"power_kw": power, "duration": duration, "kind": kind, "restrictions": window},
    )


def build_device(spec: DeviceSpec, loader: Loader, sensor: Sensor) -> Device:
    """The engine device for a spec, with every per-step value read for the window."""
    if spec.kind == "process":
        return _build_process(spec, loader.window)
    if spec.kind == "production":
        available = loader.steps(spec.values["production-capacity"], default=0.0)
        cap = loader.steps(spec.values.get("power-capacity"), default=math.inf)
        return CurtailableProduction(
            available_kw=np.minimum(available, cap),
            name=spec.name,
            prefer_curtailing_later=spec.prefer_curtailing_later,
        )
    return _build_storage(spec, loader, sensor)


def _build_storage(spec: DeviceSpec, loader: Loader, sensor: Sensor) -> StorageDevice:
    v, w = spec.values, loader.window
    soc_at_start = spec.soc_at_start_kwh
    if soc_at_start is None and spec.soc_sensor_id is not None:
        soc_at_start = loader.value_at_start(get_sensor(loader.session, spec.soc_sensor_id), "kWh")
        if math.isnan(soc_at_start):
            raise ValidationError(
                f"{spec.name}: soc-at-start is not given and the state-of-charge sensor "
                f"{spec.soc_sensor_id} has no value at {w.start.isoformat()}.",
                field="soc-at-start",
            )
    # Storage efficiency is stated per step of the device's sensor; rescale it to the schedule's steps.
    per_h = (sensor.event_resolution or w.resolution).total_seconds() / 3600
    eta_storage = loader.steps(v.get("storage-efficiency"), default=1.0) ** (w.resolution_h / per_h)
    return StorageDevice(
        soc_at_start_kwh=soc_at_start or 0.0,
        name=spec.name,
        soc_min_kwh=loader.ends(v.get("soc-min"), default=0.0 if spec.has_soc else -math.inf),
        soc_max_kwh=loader.ends(v.get("soc-max"), default=math.inf),
        soc_minima_kwh=loader.ends(v["soc-minima"]) if "soc-minima" in v else None,
        soc_maxima_kwh=loader.ends(v["soc-maxima"]) if "soc-maxima" in v else None,
        soc_targets_kwh=loader.ends(v["soc-targets"]) if "soc-targets" in v else None,
        soc_gain_kw=loader.steps(v.get("soc-gain"), default=0.0),
        soc_usage_kw=loader.steps(v.get("soc-usage"), default=0.0),
        power_capacity_kw=loader.steps(v.get("power-capacity"), default=math.inf),
        consumption_capacity_kw=loader.steps(v["consumption-capacity"])
        if "consumption-capacity" in v
        else None,
        production_capacity_kw=loader.steps(v["production-capacity"])
        if "production-capacity" in v
        else None,
        charging_efficiency=_efficiency(
            loader, v, "charging-efficiency", spec.roundtrip_efficiency
        ),
        discharging_efficiency=_efficiency(
            loader, v, "discharging-efficiency", spec.roundtrip_efficiency
        ),
        roundtrip_efficiency=spec.roundtrip_efficiency,
        storage_efficiency=eta_storage,
        prefer_charging_sooner=spec.prefer_charging_sooner,
    )


def _efficiency(
    loader: Loader, values: dict[str, Spec], name: str, roundtrip: float | None
) -> np.ndarray | None:
    if name not in values:
        return None  # the engine derives it from the round trip
    default = math.sqrt(roundtrip) if roundtrip is not None else 1.0
    return loader.steps(values[name], default=default)


def _build_process(spec: DeviceSpec, window: Window) -> ProcessLoad:
    p = spec.process
    steps = p["duration"] / window.resolution
    if abs(steps - round(steps)) > 1e-9:
        raise ValidationError(
            f"{spec.name}: duration is not a whole number of {window.resolution} steps.",
            field="duration",
        )
    start, end = _process_window(spec.name, p["restrictions"], window)
    return ProcessLoad(
        power_kw=p["power_kw"],
        duration_steps=round(steps),
        name=spec.name,
        earliest_start_step=start,
        latest_end_step=end,
        kind=p["kind"],
    )


def _process_window(name: str, restrictions: Segments, window: Window) -> tuple[int, int]:
    """The one window [start, end) of steps left free by the time restrictions."""
    starts = window.step_starts()
    free = np.ones(window.n, dtype=bool)
    for item in restrictions.items:
        blocked = (starts + window.resolution > item.start) & (starts < item.end)
        free &= ~np.asarray(blocked)
    steps = np.flatnonzero(free)
    if steps.size == 0:
        raise ValidationError(
            f"{name}: time-restrictions leave no step free.", field="time-restrictions"
        )
    if steps[-1] - steps[0] + 1 != steps.size:
        raise ValidationError(
            f"{name}: time-restrictions must leave one contiguous window free (restrict the start "
            "and/or the end of the planning window).",
            field="time-restrictions",
        )
    return int(steps[0]), int(steps[-1]) + 1
