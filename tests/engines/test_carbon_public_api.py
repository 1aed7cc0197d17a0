"""The carbon engine's public names are pinned: adding or removing one is a decision."""

from __future__ import annotations

import gridflex.engines.carbon as carbon


def test_public_api_is_pinned():
    assert sorted(carbon.__all__) == sorted(
        [
            "DIRECT_G_PER_KWH", "FOSSIL_FREE_TYPES", "LIFECYCLE_G_PER_KWH", "MUST_RUN_TYPES",
            "PRODUCTION_TYPES", "RENEWABLE_TYPES", "STORAGE_DISCHARGE_TYPES", "ExchangeLinks",
            "FactorOverride", "MarginalMix", "TracedFlows", "Zone", "ZoneIndex",
            "default_factors_g_per_kwh", "default_zone_index", "exchange_links", "find_zone",
            "fit_marginal_mix", "fossil_free_frac", "load_default_zones",
            "marginal_breakdown_record", "mix_intensity_g_per_kwh", "parse_zones_geojson",
            "power_breakdown_records", "production_intensity_g_per_kwh", "renewable_frac",
            "resolve_factors_g_per_kwh", "round_half_up", "trace_flows", "type_index",
            "whole_numbers", "zones_listing",
        ]
    )  # fmt: skip
    for name in carbon.__all__:
        assert hasattr(carbon, name), name


def test_production_types_follow_the_seed_breakdown_keys():
    assert set(carbon.PRODUCTION_TYPES) == {
        "biomass", "coal", "gas", "geothermal", "hydro", "nuclear", "oil", "solar", "wind",
        "unknown", "hydro discharge", "battery discharge",
    }  # fmt: skip
    assert carbon.FOSSIL_FREE_TYPES - carbon.RENEWABLE_TYPES == {"nuclear"}
