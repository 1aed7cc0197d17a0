"""Marginal mix: recovered from synthetic histories whose true marginal mix is known."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import lsq_linear

from gridflex.engines.carbon import (
    PRODUCTION_TYPES,
    fit_marginal_mix,
    mix_intensity_g_per_kwh,
    resolve_factors_g_per_kwh,
    type_index,
)
from gridflex.errors import InsufficientDataError

K = len(PRODUCTION_TYPES)
COAL, GAS, HYDRO, SOLAR, NUCLEAR = (
    type_index(t) for t in ("coal", "gas", "hydro", "solar", "nuclear")
)


def synthetic_history(
    rng: np.random.Generator, n_steps: int, true_slopes: dict[int, float], noise_mw: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Load as a random walk; each type in ``true_slopes`` moves by slope x the load change."""
    d_load = rng.normal(0.0, 50.0, n_steps)
    load = 5000.0 + np.cumsum(d_load)
    production = np.full((n_steps, K), 1000.0)
    for k, slope in true_slopes.items():
        production[:, k] += np.cumsum(slope * d_load + rng.normal(0.0, noise_mw, n_steps))
    return production, load


def test_recovers_a_known_marginal_mix():
    rng = np.random.default_rng(10)
    production, load = synthetic_history(rng, 2000, {GAS: 0.6, COAL: 0.2})
    fit = fit_marginal_mix(production, load)
    assert fit.is_estimate
    np.testing.assert_allclose(fit.slope_mw_per_mw[0, [GAS, COAL]], [0.6, 0.2], atol=0.01)
    np.testing.assert_allclose(fit.mix_frac[0, [GAS, COAL]], [0.75, 0.25], atol=0.01)
    np.testing.assert_allclose(fit.explained_frac, [0.8], atol=0.01)
    assert fit.mix_frac.sum() == pytest.approx(1.0)


def test_must_run_types_stay_at_zero_even_when_they_follow_load():
    rng = np.random.default_rng(11)
    production, load = synthetic_history(rng, 1000, {GAS: 0.5, SOLAR: 0.5, NUCLEAR: 0.2})
    fit = fit_marginal_mix(production, load)
    assert fit.slope_mw_per_mw[0, SOLAR] == 0.0
    assert fit.slope_mw_per_mw[0, NUCLEAR] == 0.0
    assert fit.mix_frac[0, GAS] == pytest.approx(1.0)


def test_types_moving_against_load_get_zero_not_negative():
    rng = np.random.default_rng(12)
    production, load = synthetic_history(rng, 1000, {GAS: 0.7, HYDRO: -0.3})
    fit = fit_marginal_mix(production, load)
    assert fit.slope_mw_per_mw[0, HYDRO] == 0.0
    assert np.all(fit.mix_frac >= 0.0)


def test_slopes_match_a_bounded_least_squares_solver():
    rng = np.random.default_rng(13)
    production, load = synthetic_history(
        rng, 300, {GAS: 0.4, COAL: 0.1, HYDRO: -0.2}, noise_mw=30.0
    )
    fit = fit_marginal_mix(production, load, must_run_types=())
    d_load, d_prod = np.diff(load), np.diff(production, axis=0)
    design = np.column_stack([np.ones_like(d_load), d_load])
    for k in (GAS, COAL, HYDRO):
        solved = lsq_linear(design, d_prod[:, k], bounds=([-np.inf, 0.0], [np.inf, np.inf]))
        assert fit.slope_mw_per_mw[0, k] == pytest.approx(solved.x[1], abs=1e-7)


def test_groups_get_their_own_mix():
    rng = np.random.default_rng(14)
    n_steps = 4000
    d_load = rng.normal(0.0, 50.0, n_steps)
    hour = np.arange(n_steps) % 2  # even steps: gas follows load; odd steps: coal
    d_prod = np.zeros((n_steps, K))
    d_prod[hour == 0, GAS] = d_load[hour == 0]
    d_prod[hour == 1, COAL] = d_load[hour == 1]
    fit = fit_marginal_mix(
        1000.0 + np.cumsum(d_prod, axis=0), 5000.0 + np.cumsum(d_load), groups=hour
    )
    forecast = fit.mix_for([0, 1, 0])
    np.testing.assert_allclose(forecast[:, [GAS, COAL]], [[1, 0], [0, 1], [1, 0]], atol=1e-9)
    assert not fit.pooled.any()


def test_marginal_intensity_follows_the_mix():
    rng = np.random.default_rng(15)
    production, load = synthetic_history(rng, 2000, {GAS: 0.5, COAL: 0.5}, noise_mw=0.01)
    fit = fit_marginal_mix(production, load)
    factors = resolve_factors_g_per_kwh(["X"], year=2024)[0]
    assert mix_intensity_g_per_kwh(fit.mix_frac[0], factors) == pytest.approx(
        (490 + 820) / 2, abs=1.0
    )


def test_small_group_falls_back_to_the_pooled_estimate():
    rng = np.random.default_rng(16)
    production, load = synthetic_history(rng, 500, {GAS: 0.5})
    groups = np.zeros(500, dtype=int)
    groups[-5:] = 7
    fit = fit_marginal_mix(production, load, groups=groups, min_changes=24)
    row = int(np.searchsorted(fit.groups, 7))
    assert fit.pooled[row]
    assert fit.n_changes[row] == 5
    assert fit.mix_frac[row, GAS] == pytest.approx(1.0)


def test_too_little_history_is_insufficient_data():
    rng = np.random.default_rng(17)
    production, load = synthetic_history(rng, 10, {GAS: 0.5})
    with pytest.raises(InsufficientDataError, match="at least 24"):
        fit_marginal_mix(production, load)


def test_flat_load_is_insufficient_data():
    production = np.ones((100, K))
    with pytest.raises(InsufficientDataError):
        fit_marginal_mix(production, np.full(100, 5000.0))


def test_unseen_group_in_a_forecast_is_reported():
    rng = np.random.default_rng(18)
    production, load = synthetic_history(rng, 200, {GAS: 0.5})
    fit = fit_marginal_mix(production, load)
    with pytest.raises(InsufficientDataError, match="group 3"):
        fit.mix_for([0, 3])
