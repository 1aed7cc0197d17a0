"""Intensities, clean-power shares and API records, checked by hand and against the seed."""

from __future__ import annotations

import numpy as np
import pytest

from gridflex.engines.carbon import (
    PRODUCTION_TYPES,
    fossil_free_frac,
    marginal_breakdown_record,
    mix_intensity_g_per_kwh,
    power_breakdown_records,
    production_intensity_g_per_kwh,
    renewable_frac,
    round_half_up,
    trace_flows,
    type_index,
    whole_numbers,
)

K = len(PRODUCTION_TYPES)


def breakdown(**mw: float) -> np.ndarray:
    row = np.zeros(K)
    for name, value in mw.items():
        row[type_index(name.replace("_", " "))] = value
    return row


def test_production_intensity_is_the_factor_weighted_mean():
    production = breakdown(coal=30.0, wind=70.0)
    factors = breakdown(coal=820.0, wind=11.0)
    assert production_intensity_g_per_kwh(production, factors) == pytest.approx(
        (30 * 820 + 70 * 11) / 100
    )


def test_production_intensity_is_nan_without_production():
    assert np.isnan(production_intensity_g_per_kwh(np.zeros(K), np.ones(K)))


def test_mix_intensity_uses_proportions_only():
    factors = breakdown(gas=490.0, hydro=24.0)
    assert mix_intensity_g_per_kwh(breakdown(gas=0.25, hydro=0.75), factors) == pytest.approx(
        mix_intensity_g_per_kwh(breakdown(gas=25.0, hydro=75.0), factors)
    )
    assert mix_intensity_g_per_kwh(breakdown(gas=1.0, hydro=3.0), factors) == pytest.approx(
        (490 + 3 * 24) / 4
    )


def test_renewable_and_fossil_free_shares_by_hand():
    consumption = breakdown(coal=10, nuclear=20, wind=30, biomass=5, battery_discharge=5, gas=30)
    assert renewable_frac(consumption) == pytest.approx(40 / 100)
    assert fossil_free_frac(consumption) == pytest.approx(60 / 100)


def test_round_half_up_rounds_halves_away_from_zero():
    np.testing.assert_array_equal(round_half_up([0.5, 1.5, 2.5, 2.49, -0.5]), [1, 2, 3, 2, -1])
    assert whole_numbers([np.nan, 2.5]) == [None, 3]


def seed_dk_dk2_case() -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray, np.ndarray]:
    """The seed's live power breakdown of DK-DK2, rebuilt from its own figures.

    DK-DK2 produces the seed's production breakdown, imports 495 MW from
    DK-DK1 and 445 MW from SE, exports 35 MW to DE. DK-DK1 and SE have no data;
    their fallback mix is what DK-DK2 must import for its consumption breakdown
    to be the seed's: inflow_k = consumption_k * (P + I) / C, minus P_k.
    """
    zone_ids = ["DK-DK2", "DK-DK1", "SE", "DE"]
    own = breakdown(biomass=666, coal=260, gas=213, oil=24, wind=176)
    production = np.zeros((1, 4, K))
    production[0, 0] = own
    production[0, 0, [type_index("hydro discharge"), type_index("battery discharge")]] = np.nan
    production[0, 1:3] = np.nan
    production[0, 3] = breakdown(unknown=1000.0)
    seed_consumption = breakdown(
        biomass=744, coal=377, gas=330, hydro=268, nuclear=179, oil=27, unknown=48, wind=270
    )
    inflow = seed_consumption * (1339 + 940) / 2244
    imported_mix = inflow - own
    exchange = np.zeros((1, 4, 4))
    exchange[0, 1, 0] = 495.0
    exchange[0, 2, 0] = 445.0
    exchange[0, 0, 3] = 35.0
    fallback = np.tile(np.maximum(imported_mix, 0.0), (4, 1))
    return production, exchange, zone_ids, fallback, seed_consumption


def test_power_breakdown_record_reproduces_the_seed_example():
    production, exchange, zone_ids, fallback, seed_consumption = seed_dk_dk2_case()
    traced = trace_flows(production, exchange, fallback_mix_frac=fallback)
    (record,) = power_breakdown_records(traced, 0, zone_ids=zone_ids)
    assert record["powerProductionTotal"] == 1339
    assert record["powerImportTotal"] == 940
    assert record["powerExportTotal"] == 35
    assert record["powerConsumptionTotal"] == 2244
    assert record["powerImportBreakdown"] == {"DK-DK1": 495, "SE": 445, "DE": 0}
    assert record["powerExportBreakdown"] == {"DK-DK1": 0, "SE": 0, "DE": 35}
    assert record["powerProductionBreakdown"] == {
        "biomass": 666, "coal": 260, "gas": 213, "geothermal": 0, "hydro": 0, "nuclear": 0,
        "oil": 24, "solar": 0, "wind": 176, "unknown": 0,
        "hydro discharge": None, "battery discharge": None,
    }  # fmt: skip
    consumed = record["powerConsumptionBreakdown"]
    for name in ("biomass", "coal", "gas", "hydro", "nuclear", "oil", "unknown", "wind"):
        assert abs(consumed[name] - seed_consumption[type_index(name)]) <= 1, name
    assert consumed["battery discharge"] is None
    assert record["fossilFreePercentage"] == 65
    assert record["renewablePercentage"] == 57


def test_power_breakdown_record_has_exactly_the_seed_keys():
    production, exchange, zone_ids, fallback, _ = seed_dk_dk2_case()
    (record,) = power_breakdown_records(
        trace_flows(production, exchange, fallback_mix_frac=fallback), 0, zone_ids=zone_ids
    )
    assert set(record) == {
        "powerConsumptionBreakdown", "powerConsumptionTotal", "powerProductionBreakdown",
        "powerProductionTotal", "powerImportBreakdown", "powerImportTotal",
        "powerExportBreakdown", "powerExportTotal", "fossilFreePercentage", "renewablePercentage",
    }  # fmt: skip
    assert set(record["powerConsumptionBreakdown"]) == set(PRODUCTION_TYPES)


def test_zone_without_data_gets_nulls():
    production, exchange, zone_ids, fallback, _ = seed_dk_dk2_case()
    (record,) = power_breakdown_records(
        trace_flows(production, exchange, fallback_mix_frac=fallback), 1, zone_ids=zone_ids
    )
    assert record["powerProductionTotal"] is None
    assert record["powerConsumptionTotal"] is None
    assert record["fossilFreePercentage"] is None
    assert set(record["powerConsumptionBreakdown"].values()) == {None}
    assert record["powerExportBreakdown"] == {"DK-DK2": 495}


def test_marginal_record_uses_the_seed_spelling_for_storage():
    mix = breakdown(gas=0.5, hydro_discharge=0.5)
    record = marginal_breakdown_record(mix)
    assert record["hydro-discharge"] == 0.5
    assert "battery-discharge" in record
    assert "hydro discharge" not in record
    assert sum(record.values()) == pytest.approx(1.0)
