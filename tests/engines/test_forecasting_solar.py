"""Solar sites: clear-sky inputs, and a measured PV series from a PyPI package (pvanalytics)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from benchmarks.measured_series import serf_east_ac_power

from gridflex.engines.forecasting import SolarSite, backtest, forecast
from gridflex.engines.forecasting.selection import BASELINES
from gridflex.engines.forecasting.solar import clear_sky

DAY = pd.Timedelta(days=1)
GOLDEN = SolarSite(latitude=39.742, longitude=-105.1727)


@pytest.mark.filterwarnings("ignore:.*dayofyear:FutureWarning", "ignore:.*dayofyear")
def test_clear_sky_matches_pvlib_at_the_middle_of_each_step():
    # Computed another way: pvlib's own Location API (Ineichen, its turbidity and altitude tables).
    import pvlib

    index = pd.date_range("2016-07-01 06:00", periods=4 * 24, freq="15min", tz="UTC")
    ghi, elevation = clear_sky(index, pd.Timedelta(minutes=15), GOLDEN)
    middle = index + pd.Timedelta(minutes=7.5)
    location = pvlib.location.Location(GOLDEN.latitude, GOLDEN.longitude)
    reference = location.get_clearsky(middle)["ghi"].to_numpy()
    np.testing.assert_allclose(ghi, reference, atol=2.0)  # turbidity interpolated a bit differently
    sun = location.get_solarposition(middle)["apparent_elevation"].to_numpy()
    np.testing.assert_allclose(elevation, sun, atol=1e-6)
    assert ghi.max() > 900 and (ghi[elevation < 0] == 0).all()


def test_an_hourly_step_is_the_mean_of_its_quarter_hours():
    index = pd.date_range("2016-07-01 12:00", periods=12, freq="15min", tz="UTC")
    quarters, _ = clear_sky(index, pd.Timedelta(minutes=15), GOLDEN)
    hours, _ = clear_sky(index[::4], pd.Timedelta(hours=1), GOLDEN)
    np.testing.assert_allclose(hours, quarters.reshape(3, 4).mean(axis=1))


@pytest.fixture(scope="module")
def pv() -> pd.Series:
    return serf_east_ac_power().values


def test_solar_site_adds_clear_sky_inputs(pv):
    belief_time = pv.index[0] + 21 * DAY
    result = forecast(
        pv, belief_time=belief_time, n_steps=96, solar_site=GOLDEN, model_params={"max_iter": 40}
    )
    assert "clearsky-median" in result.selection.mae
    boosted = forecast(
        pv, belief_time=belief_time, n_steps=96, solar_site=GOLDEN, model="boosted",
        model_params={"max_iter": 40},
    )  # fmt: skip
    assert {"clearsky_ghi", "sun_elevation", "clearsky_scaled_7d"} <= set(
        boosted.model_params["features"]
    )
    assert boosted.model_params["solar_site"] == [GOLDEN.latitude, GOLDEN.longitude]


@pytest.mark.slow
def test_measured_pv_is_forecast_no_worse_than_any_baseline_out_of_sample(pv):
    # Day-ahead runs at local midnight over the last four weeks of the series; the model is
    # chosen each week from a backtest of the four weeks before (never from the weeks scored).
    end = pv.index[-1] + pd.Timedelta(minutes=15)
    result = backtest(
        pv,
        start=end - 28 * DAY,
        end=end,
        horizon=DAY,
        frequency=DAY,
        retrain_frequency=7 * DAY,
        timezone="America/Denver",
        solar_site=GOLDEN,
    )
    assert len(result.runs) == 28 and result.n_trainings == 4
    for baseline in BASELINES:
        by_hand = 1 - result.metrics.mae / result.baseline_scores[baseline].mae
        assert result.skills[baseline] == pytest.approx(by_hand)
        assert result.skills[baseline] >= 0, (baseline, result.skills, result.chosen)
