"""Probabilistic forecasts: ordered quantiles, the median as value, sensible coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from gridflex.engines.forecasting import (
    BOOSTED_PARAMS,
    BoostedModel,
    backtest,
    forecast,
    synthetic_load_kw,
)

HOUR = pd.Timedelta(hours=1)
DAY = pd.Timedelta(days=1)
START = pd.Timestamp("2024-01-01", tz="UTC")
# Deep trees, a high learning rate and little data: separately fitted
# quantile models cross on this series (see the last test).
OVERFIT = {"max_iter": 30, "max_leaf_nodes": 63, "min_samples_leaf": 2, "learning_rate": 0.3}


@pytest.fixture(scope="module")
def load() -> pd.Series:
    return synthetic_load_kw(START, 24 * 42, HOUR, seed=5)


@pytest.fixture(scope="module")
def result(load):
    return forecast(
        load, belief_time=START + 40 * DAY, n_steps=48, probabilistic=True, model_params=OVERFIT
    )


def test_quantiles_are_ordered_at_every_step(result):
    p10, p50, p90 = (result.quantiles[q].to_numpy() for q in (0.1, 0.5, 0.9))
    assert np.all(p10 <= p50)
    assert np.all(p50 <= p90)
    assert np.any(p10 < p90)


def test_value_is_the_median(result):
    pd.testing.assert_index_equal(result.values.index, result.quantiles[0.5].index)
    np.testing.assert_array_equal(result.values.to_numpy(), result.quantiles[0.5].to_numpy())


def test_beliefs_carry_their_cumulative_probabilities(result):
    beliefs = result.to_beliefs()
    assert len(beliefs) == 3 * 48
    assert (beliefs["belief_time"] == START + 40 * DAY).all()
    for q in (0.1, 0.5, 0.9):
        rows = beliefs[beliefs["cumulative_probability"] == q]
        np.testing.assert_array_equal(
            rows["event_value"].to_numpy(), result.quantiles[q].to_numpy()
        )
        assert list(rows["event_start"]) == list(result.quantiles[q].index)


def test_point_forecast_is_stored_at_probability_one_half(load):
    point = forecast(load, belief_time=START + 40 * DAY, n_steps=5, model_params={"max_iter": 20})
    assert point.quantiles is None
    assert list(point.to_beliefs()["cumulative_probability"]) == [0.5] * 5


def test_ten_to_ninety_percent_band_holds_most_actuals(load):
    result = backtest(
        load,
        start=START + 35 * DAY,
        end=START + 42 * DAY,
        horizon=DAY,
        retrain_frequency=7 * DAY,
        probabilistic=True,
        model_params={"max_iter": 60},
    )
    inside = []
    for run in result.runs:
        actual = load.reindex(run.values.index).to_numpy()
        inside.append(
            (actual >= run.quantiles[0.1].to_numpy()) & (actual <= run.quantiles[0.9].to_numpy())
        )
    share = np.concatenate(inside).mean()
    # Nominal 80 %; a week of hourly steps (168) leaves a wide margin of chance.
    assert 0.6 <= share <= 0.95


def test_crossing_quantile_models_are_sorted_per_step():
    rng = np.random.default_rng(7)
    features = rng.normal(size=(400, 3))
    target = features[:, 0] + rng.normal(size=400)
    new = rng.normal(size=(200, 3))
    params = {**BOOSTED_PARAMS, **OVERFIT}
    with threadpool_limits(1, user_api="openmp"):  # as the engine fits; same trees either way
        raw = np.vstack(
            [
                HistGradientBoostingRegressor(**params, loss="quantile", quantile=q)
                .fit(features, target)
                .predict(new)
                for q in (0.4, 0.5, 0.6)
            ]
        )
    assert (np.diff(raw, axis=0) < 0).any()  # the plain models do cross here
    model = BoostedModel(quantiles=(0.6, 0.4, 0.5), params=OVERFIT).fit(features, target)
    out = model.predict_quantiles(new)
    np.testing.assert_allclose(np.vstack([out[0.4], out[0.5], out[0.6]]), np.sort(raw, axis=0))
