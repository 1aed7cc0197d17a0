"""Regressors carry information: a target driven by one is forecast much better with it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gridflex.engines.forecasting import forecast, mae

HOUR = pd.Timedelta(hours=1)
QUARTER = pd.Timedelta(minutes=15)
DAY = pd.Timedelta(days=1)
START = pd.Timestamp("2024-05-06", tz="UTC")
BELIEF = START + 21 * DAY
FAST = {"max_iter": 80}


def driver(periods: int, seed: int, freq=HOUR) -> pd.Series:
    index = pd.date_range(START, periods=periods, freq=freq)
    return pd.Series(np.random.default_rng(seed).normal(0, 1, periods), index=index)


def test_future_regressor_makes_the_forecast_much_better():
    weather = driver(24 * 23, seed=1)
    noise = driver(24 * 23, seed=2) * 0.1
    target = 20.0 + 5.0 * weather + noise  # depends on the same hour's weather only
    actual = target[BELIEF : BELIEF + 47 * HOUR].to_numpy()
    without = forecast(target, belief_time=BELIEF, n_steps=48, model_params=FAST)
    with_it = forecast(
        target,
        belief_time=BELIEF,
        n_steps=48,
        future_regressors={"weather": weather},
        model_params=FAST,
    )
    assert mae(actual, with_it.values) < 0.3 * mae(actual, without.values)
    assert "weather:now" in with_it.model_params["features"]


def test_past_regressor_makes_the_forecast_much_better():
    # The target follows the price of the same hour one day earlier.
    price = driver(24 * 23, seed=3)
    target = (30.0 + 4.0 * price.shift(24, freq=HOUR)).reindex(price.index)
    target += driver(24 * 23, seed=4) * 0.1
    actual = target[BELIEF : BELIEF + 23 * HOUR].to_numpy()
    without = forecast(target, belief_time=BELIEF, n_steps=24, model_params=FAST)
    with_it = forecast(
        target, belief_time=BELIEF, n_steps=24, past_regressors={"price": price}, model_params=FAST
    )
    assert mae(actual, with_it.values) < 0.3 * mae(actual, without.values)


def test_hourly_future_regressor_is_spread_over_quarter_hours():
    hourly = driver(24 * 23, seed=5)
    quarters = pd.date_range(START, periods=4 * 24 * 23, freq=QUARTER)
    repeated = hourly.reindex(quarters, method="ffill")  # each hour's value on its 4 quarters
    target = 10.0 + 3.0 * repeated + driver(len(quarters), seed=6, freq=QUARTER) * 0.05
    actual = target[BELIEF : BELIEF + 95 * QUARTER].to_numpy()
    result = forecast(
        target,
        belief_time=BELIEF,
        n_steps=96,
        future_regressors={"temperature": hourly},
        model_params=FAST,
    )
    assert mae(actual, result.values) < 0.5
