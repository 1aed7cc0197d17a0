"""Process loads (inflexible, shiftable, breakable) against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gridflex.engines.scheduling import ProcessLoad, SiteContext, StorageDevice, solve_schedule
from tests.engines.test_scheduling_reference import ref_storage, reference_schedule


def _runs(profile: np.ndarray) -> list[int]:
    """Start steps of the contiguous on-periods of a power profile."""
    on = np.abs(profile) > 1e-9
    return [t for t in range(on.size) if on[t] and (t == 0 or not on[t - 1])]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_shiftable_load_runs_in_the_cheapest_contiguous_window(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, dt, power, dur = 12, 0.5, 3.0, 4
    price = rng.uniform(0, 1, n)
    load = ProcessLoad(
        name="washer",
        power_kw=power,
        duration_steps=dur,
        earliest_start_step=2,
        latest_end_step=11,
        kind="shiftable",
    )
    result = solve_schedule([load], SiteContext(consumption_price_per_kwh=price), resolution_h=dt)
    best = min(price[s : s + dur].sum() * power * dt for s in range(2, 11 - dur + 1))
    assert result.costs["energy"] == pytest.approx(best)
    profile = result.power_kw[0]
    assert len(_runs(profile)) == 1
    assert np.count_nonzero(profile) == dur
    np.testing.assert_allclose(profile[profile != 0], power)


@pytest.mark.parametrize("seed", [0, 1])
def test_breakable_load_takes_the_cheapest_steps_of_its_window(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, power, dur = 10, 2.0, 3
    price = rng.uniform(0, 1, n)
    load = ProcessLoad(
        name="pump",
        power_kw=power,
        duration_steps=dur,
        earliest_start_step=1,
        latest_end_step=9,
        kind="breakable",
    )
    result = solve_schedule([load], SiteContext(consumption_price_per_kwh=price), resolution_h=1.0)
    best = min(sum(price[list(c)]) * power for c in itertools.combinations(range(1, 9), dur))
    assert result.costs["energy"] == pytest.approx(best)
    on = np.flatnonzero(result.power_kw[0])
    assert on.size == dur and on.min() >= 1 and on.max() < 9


def test_inflexible_load_runs_from_its_earliest_start() -> None:
    load = ProcessLoad(
        name="oven", power_kw=2.5, duration_steps=3, earliest_start_step=2, kind="inflexible"
    )
    result = solve_schedule(
        [load], SiteContext(consumption_price_per_kwh=np.arange(8.0)), resolution_h=1.0
    )
    np.testing.assert_allclose(result.power_kw[0], [0, 0, 2.5, 2.5, 2.5, 0, 0, 0])


def test_two_shiftable_loads_share_a_tight_connection() -> None:
    rng = np.random.default_rng(3)
    n = 8
    price = rng.uniform(0, 1, n)
    a = ProcessLoad(name="a", power_kw=3.0, duration_steps=3, kind="shiftable")
    b = ProcessLoad(name="b", power_kw=2.0, duration_steps=2, kind="shiftable")
    ctx = SiteContext(consumption_price_per_kwh=price, site_consumption_capacity_kw=4.0)
    result = solve_schedule([a, b], ctx, resolution_h=1.0)
    best = np.inf
    for sa, sb in itertools.product(range(n - 2), range(n - 1)):
        profile = np.zeros(n)
        profile[sa : sa + 3] += 3.0
        profile[sb : sb + 2] += 2.0
        if profile.max() <= 4.0:  # they may not overlap
            best = min(best, price @ profile)
    assert result.costs["energy"] == pytest.approx(best)
    assert result.site_power_kw.max() <= 4.0 + 1e-9


def test_shiftable_load_and_battery_are_scheduled_jointly() -> None:
    # Brute force over the load's start; for each, the battery's optimum by the
    # independent LP with the load as inflexible power.
    rng = np.random.default_rng(8)
    n = 8
    price = rng.uniform(0, 1, n)
    load = ProcessLoad(name="load", power_kw=4.0, duration_steps=3, kind="shiftable")
    battery = StorageDevice(
        name="battery",
        soc_at_start_kwh=2.0,
        soc_max_kwh=6.0,
        power_capacity_kw=3.0,
        roundtrip_efficiency=0.9,
        prefer_charging_sooner=False,
    )
    ctx = SiteContext(
        consumption_price_per_kwh=price,
        site_consumption_capacity_kw=5.0,
        site_production_capacity_kw=0.0,
    )
    result = solve_schedule([load, battery], ctx, resolution_h=1.0)
    best = np.inf
    for start in range(n - 2):
        inflexible = np.zeros(n)
        inflexible[start : start + 3] = 4.0
        st = ref_storage(
            n, 2.0, soc_max=6.0, cmax=3.0, dmax=3.0, eta_c=np.sqrt(0.9), eta_d=np.sqrt(0.9)
        )
        try:
            ref = reference_schedule(
                [st], price, 1.0, inflexible=inflexible, site_cons=5.0, site_prod=0.0
            )
        except AssertionError:  # this start cannot fit under the limits
            continue
        best = min(best, ref.objective)
    assert result.costs["total"] == pytest.approx(best, abs=1e-6)
    assert result.used_mip
