"""forecast(): the steps it covers, the training window it uses, what it records."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gridflex.engines.forecasting import MODEL_VERSION, forecast, synthetic_load_kw
from gridflex.engines.forecasting.features import calendar_features

HOUR = pd.Timedelta(hours=1)
DAY = pd.Timedelta(days=1)
START = pd.Timestamp("2024-01-01", tz="UTC")
FAST = {"max_iter": 30}


@pytest.fixture(scope="module")
def load() -> pd.Series:
    return synthetic_load_kw(START, 24 * 20, HOUR, seed=8)


def test_exactly_two_days_of_history_is_enough(load):
    belief_time = START + 2 * DAY
    result = forecast(load, belief_time=belief_time, n_steps=24, model_params=FAST)
    assert result.n_train_values == 48
    assert len(result.values) == 24
    assert np.isfinite(result.values.to_numpy()).all()


def test_end_and_n_steps_give_the_same_forecast(load):
    belief_time = START + 10 * DAY
    by_steps = forecast(load, belief_time=belief_time, n_steps=30, model_params=FAST)
    by_end = forecast(load, belief_time=belief_time, end=belief_time + 30 * HOUR, model_params=FAST)
    pd.testing.assert_series_equal(by_steps.values, by_end.values)


def test_forecast_can_start_after_the_belief_time(load):
    belief_time = START + 10 * DAY
    start = belief_time + 6 * HOUR
    result = forecast(
        load, belief_time=belief_time, start=start, n_steps=12, model="boosted", model_params=FAST
    )
    assert result.values.index[0] == start
    assert result.values.index[-1] == start + 11 * HOUR
    assert result.belief_time == belief_time
    assert result.model_params["leads"] == [7, 18]  # steps after the origin, counted from 1


def test_same_inputs_give_the_same_forecast(load):
    a = forecast(
        load, belief_time=START + 9 * DAY, n_steps=12, probabilistic=True, model_params=FAST
    )
    b = forecast(
        load, belief_time=START + 9 * DAY, n_steps=12, probabilistic=True, model_params=FAST
    )
    pd.testing.assert_series_equal(a.values, b.values)


def test_index_in_another_timezone_is_read_as_the_same_instants(load):
    local = load.copy()
    local.index = local.index.tz_convert("Europe/Amsterdam")
    belief_time = pd.Timestamp("2024-01-11T01:00", tz="Europe/Amsterdam")  # 00:00 UTC
    a = forecast(local, belief_time=belief_time, n_steps=6, model_params=FAST)
    b = forecast(load, belief_time=START + 10 * DAY, n_steps=6, model_params=FAST)
    pd.testing.assert_series_equal(a.values, b.values)
    assert str(a.values.index.tz) == "UTC"


def test_train_period_slides_with_the_belief_time(load):
    belief_time = START + 12 * DAY
    result = forecast(
        load, belief_time=belief_time, n_steps=4, train_period=3 * DAY, model_params=FAST
    )
    assert (result.train_start, result.train_end) == (belief_time - 3 * DAY, belief_time)
    assert result.n_train_values == 72


def test_max_training_period_caps_a_window_from_train_start(load):
    belief_time = START + 12 * DAY
    result = forecast(
        load,
        belief_time=belief_time,
        n_steps=4,
        train_start=START,
        max_training_period=5 * DAY,
        model_params=FAST,
    )
    assert result.train_start == belief_time - 5 * DAY
    assert result.n_train_values == 120


def test_train_start_with_train_period_fixes_the_window(load):
    result = forecast(
        load,
        belief_time=START + 12 * DAY,
        n_steps=4,
        train_start=START + DAY,
        train_period=4 * DAY,
        model_params=FAST,
    )
    assert (result.train_start, result.train_end) == (START + DAY, START + 5 * DAY)
    assert result.n_train_values == 96


def test_record_names_model_version_and_settings(load):
    result = forecast(
        load, belief_time=START + 15 * DAY, n_steps=4, model="boosted", model_params={"max_iter": 7}
    )
    params = result.model_params
    assert (result.model, result.model_version) == ("boosted", MODEL_VERSION)
    assert params["max_iter"] == 7
    assert params["early_stopping"] is False
    assert "same_time_week" in params["features"]
    assert params["train_end"] == (START + 15 * DAY).isoformat()


def test_short_history_drops_features_it_cannot_fill(load):
    result = forecast(load, belief_time=START + 3 * DAY, n_steps=4, model_params=FAST)
    assert "same_time_week" not in result.model_params["features"]
    assert "same_time_day" in result.model_params["features"]


def test_calendar_features_read_local_hour_and_weekday():
    index = pd.DatetimeIndex(["2024-01-01T23:30Z", "2024-07-01T00:00Z"])  # a Monday and a Monday
    local = calendar_features(index, "Europe/Amsterdam")
    # 00:30 on Tuesday 2 January (UTC+1); 02:00 on Monday 1 July (UTC+2).
    np.testing.assert_array_equal(local, [[0.5, 1.0], [2.0, 0.0]])
    np.testing.assert_array_equal(calendar_features(index, "UTC"), [[23.5, 0.0], [0.0, 0.0]])


def test_daily_resolution_is_inferred_from_an_index_without_freq(load):
    days = load.resample("1D").mean()
    days.index = pd.DatetimeIndex(list(days.index))  # drop the freq
    assert days.index.freq is None
    belief_time = START + 15 * DAY
    result = forecast(days, belief_time=belief_time, n_steps=3, model="naive-weekly")
    assert result.resolution == DAY
    np.testing.assert_array_equal(
        result.values.to_numpy(), days[belief_time - 7 * DAY : belief_time - 5 * DAY].to_numpy()
    )
