"""Capacity formulas against hand calculations; parent capping against brute force."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gridflex.engines.heatmap import (
    Substation,
    breaker_headroom_ka,
    cap_by_parent,
    demand_headroom_mva,
    fault_level_headroom_mva,
    firm_capacity_mva,
    generation_firm_capacity_mva,
    generation_headroom_mva,
    limiting_headroom,
    parent_index,
    reverse_power_flow_available_mva,
    worst_season,
)
from gridflex.errors import ValidationError

NAN = float("nan")


def test_firm_capacity_is_n_minus_1_per_season():
    ratings = [[10, 12], [20, 24], [15, 18], [7, 8], [5, NAN], [6, 6]]
    owner = [0, 0, 0, 1, 3, 3]
    firm = firm_capacity_mva(ratings, owner, 4)
    # Substation 0 loses its 20/24 MVA unit: 10 + 15 and 12 + 18 are left.
    np.testing.assert_array_equal(firm[0], [25, 30])
    np.testing.assert_array_equal(firm[1], [7, 8])  # a lone transformer is firm by default
    assert np.isnan(firm[2]).all()  # no transformers: unknown
    assert firm[3, 0] == 5 and np.isnan(firm[3, 1])  # an unknown winter rating stays unknown


def test_firm_capacity_of_a_lone_transformer_can_be_zero():
    firm = firm_capacity_mva([[7, 8]], [0], 1, single_unit_is_firm=False)
    np.testing.assert_array_equal(firm, [[0, 0]])


def test_demand_headroom_subtracts_peak_contracted_and_weighted_quoted():
    headroom = demand_headroom_mva([[25, 30]], [[20, 28]], [2.0], [4.0], quoted_weight_frac=0.5)
    np.testing.assert_allclose(headroom, [[25 - 20 - 2 - 2, 30 - 28 - 2 - 2]])
    assert worst_season(headroom)[0] == -2


def test_generation_headroom_is_reverse_firm_plus_minimum_less_committed():
    firm = generation_firm_capacity_mva([[10, 12]], [[3, 5]], [8.0])
    np.testing.assert_allclose(firm, [[21, 25]])
    headroom = generation_headroom_mva(firm, [8.0], [2.0], [4.0], quoted_weight_frac=0.5)
    # The connected 8 MVA is added back into firm and taken out again.
    np.testing.assert_allclose(headroom, [[10 + 3 - 2 - 2, 12 + 5 - 2 - 2]])


def test_reverse_power_flow_available_counts_expected_reverse_flow_only():
    available = reverse_power_flow_available_mva(
        [[10, 10], [10, 10]], [[3, 10], [-1, -1]], [2.0, 0.0], [4.0, 0.0], quoted_weight_frac=0.5
    )
    # Row 0: expected minimum 3 - 4 = -1 (1 MVA flows up) in summer, 6 in winter.
    # Row 1: already exporting 1 MVA at minimum demand.
    np.testing.assert_allclose(available, [[9, 10], [9, 9]])


def test_breaker_headroom_uses_the_tightest_switchgear_limit():
    headroom = breaker_headroom_ka(
        [25.0, 25.0, NAN], [62.5, 40.0, NAN], [20.0, NAN, NAN], [12.0, 12.0, 12.0]
    )
    # Row 0: min(25, 20, 62.5 / 2.5) = 20; row 1: min(25, 40 / 2.5) = 16; row 2: unknown.
    np.testing.assert_allclose(headroom[:2], [8.0, 4.0])
    assert np.isnan(headroom[2])


def test_fault_level_headroom_in_mva_is_root3_v_i():
    mva = fault_level_headroom_mva([8.0], [11.0])
    assert mva[0] == pytest.approx(math.sqrt(3) * 11 * 8)
    assert fault_level_headroom_mva([8.0], [11.0], fault_mva_per_mva=4.0)[0] == pytest.approx(
        math.sqrt(3) * 11 * 2
    )


def test_limiting_factor_is_the_smallest_known_headroom():
    available, factor = limiting_headroom(
        [5.0, 5.0, 5.0, NAN, 5.0], [NAN, 3.0, 6.0, 1.0, 5.0], [10.0, 4.0, 2.0, 1.0, NAN]
    )
    np.testing.assert_array_equal(available[[0, 1, 2, 4]], [5.0, 3.0, 2.0, 5.0])
    assert np.isnan(available[3])
    # Thermal, Voltage, FaultLevel, unknown (no thermal figure), and a tie won by Thermal.
    assert factor.tolist() == [0, 1, 2, -1, 0]


def hierarchy(types_and_refs: list[tuple[str, str, dict]]) -> list[Substation]:
    return [Substation(name=name, type=kind, **refs) for name, kind, refs in types_and_refs]


def test_parent_is_the_nearest_named_station_above():
    substations = hierarchy(
        [
            ("S", "Secondary", {"primary": "P", "bsp": "B", "gsp": "G"}),
            ("P", "Primary", {"gsp": "G"}),  # Scottish: no BSP
            ("B", "BSP", {"gsp": "G"}),
            ("G", "GSP", {}),
            ("S2", "Secondary", {"bsp": "B"}),
        ]
    )
    parents, problems = parent_index(substations)
    assert parents.tolist() == [1, 3, 3, -1, 2]
    assert problems == []


def test_references_by_mrid_and_wrong_references_are_reported():
    substations = [
        Substation(name="P", type="Primary", bsp="mrid-g", gsp="mrid-g"),
        Substation(name="G", type="GSP", mrid="mrid-g"),
        Substation(name="S", type="Secondary", primary="nowhere"),
    ]
    parents, problems = parent_index(substations)
    assert parents.tolist() == [1, -1, -1]
    assert [(p.record, p.field) for p in problems] == [
        ("Substations[0] (name 'P')", "BSP"),
        ("Substations[2] (name 'S')", "Primary"),
    ]
    assert "is a GSP, not a BSP" in problems[0].message


def brute_force_cap(values: np.ndarray, parents: np.ndarray) -> np.ndarray:
    out = values.copy()
    for i in range(len(values)):
        if np.isnan(values[i]):
            continue
        node = parents[i]
        while node >= 0:
            if not np.isnan(values[node]):
                out[i] = min(out[i], values[node])
            node = parents[node]
    return out


def test_parent_capping_propagates_down_every_level():
    rng = np.random.default_rng(3)
    # A random 4-level tree, nodes shuffled so that children often come before parents.
    levels = [0] * 3 + [1] * 12 + [2] * 60 + [3] * 300
    order = rng.permutation(len(levels))
    level = np.array(levels)[order]
    parents = np.full(len(level), -1)
    for i, lv in enumerate(level):
        if lv > 0:
            parents[i] = rng.choice(np.flatnonzero(level == lv - 1))
    values = rng.uniform(-2, 20, len(level))
    values[rng.random(len(level)) < 0.1] = np.nan
    capped, source = cap_by_parent(values, parents)
    np.testing.assert_array_equal(capped, brute_force_cap(values, parents))
    known = ~np.isnan(capped)
    np.testing.assert_array_equal(values[source[known]], capped[known])


def test_parent_capping_on_a_chain_by_hand():
    # Secondary(0) -> Primary(2) -> BSP(1) -> GSP(3), listed bottom-up.
    parents = np.array([2, 3, 1, -1])
    capped, source = cap_by_parent(np.array([5.0, 10.0, 1.0, 3.0]), parents)
    np.testing.assert_array_equal(capped, [1.0, 3.0, 1.0, 3.0])
    assert source.tolist() == [2, 3, 2, 3]


def test_cycle_in_hierarchy_is_refused():
    with pytest.raises(ValidationError, match="cycle"):
        cap_by_parent(np.ones(2), np.array([1, 0]))
