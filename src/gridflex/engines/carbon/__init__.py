"""The carbon engine: grid zones, flow tracing, carbon intensities and marginal mixes.

Pure functions over arrays: production by type ``(T, Z, K)`` and exchanges
between zones in, consumption mixes, intensities and API-shaped records out.
Modules:

- ``production_types``: the ``K`` axis and the renewable / fossil-free / must-run sets
- ``factors``: default lifecycle and direct emission factors, overrides
- ``exchanges``: flows between zones as links
- ``tracing``: consumption mixes and intensities by flow tracing
- ``intensity``: production intensity, renewable and fossil-free shares
- ``records``: results shaped like the carbon API's JSON
- ``marginal``: the marginal-mix estimate
- ``zones``: the zone registry and the GeoJSON zone format
- ``geometry``: which zone a point lies in
"""

from gridflex.engines.carbon.exchanges import ExchangeLinks, exchange_links
from gridflex.engines.carbon.factors import (
    DIRECT_G_PER_KWH,
    LIFECYCLE_G_PER_KWH,
    FactorOverride,
    default_factors_g_per_kwh,
    resolve_factors_g_per_kwh,
)
from gridflex.engines.carbon.geometry import ZoneIndex, default_zone_index, find_zone
from gridflex.engines.carbon.intensity import (
    fossil_free_frac,
    mix_intensity_g_per_kwh,
    production_intensity_g_per_kwh,
    renewable_frac,
    round_half_up,
)
from gridflex.engines.carbon.marginal import MarginalMix, fit_marginal_mix
from gridflex.engines.carbon.production_types import (
    FOSSIL_FREE_TYPES,
    MUST_RUN_TYPES,
    PRODUCTION_TYPES,
    RENEWABLE_TYPES,
    STORAGE_DISCHARGE_TYPES,
    type_index,
)
from gridflex.engines.carbon.records import (
    marginal_breakdown_record,
    power_breakdown_records,
    whole_numbers,
)
from gridflex.engines.carbon.tracing import TracedFlows, trace_flows
from gridflex.engines.carbon.zones import (
    Zone,
    load_default_zones,
    parse_zones_geojson,
    zones_listing,
)

__all__ = [
    "DIRECT_G_PER_KWH",
    "FOSSIL_FREE_TYPES",
    "LIFECYCLE_G_PER_KWH",
    "MUST_RUN_TYPES",
    "PRODUCTION_TYPES",
    "RENEWABLE_TYPES",
    "STORAGE_DISCHARGE_TYPES",
    "ExchangeLinks",
    "FactorOverride",
    "MarginalMix",
    "TracedFlows",
    "Zone",
    "ZoneIndex",
    "default_factors_g_per_kwh",
    "default_zone_index",
    "exchange_links",
    "find_zone",
    "fit_marginal_mix",
    "fossil_free_frac",
    "load_default_zones",
    "marginal_breakdown_record",
    "mix_intensity_g_per_kwh",
    "parse_zones_geojson",
    "power_breakdown_records",
    "production_intensity_g_per_kwh",
    "renewable_frac",
    "resolve_factors_g_per_kwh",
    "round_half_up",
    "trace_flows",
    "type_index",
    "whole_numbers",
    "zones_listing",
]
