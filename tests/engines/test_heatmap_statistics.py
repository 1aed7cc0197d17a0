"""Demand statistics against plain numpy, row by row, on generated data with gaps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from gridflex.engines.heatmap import demand_statistics, statistics_window, window_columns
from gridflex.engines.heatmap.statistics import month_of_steps, seasonal_extremes
from gridflex.errors import ValidationError


def generated(seed: int = 7, rows: int = 40, steps: int = 2000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    demand = rng.normal(5.0, 4.0, (rows, steps))  # crosses zero: reverse flow
    demand[rng.random(demand.shape) < 0.05] = np.nan
    return demand


def test_statistics_match_numpy_row_by_row():
    demand = generated()
    stats = demand_statistics(demand, min_coverage_frac=0.9)
    for i, row in enumerate(demand):
        present = row[~np.isnan(row)]
        assert stats.maximum_mva[i] == present.max()
        assert stats.minimum_mva[i] == present.min()
        expected = np.percentile(present, [99, 75, 50, 25])
        got = [stats.p99_mva[i], stats.p75_mva[i], stats.p50_mva[i], stats.p25_mva[i]]
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
        assert stats.coverage_frac[i] == present.size / row.size


def test_minimum_may_be_negative_under_reverse_flow():
    demand = np.array([[3.0, -2.5, 1.0, 0.5]])
    stats = demand_statistics(demand)
    assert stats.minimum_mva[0] == -2.5


def test_too_little_data_gives_nan_not_a_guess():
    demand = np.ones((3, 10))
    demand[1, :2] = np.nan  # 80 % coverage
    demand[2, :] = np.nan  # nothing
    stats = demand_statistics(demand, min_coverage_frac=0.9)
    assert stats.maximum_mva[0] == 1.0
    assert np.isnan(stats.maximum_mva[1]) and np.isnan(stats.p50_mva[1])
    assert np.isnan(stats.minimum_mva[2])
    lenient = demand_statistics(demand, min_coverage_frac=0.8)
    assert lenient.maximum_mva[1] == 1.0


def test_coverage_counts_window_steps_the_array_does_not_reach():
    demand = np.ones((1, 95))
    assert np.isnan(demand_statistics(demand, expected_steps=200).maximum_mva[0])
    assert demand_statistics(demand, expected_steps=100).maximum_mva[0] == 1.0


def test_infinite_values_count_as_gaps():
    demand = np.array([[1.0, np.inf, 2.0, -np.inf]])
    stats = demand_statistics(demand, min_coverage_frac=0.5)
    assert (stats.maximum_mva[0], stats.minimum_mva[0]) == (2.0, 1.0)


def test_single_value_gives_every_statistic_that_value():
    stats = demand_statistics(np.array([[np.nan, 4.0]]), min_coverage_frac=0.5)
    assert {float(getattr(stats, a)[0]) for a in ("p99_mva", "p25_mva", "maximum_mva")} == {4.0}


def test_coverage_threshold_outside_unit_interval_is_refused():
    with pytest.raises(ValidationError):
        demand_statistics(np.ones((1, 3)), min_coverage_frac=90)


@pytest.mark.parametrize(
    ("valid_from", "start"),
    [
        (datetime(2024, 1, 1, tzinfo=UTC), datetime(2023, 1, 1, tzinfo=UTC)),
        (datetime(2024, 2, 29, 12, tzinfo=UTC), datetime(2023, 2, 28, 12, tzinfo=UTC)),
        (datetime(2024, 4, 1, tzinfo=UTC), datetime(2023, 4, 1, tzinfo=UTC)),
    ],
)
def test_default_window_is_the_twelve_months_before_valid_from(valid_from, start):
    assert statistics_window(valid_from) == (start, valid_from)


def test_window_months_are_calendar_months():
    assert statistics_window(datetime(2024, 5, 31, tzinfo=UTC), months=3)[0] == datetime(
        2024, 2, 29, tzinfo=UTC
    )


def test_window_columns_select_half_open_interval():
    first = datetime(2023, 12, 31, 23, 0, tzinfo=UTC)
    step = timedelta(minutes=30)
    columns, expected = window_columns(
        first,
        step,
        10,
        start=datetime(2024, 1, 1, tzinfo=UTC),
        end=datetime(2024, 1, 1, 2, 0, tzinfo=UTC),
    )
    # Steps start 23:00, 23:30, 00:00 (index 2) ... 01:30 (index 5); 02:00 is excluded.
    assert (columns.start, columns.stop, expected) == (2, 6, 4)


def test_window_columns_count_steps_before_the_series_starts():
    first = datetime(2024, 1, 1, 1, 0, tzinfo=UTC)
    columns, expected = window_columns(
        first,
        timedelta(hours=1),
        5,
        start=datetime(2024, 1, 1, tzinfo=UTC),
        end=datetime(2024, 1, 1, 3, tzinfo=UTC),
    )
    assert (columns.start, columns.stop, expected) == (0, 2, 3)


def test_seasonal_extremes_match_numpy_per_season():
    demand = generated(rows=5, steps=300)
    season = np.arange(300) % 3 % 2  # two seasons, interleaved
    maximum, minimum = seasonal_extremes(demand, season, 2)
    for s in range(2):
        np.testing.assert_array_equal(maximum[:, s], np.nanmax(demand[:, season == s], axis=1))
        np.testing.assert_array_equal(minimum[:, s], np.nanmin(demand[:, season == s], axis=1))


def test_month_of_steps_is_the_utc_month():
    months = month_of_steps(datetime(2024, 1, 31, 23, 0, tzinfo=UTC), timedelta(minutes=30), 4)
    assert months.tolist() == [1, 1, 2, 2]
