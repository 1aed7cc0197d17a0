"""Clear errors for too little data and for options that cannot be used."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from gridflex.engines.forecasting import (
    ForecastConfigError,
    InsufficientHistoryError,
    backtest,
    forecast,
)
from gridflex.errors import InsufficientDataError, ValidationError

QUARTER = pd.Timedelta(minutes=15)
HOUR = pd.Timedelta(hours=1)
DAY = pd.Timedelta(days=1)
START = pd.Timestamp("2024-02-05", tz="UTC")


def history(periods: int, freq=HOUR) -> pd.Series:
    index = pd.date_range(START, periods=periods, freq=freq)
    return pd.Series(np.random.default_rng(0).normal(10, 2, periods), index=index)


def test_error_classes_sit_in_the_package_tree():
    assert issubclass(InsufficientHistoryError, InsufficientDataError)
    assert issubclass(ForecastConfigError, ValidationError)


def test_one_and_a_half_days_of_history_says_two_days_are_needed_and_what_was_found():
    target = history(36 * 4, freq=QUARTER)  # 36 h at 15 min
    with pytest.raises(InsufficientDataError) as caught:
        forecast(target, belief_time=START + 36 * HOUR, n_steps=8)
    message = str(caught.value)
    assert "at least 2 days" in message
    assert "192 values at PT15M" in message
    assert "found 144 known value(s) (P1DT12H)" in message


def test_gaps_count_against_the_needed_history():
    target = history(24 * 3)
    target[: 24 + 1] = np.nan  # 47 known hourly values left, 48 needed
    with pytest.raises(InsufficientHistoryError, match="found 47 known"):
        forecast(target, belief_time=START + 3 * DAY, n_steps=4)


def test_history_after_the_belief_time_does_not_count():
    target = history(24 * 10)
    with pytest.raises(InsufficientHistoryError, match="found 24 known"):
        forecast(target, belief_time=START + DAY, n_steps=4)


@pytest.mark.parametrize("field", ["train_period", "max_training_period"])
def test_training_periods_shorter_than_two_days_are_refused(field):
    with pytest.raises(ForecastConfigError, match="at least 2 days") as caught:
        forecast(
            history(24 * 5), belief_time=START + 4 * DAY, n_steps=4, **{field: timedelta(hours=47)}
        )
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"model": "prophet"}, "model"),
        ({"model": "naive-daily", "probabilistic": True}, "probabilistic"),
        ({"probabilistic": True, "quantiles": (0.1, 0.9)}, "quantiles"),
        ({"quantiles": (0.0, 0.5)}, "quantiles"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"model_params": {"n_estimators": 5}}, "model_params"),
        ({"model_params": {"loss": "absolute_error"}}, "model_params"),
        ({"n_steps": 4, "end": START + 5 * DAY}, "n_steps"),
        ({"n_steps": 0}, "n_steps"),
        ({"start": START + 4 * DAY - HOUR}, "start"),
        ({"start": START + 4 * DAY + pd.Timedelta(minutes=30)}, "start"),
        ({"belief_time": pd.Timestamp("2024-02-09")}, "belief_time"),
        ({"resolution": pd.Timedelta(minutes=7)}, "resolution"),
    ],
)
def test_unusable_options_name_their_field(kwargs, field):
    options = {"belief_time": START + 4 * DAY, "n_steps": 4, **kwargs}
    with pytest.raises(ForecastConfigError) as caught:
        forecast(history(24 * 5), **options)
    assert caught.value.field == field


def test_target_without_timezone_is_refused():
    target = history(24 * 5)
    target.index = target.index.tz_localize(None)
    with pytest.raises(ForecastConfigError, match="timezone-aware") as caught:
        forecast(target, belief_time=START + 4 * DAY, n_steps=4)
    assert caught.value.field == "target"


def test_future_regressor_without_values_in_the_forecast_window_is_named():
    target = history(24 * 5)
    weather = history(24 * 4).rename("weather")  # stops at the belief time
    with pytest.raises(
        InsufficientHistoryError, match="future regressor 'weather'.*forecast window"
    ):
        forecast(
            target,
            belief_time=START + 4 * DAY,
            n_steps=4,
            future_regressors={"weather": weather},
            model_params={"max_iter": 5},
        )


def test_regressor_on_an_incompatible_resolution_is_refused():
    target = history(24 * 5)
    odd = history(24 * 5 * 60 // 40, freq=pd.Timedelta(minutes=40))
    with pytest.raises(ForecastConfigError) as caught:
        forecast(target, belief_time=START + 4 * DAY, n_steps=4, past_regressors={"odd": odd})
    assert caught.value.field == "past_regressors[odd]"


def test_backtest_needs_history_before_its_first_run():
    with pytest.raises(InsufficientHistoryError, match="at least 2 days"):
        backtest(history(24 * 5), start=START + DAY, end=START + 3 * DAY, horizon=DAY)


def test_backtest_horizon_must_be_whole_steps():
    with pytest.raises(ForecastConfigError) as caught:
        backtest(
            history(24 * 5),
            start=START + 3 * DAY,
            end=START + 4 * DAY,
            horizon=pd.Timedelta(minutes=90),
        )
    assert caught.value.field == "horizon"


def test_belief_time_before_any_data_finds_nothing():
    with pytest.raises(InsufficientHistoryError, match="found 0 known"):
        forecast(history(24 * 5), belief_time=START - DAY, n_steps=4)
