"""Infeasible and malformed requests fail with a message naming the conflict."""

from __future__ import annotations

import numpy as np
import pytest

from gridflex.engines.scheduling import (
    InfeasibleScheduleError,
    ProcessLoad,
    SiteContext,
    StorageDevice,
    solve_schedule,
)
from gridflex.errors import InfeasibleError, ValidationError

NAN = np.nan


def _battery(**kw) -> StorageDevice:
    defaults = dict(
        name="battery",
        soc_at_start_kwh=225.0,
        soc_min_kwh=45.0,
        soc_max_kwh=405.0,
        power_capacity_kw=500.0,
    )
    defaults.update(kw)
    return StorageDevice(**defaults)


def _ctx(n: int = 4, **kw) -> SiteContext:
    return SiteContext(consumption_price_per_kwh=np.linspace(0.1, 0.4, n), **kw)


def test_soc_at_start_above_soc_max_is_rejected_by_name() -> None:
    # The reference accepted this request and failed later; we name the field.
    with pytest.raises(InfeasibleScheduleError) as err:
        solve_schedule([_battery(soc_at_start_kwh=500.0)], _ctx(), resolution_h=0.25)
    assert err.value.field == "soc-at-start"
    assert "500 kWh is above soc-max (405 kWh)" in str(err.value)
    assert isinstance(err.value, InfeasibleError)


def test_soc_at_start_below_soc_min_is_rejected_by_name() -> None:
    with pytest.raises(InfeasibleScheduleError, match="below soc-min") as err:
        solve_schedule([_battery(soc_at_start_kwh=10.0)], _ctx(), resolution_h=0.25)
    assert err.value.field == "soc-at-start"


def test_target_above_soc_max_names_the_target_and_its_step() -> None:
    targets = np.array([NAN, NAN, 450.0, NAN])
    with pytest.raises(InfeasibleScheduleError) as err:
        solve_schedule([_battery(soc_targets_kwh=targets)], _ctx(), resolution_h=0.25)
    assert err.value.field == "soc-targets"
    assert err.value.step == 2
    assert err.value.device == "battery"
    assert "soc-max" in str(err.value)


def test_target_out_of_reach_of_the_power_capacity_names_the_target() -> None:
    # From 225 kWh, 2 steps of 15 min at 100 kW add at most 50 kWh: 300 is out of reach.
    targets = np.array([NAN, 300.0, NAN, NAN])
    with pytest.raises(InfeasibleScheduleError) as err:
        solve_schedule(
            [_battery(soc_targets_kwh=targets, power_capacity_kw=100.0)], _ctx(), resolution_h=0.25
        )
    assert err.value.field == "soc-targets"
    assert err.value.step == 1
    assert "at most 275 kWh" in str(err.value)


def test_soc_min_out_of_reach_under_heat_demand_names_soc_min() -> None:
    # 10 kW of heat drawn, a 2 kW heat pump with COP 3 adds 6 kW: the buffer drains
    # by 4 kWh per hour from 12 kWh towards its 5 kWh minimum, crossing it in step 1.
    heat_pump = StorageDevice(
        name="hp",
        soc_at_start_kwh=12.0,
        soc_min_kwh=5.0,
        soc_max_kwh=30.0,
        soc_usage_kw=10.0,
        charging_efficiency=3.0,
        consumption_capacity_kw=2.0,
        production_capacity_kw=0.0,
    )
    with pytest.raises(InfeasibleScheduleError) as err:
        solve_schedule([heat_pump], _ctx(), resolution_h=1.0)
    assert err.value.field == "soc-min"
    assert err.value.step == 1


def test_soc_min_above_soc_max_is_rejected() -> None:
    with pytest.raises(InfeasibleScheduleError, match="soc-min .* is above soc-max"):
        solve_schedule(
            [_battery(soc_min_kwh=np.array([45.0, 45.0, 500.0, 45.0]))], _ctx(), resolution_h=0.25
        )


def test_minimum_above_maximum_is_rejected_when_both_are_hard() -> None:
    minima = np.array([NAN, 300.0, NAN, NAN])
    maxima = np.array([NAN, 250.0, NAN, NAN])
    with pytest.raises(InfeasibleScheduleError) as err:
        solve_schedule(
            [_battery(soc_minima_kwh=minima, soc_maxima_kwh=maxima)], _ctx(), resolution_h=1.0
        )
    assert err.value.field == "soc-minima"


def test_inflexible_load_above_the_site_capacity_names_the_site_capacity() -> None:
    inflexible = np.array([50.0, 150.0, 50.0, 50.0])
    battery = _battery(power_capacity_kw=0.0)
    with pytest.raises(InfeasibleScheduleError) as err:
        solve_schedule(
            [battery],
            _ctx(inflexible_power_kw=inflexible, site_consumption_capacity_kw=100.0),
            resolution_h=1.0,
        )
    assert err.value.field == "site-consumption-capacity"
    assert err.value.step == 1
    assert "50 kW more" in str(err.value)


def test_site_power_capacity_is_named_when_it_is_the_binding_limit() -> None:
    inflexible = np.array([0.0, -90.0, 0.0, 0.0])
    with pytest.raises(InfeasibleScheduleError) as err:
        solve_schedule(
            [], _ctx(inflexible_power_kw=inflexible, site_power_capacity_kw=80.0), resolution_h=1.0
        )
    assert err.value.field == "site-power-capacity"


def test_targets_of_two_evs_beyond_the_shared_connection_are_reported() -> None:
    # Each EV could reach its target alone, but not both behind a 10 kW connection.
    ev = dict(
        soc_at_start_kwh=0.0,
        soc_min_kwh=0.0,
        soc_max_kwh=50.0,
        power_capacity_kw=11.0,
        production_capacity_kw=0.0,
        soc_targets_kwh=np.array([NAN, 20.0]),
    )
    devices = [StorageDevice(name="ev-1", **ev), StorageDevice(name="ev-2", **ev)]
    with pytest.raises(InfeasibleScheduleError) as err:
        solve_schedule(devices, _ctx(2, site_power_capacity_kw=10.0), resolution_h=1.0)
    assert err.value.field in {"soc-targets", "site-power-capacity"}
    assert err.value.step == 1


def test_the_same_conflict_with_relaxation_gives_a_schedule_with_breaches() -> None:
    ev = dict(
        soc_at_start_kwh=0.0,
        soc_min_kwh=0.0,
        soc_max_kwh=50.0,
        power_capacity_kw=11.0,
        production_capacity_kw=0.0,
        soc_targets_kwh=np.array([NAN, 20.0]),
    )
    devices = [StorageDevice(name="ev-1", **ev), StorageDevice(name="ev-2", **ev)]
    result = solve_schedule(
        devices, _ctx(2, site_power_capacity_kw=10.0, relax_constraints=True), resolution_h=1.0
    )
    shortfall = sum(result.breaches.get(f"ev-{k}: soc-targets", np.zeros(2))[1] for k in (1, 2))
    assert shortfall == pytest.approx(40.0 - 20.0)  # 2 h x 10 kW delivered of 40 kWh asked
    assert np.abs(result.site_power_kw).max() <= 10.0 + 1e-7


def test_process_longer_than_its_window_names_the_duration() -> None:
    load = ProcessLoad(
        name="washer", power_kw=2.0, duration_steps=5, earliest_start_step=1, latest_end_step=4
    )
    with pytest.raises(InfeasibleScheduleError) as err:
        solve_schedule([load], _ctx(8), resolution_h=1.0)
    assert err.value.field == "duration"
    assert err.value.device == "washer"


def test_price_array_of_the_wrong_length_names_the_field() -> None:
    ctx = _ctx(4, production_price_per_kwh=np.ones(3))
    with pytest.raises(ValidationError) as err:
        solve_schedule([_battery()], ctx, resolution_h=1.0)
    assert err.value.field == "production-price"


def test_device_array_of_the_wrong_length_names_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        solve_schedule([_battery(soc_minima_kwh=np.ones(5))], _ctx(4), resolution_h=1.0)
    assert err.value.field == "soc-minima"


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"power_capacity_kw": -1.0}, "power-capacity"),
        ({"discharging_efficiency": 1.2}, "discharging-efficiency"),
        ({"roundtrip_efficiency": 0.0}, "roundtrip-efficiency"),
        ({"storage_efficiency": 1.5}, "storage-efficiency"),
    ],
)
def test_out_of_range_device_parameters_are_rejected(kw: dict, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        solve_schedule([_battery(**kw)], _ctx(), resolution_h=1.0)
    assert err.value.field == field


def test_missing_prices_are_rejected() -> None:
    with pytest.raises(ValidationError, match="consumption-price"):
        solve_schedule(
            [_battery()],
            SiteContext(consumption_price_per_kwh=np.array([0.1, NAN])),
            resolution_h=1.0,
        )


def test_sequential_failure_names_the_later_device_that_was_crowded_out() -> None:
    # ev-1 is scheduled first and takes the cheap step 0; ev-2 is plugged in only at
    # step 0 and can no longer reach its target through the 11 kW connection.
    ev1 = StorageDevice(
        name="ev-1",
        soc_at_start_kwh=0.0,
        soc_max_kwh=50.0,
        power_capacity_kw=11.0,
        production_capacity_kw=0.0,
        soc_targets_kwh=np.array([NAN, 11.0]),
    )
    ev2 = StorageDevice(
        name="ev-2",
        soc_at_start_kwh=0.0,
        soc_max_kwh=50.0,
        power_capacity_kw=11.0,
        production_capacity_kw=0.0,
        consumption_capacity_kw=np.array([11.0, 0.0]),
        soc_targets_kwh=np.array([11.0, NAN]),
    )
    ctx = SiteContext(consumption_price_per_kwh=np.array([0.1, 0.3]), site_power_capacity_kw=11.0)
    joint = solve_schedule([ev1, ev2], ctx, resolution_h=1.0)
    np.testing.assert_allclose(joint.power_kw, [[0.0, 11.0], [11.0, 0.0]], atol=1e-7)
    with pytest.raises(InfeasibleScheduleError) as err:
        solve_schedule([ev1, ev2], ctx, resolution_h=1.0, sequential=True)
    assert err.value.device == "ev-2"
    assert err.value.field in {"soc-targets", "site-power-capacity"}


def test_relax_constraints_lets_the_site_limit_give_way_and_reports_it() -> None:
    inflexible = np.array([50.0, 150.0, 50.0, 50.0])
    ctx = _ctx(
        inflexible_power_kw=inflexible, site_consumption_capacity_kw=100.0, relax_constraints=True
    )
    result = solve_schedule([_battery(power_capacity_kw=0.0)], ctx, resolution_h=1.0)
    np.testing.assert_allclose(result.breaches["site-consumption-capacity"], [0, 50.0, 0, 0])
