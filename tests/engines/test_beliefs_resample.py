"""Resampling: intensive units are repeated and averaged, extensive ones split and summed."""

from __future__ import annotations

import numpy as np
import pytest

from gridflex.engines.beliefs.resample import bin_events, downsample, upsample

NAN = np.nan


def test_upsampled_power_is_repeated():
    assert upsample(np.array([4.0, 8.0]), 4, energy_like=False).tolist() == [4, 4, 4, 4, 8, 8, 8, 8]


def test_upsampled_energy_is_split_and_keeps_its_total():
    energy = np.array([4.0, 8.0, 1.0])
    split = upsample(energy, 4, energy_like=True)
    assert split.tolist() == [1, 1, 1, 1, 2, 2, 2, 2, 0.25, 0.25, 0.25, 0.25]
    assert split.sum() == energy.sum()


def test_downsampled_power_is_the_mean_of_the_values_present():
    values = np.array([1.0, 2.0, 3.0, 6.0, NAN, 5.0, NAN, NAN, NAN])
    assert downsample(values, 3, energy_like=False).tolist()[:2] == [2.0, 5.5]
    assert np.isnan(downsample(values, 3, energy_like=False)[2])


def test_downsampled_energy_is_summed_only_when_complete():
    values = np.array([1.0, 2.0, 3.0, 4.0, NAN, 5.0])
    out = downsample(values, 3, energy_like=True)
    assert out[0] == 6.0 and np.isnan(out[1])


def test_downsampling_inverts_upsampling():
    rng = np.random.default_rng(1)
    values = rng.normal(size=24)
    for energy in (False, True):
        np.testing.assert_allclose(
            downsample(upsample(values, 4, energy_like=energy), 4, energy_like=energy), values
        )


def test_blocks_must_fit():
    with pytest.raises(ValueError):
        downsample(np.ones(5), 2, energy_like=False)


def test_binning_events_at_arbitrary_moments():
    minute = 60_000_000
    offsets = (
        np.array([0, 5, 14, 15, 44, 45, 61]) * minute
    )  # the last one lies outside 3 steps of 15 minutes
    values = np.array([1.0, 2.0, 3.0, 10.0, NAN, 7.0, 99.0])
    mean = bin_events(offsets, values, step_us=15 * minute, n=4, energy_like=False)
    total = bin_events(offsets, values, step_us=15 * minute, n=3, energy_like=True)
    assert mean.tolist()[:2] == [2.0, 10.0] and np.isnan(mean[2]) and mean[3] == 7.0
    assert total.tolist()[:2] == [6.0, 10.0] and np.isnan(total[2])


def test_binning_ignores_events_before_the_grid():
    out = bin_events(np.array([-1, 0]), np.array([5.0, 1.0]), step_us=10, n=1, energy_like=True)
    assert out.tolist() == [1.0]
