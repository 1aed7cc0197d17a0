"""The heatmap engine: the network-capacity dataset, its formats and its figures.

Pure functions over the dataset of seed 000 (``GET /heatmap``) and the OpenAPI
definition "Ofgem Heatmap API" 0.9.0; no I/O, no database, no HTTP.

- model: dataclasses mirroring the specification's classes (`Dataset`, `Substation`, ...)
- reading: `parse_dataset` / `parse_json` (tolerant, reports `Normalisation`),
  `parse_csv_tables` / `parse_csv_zip`; `read_dataset` / `read_json` /
  `read_csv_tables` give a `Reading` and can refuse record by record (``lenient``)
- writing: `to_json`, `to_geojson`, `to_csv_zip`, `to_dict`
- figures: `demand_statistics`, `firm_capacity_mva` and the rest of `capacity`,
  `rag`, `recompute_dataset` (the whole chain)
- rules: `check_dataset`; what a lenient import refuses, keeps and fills: `conformance`
  (`Conformance`, `KINDS`), `fill_gaps`
- search: `filter_dataset`, `nearest_substations`
"""

from gridflex.engines.heatmap.capacity import (
    LIMITING_FACTORS,
    RATING_SEASONS,
    breaker_headroom_ka,
    demand_headroom_mva,
    fault_level_headroom_mva,
    firm_capacity_mva,
    generation_firm_capacity_mva,
    generation_headroom_mva,
    limiting_headroom,
    reverse_power_flow_available_mva,
    worst_season,
)
from gridflex.engines.heatmap.checks import check_dataset
from gridflex.engines.heatmap.conformance import KINDS, Conformance
from gridflex.engines.heatmap.csv_format import (
    parse_csv_tables,
    parse_csv_zip,
    read_csv_tables,
    to_csv_tables,
    to_csv_zip,
)
from gridflex.engines.heatmap.errors import HeatmapDataError, Normalisation, Problem
from gridflex.engines.heatmap.export import to_dict, to_geojson, to_json
from gridflex.engines.heatmap.gaps import fill_gaps
from gridflex.engines.heatmap.hierarchy import cap_by_parent, parent_index
from gridflex.engines.heatmap.model import (
    Circuit,
    Constraint,
    Coordinate,
    Curtailment,
    Dataset,
    Demand,
    Generator,
    Geometry,
    Line,
    Rating,
    Storage,
    Substation,
    Transformer,
)
from gridflex.engines.heatmap.parse import (
    Reading,
    parse_dataset,
    parse_json,
    read_dataset,
    read_json,
)
from gridflex.engines.heatmap.rag import RagThresholds, describe_rag, rag
from gridflex.engines.heatmap.recompute import DemandSeries, HeatmapOptions, recompute_dataset
from gridflex.engines.heatmap.search import (
    Near,
    filter_dataset,
    great_circle_km,
    nearest_substations,
    parse_bbox,
    parse_near,
)
from gridflex.engines.heatmap.statistics import (
    DemandStatistics,
    demand_statistics,
    statistics_window,
    window_columns,
)

__all__ = [
    "KINDS",
    "LIMITING_FACTORS",
    "RATING_SEASONS",
    "Circuit",
    "Conformance",
    "Constraint",
    "Coordinate",
    "Curtailment",
    "Dataset",
    "Demand",
    "DemandSeries",
    "DemandStatistics",
    "Generator",
    "Geometry",
    "HeatmapDataError",
    "HeatmapOptions",
    "Line",
    "Near",
    "Normalisation",
    "Problem",
    "RagThresholds",
    "Rating",
    "Reading",
    "Storage",
    "Substation",
    "Transformer",
    "breaker_headroom_ka",
    "cap_by_parent",
    "check_dataset",
    "demand_headroom_mva",
    "demand_statistics",
    "describe_rag",
    "fault_level_headroom_mva",
    "fill_gaps",
    "filter_dataset",
    "firm_capacity_mva",
    "generation_firm_capacity_mva",
    "generation_headroom_mva",
    "great_circle_km",
    "limiting_headroom",
    "nearest_substations",
    "parent_index",
    "parse_bbox",
    "parse_csv_tables",
    "parse_csv_zip",
    "parse_dataset",
    "parse_json",
    "parse_near",
    "rag",
    "read_csv_tables",
    "read_dataset",
    "read_json",
    "recompute_dataset",
    "reverse_power_flow_available_mva",
    "statistics_window",
    "to_csv_tables",
    "to_csv_zip",
    "to_dict",
    "to_geojson",
    "to_json",
    "window_columns",
    "worst_season",
]
