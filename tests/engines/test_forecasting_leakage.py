"""No data recorded at or after the belief time can change a forecast."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gridflex.engines.forecasting import forecast, synthetic_load_kw
from gridflex.engines.forecasting.features import (
    FeatureSpec,
    SunPath,
    feature_matrix,
    known_history,
)

HOUR = pd.Timedelta(hours=1)
DAY = pd.Timedelta(days=1)
START = pd.Timestamp("2024-01-01", tz="UTC")
FAST = {"max_iter": 40}


@pytest.fixture(scope="module")
def load() -> pd.Series:
    return synthetic_load_kw(START, 24 * 35, HOUR, seed=3)


@pytest.fixture(scope="module")
def price() -> pd.Series:
    index = pd.date_range(START, periods=24 * 35, freq=HOUR)
    return pd.Series(np.random.default_rng(4).normal(80, 15, len(index)), index=index)


def scrambled_after(series: pd.Series, moment: pd.Timestamp, seed: int) -> pd.Series:
    out = series.copy()
    late = out.index >= moment
    out[late] = np.random.default_rng(seed).normal(0, 1e4, late.sum())
    return out


@pytest.mark.parametrize("probabilistic", [False, True])
def test_changing_target_and_past_regressor_after_belief_time_changes_nothing(
    load, price, probabilistic
):
    belief_time = START + 30 * DAY
    kwargs = dict(
        belief_time=belief_time, n_steps=48, model_params=FAST, probabilistic=probabilistic
    )
    a = forecast(load, past_regressors={"price": price}, **kwargs)
    b = forecast(
        scrambled_after(load, belief_time, 1),
        past_regressors={"price": scrambled_after(price, belief_time, 2)},
        **kwargs,
    )
    pd.testing.assert_series_equal(a.values, b.values)
    if probabilistic:
        for q in a.quantiles:
            pd.testing.assert_series_equal(a.quantiles[q], b.quantiles[q])


def test_changing_a_value_just_before_belief_time_does_change_the_forecast(load):
    # Guards the test above against passing because nothing is used at all.
    belief_time = START + 30 * DAY
    changed = load.copy()
    changed[belief_time - HOUR] += 50.0
    a = forecast(load, belief_time=belief_time, n_steps=6, model_params=FAST)
    b = forecast(changed, belief_time=belief_time, n_steps=6, model_params=FAST)
    assert not np.allclose(a.values.to_numpy(), b.values.to_numpy())


def test_belief_time_between_steps_uses_the_step_that_started_before_it(load):
    belief_time = START + 30 * DAY + pd.Timedelta(minutes=20)
    started_before = START + 30 * DAY
    after = started_before + HOUR
    base = forecast(load, belief_time=belief_time, n_steps=6, model_params=FAST)
    assert base.values.index[0] == after
    late = load.copy()
    late[after] += 50.0
    early = load.copy()
    early[started_before] += 50.0
    same = forecast(late, belief_time=belief_time, n_steps=6, model_params=FAST)
    moved = forecast(early, belief_time=belief_time, n_steps=6, model_params=FAST)
    pd.testing.assert_series_equal(base.values, same.values)
    assert not np.allclose(base.values.to_numpy(), moved.values.to_numpy())


def test_training_window_ends_at_belief_time_and_counts_known_values(load):
    belief_time = START + 30 * DAY
    gappy = load.copy()
    gappy[belief_time - 10 * HOUR : belief_time - 8 * HOUR] = np.nan  # 3 values
    result = forecast(
        gappy, belief_time=belief_time, n_steps=4, train_period=4 * DAY, model_params=FAST
    )
    assert result.train_start == belief_time - 4 * DAY
    assert result.train_end == belief_time
    assert result.n_train_values == 4 * 24 - 3


@pytest.mark.parametrize("solar", [False, True])
def test_features_of_a_row_read_nothing_after_its_lead(solar):
    # Row t with lead h stands for a forecast made h steps before t: its
    # features may read positions <= t - h only, even with nothing clipped.
    # (The clear sky of a solar site is known in advance: it may be read anywhere.)
    rng = np.random.default_rng(0)
    values = rng.normal(size=24 * 40)
    spec = FeatureSpec(steps_per_day=24, step_h=1.0, solar=solar)
    sun = SunPath.make(rng.uniform(0, 900, len(values)), rng.uniform(-20, 60, len(values)), 24)
    calendar = np.zeros((len(values), 2))
    rows = np.array([24 * 30, 24 * 30 + 5, 24 * 36 + 23])
    for h in (1, 7, 24, 30, 200):
        lead = np.full(len(rows), h)
        before = feature_matrix(
            known_history(values, {}, origin=len(values), spec=spec),
            calendar=calendar,
            future={},
            rows=rows,
            lead=lead,
            spec=spec,
            sun=sun,
        )
        for row, out in zip(rows, before, strict=True):
            changed = values.copy()
            changed[row - h + 1 :] = 1e9
            after = feature_matrix(
                known_history(changed, {}, origin=len(values), spec=spec),
                calendar=calendar,
                future={},
                rows=np.array([row]),
                lead=lead[:1],
                spec=spec,
                sun=sun,
            )
            np.testing.assert_array_equal(after[0], out)
