"""The site: shared connection limits, peaks, breaches, prices, carbon, several devices."""

from __future__ import annotations

import numpy as np
import pytest

from gridflex.engines.scheduling import (
    CurtailableProduction,
    SiteContext,
    StorageDevice,
    solve_schedule,
)
from tests.engines.test_scheduling_reference import ref_storage, reference_schedule

NAN = np.nan


def _battery(name: str = "battery", **kw) -> StorageDevice:
    defaults = dict(
        name=name,
        soc_at_start_kwh=5.0,
        soc_min_kwh=0.0,
        soc_max_kwh=10.0,
        power_capacity_kw=4.0,
        prefer_charging_sooner=False,
    )
    defaults.update(kw)
    return StorageDevice(**defaults)


def _ref_battery(n: int, **kw):
    defaults = dict(soc_min=0.0, soc_max=10.0, cmax=4.0, dmax=4.0)
    defaults.update(kw)
    s0 = defaults.pop("s0", 5.0)
    return ref_storage(n, s0, **defaults)


def test_site_power_is_inflexible_plus_device_powers() -> None:
    rng = np.random.default_rng(1)
    n = 10
    inflexible = rng.uniform(-3, 3, n)
    pv = CurtailableProduction(name="pv", available_kw=rng.uniform(0, 4, n))
    result = solve_schedule(
        [_battery(), pv],
        SiteContext(consumption_price_per_kwh=rng.uniform(0, 1, n), inflexible_power_kw=inflexible),
        resolution_h=1.0,
    )
    np.testing.assert_allclose(result.site_power_kw, inflexible + result.power_kw.sum(axis=0))


def test_energy_cost_uses_consumption_and_production_prices_by_sign() -> None:
    rng = np.random.default_rng(2)
    n = 12
    pc = rng.uniform(0.2, 0.4, n)
    pp = 0.5 * pc
    inflexible = rng.uniform(-4, 4, n)
    result = solve_schedule(
        [_battery(roundtrip_efficiency=0.9)],
        SiteContext(
            consumption_price_per_kwh=pc,
            production_price_per_kwh=pp,
            inflexible_power_kw=inflexible,
        ),
        resolution_h=0.5,
    )
    site = result.site_power_kw
    expected = 0.5 * (pc @ np.maximum(site, 0) - pp @ np.maximum(-site, 0))
    assert result.costs["energy"] == pytest.approx(expected)
    ref = reference_schedule(
        [_ref_battery(n, eta_c=np.sqrt(0.9), eta_d=np.sqrt(0.9))],
        pc,
        0.5,
        price_p=pp,
        inflexible=inflexible,
    )
    assert result.costs["total"] == pytest.approx(ref.objective, abs=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_site_consumption_capacity_caps_site_power_at_the_optimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 12
    price = rng.uniform(0.0, 1.0, n)
    inflexible = rng.uniform(0, 3, n)
    ctx = SiteContext(
        consumption_price_per_kwh=price,
        inflexible_power_kw=inflexible,
        site_consumption_capacity_kw=5.0,
        site_production_capacity_kw=2.0,
    )
    result = solve_schedule([_battery()], ctx, resolution_h=1.0)
    assert result.site_power_kw.max() <= 5.0 + 1e-7
    assert result.site_power_kw.min() >= -2.0 - 1e-7
    ref = reference_schedule(
        [_ref_battery(n)], price, 1.0, inflexible=inflexible, site_cons=5.0, site_prod=2.0
    )
    assert result.costs["total"] == pytest.approx(ref.objective, abs=1e-6)


def test_site_power_capacity_limits_both_directions() -> None:
    price = np.array([0.1, 1.0])
    ctx = SiteContext(consumption_price_per_kwh=price, site_power_capacity_kw=3.0)
    # Without the limit: charge 4 kW, then sell 4 kW; with it, 3 kW each way.
    result = solve_schedule(
        [_battery(soc_at_start_kwh=2.0, soc_min_kwh=2.0)], ctx, resolution_h=1.0
    )
    np.testing.assert_allclose(result.power_kw[0], [3.0, -3.0], atol=1e-9)


def test_two_batteries_share_one_connection_optimally() -> None:
    rng = np.random.default_rng(5)
    n = 10
    price = rng.uniform(0.0, 1.0, n)
    devices = [_battery("a", roundtrip_efficiency=0.9), _battery("b", soc_at_start_kwh=1.0)]
    ctx = SiteContext(consumption_price_per_kwh=price, site_power_capacity_kw=5.0)
    result = solve_schedule(devices, ctx, resolution_h=1.0)
    assert np.abs(result.site_power_kw).max() <= 5.0 + 1e-7
    ref = reference_schedule(
        [_ref_battery(n, eta_c=np.sqrt(0.9), eta_d=np.sqrt(0.9)), _ref_battery(n, s0=1.0)],
        price,
        1.0,
        site_cons=5.0,
        site_prod=5.0,
    )
    assert result.costs["total"] == pytest.approx(ref.objective, abs=1e-6)
    assert result.device_names == ("a", "b")


def test_peak_charge_makes_the_battery_shave_the_peak() -> None:
    # Inflexible 10 kW in step 1; the battery holds 5 kWh: discharging all of it in
    # step 1 leaves a peak of 5 kW, which at 100/kW above 2 kW costs 300.
    inflexible = np.array([0.0, 10.0, 0.0])
    ctx = SiteContext(
        consumption_price_per_kwh=np.full(3, 0.1),
        inflexible_power_kw=inflexible,
        site_peak_consumption_kw=2.0,
        site_peak_consumption_price_per_kw=100.0,
    )
    battery = _battery(power_capacity_kw=20.0, consumption_capacity_kw=0.0)
    result = solve_schedule([battery], ctx, resolution_h=1.0)
    np.testing.assert_allclose(result.power_kw[0], [0.0, -5.0, 0.0], atol=1e-7)
    assert result.costs["peak-consumption"] == pytest.approx(300.0)


@pytest.mark.parametrize("seed", [0, 1])
def test_peak_charge_matches_independent_optimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 12
    price = rng.uniform(0.1, 0.3, n)
    inflexible = rng.uniform(0, 8, n)
    ctx = SiteContext(
        consumption_price_per_kwh=price,
        inflexible_power_kw=inflexible,
        site_peak_consumption_kw=3.0,
        site_peak_consumption_price_per_kw=0.5,
    )
    result = solve_schedule([_battery(roundtrip_efficiency=0.9)], ctx, resolution_h=1.0)
    ref = reference_schedule(
        [_ref_battery(n, eta_c=np.sqrt(0.9), eta_d=np.sqrt(0.9))],
        price,
        1.0,
        inflexible=inflexible,
        peak_kw=3.0,
        peak_price=0.5,
    )
    assert result.costs["total"] == pytest.approx(ref.objective, abs=1e-6)
    peak = max(0.0, result.site_power_kw.max() - 3.0)
    assert result.costs["peak-consumption"] == pytest.approx(0.5 * peak)


def test_site_breach_is_allowed_at_its_price_and_reported() -> None:
    # 12 kW inflexible against a 10 kW soft limit, and nothing to help: breach 2 kW
    # for 0.5 h; costs 100 on the largest breach plus 100 per kW per hour.
    inflexible = np.array([5.0, 12.0, 5.0])
    ctx = SiteContext(
        consumption_price_per_kwh=np.full(3, 0.2),
        inflexible_power_kw=inflexible,
        site_consumption_capacity_kw=10.0,
        site_consumption_breach_price_per_kw=100.0,
    )
    stuck = _battery(power_capacity_kw=0.0)  # out of service: cannot help
    result = solve_schedule([stuck], ctx, resolution_h=0.5)
    np.testing.assert_allclose(result.breaches["site-consumption-capacity"], [0.0, 2.0, 0.0])
    assert result.costs["site-consumption-breach"] == pytest.approx(100.0 * (2.0 + 2.0 * 0.5))
    assert result.costs["energy"] == pytest.approx(0.2 * 0.5 * 22.0)


def test_soft_site_limit_matches_independent_optimum() -> None:
    rng = np.random.default_rng(11)
    n = 12
    price = rng.uniform(0.0, 1.0, n)
    inflexible = rng.uniform(0, 6, n)
    ctx = SiteContext(
        consumption_price_per_kwh=price,
        inflexible_power_kw=inflexible,
        site_consumption_capacity_kw=4.0,
        site_consumption_breach_price_per_kw=0.3,
    )
    result = solve_schedule([_battery()], ctx, resolution_h=1.0)
    ref = reference_schedule(
        [_ref_battery(n)], price, 1.0, inflexible=inflexible, soft_site_cons=4.0, soft_price=0.3
    )
    assert result.costs["total"] == pytest.approx(ref.objective, abs=1e-6)
    breach = np.maximum(result.site_power_kw - 4.0, 0.0)
    reported = result.breaches.get("site-consumption-capacity", np.zeros(n))
    np.testing.assert_allclose(reported, np.where(breach > 1e-6, breach, 0.0), atol=1e-7)


def test_device_capacity_breach_is_priced_and_reported() -> None:
    # 3 kWh must go in within one hour through a 2 kW soft limit (4 kW hard).
    battery = _battery(
        soc_at_start_kwh=0.0, consumption_capacity_kw=2.0, soc_targets_kwh=np.array([3.0])
    )
    ctx = SiteContext(
        consumption_price_per_kwh=np.array([0.1]), consumption_breach_price_per_kw=50.0
    )
    result = solve_schedule([battery], ctx, resolution_h=1.0)
    np.testing.assert_allclose(result.breaches["battery: consumption-capacity"], [1.0])
    assert result.costs["consumption-breach"] == pytest.approx(50.0 * (1.0 + 1.0))


def test_soft_soc_minimum_is_breached_by_the_shortfall() -> None:
    # Only 4 kWh can be charged in one hour, the minimum asks 6: 2 kWh short at 7/kWh.
    minima = np.array([6.0])
    battery = _battery(soc_at_start_kwh=0.0, soc_minima_kwh=minima)
    ctx = SiteContext(
        consumption_price_per_kwh=np.array([0.1]), soc_minima_breach_price_per_kwh=7.0
    )
    result = solve_schedule([battery], ctx, resolution_h=1.0)
    np.testing.assert_allclose(result.breaches["battery: soc-minima"], [2.0])
    assert result.costs["soc-minima-breach"] == pytest.approx(14.0)
    np.testing.assert_allclose(result.power_kw[0], [4.0])


def test_relax_constraints_turns_an_impossible_target_into_a_reported_breach() -> None:
    battery = _battery(
        soc_at_start_kwh=0.0, soc_targets_kwh=np.array([NAN, 9.0]), power_capacity_kw=2.0
    )
    ctx = SiteContext(consumption_price_per_kwh=np.array([0.2, 0.2]), relax_constraints=True)
    result = solve_schedule([battery], ctx, resolution_h=1.0)
    assert result.soc_kwh[0][-1] == pytest.approx(4.0)
    np.testing.assert_allclose(result.breaches["battery: soc-targets"], [0.0, 5.0])
    assert result.costs["soc-minima-breach"] > 0


def test_sequential_scheduling_is_worse_than_joint_when_the_first_device_blocks_the_second() -> (
    None
):
    # Site cap 4 kW; A needs 4 kWh by the end, B 4 kWh by the end of step 0 (soft).
    # Sequentially A grabs cheap step 0 and B misses its minimum by 4 kWh (cost 40);
    # jointly B charges in step 0 and A in step 1: 4 + 8 = 12.
    price = np.array([1.0, 2.0])
    a = _battery("a", soc_at_start_kwh=0.0, soc_targets_kwh=np.array([NAN, 4.0]))
    b = _battery(
        "b", soc_at_start_kwh=0.0, soc_minima_kwh=np.array([4.0, NAN]), production_capacity_kw=0.0
    )
    ctx = SiteContext(
        consumption_price_per_kwh=price,
        site_power_capacity_kw=4.0,
        soc_minima_breach_price_per_kwh=10.0,
    )
    joint = solve_schedule([a, b], ctx, resolution_h=1.0)
    seq = solve_schedule([a, b], ctx, resolution_h=1.0, sequential=True)
    assert joint.costs["total"] == pytest.approx(12.0)
    assert seq.costs["total"] == pytest.approx(4.0 + 40.0)
    np.testing.assert_allclose(seq.breaches["b: soc-minima"], [4.0, 0.0])
    assert "b: soc-minima" not in joint.breaches


def test_sequential_later_devices_see_earlier_ones_as_inflexible() -> None:
    rng = np.random.default_rng(4)
    n = 8
    price = rng.uniform(0, 1, n)
    a, b = _battery("a", roundtrip_efficiency=0.9), _battery("b", soc_at_start_kwh=2.0)
    ctx = SiteContext(consumption_price_per_kwh=price, site_power_capacity_kw=6.0)
    seq = solve_schedule([a, b], ctx, resolution_h=1.0, sequential=True)
    alone = solve_schedule([a], ctx, resolution_h=1.0)
    np.testing.assert_allclose(seq.power_kw[0], alone.power_kw[0], atol=1e-7)
    ctx_b = SiteContext(
        consumption_price_per_kwh=price,
        site_power_capacity_kw=6.0,
        inflexible_power_kw=alone.power_kw[0],
    )
    second = solve_schedule([b], ctx_b, resolution_h=1.0)
    assert seq.costs["total"] == pytest.approx(second.costs["total"], abs=1e-6)
    joint = solve_schedule([a, b], ctx, resolution_h=1.0)
    assert joint.costs["total"] <= seq.costs["total"] + 1e-9


def test_pv_is_curtailed_when_exporting_costs_money() -> None:
    available = np.array([3.0, 3.0, 3.0])
    pv = CurtailableProduction(name="pv", available_kw=available, prefer_curtailing_later=False)
    ctx = SiteContext(
        consumption_price_per_kwh=np.array([0.2, 0.2, 0.2]),
        production_price_per_kwh=np.array([0.1, -0.1, 0.1]),
        inflexible_power_kw=np.array([1.0, 1.0, 1.0]),
    )
    result = solve_schedule([pv], ctx, resolution_h=1.0)
    # Step 1: produce only the 1 kW used on site; the others: everything.
    np.testing.assert_allclose(result.power_kw[0], [-3.0, -1.0, -3.0], atol=1e-9)


def test_pv_respects_the_site_production_capacity() -> None:
    pv = CurtailableProduction(name="pv", available_kw=np.array([10.0, 2.0]))
    ctx = SiteContext(
        consumption_price_per_kwh=np.array([0.3, 0.3]),
        production_price_per_kwh=np.array([0.1, 0.1]),
        inflexible_power_kw=np.array([1.0, 1.0]),
        site_production_capacity_kw=5.0,
    )
    result = solve_schedule([pv], ctx, resolution_h=1.0)
    np.testing.assert_allclose(result.power_kw[0], [-6.0, -2.0], atol=1e-9)
    np.testing.assert_allclose(result.site_power_kw, [-5.0, -1.0], atol=1e-9)


def test_prefer_curtailing_later_moves_indifferent_curtailment_to_later_steps() -> None:
    # No export allowed and free energy: 2 kWh of battery room is all the PV can fill
    # in three steps, so what to curtail when is indifferent in cost; produce first.
    pv = CurtailableProduction(name="pv", available_kw=np.array([2.0, 2.0, 2.0]))
    battery = _battery(soc_at_start_kwh=0.0, soc_max_kwh=2.0, power_capacity_kw=2.0)
    ctx = SiteContext(consumption_price_per_kwh=np.zeros(3), site_production_capacity_kw=0.0)
    result = solve_schedule([pv, battery], ctx, resolution_h=1.0)
    np.testing.assert_allclose(result.power_kw[0], [-2.0, 0.0, 0.0], atol=1e-7)
    np.testing.assert_allclose(result.site_power_kw, 0.0, atol=1e-7)
    assert result.costs["prefer-curtailing-later"] > 0


def test_carbon_price_shifts_charging_to_low_intensity_steps() -> None:
    # Equal energy prices, 500 vs 100 g/kWh: charge 4 kWh in the clean step.
    battery = _battery(
        soc_at_start_kwh=0.0, production_capacity_kw=0.0, soc_targets_kwh=np.array([NAN, 4.0])
    )
    ctx = SiteContext(
        consumption_price_per_kwh=np.array([0.2, 0.2]),
        co2_price_per_kg=0.1,
        carbon_intensity_g_per_kwh=np.array([500.0, 100.0]),
    )
    result = solve_schedule([battery], ctx, resolution_h=1.0)
    np.testing.assert_allclose(result.power_kw[0], [0.0, 4.0], atol=1e-9)
    assert result.costs["emissions"] == pytest.approx(0.1 * 0.1 * 4.0)
    assert result.costs["energy"] == pytest.approx(0.8)


def test_carbon_aware_cost_matches_optimum_on_effective_prices() -> None:
    rng = np.random.default_rng(9)
    n = 12
    price = rng.uniform(0.1, 0.3, n)
    intensity = rng.uniform(50, 600, n)
    ctx = SiteContext(
        consumption_price_per_kwh=price, co2_price_per_kg=0.2, carbon_intensity_g_per_kwh=intensity
    )
    result = solve_schedule([_battery(roundtrip_efficiency=0.9)], ctx, resolution_h=1.0)
    effective = price + 0.2 * intensity / 1000.0
    ref = reference_schedule(
        [_ref_battery(n, eta_c=np.sqrt(0.9), eta_d=np.sqrt(0.9))], effective, 1.0
    )
    assert result.costs["energy"] + result.costs["emissions"] == pytest.approx(
        ref.objective, abs=1e-6
    )


def test_no_simultaneous_import_and_export_when_exports_pay_more() -> None:
    # Production price above consumption price at step 1: the site could otherwise
    # import and export at once to pocket the difference up to its limits.
    price_c = np.array([0.2, 0.2, 0.2])
    price_p = np.array([0.1, 0.5, 0.1])
    ctx = SiteContext(
        consumption_price_per_kwh=price_c,
        production_price_per_kwh=price_p,
        site_power_capacity_kw=20.0,
        inflexible_power_kw=np.array([1.0, 1.0, 1.0]),
    )
    result = solve_schedule([_battery(soc_at_start_kwh=2.0)], ctx, resolution_h=1.0)
    ref = reference_schedule(
        [_ref_battery(3, s0=2.0)],
        price_c,
        1.0,
        price_p=price_p,
        inflexible=1.0,
        site_cons=20.0,
        site_prod=20.0,
        exclusive_site=True,
    )
    assert result.costs["total"] == pytest.approx(ref.objective, abs=1e-6)
    assert result.used_mip
