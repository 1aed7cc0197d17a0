"""Model selection (``auto``): the candidate with the least backtest error before the forecast wins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gridflex.engines.forecasting import backtest, forecast, synthetic_load_kw
from gridflex.engines.forecasting.selection import BASELINES, candidates

HOUR = pd.Timedelta(hours=1)
DAY = pd.Timedelta(days=1)
START = pd.Timestamp("2024-01-01", tz="UTC")  # a Monday
FAST = {"max_iter": 40}


def weekly_pattern(weeks: int) -> pd.Series:
    """The same random week over and over: last week's value is exactly right."""
    week = np.random.default_rng(11).uniform(10, 50, 7 * 24)
    index = pd.date_range(START, periods=weeks * 7 * 24, freq=HOUR)
    return pd.Series(np.tile(week, weeks), index=index)


def test_picks_naive_weekly_on_a_pure_weekly_pattern():
    load = weekly_pattern(6)
    belief_time = START + 35 * DAY
    result = forecast(load, belief_time=belief_time, n_steps=24, model_params=FAST)
    selection = result.selection
    assert result.model == selection.chosen == "naive-weekly"
    assert selection.mae["naive-weekly"] == 0.0
    assert set(selection.mae) == set(candidates(solar=False))
    assert all(
        selection.mae[name] > 0 for name in candidates(solar=False) if name != "naive-weekly"
    )
    np.testing.assert_array_equal(
        result.values.to_numpy(), load[belief_time - 7 * DAY : belief_time - 6 * DAY - HOUR]
    )


def test_picks_boosted_when_a_regressor_drives_the_load():
    # The load follows a price known in advance (a future regressor) and only the
    # boosted model reads it: every naive forecast, and every blend with one, is worse.
    index = pd.date_range(START, periods=24 * 35, freq=HOUR)
    price = pd.Series(np.random.default_rng(5).normal(0, 1, len(index)), index=index)
    load = synthetic_load_kw(START, len(index), HOUR, seed=5) + 20 * price
    result = forecast(
        load, belief_time=START + 30 * DAY, n_steps=24, future_regressors={"price": price}
    )
    selection = result.selection
    assert result.model == selection.chosen == "boosted"
    assert selection.mae["boosted"] == min(selection.mae.values())
    for baseline in BASELINES:  # skill as defined: 1 - MAE_chosen / MAE_baseline
        expected = 1 - selection.mae["boosted"] / selection.mae[baseline]
        assert selection.skill[baseline] == pytest.approx(expected) and expected > 0.5


def test_selection_backtests_only_before_the_belief_time():
    load = synthetic_load_kw(START, 24 * 35, HOUR, seed=3)
    belief_time = START + 30 * DAY
    result = forecast(load, belief_time=belief_time, n_steps=48, model_params=FAST)
    selection = result.selection
    # Every backtest run covers the same 48 steps and ends by the belief time.
    assert selection.last_run + 48 * HOUR <= belief_time
    assert selection.first_run < selection.last_run and selection.n_runs > 1
    # Changing every value from the belief time on changes neither the choice nor the scores.
    scrambled = load.copy()
    scrambled[belief_time:] = np.random.default_rng(1).normal(0, 1e4, len(scrambled[belief_time:]))
    again = forecast(scrambled, belief_time=belief_time, n_steps=48, model_params=FAST)
    assert again.selection == selection
    pd.testing.assert_series_equal(again.values, result.values)


def test_too_little_history_to_compare_falls_back_to_boosted_and_says_why():
    # 60 hours: enough to train (2 days) but not to train and then backtest a day ahead.
    load = synthetic_load_kw(START, 60, HOUR, seed=3)
    result = forecast(load, belief_time=START + 60 * HOUR, n_steps=24, model_params=FAST)
    assert result.model == "boosted" and result.selection.mae == {}
    assert "too little history" in result.selection.note


def test_probabilistic_auto_uses_boosted_quantiles():
    load = synthetic_load_kw(START, 24 * 20, HOUR, seed=3)
    result = forecast(
        load, belief_time=START + 18 * DAY, n_steps=6, probabilistic=True, model_params=FAST
    )
    assert result.model == "boosted" and result.selection is None
    assert sorted(result.quantiles) == [0.1, 0.5, 0.9]


def test_backtest_rechooses_at_each_fit_and_scores_every_baseline():
    load = weekly_pattern(6)
    end = START + 42 * DAY
    result = backtest(
        load, start=end - 3 * DAY, end=end, horizon=DAY, frequency=DAY, model_params=FAST
    )
    assert result.chosen == ["naive-weekly"] * 3 and result.n_trainings == 3
    assert result.metrics.mae == 0.0
    assert result.skills["naive-weekly"] is None  # a perfect baseline leaves no skill to measure
    daily = load.shift(24).reindex(result.pairs["event_start"]).to_numpy()
    by_hand = np.mean(np.abs(daily - result.pairs["actual"].to_numpy()))
    assert result.baseline_scores["naive-daily"].mae == pytest.approx(by_hand)
    assert result.skills["naive-daily"] == pytest.approx(1.0)


def test_close_candidates_are_combined_weighted_by_their_backtest_error():
    # A daily shape under heavy day-to-day noise: no candidate stands out, and the
    # inverse-error weighted mean of the three best backtests better than any one of them.
    index = pd.date_range(START, periods=24 * 42, freq=HOUR)
    rng = np.random.default_rng(4)
    shape = 30 + 10 * np.sin(2 * np.pi * index.hour / 24)
    load = pd.Series(shape * rng.lognormal(0, 0.3, len(index) // 24).repeat(24), index=index)
    result = forecast(load, belief_time=START + 40 * DAY, n_steps=24, model_params=FAST)
    selection = result.selection
    weights = selection.weights
    assert len(weights) == 3 and result.model == selection.chosen == " | ".join(weights)
    ranked = sorted(selection.mae, key=selection.mae.get)
    assert list(weights) == ranked[:3]
    inverse = {n: 1 / selection.mae[n] for n in weights}
    for name, weight in weights.items():
        assert weight == pytest.approx(inverse[name] / sum(inverse.values()))
    assert selection.chosen_mae < selection.mae[ranked[0]]
    assert selection.skill["naive-daily"] == pytest.approx(
        1 - selection.chosen_mae / selection.mae["naive-daily"]
    )
    # The forecast is the weighted mean of the base models' own forecasts (a blend's parts share its weight).
    expected = sum(
        weight
        / len(name.split("+"))
        * forecast(
            load, belief_time=START + 40 * DAY, n_steps=24, model=part, model_params=FAST
        ).values
        for name, weight in weights.items()
        for part in name.split("+")
    )
    np.testing.assert_allclose(result.values.to_numpy(), expected.to_numpy(), rtol=1e-9)
    assert result.model_params["weights"] == weights
