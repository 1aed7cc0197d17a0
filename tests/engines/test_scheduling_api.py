"""The public names of the scheduling engine are pinned."""

from __future__ import annotations

import numpy as np

import gridflex.engines.scheduling as scheduling


def test_public_api_is_pinned() -> None:
    assert sorted(scheduling.__all__) == [
        "COST_TERMS",
        "CurtailableProduction",
        "Device",
        "InfeasibleScheduleError",
        "ProcessLoad",
        "ScheduleResult",
        "SiteContext",
        "StorageDevice",
        "efficiency_per_step",
        "solve_schedule",
        "split_roundtrip_efficiency",
    ]
    for name in scheduling.__all__:
        assert getattr(scheduling, name) is not None


def test_every_cost_term_is_reported() -> None:
    result = scheduling.solve_schedule(
        [scheduling.StorageDevice(soc_at_start_kwh=1.0, soc_max_kwh=2.0, power_capacity_kw=1.0)],
        scheduling.SiteContext(consumption_price_per_kwh=np.array([0.1, 0.2])),
        resolution_h=1.0,
    )
    assert set(result.costs) == {*scheduling.COST_TERMS, "total"}
    assert result.costs["total"] == sum(result.costs[t] for t in scheduling.COST_TERMS)
