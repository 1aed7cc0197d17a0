"""The planning window of a trigger: start, resolution and length, checked against the sensors involved.

- ``resolution`` defaults to the (coarsest) resolution of the scheduled power
  sensors; a given one must be a whole multiple of each of them (setpoints then
  change less often, and are stored at the sensor's own resolution).
- ``duration`` defaults to the planning horizon (``GRIDFLEX_PLANNING_HORIZON``);
  SoC targets (and minima) beyond it extend it; the result may not exceed
  ``GRIDFLEX_MAX_PLANNING_STEPS`` steps.
- ``start`` must lie on the resolution grid (the reference silently floors it).
- Every sensor read as input must have a resolution that resamples to the
  schedule's (a whole multiple or divisor), checked here so the trigger can refuse.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from gridflex.errors import ResolutionError, ValidationError
from gridflex.services.belief_checks import check_alignment, resolution_factor, td_us
from gridflex.store.models import Sensor
from gridflex.timing import format_duration
from gridflex.units import is_convertible

from .flex_model import DeviceSpec
from .loading import Window
from .values import Segments


def _resolution(devices: Sequence[Sensor], requested: timedelta | None) -> timedelta:
    for sensor in devices:
        if sensor.event_resolution <= timedelta(0):
            raise ValidationError(
                f"Sensor {sensor.id} records instantaneous values; a scheduled power sensor needs "
                "an event resolution (e.g. PT15M).",
                field="sensor",
            )
        if not is_convertible("kW", sensor.unit, resolution=sensor.event_resolution):
            raise ValidationError(
                f"Sensor {sensor.id} records {sensor.unit!r}, not power (e.g. kW, MW): it cannot hold a schedule.",
                field="sensor",
            )
    if requested is not None and requested <= timedelta(0):
        raise ValidationError("resolution must be positive.", field="resolution")
    resolution = requested or max(s.event_resolution for s in devices)
    for sensor in devices:
        if td_us(resolution) % td_us(sensor.event_resolution):
            raise ValidationError(
                f"Resolution of {format_duration(resolution)} is incompatible with the resolution of "
                f"sensor {sensor.id} ({format_duration(sensor.event_resolution)}): use a whole multiple of it.",
                field="resolution",
            )
    return resolution


def _check_targets(devices: Sequence[DeviceSpec], start: datetime, resolution: timedelta) -> None:
    """SoC targets at a point in time must fall on a step boundary (they apply at step ends)."""
    for device in devices:
        for name in ("soc-targets", "soc-minima", "soc-maxima"):
            spec = device.values.get(name)
            if not isinstance(spec, Segments):
                continue
            for item in spec.items:
                if item.start == item.end and td_us(item.start - start) % td_us(resolution):
                    raise ValidationError(
                        f"{device.name}: {name} at {item.start.isoformat()} is not on the "
                        f"{format_duration(resolution)} grid of the schedule starting at {start.isoformat()}.",
                        field=name,
                    )


def plan_window(
    *,
    start: datetime,
    duration: timedelta | None,
    resolution: timedelta | None,
    prior: datetime | None,
    device_sensors: Sequence[Sensor],
    devices: Sequence[DeviceSpec],
    horizon: timedelta,
    max_steps: int,
) -> Window:
    """The window to schedule, or a ValidationError naming the field that makes it impossible."""
    step = _resolution(device_sensors, resolution)
    check_alignment(start, step, device_sensors[0].timezone, field="start")
    length = horizon if duration is None else duration
    if length <= timedelta(0):
        raise ValidationError("duration must be positive.", field="duration")
    if td_us(length) % td_us(step):
        raise ValidationError(
            f"duration {format_duration(length)} is not a whole number of {format_duration(step)} steps.",
            field="duration",
        )
    _check_targets(devices, start, step)
    end, extended_by = start + length, None
    for device in devices:
        latest = device.latest_target()
        if latest is not None and latest > end:
            end, extended_by = latest, device.name
    if td_us(end - start) % td_us(step):  # a range target ending between two steps
        end = start + step * -(-(end - start) // step)
    n = int((end - start) / step)
    if n > max_steps:
        field = "soc-targets" if extended_by else "duration"
        reason = f"the targets of {extended_by} lie" if extended_by else "that is"
        raise ValidationError(
            f"The schedule would have {n} steps of {format_duration(step)} ({reason} too far ahead); "
            f"at most {max_steps} are allowed.",
            field=field,
        )
    return Window(start=start, end=end, resolution=step, prior=prior)


def check_input_resolutions(
    refs: Sequence[tuple[str, Sensor]], window: Window, soc_sensor_ids: set[int]
) -> None:
    """Each input sensor must resample to the schedule's resolution; SoC sensors must fit its boundaries."""
    for field, sensor in refs:
        native = sensor.event_resolution
        if native <= timedelta(0):
            continue  # instantaneous readings are binned into steps
        if sensor.id in soc_sensor_ids and field == "state-of-charge":
            if td_us(native) % td_us(window.resolution):
                raise ValidationError(
                    f"The state-of-charge sensor {sensor.id} has a resolution of {format_duration(native)}; "
                    f"it must be instantaneous or a whole multiple of the schedule's "
                    f"{format_duration(window.resolution)}.",
                    field=field,
                )
            continue
        try:
            resolution_factor(window.resolution, native)
        except ResolutionError:
            raise ValidationError(
                f"Sensor {sensor.id} has a resolution of {format_duration(native)}, which does not "
                f"resample to the schedule's {format_duration(window.resolution)}.",
                field=field,
            ) from None
