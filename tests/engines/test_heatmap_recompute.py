"""The whole chain on a three-level network whose every figure is worked out by hand.

Network (Scottish style, no BSP): GSP "G" -> Primary "P" -> Secondary "S".
One year of half-hourly demand before valid[0] = 2024-01-01; winter = Nov-Mar.

    G: two 132/33 kV units of 60/72 MVA (summer/winter); demand 30 (summer), 50 (winter)
    P: two 33/11 kV units of 10/12 MVA, each with an 11->33 kV reverse rating of 5/6 MVA;
       demand 6 (summer), 8 (winter), with one dip to 2 in July and one to 3 in January;
       contracted 1.5, quoted 2 (demand); generation connected 4, contracted 1
    S: one 11/0.4 kV unit of 1/1.2 MVA; demand 0.1
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from gridflex.engines.heatmap import (
    Circuit,
    Dataset,
    DemandSeries,
    HeatmapOptions,
    RagThresholds,
    Rating,
    Substation,
    Transformer,
    describe_rag,
    recompute_dataset,
)
from gridflex.errors import ValidationError

START = datetime(2023, 1, 1, tzinfo=UTC)
STEP = timedelta(minutes=30)
STEPS_2023 = 365 * 48


def units(count: int, high: float, low: float, summer: float, winter: float, reverse=None):
    ratings = [
        Rating(
            name="N",
            summer_rating_mva=summer,
            winter_rating_mva=winter,
            from_voltage_kv=high,
            to_voltage_kv=low,
        )
    ]
    if reverse:
        ratings.append(
            Rating(
                name="R",
                summer_rating_mva=reverse[0],
                winter_rating_mva=reverse[1],
                from_voltage_kv=low,
                to_voltage_kv=high,
            )
        )
    return [
        Transformer(name=f"T{i}", voltages_kv=[high, low], ratings=ratings) for i in range(count)
    ]


def network() -> Dataset:
    return Dataset(
        description="Worked example.",
        valid=[datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 4, 1, tzinfo=UTC)],
        substations=[
            Substation(
                name="S",
                type="Secondary",
                primary="P",
                gsp="G",
                voltages_kv=[11, 0.4],
                transformers=units(1, 11, 0.4, 1.0, 1.2),
            ),
            Substation(
                name="P",
                type="Primary",
                gsp="G",
                voltages_kv=[33, 11],
                transformers=units(2, 33, 11, 10.0, 12.0, reverse=(5.0, 6.0)),
                demand_contracted_capacity_mva=1.5,
                demand_quoted_capacity_mva=2.0,
                generation_connected_capacity_mva=4.0,
                generation_contracted_capacity_mva=1.0,
            ),
            Substation(
                name="G",
                type="GSP",
                voltages_kv=[132, 33],
                mrid="g-1",
                transformers=units(2, 132, 33, 60.0, 72.0),
            ),
        ],
        circuits=[
            Circuit(
                mrid="c",
                name="P-S",
                voltage_kv=11,
                from_substation="P",
                summer_rating_mva=3.0,
                winter_rating_mva=3.5,
                demand_maximum_mva=2.0,
                demand_contracted_capacity_mva=0.5,
            )
        ],
    )


def series() -> DemandSeries:
    stamps = pd.date_range(START, periods=STEPS_2023, freq="30min")
    winter = np.isin(stamps.month, [1, 2, 3, 11, 12])
    demand = np.empty((3, STEPS_2023))
    demand[0] = 0.1
    demand[1] = np.where(winter, 8.0, 6.0)
    demand[1, np.flatnonzero(stamps.month == 7)[5]] = 2.0
    demand[1, np.flatnonzero(stamps.month == 1)[9]] = 3.0
    demand[2] = np.where(winter, 50.0, 30.0)
    return DemandSeries(demand, START, STEP)


def by_name(dataset: Dataset) -> dict[str, Substation]:
    return {s.name: s for s in dataset.substations}


def test_statistics_come_from_the_year_before_valid_from():
    p = by_name(recompute_dataset(network(), substation_demand=series()))["P"]
    stamps = pd.date_range(START, periods=STEPS_2023, freq="30min")
    values = series().demand_mva[1]
    expected = np.percentile(values, [99, 75, 50, 25])
    assert (p.demand_maximum_mva, p.demand_minimum_mva) == (8.0, 2.0)
    assert [p.demand_p99_mva, p.demand_p75_mva, p.demand_p50_mva, p.demand_p25_mva] == (
        pytest.approx(expected.tolist())
    )
    assert len(stamps) == STEPS_2023


def test_demand_capacity_by_hand_with_parent_cap():
    result = by_name(recompute_dataset(network(), substation_demand=series()))
    # G: firm (60, 72) by N-1; headroom (60 - 30, 72 - 50) -> 22 (winter).
    assert result["G"].demand_firm_capacity_mva == 60
    assert result["G"].demand_available_capacity_mva == pytest.approx(22)
    assert result["G"].demand_constraint == "Green"
    # P: firm (10, 12); headroom (10 - 6 - 1.5 - 2, 12 - 8 - 1.5 - 2) = (0.5, 0.5).
    assert result["P"].demand_firm_capacity_mva == 10
    assert result["P"].demand_available_capacity_mva == pytest.approx(0.5)
    assert result["P"].demand_constraint == "Amber"  # 0 < 0.5 <= max(1, 10 % of 10)
    # S: lone unit (1, 1.2) - 0.1 = 0.9, but never above its parent P's 0.5.
    assert result["S"].demand_available_capacity_mva == pytest.approx(0.5)
    assert result["S"].demand_constraint_limiting_factor == "Thermal"


def test_limiting_factor_is_inherited_from_the_parent_that_caps():
    voltage = [math.nan, 0.2, math.nan]  # a study found 0.2 MVA of voltage headroom at P
    result = by_name(
        recompute_dataset(
            network(), substation_demand=series(), demand_voltage_headroom_mva=voltage
        )
    )
    assert result["P"].demand_available_capacity_mva == pytest.approx(0.2)
    assert result["P"].demand_constraint_limiting_factor == "Voltage"
    assert result["S"].demand_available_capacity_mva == pytest.approx(0.2)
    assert result["S"].demand_constraint_limiting_factor == "Voltage"
    assert result["G"].demand_constraint_limiting_factor == "Thermal"


def test_fault_level_headroom_from_breaker_figures_limits():
    dataset = network()
    dataset.substations[1].breaker_breaking_capacity_ka = 25.0
    dataset.substations[1].breaker_making_capacity_ka = 62.5
    fault_current = [math.nan, 24.99, math.nan]  # 0.01 kA left at 11 kV
    p = by_name(
        recompute_dataset(dataset, substation_demand=series(), fault_current_ka=fault_current)
    )["P"]
    assert p.breaker_available_capacity_ka == pytest.approx(0.01)
    assert p.demand_available_capacity_mva == pytest.approx(math.sqrt(3) * 11 * 0.01, abs=1e-6)
    assert p.demand_constraint_limiting_factor == "FaultLevel"


def test_generation_and_reverse_power_flow_by_hand():
    p = by_name(recompute_dataset(network(), substation_demand=series()))["P"]
    # Reverse firm (N-1 of two 5/6 MVA step-up ratings) = (5, 6); minimum (2 July, 3 January).
    # Generation firm = (5 + 2 + 4, 6 + 3 + 4) = (11, 13) -> 11.
    assert p.generation_firm_capacity_mva == pytest.approx(11)
    # Headroom = (11 - 4 - 1, 13 - 4 - 1) = (6, 8) -> 6.
    assert p.generation_available_capacity_mva == pytest.approx(6)
    assert p.generation_constraint == "Green"  # 6 > max(1, 1.1)
    assert p.generation_constraint_limiting_factor == "Thermal"
    # Expected minimum (2 - 1, 3 - 1) stays positive: all reverse capacity is free.
    assert p.reverse_power_flow_total_capacity_mva == pytest.approx(5)
    assert p.reverse_power_flow_available_capacity_mva == pytest.approx(5)


def test_circuit_capacity_from_ratings_capped_by_its_substation():
    circuit = recompute_dataset(network(), substation_demand=series()).circuits[0]
    # Own headroom min(3, 3.5) - 2 - 0.5 = 0.5; P offers 0.5 too.
    assert circuit.demand_available_capacity_mva == pytest.approx(0.5)
    assert circuit.demand_constraint == "Amber"


def test_too_little_data_omits_statistics_and_capacity():
    data = series()
    demand = np.array(data.demand_mva, copy=True)
    demand[1, : STEPS_2023 // 5] = np.nan  # 80 % coverage < 90 %
    result = by_name(
        recompute_dataset(network(), substation_demand=DemandSeries(demand, START, STEP))
    )
    assert result["P"].demand_maximum_mva is None and result["P"].demand_p50_mva is None
    assert result["P"].demand_available_capacity_mva is None
    assert result["P"].demand_constraint is None
    # S is then capped by the known value further up (G), not left uncapped.
    assert result["S"].demand_available_capacity_mva == pytest.approx(0.9)


def test_coverage_threshold_is_configurable():
    data = series()
    demand = np.array(data.demand_mva, copy=True)
    demand[1, : STEPS_2023 // 5] = np.nan
    result = recompute_dataset(
        network(),
        substation_demand=DemandSeries(demand, START, STEP),
        options=HeatmapOptions(min_coverage_frac=0.75),
    )
    assert by_name(result)["P"].demand_maximum_mva == 8.0


def test_rows_without_any_measurement_keep_published_statistics():
    dataset = network()
    dataset.substations[2].demand_maximum_mva = 45.0
    data = series()
    demand = np.array(data.demand_mva, copy=True)
    demand[2] = np.nan
    g = by_name(recompute_dataset(dataset, substation_demand=DemandSeries(demand, START, STEP)))[
        "G"
    ]
    assert g.demand_maximum_mva == 45.0
    assert g.demand_available_capacity_mva == pytest.approx(60 - 45)


def test_published_firm_capacity_is_kept_and_used():
    dataset = network()
    dataset.substations[1].demand_firm_capacity_mva = 9
    p = by_name(recompute_dataset(dataset, substation_demand=series()))["P"]
    assert p.demand_firm_capacity_mva == 9 and isinstance(p.demand_firm_capacity_mva, int)
    assert p.demand_available_capacity_mva == pytest.approx(9 - 8 - 3.5)
    assert p.demand_constraint == "Red"


def test_quoted_weight_is_configurable():
    options = HeatmapOptions(quoted_weight_frac=0.5)
    p = by_name(recompute_dataset(network(), substation_demand=series(), options=options))["P"]
    assert p.demand_available_capacity_mva == pytest.approx(12 - 8 - 1.5 - 1.0)


def test_rag_rule_is_stated_in_the_description_once():
    thresholds = RagThresholds(amber_up_to_mva=2.0, amber_up_to_firm_frac=0.2)
    options = HeatmapOptions(rag=thresholds)
    once = recompute_dataset(network(), substation_demand=series(), options=options)
    twice = recompute_dataset(once, options=options)
    assert twice.description == f"Worked example. {describe_rag(thresholds)}"
    # P: 0.5 MVA available; Amber up to max(2, 20 % of 10) = 2.
    assert by_name(once)["P"].demand_constraint == "Amber"


def test_rerun_on_own_output_with_recompute_firm_gives_the_same_figures():
    options = HeatmapOptions(recompute_firm=True)
    once = recompute_dataset(network(), substation_demand=series(), options=options)
    twice = recompute_dataset(once, substation_demand=series(), options=options)
    assert twice == once


def test_rerun_without_recompute_firm_applies_the_published_firm_to_every_season():
    once = recompute_dataset(network(), substation_demand=series())
    p = by_name(recompute_dataset(once, substation_demand=series()))["P"]
    # Firm 10 (published, worst season) against the winter peak: 10 - 8 - 3.5.
    assert p.demand_available_capacity_mva == pytest.approx(-1.5)


def test_input_dataset_is_not_modified():
    dataset = network()
    recompute_dataset(dataset, substation_demand=series())
    assert dataset.substations[1].demand_available_capacity_mva is None
    assert dataset.description == "Worked example."


def test_series_with_the_wrong_number_of_rows_is_refused():
    with pytest.raises(ValidationError, match="2 rows for 3 records"):
        recompute_dataset(network(), substation_demand=DemandSeries(np.ones((2, 10)), START, STEP))


def test_series_needs_the_validity_range():
    dataset = network()
    dataset.valid = None
    with pytest.raises(ValidationError) as error:
        recompute_dataset(dataset, substation_demand=series())
    assert error.value.field == "valid"
