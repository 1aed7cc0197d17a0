"""Forecasting options (the trigger fields), checked once and shared by forecast and backtest.

Trigger field -> keyword of :func:`~.forecast.forecast` / :func:`~.backtest.backtest`:

==========================  ==================================================================
``train-start``             ``train_start``: first event start to train on
``train-period``            ``train_period``: length of the training window (>= 2 days)
``max-training-period``     ``max_training_period``: cap on the window (default 1 year)
``retrain-frequency``       ``retrain_frequency`` (backtest): refit when this much time passed
``forecast-frequency``      ``frequency`` (backtest): time between forecast runs
``max-forecast-horizon``    ``horizon`` (backtest) / ``n_steps`` or ``end`` (forecast)
``probabilistic``           ``probabilistic``: also forecast the 10/50/90 % quantiles
``model``                   ``model``: ``auto`` (default), ``boosted``, ``naive-daily``,
                            ``naive-weekly``, ``median-daily``, ``clearsky-median`` (solar
                            sites) or ``persistence``
``past-regressors``         ``past_regressors``: {name: series known up to the belief time}
``future-regressors``       ``future_regressors``: {name: series known over the horizon too}
(the sensor's asset)        ``solar_site``: latitude and longitude of a solar asset
==========================  ==================================================================
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from gridflex.engines.forecasting.errors import ForecastConfigError
from gridflex.engines.forecasting.solar import SolarSite

#: Model names a request may give and, for the seasonal-naive ones, their season.
#: ``auto`` picks, per forecast, the candidate with the least error in a backtest
#: of the data known before it (see :mod:`.selection`).
MODELS: dict[str, timedelta | None] = {
    "auto": None,
    "boosted": None,
    "naive-daily": timedelta(days=1),
    "naive-weekly": timedelta(days=7),
    "median-daily": timedelta(days=1),
    "clearsky-median": timedelta(days=1),
    "persistence": None,
}
#: Models that need a solar site (the clear sky at its location).
SOLAR_MODELS = ("clearsky-median",)
#: Models that forecast quantiles (``auto`` then uses ``boosted``).
PROBABILISTIC_MODELS = ("auto", "boosted")
QUANTILES: tuple[float, ...] = (0.1, 0.5, 0.9)
MIN_TRAIN_PERIOD = timedelta(days=2)
DEFAULT_MAX_TRAINING_PERIOD = timedelta(days=365)
_FIXED_BY_ENGINE = {"loss", "quantile"}


@dataclass(frozen=True)
class ForecastOptions:
    """Checked model and training options; see the module docstring for the fields."""

    model: str = "auto"
    probabilistic: bool = False
    quantiles: tuple[float, ...] = QUANTILES
    train_start: pd.Timestamp | None = None
    train_period: pd.Timedelta | None = None
    max_training_period: pd.Timedelta = pd.Timedelta(DEFAULT_MAX_TRAINING_PERIOD)
    timezone: str = "UTC"
    model_params: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    solar_site: SolarSite | None = None


def make_options(
    *,
    model: str = "auto",
    probabilistic: bool = False,
    quantiles: Sequence[float] = QUANTILES,
    train_start: datetime | pd.Timestamp | None = None,
    train_period: timedelta | pd.Timedelta | None = None,
    max_training_period: timedelta | pd.Timedelta = DEFAULT_MAX_TRAINING_PERIOD,
    timezone: str = "UTC",
    model_params: Mapping[str, Any] | None = None,
    seed: int = 0,
    solar_site: SolarSite | None = None,
) -> ForecastOptions:
    """Check the options and return them normalised (UTC timestamps, pandas timedeltas)."""
    if model not in MODELS:
        raise ForecastConfigError(
            f"Unknown model {model!r}; choose one of {', '.join(MODELS)}.", field="model"
        )
    if probabilistic and model not in PROBABILISTIC_MODELS:
        raise ForecastConfigError(
            "Probabilistic forecasts need model 'boosted' (or 'auto', which then uses it); "
            f"{model!r} gives one value.",
            field="probabilistic",
        )
    if model in SOLAR_MODELS and solar_site is None:
        raise ForecastConfigError(
            f"Model {model!r} scales by the clear sky and needs a solar site.", field="model"
        )
    levels = tuple(sorted(float(q) for q in quantiles))
    if not levels or len(set(levels)) != len(levels) or not all(0 < q < 1 for q in levels):
        raise ForecastConfigError(
            "quantiles must be distinct cumulative probabilities strictly between 0 and 1.",
            field="quantiles",
        )
    if probabilistic and 0.5 not in levels:
        raise ForecastConfigError(
            "quantiles must include 0.5: it is the forecast's value.", field="quantiles"
        )
    max_period = to_timedelta(max_training_period, field="max_training_period")
    period = None if train_period is None else to_timedelta(train_period, field="train_period")
    for name, value in (("train_period", period), ("max_training_period", max_period)):
        if value is not None and value < MIN_TRAIN_PERIOD:
            raise ForecastConfigError(
                f"{name} must be at least {MIN_TRAIN_PERIOD.days} days; got {value}.", field=name
            )
    return ForecastOptions(
        model=model,
        probabilistic=bool(probabilistic),
        quantiles=levels,
        train_start=None if train_start is None else to_timestamp(train_start, field="train_start"),
        train_period=period,
        max_training_period=max_period,
        timezone=_check_timezone(timezone),
        model_params=_check_model_params(model_params or {}),
        seed=int(seed),
        solar_site=_check_site(solar_site),
    )


def training_window(
    options: ForecastOptions, origin: pd.Timestamp
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The half-open window ``[start, end)`` of event starts to train on for one origin.

    ``train_start`` and ``train_period`` together fix the window (cut at the
    origin); either alone anchors it at one end; neither means "as much as
    ``max_training_period`` allows". The window never reaches the origin and
    is never longer than ``max_training_period``.
    """
    end = origin
    if options.train_start is not None and options.train_period is not None:
        start = options.train_start
        end = min(origin, options.train_start + options.train_period)
    elif options.train_start is not None:
        start = options.train_start
    elif options.train_period is not None:
        start = origin - options.train_period
    else:
        start = origin - options.max_training_period
    return max(start, end - options.max_training_period), end


def to_timestamp(value: datetime | pd.Timestamp | str, *, field: str) -> pd.Timestamp:
    """An aware moment as a UTC timestamp; naive ones are refused."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ForecastConfigError(
            f"{field} is not a valid datetime: {value!r}.", field=field
        ) from None
    if stamp.tzinfo is None:
        raise ForecastConfigError(
            f"{field} must be timezone-aware (got {stamp.isoformat()}).", field=field
        )
    return stamp.tz_convert("UTC")


def to_timedelta(value: timedelta | pd.Timedelta | str, *, field: str) -> pd.Timedelta:
    """A positive duration as a pandas Timedelta."""
    try:
        delta = pd.Timedelta(value)
    except (TypeError, ValueError):
        raise ForecastConfigError(
            f"{field} is not a valid duration: {value!r}.", field=field
        ) from None
    if pd.isna(delta) or delta <= pd.Timedelta(0):
        raise ForecastConfigError(
            f"{field} must be a positive duration; got {value!r}.", field=field
        )
    return delta


def _check_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ForecastConfigError(f"Unknown timezone {name!r}.", field="timezone") from None
    return name


def _check_site(site: SolarSite | None) -> SolarSite | None:
    if site is None:
        return None
    if not isinstance(site, SolarSite):
        raise ForecastConfigError("solar_site must be a SolarSite.", field="solar_site")
    if not (-90 <= site.latitude <= 90 and -180 <= site.longitude <= 180):
        raise ForecastConfigError(
            f"solar_site latitude {site.latitude} or longitude {site.longitude} is out of range.",
            field="solar_site",
        )
    return site


def _check_model_params(params: Mapping[str, Any]) -> dict[str, Any]:
    if not params:
        return {}
    from sklearn.ensemble import HistGradientBoostingRegressor

    allowed = set(HistGradientBoostingRegressor().get_params()) - _FIXED_BY_ENGINE
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ForecastConfigError(
            f"Unknown model_params {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}.",
            field="model_params",
        )
    return dict(params)
