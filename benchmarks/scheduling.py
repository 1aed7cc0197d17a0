"""Solve times of the scheduling engine, in-process (median of repeated runs).

Run: ``.venv/bin/python benchmarks/scheduling.py``. Targets on 2 cores: one battery
at 2,520 steps under 100 ms; 10 devices jointly at 672 steps under 2 s.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from gridflex.engines.scheduling import (
    CurtailableProduction,
    ProcessLoad,
    SiteContext,
    StorageDevice,
    solve_schedule,
)

RESOLUTION_H = 0.25


def _prices(n: int, seed: int = 0) -> np.ndarray:
    """Daily-shaped prices with noise and a few negative hours. [EUR/kWh]"""
    rng = np.random.default_rng(seed)
    hours = np.arange(n) * RESOLUTION_H
    daily = 0.20 + 0.10 * np.sin(2 * np.pi * (hours - 6) / 24) + 0.03 * rng.standard_normal(n)
    return daily - 0.25 * (rng.random(n) < 0.02)


def one_battery(n: int) -> Callable[[], object]:
    """The toy battery of the reference recordings over n quarter-hours."""
    battery = StorageDevice(
        name="battery",
        soc_at_start_kwh=225,
        soc_min_kwh=45,
        soc_max_kwh=405,
        power_capacity_kw=500,
        roundtrip_efficiency=0.9,
    )
    context = SiteContext(consumption_price_per_kwh=_prices(n))
    return lambda: solve_schedule([battery], context, resolution_h=RESOLUTION_H)


def _ev(name: str, n: int, arrive: int, leave: int, seed: int) -> StorageDevice:
    """An EV plugged in daily from ``arrive`` to ``leave`` (steps of the day), full on leaving."""
    step_of_day = np.arange(n) % 96
    plugged = (step_of_day >= arrive) | (step_of_day < leave)
    targets = np.where(step_of_day == leave - 1, 55.0, np.nan)
    # A 20 kWh drive in the hour after leaving.
    driving = (step_of_day >= leave) & (step_of_day < leave + 4)
    usage = np.where(driving, 20.0, 0.0)
    return StorageDevice(
        name=name,
        soc_at_start_kwh=30.0 + seed,
        soc_min_kwh=5.0,
        soc_max_kwh=60.0,
        soc_targets_kwh=targets,
        soc_usage_kw=usage,
        consumption_capacity_kw=np.where(plugged, 11.0, 0.0),
        production_capacity_kw=0.0,
        power_capacity_kw=11.0,
        charging_efficiency=0.95,
    )


def _ten_device_list(n: int) -> list:
    """Battery, 3 EVs, heat pump, PV, 4 process loads."""
    hours = np.arange(n) * RESOLUTION_H
    sun = np.clip(np.sin(2 * np.pi * (hours - 6) / 24), 0, None)
    heat_demand = 4.0 + 3.0 * np.cos(2 * np.pi * hours / 24)
    return [
        StorageDevice(
            name="battery",
            soc_at_start_kwh=50,
            soc_max_kwh=100,
            power_capacity_kw=50,
            roundtrip_efficiency=0.9,
        ),
        _ev("ev-1", n, 72, 28, 0),
        _ev("ev-2", n, 76, 30, 5),
        _ev("ev-3", n, 68, 32, 10),
        StorageDevice(
            name="heat-pump",
            soc_at_start_kwh=20,
            soc_min_kwh=5,
            soc_max_kwh=40,
            soc_usage_kw=heat_demand,
            consumption_capacity_kw=6.0,
            production_capacity_kw=0.0,
            charging_efficiency=3.5,
            storage_efficiency=0.999,
        ),
        CurtailableProduction(name="pv", available_kw=60.0 * sun),
        ProcessLoad(
            name="washer",
            power_kw=2.0,
            duration_steps=8,
            earliest_start_step=32,
            latest_end_step=88,
            kind="shiftable",
        ),
        ProcessLoad(
            name="dryer",
            power_kw=3.0,
            duration_steps=6,
            earliest_start_step=40,
            latest_end_step=96,
            kind="shiftable",
        ),
        ProcessLoad(
            name="pool-pump",
            power_kw=1.5,
            duration_steps=16,
            earliest_start_step=0,
            latest_end_step=96,
            kind="breakable",
        ),
        ProcessLoad(
            name="oven", power_kw=2.5, duration_steps=4, earliest_start_step=70, kind="inflexible"
        ),
    ]


def ten_devices(n: int, *, inverted: bool = False) -> Callable[[], object]:
    """The ten devices behind one connection with a soft limit and a peak charge.

    With ``inverted``, feed-in pays 70 % of the price, which at negative prices is
    more than importing costs: binaries must then stop importing and exporting at
    once, and branch and bound runs.
    """
    hours = np.arange(n) * RESOLUTION_H
    devices = _ten_device_list(n)
    price = _prices(n, seed=1)
    context = SiteContext(
        consumption_price_per_kwh=price,
        # Feed-in pays the price less a margin (or 70 % of it, see above).
        production_price_per_kwh=0.7 * price if inverted else price - 0.03,
        inflexible_power_kw=3.0 + 2.0 * np.sin(2 * np.pi * hours / 24) ** 2,
        site_power_capacity_kw=80.0,
        site_consumption_capacity_kw=60.0,
        site_consumption_breach_price_per_kw=5.0,
        site_peak_consumption_kw=30.0,
        site_peak_consumption_price_per_kw=2.0,
    )
    return lambda: solve_schedule(devices, context, resolution_h=RESOLUTION_H)


def median_ms(run: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` runs after one warm-up. [ms]"""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    """Print the figures."""
    print("scheduling engine, median solve time in-process")
    for n in (192, 672, 2520):
        print(f"  one battery, {n:5d} steps: {median_ms(one_battery(n), 15):8.1f} ms")
    print(f"  10 devices,     672 steps: {median_ms(ten_devices(672), 5):8.1f} ms")
    hard = median_ms(ten_devices(672, inverted=True), 3)
    print(f"  10 devices,     672 steps, feed-in above import price at times: {hard:8.1f} ms")


if __name__ == "__main__":
    main()
