"""Emission factors: published defaults and override precedence."""

from __future__ import annotations

import numpy as np
import pytest

from gridflex.engines.carbon import (
    DIRECT_G_PER_KWH,
    LIFECYCLE_G_PER_KWH,
    PRODUCTION_TYPES,
    FactorOverride,
    default_factors_g_per_kwh,
    resolve_factors_g_per_kwh,
    type_index,
)
from gridflex.errors import ValidationError

COAL, GAS, UNKNOWN = (type_index(t) for t in ("coal", "gas", "unknown"))
HYDRO_DISCHARGE, BATTERY = type_index("hydro discharge"), type_index("battery discharge")


def test_lifecycle_defaults_are_the_ipcc_medians():
    # IPCC AR5 WGIII Annex III, Table A.III.2 medians (solar between rooftop and utility PV).
    ipcc = {
        "coal": 820,
        "gas": 490,
        "biomass": 230,
        "geothermal": 38,
        "hydro": 24,
        "nuclear": 12,
        "wind": 11,
    }
    for name, value in ipcc.items():
        assert LIFECYCLE_G_PER_KWH[name] == value
    assert 41 <= LIFECYCLE_G_PER_KWH["solar"] <= 48


def test_direct_factors_never_exceed_lifecycle_ones():
    for name in LIFECYCLE_G_PER_KWH:
        assert 0 <= DIRECT_G_PER_KWH[name] <= LIFECYCLE_G_PER_KWH[name], name


def test_direct_factors_are_zero_for_non_combustion_types():
    for name in ("geothermal", "hydro", "nuclear", "solar", "wind"):
        assert DIRECT_G_PER_KWH[name] == 0


def test_storage_discharge_defaults_to_the_unknown_factor_and_is_configurable():
    factors = default_factors_g_per_kwh()
    assert factors[HYDRO_DISCHARGE] == factors[BATTERY] == LIFECYCLE_G_PER_KWH["unknown"]
    factors = default_factors_g_per_kwh(storage_discharge_g_per_kwh=120.0, unknown_g_per_kwh=650.0)
    assert factors[BATTERY] == 120.0
    assert factors[UNKNOWN] == 650.0


def test_factor_type_selects_the_table():
    direct = default_factors_g_per_kwh(factor_type="direct")
    assert direct[COAL] == DIRECT_G_PER_KWH["coal"]
    assert direct.shape == (len(PRODUCTION_TYPES),)


def test_most_specific_override_wins():
    overrides = [
        FactorOverride("coal", 900.0),
        FactorOverride("coal", 910.0, year=2020),
        FactorOverride("coal", 950.0, zone_id="PL"),
        FactorOverride("coal", 990.0, zone_id="PL", year=2020),
        FactorOverride("gas", 1.0, factor_type="direct"),  # another factor type: ignored
        FactorOverride("coal", 5.0, zone_id="XX"),  # zone not asked for: ignored
    ]
    in_2020 = resolve_factors_g_per_kwh(["DE", "PL"], year=2020, overrides=overrides)
    in_2021 = resolve_factors_g_per_kwh(["DE", "PL"], year=2021, overrides=overrides)
    assert in_2020[:, COAL].tolist() == [910.0, 990.0]
    assert in_2021[:, COAL].tolist() == [900.0, 950.0]
    assert in_2021[0, GAS] == LIFECYCLE_G_PER_KWH["gas"]


def test_override_order_does_not_matter():
    overrides = [FactorOverride("coal", 990.0, zone_id="PL"), FactorOverride("coal", 900.0)]
    factors = resolve_factors_g_per_kwh(["PL"], year=2020, overrides=list(reversed(overrides)))
    np.testing.assert_array_equal(
        factors, resolve_factors_g_per_kwh(["PL"], year=2020, overrides=overrides)
    )
    assert factors[0, COAL] == 990.0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"production_type": "peat", "factor_g_per_kwh": 1.0}, "productionType"),
        ({"production_type": "coal", "factor_g_per_kwh": -1.0}, "emissionFactor"),
        (
            {"production_type": "coal", "factor_g_per_kwh": 1.0, "factor_type": "scope3"},
            "emissionFactorType",
        ),
    ],
)
def test_bad_overrides_are_rejected_naming_the_field(kwargs, field):
    with pytest.raises(ValidationError) as info:
        FactorOverride(**kwargs)
    assert info.value.field == field


def test_unknown_factor_type_is_rejected():
    with pytest.raises(ValidationError):
        resolve_factors_g_per_kwh(["DE"], year=2020, factor_type="scope3")
