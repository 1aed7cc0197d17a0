"""The forecasting engine: train on a sensor's history as known at a belief time, predict ahead.

Inputs are pandas Series on a tz-aware DatetimeIndex of event starts at a
fixed resolution (NaN for gaps); the caller loads them from the belief store
as known at the belief time. The engine clips the target and the past
regressors at the belief time itself as well, so no value with an event
start at or after it can reach a model.

Models: ``persistence`` (the last value), ``naive-daily`` / ``naive-weekly``
(same time yesterday / last week), ``median-daily`` (median of the same time
on the last two weeks; ``clearsky-median`` scales it by the clear sky of a
solar site), ``boosted`` (scikit-learn's HistGradientBoostingRegressor on lag,
rolling and calendar features, optionally with past and future regressors and
clear-sky features, and 10/50/90 % quantiles when ``probabilistic``), and the
default ``auto``, which backtests all of them and blends of two on the data
known before each forecast and uses the best, or the weighted mean of the three
best when that backtests better (:mod:`.selection`). See
:mod:`.features` for why one direct model serves every lead, and
:mod:`.options` for how the trigger fields map to keywords. scikit-learn and
pvlib are imported only when a model needs them.

Public API
----------
forecast(target, *, belief_time, n_steps | end, model="auto", solar_site, ...) -> ForecastResult
backtest(target, *, start, end, horizon, frequency, retrain_frequency, ...) -> BacktestResult
synthetic_load_kw(start, periods, resolution, seed) -> Series
mae, rmse, mape, skill, evaluate -> Metrics
"""

from gridflex.engines.forecasting.backtest import BacktestResult, backtest
from gridflex.engines.forecasting.errors import ForecastConfigError, InsufficientHistoryError
from gridflex.engines.forecasting.forecast import ForecastResult, forecast
from gridflex.engines.forecasting.metrics import Metrics, evaluate, mae, mape, rmse, skill
from gridflex.engines.forecasting.models import BOOSTED_PARAMS, BoostedModel, SeasonalNaive
from gridflex.engines.forecasting.options import (
    DEFAULT_MAX_TRAINING_PERIOD,
    MIN_TRAIN_PERIOD,
    MODELS,
    QUANTILES,
)
from gridflex.engines.forecasting.pipeline import MODEL_VERSION
from gridflex.engines.forecasting.selection import Selection
from gridflex.engines.forecasting.solar import SolarSite
from gridflex.engines.forecasting.synthetic import synthetic_load_kw

__all__ = [
    "BOOSTED_PARAMS",
    "DEFAULT_MAX_TRAINING_PERIOD",
    "MIN_TRAIN_PERIOD",
    "MODELS",
    "MODEL_VERSION",
    "QUANTILES",
    "BacktestResult",
    "BoostedModel",
    "ForecastConfigError",
    "ForecastResult",
    "InsufficientHistoryError",
    "Metrics",
    "SeasonalNaive",
    "Selection",
    "SolarSite",
    "backtest",
    "evaluate",
    "forecast",
    "mae",
    "mape",
    "rmse",
    "skill",
    "synthetic_load_kw",
]
