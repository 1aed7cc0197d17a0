"""Storage devices: SoC dynamics, bounds, efficiencies, targets, and optimality.

Expected values come from hand calculations or from the independent reference in
`test_scheduling_reference` (no SoC variables, dense matrices, scipy's milp).
"""

from __future__ import annotations

import numpy as np
import pytest

from gridflex.engines.scheduling import (
    SiteContext,
    StorageDevice,
    efficiency_per_step,
    solve_schedule,
    split_roundtrip_efficiency,
)
from tests.engines.test_scheduling_reference import ref_storage, reference_schedule

NAN = np.nan


def _soc_from_power(power, s0, dt, eta_c=1.0, eta_d=1.0, eta_s=1.0, gain=0.0):
    """SoC at step boundaries recomputed from a power profile by plain iteration."""
    n = power.size
    eta_c, eta_d, eta_s, gain = (np.broadcast_to(v, (n,)) for v in (eta_c, eta_d, eta_s, gain))
    soc = [s0]
    for t, p in enumerate(power):
        stored = eta_c[t] * max(p, 0.0) - max(-p, 0.0) / eta_d[t]
        soc.append(eta_s[t] * soc[-1] + dt * (stored + gain[t]))
    return np.array(soc)


def _battery(**kw) -> StorageDevice:
    defaults = dict(
        name="battery",
        soc_at_start_kwh=5.0,
        soc_min_kwh=1.0,
        soc_max_kwh=10.0,
        power_capacity_kw=4.0,
        prefer_charging_sooner=False,
    )
    defaults.update(kw)
    return StorageDevice(**defaults)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_battery_cost_matches_independent_optimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, dt = 12, 0.5
    price = rng.uniform(0.05, 0.4, n)
    eff = rng.uniform(0.8, 1.0)
    battery = _battery(roundtrip_efficiency=eff, storage_efficiency=0.99)
    result = solve_schedule(
        [battery], SiteContext(consumption_price_per_kwh=price), resolution_h=dt
    )
    root = np.sqrt(eff)
    ref = reference_schedule(
        [
            ref_storage(
                n,
                5.0,
                soc_min=1.0,
                soc_max=10.0,
                cmax=4.0,
                dmax=4.0,
                eta_c=root,
                eta_d=root,
                eta_s=0.99,
            )
        ],
        price,
        dt,
    )
    assert result.costs["energy"] == pytest.approx(ref.objective, abs=1e-6)
    assert result.costs["total"] == pytest.approx(ref.objective, abs=1e-6)


@pytest.mark.parametrize("seed", [0, 1])
def test_soc_never_leaves_soc_min_and_soc_max(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 48
    price = rng.normal(0.2, 0.2, n)  # some negative prices too
    result = solve_schedule(
        [_battery(roundtrip_efficiency=0.85)],
        SiteContext(consumption_price_per_kwh=price),
        resolution_h=0.25,
    )
    soc = result.soc_kwh[0]
    assert soc[0] == 5.0
    assert soc[1:].min() >= 1.0 - 1e-7
    assert soc.max() <= 10.0 + 1e-7


def test_soc_follows_power_through_efficiencies_and_standing_loss() -> None:
    rng = np.random.default_rng(7)
    n, dt = 24, 0.25
    battery = _battery(
        charging_efficiency=0.95, discharging_efficiency=0.9, storage_efficiency=0.995
    )
    result = solve_schedule(
        [battery], SiteContext(consumption_price_per_kwh=rng.uniform(0, 1, n)), resolution_h=dt
    )
    expected = _soc_from_power(result.power_kw[0], 5.0, dt, 0.95, 0.9, 0.995)
    np.testing.assert_allclose(result.soc_kwh[0], expected, atol=1e-7)


def test_no_simultaneous_charging_and_discharging_at_negative_prices() -> None:
    # A full battery and a negative price: burning energy in round-trip losses would
    # pay, but a battery cannot charge and discharge at once.
    price = np.array([-1.0, -1.0, 0.5, -1.0])
    battery = _battery(soc_at_start_kwh=10.0, roundtrip_efficiency=0.5)
    result = solve_schedule(
        [battery], SiteContext(consumption_price_per_kwh=price), resolution_h=1.0
    )
    ref = reference_schedule(
        [
            ref_storage(
                4,
                10.0,
                soc_min=1.0,
                soc_max=10.0,
                cmax=4.0,
                dmax=4.0,
                eta_c=np.sqrt(0.5),
                eta_d=np.sqrt(0.5),
                exclusive=True,
            )
        ],
        price,
        1.0,
    )
    assert result.costs["energy"] == pytest.approx(ref.objective, abs=1e-6)
    expected = _soc_from_power(result.power_kw[0], 10.0, 1.0, np.sqrt(0.5), np.sqrt(0.5))
    np.testing.assert_allclose(result.soc_kwh[0], expected, atol=1e-7)


def test_charging_efficiency_scales_grid_energy_for_a_target() -> None:
    # From 2 kWh to a target of 8 kWh at 90 % charging efficiency: 6 / 0.9 kWh from the grid.
    n = 4
    battery = _battery(
        soc_at_start_kwh=2.0,
        charging_efficiency=0.9,
        production_capacity_kw=0.0,
        soc_targets_kwh=np.array([np.nan, np.nan, np.nan, 8.0]),
    )
    result = solve_schedule(
        [battery], SiteContext(consumption_price_per_kwh=np.ones(n)), resolution_h=1.0
    )
    assert result.power_kw[0].sum() == pytest.approx(6.0 / 0.9)
    assert result.soc_kwh[0][-1] == pytest.approx(8.0)
    assert result.costs["energy"] == pytest.approx(6.0 / 0.9)


def test_discharging_efficiency_scales_exported_energy() -> None:
    # Selling all 9 kWh above soc-min at 80 % discharging efficiency yields 7.2 kWh.
    battery = _battery(soc_at_start_kwh=10.0, discharging_efficiency=0.8, consumption_capacity_kw=0)
    result = solve_schedule(
        [battery], SiteContext(consumption_price_per_kwh=np.full(4, 2.0)), resolution_h=1.0
    )
    assert result.power_kw[0].sum() == pytest.approx(-7.2)
    assert result.costs["energy"] == pytest.approx(-2.0 * 7.2)


def test_heat_pump_cop_covers_heat_demand_with_less_electricity() -> None:
    # A heat buffer that must stay at 10 kWh while 3 kW of heat is drawn; COP 3 means
    # 1 kW of electricity per step.
    n = 6
    heat_pump = StorageDevice(
        name="hp",
        soc_at_start_kwh=10.0,
        soc_min_kwh=10.0,
        soc_max_kwh=10.0,
        soc_usage_kw=3.0,
        charging_efficiency=3.0,
        consumption_capacity_kw=5.0,
        production_capacity_kw=0.0,
        prefer_charging_sooner=False,
    )
    result = solve_schedule(
        [heat_pump], SiteContext(consumption_price_per_kwh=np.ones(n)), resolution_h=1.0
    )
    np.testing.assert_allclose(result.power_kw[0], np.ones(n), atol=1e-9)


def test_heat_pump_preheats_before_a_price_spike() -> None:
    price = np.array([0.1, 0.1, 1.0, 1.0])
    heat_pump = StorageDevice(
        name="hp",
        soc_at_start_kwh=2.0,
        soc_min_kwh=0.0,
        soc_max_kwh=20.0,
        soc_usage_kw=3.0,
        charging_efficiency=3.0,
        consumption_capacity_kw=5.0,
        production_capacity_kw=0.0,
        prefer_charging_sooner=False,
    )
    result = solve_schedule(
        [heat_pump], SiteContext(consumption_price_per_kwh=price), resolution_h=1.0
    )
    # 12 kWh of heat needed, 2 in store: 10 kWh of heat = 10/3 kWh of electricity, all cheap.
    assert result.power_kw[0][2:].sum() == pytest.approx(0.0, abs=1e-9)
    assert result.power_kw[0].sum() == pytest.approx(10.0 / 3.0)


def test_soc_targets_are_met_exactly() -> None:
    rng = np.random.default_rng(3)
    n = 16
    targets = np.full(n, np.nan)
    targets[[4, 9, 15]] = [9.0, 2.0, 7.5]
    result = solve_schedule(
        [_battery(soc_targets_kwh=targets, roundtrip_efficiency=0.9)],
        SiteContext(consumption_price_per_kwh=rng.uniform(0, 1, n)),
        resolution_h=1.0,
    )
    np.testing.assert_allclose(result.soc_kwh[0][[5, 10, 16]], [9.0, 2.0, 7.5], atol=1e-7)


def test_soc_minima_and_maxima_hold_at_their_steps() -> None:
    n = 8
    minima = np.full(n, np.nan)
    maxima = np.full(n, np.nan)
    minima[3], maxima[6] = 9.0, 2.0
    price = np.array([1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 0.1])  # would rather charge late
    result = solve_schedule(
        [_battery(soc_minima_kwh=minima, soc_maxima_kwh=maxima)],
        SiteContext(consumption_price_per_kwh=price),
        resolution_h=1.0,
    )
    assert result.soc_kwh[0][4] >= 9.0 - 1e-7
    assert result.soc_kwh[0][7] <= 2.0 + 1e-7


def test_soc_gain_fills_the_storage_for_free() -> None:
    # 2 kW of gain for 3 h: 6 kWh arrive without any grid power; selling is not allowed.
    battery = _battery(soc_at_start_kwh=2.0, soc_gain_kw=2.0, production_capacity_kw=0.0)
    result = solve_schedule(
        [battery], SiteContext(consumption_price_per_kwh=np.ones(3)), resolution_h=1.0
    )
    np.testing.assert_allclose(result.power_kw[0], 0.0, atol=1e-9)
    np.testing.assert_allclose(result.soc_kwh[0], [2.0, 4.0, 6.0, 8.0])


def test_charging_is_positive_and_discharging_negative() -> None:
    price = np.array([0.1, 0.9])
    battery = _battery(soc_at_start_kwh=1.0, soc_max_kwh=5.0, power_capacity_kw=4.0)
    result = solve_schedule(
        [battery], SiteContext(consumption_price_per_kwh=price), resolution_h=1.0
    )
    np.testing.assert_allclose(result.power_kw[0], [4.0, -4.0], atol=1e-9)
    np.testing.assert_allclose(result.site_power_kw, [4.0, -4.0], atol=1e-9)


def test_prefer_charging_sooner_breaks_ties_towards_early_steps() -> None:
    battery = _battery(
        soc_at_start_kwh=1.0,
        production_capacity_kw=0.0,
        soc_targets_kwh=np.array([np.nan] * 5 + [5.0]),
        prefer_charging_sooner=True,
    )
    result = solve_schedule(
        [battery], SiteContext(consumption_price_per_kwh=np.full(6, 0.3)), resolution_h=1.0
    )
    np.testing.assert_allclose(result.power_kw[0], [4.0, 0, 0, 0, 0, 0], atol=1e-7)
    assert 0 < result.costs["prefer-charging-sooner"] < 1e-3 * result.costs["energy"]


def test_charging_capacity_per_step_limits_charging() -> None:
    # An EV plugged in only at steps 1 and 2.
    ev = _battery(
        soc_at_start_kwh=2.0,
        production_capacity_kw=0.0,
        consumption_capacity_kw=np.array([0.0, 3.0, 3.0, 0.0]),
    )
    result = solve_schedule(
        [ev], SiteContext(consumption_price_per_kwh=np.full(4, -0.1)), resolution_h=1.0
    )
    np.testing.assert_allclose(result.power_kw[0], [0.0, 3.0, 3.0, 0.0], atol=1e-9)


def test_lossless_round_trip_defaults_when_no_efficiency_is_given() -> None:
    price = np.array([0.1, 0.5])
    result = solve_schedule(
        [_battery(soc_at_start_kwh=1.0, soc_max_kwh=5.0)],
        SiteContext(consumption_price_per_kwh=price),
        resolution_h=1.0,
    )
    # Buy 4 kWh at 0.1; then 5 kWh in store, sell down to soc-min 1: 4 kWh at 0.5.
    assert result.costs["energy"] == pytest.approx(4 * 0.1 - 4 * 0.5)


def test_reference_recording_fill_profile_is_reproduced() -> None:
    # Recorded schedule of the reference (toy battery, 15 min): 500 kW, then
    # 258.946638 kW fill 225 -> 405 kWh at sqrt(0.9) charging efficiency:
    # 500 * 0.25 * 0.948683 + 258.946638 * 0.25 * 0.948683 = 180 kWh.
    battery = StorageDevice(
        name="toy-battery",
        soc_at_start_kwh=225.0,
        soc_min_kwh=45.0,
        soc_max_kwh=405.0,
        power_capacity_kw=500.0,
        roundtrip_efficiency=0.9,
        soc_targets_kwh=np.array([NAN, NAN, NAN, 405.0]),
    )
    ctx = SiteContext(consumption_price_per_kwh=np.array([0.1, 0.2, 0.3, 0.4]))
    result = solve_schedule([battery], ctx, resolution_h=0.25)
    np.testing.assert_allclose(result.power_kw[0], [500.0, 258.946638, 0.0, 0.0], atol=1e-6)


def test_reference_recording_hourly_fill_is_reproduced() -> None:
    # At one-hour resolution the reference charged 189.73666 kW = 180 kWh / sqrt(0.9).
    battery = StorageDevice(
        name="toy-battery",
        soc_at_start_kwh=225.0,
        soc_min_kwh=45.0,
        soc_max_kwh=405.0,
        power_capacity_kw=500.0,
        roundtrip_efficiency=0.9,
        soc_targets_kwh=np.array([NAN, 405.0]),
    )
    ctx = SiteContext(consumption_price_per_kwh=np.array([0.1, 0.2]))
    result = solve_schedule([battery], ctx, resolution_h=1.0)
    np.testing.assert_allclose(result.power_kw[0], [189.73666, 0.0], atol=1e-5)


def test_efficiency_helpers() -> None:
    assert split_roundtrip_efficiency(0.81) == pytest.approx((0.9, 0.9))
    # 99 % kept per hour is 0.99 ** 0.25 per quarter-hour.
    assert efficiency_per_step(0.99, per_h=1.0, resolution_h=0.25) == pytest.approx(0.99**0.25)
