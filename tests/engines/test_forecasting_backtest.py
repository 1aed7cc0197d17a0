"""backtest(): rolling runs, each as forecast() would make it, scored against actuals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gridflex.engines.forecasting import backtest, forecast, synthetic_load_kw

HOUR = pd.Timedelta(hours=1)
DAY = pd.Timedelta(days=1)
START = pd.Timestamp("2024-01-01", tz="UTC")
FAST = {"max_iter": 30}
RUN_START = START + 21 * DAY


@pytest.fixture(scope="module")
def load() -> pd.Series:
    return synthetic_load_kw(START, 24 * 26, HOUR, seed=11)


@pytest.fixture(scope="module")
def daily(load):
    progress = []
    result = backtest(
        load,
        start=RUN_START,
        end=RUN_START + 4 * DAY,
        horizon=36 * HOUR,
        frequency=DAY,
        model_params=FAST,
        on_progress=lambda done, total: progress.append((done, total)),
    )
    return result, progress


def test_one_run_per_frequency_each_made_at_its_start_and_cut_at_the_end(daily):
    result, _ = daily
    assert [r.belief_time for r in result.runs] == [RUN_START + k * DAY for k in range(4)]
    assert [len(r.values) for r in result.runs] == [36, 36, 36, 24]
    for run in result.runs:
        assert run.values.index[0] == run.belief_time


def test_each_run_equals_a_forecast_made_at_its_belief_time(load, daily):
    result, _ = daily
    for run in result.runs:
        # Each run's model was trained for the backtest's full horizon (leads
        # 1..36), so the matching single forecast covers 36 steps too.
        alone = forecast(load, belief_time=run.belief_time, n_steps=36, model_params=FAST)
        pd.testing.assert_series_equal(run.values, alone.values.iloc[: len(run.values)])


def test_baseline_runs_copy_last_week(load, daily):
    result, _ = daily
    for run in result.baseline_runs:
        expected = load.reindex(run.values.index - 7 * DAY).to_numpy()
        np.testing.assert_array_equal(run.values.to_numpy(), expected)


def test_scores_match_numpy_over_all_steps(load, daily):
    result, _ = daily
    forecast_values = np.concatenate([r.values.to_numpy() for r in result.runs])
    baseline_values = np.concatenate([r.values.to_numpy() for r in result.baseline_runs])
    index = np.concatenate([r.values.index for r in result.runs])
    actual = load.reindex(index).to_numpy()
    error, base_error = forecast_values - actual, baseline_values - actual
    assert result.metrics.n == 36 * 3 + 24
    assert result.metrics.mae == pytest.approx(np.abs(error).mean())
    assert result.metrics.rmse == pytest.approx(np.sqrt((error**2).mean()))
    assert result.metrics.mape_frac == pytest.approx(np.mean(np.abs(error) / actual))
    assert result.baseline_metrics.mae == pytest.approx(np.abs(base_error).mean())
    assert result.skill_frac == pytest.approx(1 - np.abs(error).mean() / np.abs(base_error).mean())


def test_progress_is_reported_after_every_run(daily):
    _, progress = daily
    assert progress == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_report_lists_both_models_and_the_skill(daily):
    result, _ = daily
    text = result.report()
    assert "naive-weekly" in text and "boosted" in text
    assert f"{100 * result.skill_frac:.1f} %" in text


def test_model_is_refitted_only_every_retrain_frequency(load):
    result = backtest(
        load,
        start=RUN_START,
        end=RUN_START + 4 * DAY,
        horizon=12 * HOUR,
        frequency=12 * HOUR,
        retrain_frequency=2 * DAY,
        model_params=FAST,
    )
    assert len(result.runs) == 8
    assert result.n_trainings == 2
    assert [r.train_end for r in result.runs] == [RUN_START] * 4 + [RUN_START + 2 * DAY] * 4


def test_reused_model_still_sees_only_data_before_each_run(load):
    changed = load.copy()
    cut = RUN_START + 2 * DAY
    changed[changed.index >= cut] += 40.0
    kwargs = dict(start=RUN_START, end=cut, horizon=12 * HOUR, retrain_frequency=4 * DAY)
    a = backtest(load, model_params=FAST, **kwargs)
    b = backtest(changed, model_params=FAST, **kwargs)
    for run_a, run_b in zip(a.runs, b.runs, strict=True):
        pd.testing.assert_series_equal(run_a.values, run_b.values)


def test_without_actuals_the_runs_are_made_but_not_scored(load):
    result = backtest(
        load[: RUN_START - HOUR],
        start=RUN_START,
        end=RUN_START + DAY,
        horizon=12 * HOUR,
        model_params=FAST,
    )
    assert len(result.runs) == 2
    assert result.metrics is None and result.skill_frac is None
    assert "no actual values" in result.report()
