"""The synthetic load series: deterministic, with daily and weekly cycles and noise."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gridflex.engines.forecasting import synthetic_load_kw

START = pd.Timestamp("2024-01-01", tz="UTC")  # a Monday
QUARTER = pd.Timedelta(minutes=15)


def test_same_seed_same_series_other_seed_other_noise():
    a = synthetic_load_kw(START, 96 * 14, QUARTER, seed=1)
    b = synthetic_load_kw(START, 96 * 14, QUARTER, seed=1)
    c = synthetic_load_kw(START, 96 * 14, QUARTER, seed=2)
    pd.testing.assert_series_equal(a, b)
    assert not np.allclose(a.to_numpy(), c.to_numpy())


def test_index_is_regular_utc_and_values_positive():
    load = synthetic_load_kw(START, 96 * 7, QUARTER, seed=0)
    assert len(load) == 96 * 7
    assert str(load.index.tz) == "UTC"
    assert ((load.index[1:] - load.index[:-1]) == QUARTER).all()
    assert (load > 0).all()


def test_daily_and_weekly_cycles_and_noise():
    load = synthetic_load_kw(START, 96 * 7 * 8, QUARTER, seed=0)
    hour = load.index.hour
    workday = load.index.day_of_week < 5
    assert load[workday & (hour == 12)].mean() > 1.3 * load[workday & (hour == 3)].mean()
    assert load[workday & (hour == 12)].mean() > 1.2 * load[~workday & (hour == 12)].mean()
    x = load.to_numpy()
    day_corr = np.corrcoef(x[96:], x[:-96])[0, 1]
    assert 0.7 < day_corr < 0.99  # strongly daily, yet never a copy of yesterday
