"""The seasonal-naive baseline against plain indexing of the history."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gridflex.engines.forecasting import InsufficientHistoryError, forecast
from gridflex.errors import InsufficientDataError

HOUR = pd.Timedelta(hours=1)
DAY = pd.Timedelta(days=1)
START = pd.Timestamp("2024-03-04", tz="UTC")


def random_history(days: int, seed: int = 1) -> pd.Series:
    index = pd.date_range(START, periods=24 * days, freq=HOUR)
    return pd.Series(np.random.default_rng(seed).normal(100, 20, len(index)), index=index)


def naive_by_hand(history: pd.Series, belief_time: pd.Timestamp, steps, season):
    """For each step, the latest value a whole number of seasons earlier and before belief time."""
    out = []
    for t in steps:
        k = 1
        while t - k * season >= belief_time or np.isnan(history.get(t - k * season, np.nan)):
            k += 1
        out.append(history[t - k * season])
    return np.array(out)


@pytest.mark.parametrize(("model", "season"), [("naive-daily", DAY), ("naive-weekly", 7 * DAY)])
def test_naive_equals_plain_indexing(model, season):
    history = random_history(days=28)
    belief_time = START + 20 * DAY + 5 * HOUR
    result = forecast(history, belief_time=belief_time, n_steps=24 * 9, model=model)
    steps = pd.date_range(belief_time, periods=24 * 9, freq=HOUR)
    assert result.values.index.equals(steps)
    np.testing.assert_array_equal(
        result.values.to_numpy(), naive_by_hand(history, belief_time, steps, season)
    )


def test_naive_daily_repeats_the_last_known_day_over_a_long_horizon():
    history = random_history(days=10)
    belief_time = START + 8 * DAY
    result = forecast(history, belief_time=belief_time, n_steps=72, model="naive-daily")
    last_day = history[START + 7 * DAY : belief_time - HOUR].to_numpy()
    np.testing.assert_array_equal(result.values.to_numpy(), np.tile(last_day, 3))


def test_naive_skips_a_missing_value_to_the_cycle_before():
    history = random_history(days=10)
    belief_time = START + 8 * DAY
    gap = belief_time - DAY + 3 * HOUR
    history[gap] = np.nan
    result = forecast(history, belief_time=belief_time, n_steps=24, model="naive-daily")
    assert result.values[gap + DAY] == history[gap - DAY]
    assert result.values[belief_time] == history[belief_time - DAY]


def test_naive_ignores_values_at_and_after_the_belief_time():
    history = random_history(days=10)
    belief_time = START + 8 * DAY
    changed = history.copy()
    changed[changed.index >= belief_time] = -1e6
    a = forecast(history, belief_time=belief_time, n_steps=48, model="naive-daily")
    b = forecast(changed, belief_time=belief_time, n_steps=48, model="naive-daily")
    pd.testing.assert_series_equal(a.values, b.values)


def test_naive_weekly_with_five_days_of_history_says_it_needs_a_week():
    history = random_history(days=5)
    with pytest.raises(InsufficientDataError, match=r"P7D.*7 day\(s\) of history"):
        forecast(history, belief_time=START + 5 * DAY, n_steps=24, model="naive-weekly")


def test_naive_does_not_copy_from_before_the_training_window():
    history = random_history(days=20)
    belief_time = START + 16 * DAY
    with pytest.raises(InsufficientHistoryError):
        forecast(
            history,
            belief_time=belief_time,
            n_steps=24,
            model="naive-weekly",
            train_period=pd.Timedelta(days=5),
        )
