"""Error metrics on values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from gridflex.engines.forecasting import evaluate, mae, mape, rmse, skill
from gridflex.engines.forecasting.features import seasonal_mean, trailing_mean

ACTUAL = [10.0, 20.0, 40.0, 50.0]
FORECAST = [12.0, 18.0, 44.0, 50.0]  # errors +2, -2, +4, 0


def test_mae_rmse_mape_by_hand():
    assert mae(ACTUAL, FORECAST) == pytest.approx(8 / 4)
    assert rmse(ACTUAL, FORECAST) == pytest.approx(math.sqrt((4 + 4 + 16 + 0) / 4))
    assert mape(ACTUAL, FORECAST) == pytest.approx((0.2 + 0.1 + 0.1 + 0.0) / 4)


def test_mape_is_undefined_when_an_actual_is_zero():
    assert mape([0.0, 5.0], [1.0, 5.0]) is None
    assert evaluate([0.0, 5.0], [1.0, 5.0]).mape_frac is None


def test_skill_is_the_share_of_baseline_error_removed():
    assert skill(3.0, 4.0) == pytest.approx(0.25)
    assert skill(5.0, 4.0) == pytest.approx(-0.25)
    assert skill(1.0, 0.0) is None


def test_metrics_refuse_incomplete_pairs():
    with pytest.raises(ValueError, match="NaN"):
        mae([1.0, np.nan], [1.0, 2.0])
    with pytest.raises(ValueError, match="same length"):
        rmse([1.0], [1.0, 2.0])


def test_trailing_mean_matches_pandas_rolling_with_gaps():
    values = np.array([1.0, np.nan, 3.0, 4.0, np.nan, np.nan, np.nan, 8.0])
    expected = pd.Series(values).rolling(3, min_periods=1).mean().to_numpy()
    np.testing.assert_allclose(trailing_mean(values, 3), expected)


def test_seasonal_mean_averages_the_same_phase_of_earlier_cycles():
    values = np.arange(12, dtype=float)
    values[[1, 4, 5]] = np.nan
    out = seasonal_mean(values, period=4, cycles=3)
    # Position 10 averages positions 10, 6, 2; position 8 averages 8 and 0 (4 is missing);
    # position 5 has no known value among 5 and 1.
    assert out[10] == pytest.approx((10 + 6 + 2) / 3)
    assert out[8] == pytest.approx((8 + 0) / 2)
    assert np.isnan(out[5])
