"""What to forecast: the trigger fields, checked once, as a job's JSON arguments and as a plan of runs.

Timing rules (the same for the API, the CLI and refresh jobs):

- ``prior`` (default: now) is the **data cut-off**: only beliefs recorded at or
  before it are read, for the target and for every regressor.
- The window is ``[start, end)``; give at most two of start, end and duration.
  Without ``start`` the forecast starts at the first step at or after the
  cut-off; without a length it covers ``max-forecast-horizon`` or 48 hours.
- One run (the default): the forecast counts as **made at** the cut-off, or at
  ``start`` when that is earlier (a forecast of the past, made as if at its
  start). Its beliefs carry that moment as their belief time; a forecast of the
  past made with data known later gets a data source that records the cut-off.
- Rolling runs (``forecast-frequency``, or a ``max-forecast-horizon`` shorter
  than the window): a run starts every ``forecast-frequency`` (default: the
  horizon), is made at its own start and covers ``max-forecast-horizon``
  (default: the whole window), cut at ``end``. Every run must start at or before
  the cut-off: a run cannot be made in the future.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from gridflex.engines.forecasting import DEFAULT_MAX_TRAINING_PERIOD, MIN_TRAIN_PERIOD, MODELS
from gridflex.engines.forecasting.options import PROBABILISTIC_MODELS, SOLAR_MODELS
from gridflex.errors import ValidationError
from gridflex.services.belief_checks import check_alignment
from gridflex.services.forecasting.site import solar_site, weather_sensors
from gridflex.store.models import Sensor
from gridflex.timing import format_duration, parse_datetime, parse_duration, to_utc

DEFAULT_DURATION = timedelta(hours=48)
#: Forecast steps per request (a year of quarter-hours and some); more asks for a coarser sensor.
MAX_STEPS = 40_000
DAY = timedelta(days=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ForecastSpec:
    """A checked forecasting request for one sensor; ``to_kwargs`` is what its job stores.

    ``belief_time`` is the data cut-off (``prior``); ``None`` means "when the job
    runs" (refresh jobs), and then ``start`` is ``None`` too: the forecast starts
    at the first step at or after that moment.
    """

    sensor_id: int
    duration: timedelta
    start: datetime | None = None
    belief_time: datetime | None = None
    horizon: timedelta | None = None
    frequency: timedelta | None = None
    retrain_frequency: timedelta | None = None
    model: str = "auto"
    probabilistic: bool = False
    train_start: datetime | None = None
    train_period: timedelta | None = None
    max_training_period: timedelta = DEFAULT_MAX_TRAINING_PERIOD
    past_regressors: tuple[int, ...] = ()
    future_regressors: tuple[int, ...] = ()

    def to_kwargs(self) -> dict[str, Any]:
        """JSON-able job arguments (ISO 8601 times and durations)."""
        out: dict[str, Any] = {}
        for name, value in self.__dict__.items():
            if isinstance(value, datetime):
                value = to_utc(value).isoformat()
            elif isinstance(value, timedelta):
                value = format_duration(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any]) -> ForecastSpec:
        values: dict[str, Any] = {}
        for name, value in kwargs.items():
            if name in ("start", "belief_time", "train_start") and value is not None:
                value = parse_datetime(value, field=name)
            elif name in _DURATIONS and value is not None:
                value = parse_duration(value, field=name)
            elif name in ("past_regressors", "future_regressors"):
                value = tuple(int(i) for i in value)
            values[name] = value
        return cls(**values)

    @property
    def config(self) -> dict[str, Any]:
        """What decides the values besides the data and the moment: the data-source identity."""
        kwargs = self.to_kwargs()
        for moment in ("start", "belief_time"):
            kwargs.pop(moment)
        kwargs.pop("sensor_id")
        return kwargs


_DURATIONS = (
    "duration",
    "horizon",
    "frequency",
    "retrain_frequency",
    "train_period",
    "max_training_period",
)


@dataclass(frozen=True)
class Plan:
    """A spec resolved at one moment: the window and the runs, each with its belief time."""

    spec: ForecastSpec
    resolution: timedelta
    cutoff: datetime  # data recorded later is not read
    start: datetime
    end: datetime
    horizon: timedelta
    frequency: timedelta
    made_at: tuple[datetime, ...]  # belief time of each run
    rolling: bool  # runs of ``horizon`` every ``frequency``, each made at its start

    @property
    def n_steps(self) -> int:
        return (self.end - self.start) // self.resolution


def make_spec(
    sensor: Sensor,
    *,
    now: datetime,
    start: datetime | None = None,
    end: datetime | None = None,
    duration: timedelta | None = None,
    prior: datetime | None = None,
    max_forecast_horizon: timedelta | None = None,
    forecast_frequency: timedelta | None = None,
    retrain_frequency: timedelta | None = None,
    model: str = "auto",
    probabilistic: bool = False,
    train_start: datetime | None = None,
    train_period: timedelta | None = None,
    max_training_period: timedelta | None = None,
    regressors: list[int] | tuple[int, ...] = (),
    past_regressors: list[int] | tuple[int, ...] = (),
    future_regressors: list[int] | tuple[int, ...] = (),
    fixed: bool = True,
) -> ForecastSpec:
    """Check the trigger fields against the sensor and fix the window (``fixed``) or leave it to the job.

    With ``fixed=False`` (refresh jobs) the cut-off and start are left open and
    resolved when the job runs; ``start``, ``end`` and ``prior`` must then be absent.
    Weather sensors linked to the sensor (:mod:`.site`) join the past regressors.
    Field names in errors are those of the trigger message.
    """
    resolution = check_sensor(sensor)
    linked = [i for i in weather_sensors(sensor) if i not in (*regressors, *future_regressors)]
    if sum(v is not None for v in (start, end, duration)) > 2:
        raise ValidationError("Give at most two of start, end and duration.", field="duration")
    for name, value in (
        ("duration", duration),
        ("max-forecast-horizon", max_forecast_horizon),
        ("forecast-frequency", forecast_frequency),
    ):
        if value is not None:
            _check_steps(name, value, resolution)
    if prior is not None and prior > now + timedelta(minutes=1):
        raise ValidationError(
            f"prior {prior.isoformat()} lies in the future: a forecast is made with data known by now.",
            field="prior",
        )
    cutoff = to_utc(prior or now)
    length = duration
    if start is not None and end is not None:
        length = end - start
    if length is None:
        length = max_forecast_horizon if max_forecast_horizon is not None else DEFAULT_DURATION
    if start is None and end is not None:
        start = end - length
    if fixed and start is None:
        start = ceil_to_grid(cutoff, resolution)
    _check_options(model, probabilistic, train_period, max_training_period, retrain_frequency)
    if model in SOLAR_MODELS and solar_site(sensor) is None:
        raise ValidationError(
            f"Model {model!r} needs a solar sensor: one on an asset of type 'solar' with a "
            "latitude and longitude (its own or a parent's).",
            field="model",
        )
    spec = ForecastSpec(
        sensor_id=sensor.id,
        duration=length,
        start=None if start is None else to_utc(start),
        belief_time=cutoff if fixed else None,
        horizon=max_forecast_horizon,
        frequency=forecast_frequency,
        retrain_frequency=retrain_frequency,
        model=model,
        probabilistic=bool(probabilistic),
        train_start=None if train_start is None else to_utc(train_start),
        train_period=train_period,
        max_training_period=max_training_period or DEFAULT_MAX_TRAINING_PERIOD,
        past_regressors=tuple(dict.fromkeys([*regressors, *past_regressors, *linked])),
        future_regressors=tuple(dict.fromkeys([*regressors, *future_regressors])),
    )
    resolve(spec, sensor, now=now)  # refuse now what the job would refuse later
    return spec


def _check_options(
    model: str,
    probabilistic: bool,
    train_period: timedelta | None,
    max_training_period: timedelta | None,
    retrain_frequency: timedelta | None,
) -> None:
    if model not in MODELS:
        raise ValidationError(
            f"Unknown model {model!r}; choose one of {', '.join(MODELS)}.", field="model"
        )
    if probabilistic and model not in PROBABILISTIC_MODELS:
        raise ValidationError(
            f"probabilistic forecasts need model 'boosted' (or 'auto', which then uses it); "
            f"{model!r} gives one value.",
            field="probabilistic",
        )
    for name, value in (
        ("train-period", train_period),
        ("max-training-period", max_training_period),
    ):
        if value is not None and value < MIN_TRAIN_PERIOD:
            raise ValidationError(
                f"{name} must be at least {MIN_TRAIN_PERIOD.days} days; got {format_duration(value)}.",
                field=f"config.{name}",
            )
    if retrain_frequency is not None and retrain_frequency <= timedelta(0):
        raise ValidationError(
            "retrain-frequency must be a positive duration.", field="config.retrain-frequency"
        )


def resolve(spec: ForecastSpec, sensor: Sensor, *, now: datetime) -> Plan:
    """The window and runs of ``spec`` as seen at ``now`` (for open specs: cut-off ``now``)."""
    resolution = check_sensor(sensor)
    cutoff = to_utc(spec.belief_time or now)
    start = to_utc(spec.start) if spec.start is not None else ceil_to_grid(cutoff, resolution)
    check_alignment(start, resolution, sensor.timezone, field="start")
    if spec.duration <= timedelta(0):
        raise ValidationError("The forecast window must have a positive length.", field="duration")
    _check_steps("duration", spec.duration, resolution)
    end = start + spec.duration
    if spec.duration // resolution > MAX_STEPS:
        raise ValidationError(
            f"{spec.duration // resolution} forecast steps are more than one request makes "
            f"({MAX_STEPS}); ask for a shorter window.",
            field="duration",
        )
    horizon = spec.horizon or spec.duration
    frequency = spec.frequency or horizon
    for name, value in (("max-forecast-horizon", horizon), ("forecast-frequency", frequency)):
        _check_steps(name, value, resolution)
    runs = -(-spec.duration // frequency)
    rolling = not (runs == 1 and horizon >= spec.duration)
    if not rolling:
        made_at: tuple[datetime, ...] = (min(cutoff, start),)
    else:
        made_at = tuple(start + k * frequency for k in range(runs))
        if made_at[-1] > cutoff:
            raise ValidationError(
                f"Rolling forecasts are made at the start of each run; the last run would start at "
                f"{made_at[-1].isoformat()}, after the data cut-off {cutoff.isoformat()} (prior, or "
                "now): shorten the window or forecast it in one run.",
                field="forecast-frequency",
            )
    return Plan(spec, resolution, cutoff, start, end, horizon, frequency, made_at, rolling)


def check_sensor(sensor: Sensor) -> timedelta:
    """The sensor's resolution, if forecasting can use it (positive, dividing a day)."""
    resolution = sensor.event_resolution
    if resolution <= timedelta(0) or DAY % resolution:
        raise ValidationError(
            f"Sensor {sensor.id} has resolution {format_duration(resolution)}; forecasting needs a "
            "fixed resolution that divides a day (e.g. PT15M, PT1H).",
            field="sensor",
        )
    return resolution


def ceil_to_grid(moment: datetime, resolution: timedelta) -> datetime:
    """The first step of the UTC grid of ``resolution`` (from the Unix epoch) at or after ``moment``."""
    offset = to_utc(moment) - _EPOCH
    return _EPOCH + -(-offset // resolution) * resolution


def floor_to_grid(moment: datetime, resolution: timedelta) -> datetime:
    offset = to_utc(moment) - _EPOCH
    return _EPOCH + (offset // resolution) * resolution


def _check_steps(name: str, value: timedelta, resolution: timedelta) -> None:
    if value <= timedelta(0) or value % resolution:
        raise ValidationError(
            f"{name} {format_duration(value)} must be a positive whole number of the sensor's "
            f"{format_duration(resolution)} steps.",
            field=name,
        )


def open_spec(spec: ForecastSpec) -> ForecastSpec:
    """The same request with the cut-off and start left to the job (refresh)."""
    return replace(spec, belief_time=None, start=None)
