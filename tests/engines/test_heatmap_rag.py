"""RAG status follows the documented thresholds, including the seed's own example."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gridflex.engines.heatmap import RagThresholds, describe_rag, parse_dataset, rag
from gridflex.errors import ValidationError

DATA = Path(__file__).parent / "data" / "heatmap_seed_example.json"


def test_default_boundaries():
    available = [-5.0, 0.0, 1e-9, 1.0, 1.0 + 1e-9, 2.9, 3.0, 3.01, np.nan]
    firm = [30.0] * 9  # Amber up to max(1, 3) = 3
    assert rag(available, firm).tolist() == [
        "Red",
        "Red",
        "Amber",
        "Amber",
        "Amber",
        "Amber",
        "Amber",
        "Green",
        None,
    ]


def test_amber_band_is_at_least_one_mva_for_small_substations():
    # 10 % of 4 MVA is 0.4, so the 1 MVA floor decides.
    assert rag([0.5, 1.0, 1.01], [4.0] * 3).tolist() == ["Amber", "Amber", "Green"]


def test_unknown_firm_capacity_uses_the_fixed_bound():
    assert rag([0.5, 2.0], [np.nan, np.nan]).tolist() == ["Amber", "Green"]
    assert rag([0.5, 2.0]).tolist() == ["Amber", "Green"]


def test_thresholds_are_configurable():
    thresholds = RagThresholds(
        red_at_or_below_mva=0.5, amber_up_to_mva=5.0, amber_up_to_firm_frac=0
    )
    assert rag([0.5, 0.6, 5.0, 5.1], [100.0] * 4, thresholds=thresholds).tolist() == [
        "Red",
        "Amber",
        "Amber",
        "Green",
    ]


def test_inconsistent_thresholds_are_refused():
    with pytest.raises(ValidationError):
        RagThresholds(red_at_or_below_mva=2.0, amber_up_to_mva=1.0)
    with pytest.raises(ValidationError):
        RagThresholds(amber_up_to_firm_frac=10)


def test_seed_example_statuses_follow_the_default_rule():
    substation = parse_dataset(json.loads(DATA.read_text()))[0].substations[0]
    # OSPREY: 0.6 of 30 MVA firm (Amber up to 3), 0.2 of 1.504 MVA generation firm (up to 1).
    assert rag(
        [substation.demand_available_capacity_mva, substation.generation_available_capacity_mva],
        [substation.demand_firm_capacity_mva, substation.generation_firm_capacity_mva],
    ).tolist() == [substation.demand_constraint, substation.generation_constraint]


def test_description_states_the_rule():
    assert describe_rag() == (
        "RAG status: Red where the available capacity is at or below 0 MVA; Amber where it is "
        "above that and at most the larger of 1 MVA and 10 % of the firm capacity; Green above."
    )
    assert "2.5 MVA and 20 %" in describe_rag(
        RagThresholds(amber_up_to_mva=2.5, amber_up_to_firm_frac=0.2)
    )
