"""Recompute a dataset's statistics, capacities, RAG and limiting factors in one chain.

The chain: demand statistics over the window before ``valid[0]`` (from measured
series, where given) -> per-season thermal headrooms from firm capacity (N-1 from
the transformers when the dataset gives none) -> limiting factor against the
voltage and fault-level headrooms -> capped by the parent substation, top down ->
RAG. Circuits get the same thermal headroom from their ratings, capped by the
substation they come from. See `capacity` for the formulas.

What is overwritten: the statistics (when a series is given for that row), the
available capacities, constraints (RAG), limiting factors and reverse power flow
capacities. Firm capacities are computed only where the dataset gives none (see
`HeatmapOptions.recompute_firm`). A figure that cannot be computed is left out
(``None``), never guessed.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gridflex.engines.heatmap import capacity as cap
from gridflex.engines.heatmap.arrays import (
    TransformerRatings,
    column,
    lowest_voltage_kv,
    transformer_ratings,
)
from gridflex.engines.heatmap.hierarchy import cap_by_parent, parent_index, substation_index
from gridflex.engines.heatmap.model import Circuit, Dataset, Substation
from gridflex.engines.heatmap.rag import RagThresholds, describe_rag, rag
from gridflex.engines.heatmap.statistics import (
    demand_statistics,
    month_of_steps,
    seasonal_extremes,
    statistics_window,
    window_columns,
)
from gridflex.errors import ValidationError

Array = NDArray[np.float64]
_STAT_ATTRS = (
    ("maximum_mva", "demand_maximum_mva"),
    ("minimum_mva", "demand_minimum_mva"),
    ("p99_mva", "demand_p99_mva"),
    ("p75_mva", "demand_p75_mva"),
    ("p50_mva", "demand_p50_mva"),
    ("p25_mva", "demand_p25_mva"),
)


@dataclass(frozen=True)
class HeatmapOptions:
    """Settings of the chain, with their documented defaults.

    Attributes
    ----------
    window_months : int
        Statistics window before ``valid[0]``. [months]
    min_coverage_frac : float
        Least share of the window with data for statistics to be published. [0-1]
    quoted_weight_frac : float
        Share of quoted capacity counted as committed (1: every quote). [0-1]
    winter_months : tuple of int
        Months (1-12, UTC) where winter ratings apply; summer ratings otherwise.
    single_unit_is_firm : bool
        A lone transformer's rating counts as firm (else 0).
    recompute_firm : bool
        False: published firm capacities are used as given, the chain fills only
        the gaps. True: they are computed wherever the data allow, season by
        season, the published figure serving only where they do not. Use True
        when re-running on a dataset this chain produced: its one published figure
        is the worst season's and would otherwise apply to every season.
    breaker_peak_factor : float
        Making (peak) to breaking (rms) current ratio of the switchgear.
    fault_mva_per_mva : float
        Fault in-feed per MVA connected, to turn fault MVA into connectable MVA.
    decimals : int
        Published figures are rounded to this many decimals.
    rag : RagThresholds
    """

    window_months: int = 12
    min_coverage_frac: float = 0.9
    quoted_weight_frac: float = 1.0
    winter_months: tuple[int, ...] = (1, 2, 3, 11, 12)
    single_unit_is_firm: bool = True
    recompute_firm: bool = False
    breaker_peak_factor: float = 2.5
    fault_mva_per_mva: float = 1.0
    decimals: int = 6
    rag: RagThresholds = field(default_factory=RagThresholds)


@dataclass(frozen=True)
class DemandSeries:
    """Measured demand, one row per record (in the dataset's order), NaN for gaps.

    demand_mva: shape (n, t) [MVA]; first_event_start: start of column 0 (aware);
    resolution: the step length. A row without any value in the window means "no
    series for this record": its published statistics are kept.
    """

    demand_mva: ArrayLike
    first_event_start: datetime
    resolution: timedelta


@dataclass(frozen=True)
class _Demand:
    statistics: dict[str, Array]  # attr -> (n,), NaN where omitted
    peak_mva: Array  # (n, 2) summer, winter
    minimum_mva: Array  # (n, 2)


def recompute_dataset(
    dataset: Dataset,
    *,
    substation_demand: DemandSeries | None = None,
    circuit_demand: DemandSeries | None = None,
    demand_voltage_headroom_mva: ArrayLike | None = None,
    generation_voltage_headroom_mva: ArrayLike | None = None,
    fault_current_ka: ArrayLike | None = None,
    options: HeatmapOptions = HeatmapOptions(),
) -> Dataset:
    """A copy of ``dataset`` with its computed figures brought up to date.

    Parameters
    ----------
    dataset : Dataset
    substation_demand, circuit_demand : DemandSeries, optional
        Measured demand per substation / circuit (rows in the dataset's order).
    demand_voltage_headroom_mva, generation_voltage_headroom_mva : array_like, shape (n,)
        Voltage headroom per substation from a network study; NaN where not assessed. [MVA]
    fault_current_ka : array_like, shape (n,), optional
        Prospective fault current per substation; without it the dataset's
        ``breakerAvailableCapacity`` is the switchgear headroom. [kA]
    options : HeatmapOptions

    Returns
    -------
    Dataset
        A new dataset; the input is not modified (unchanged child records, such as
        transformers, are shared with it).
    """
    substations = list(dataset.substations or ())
    valid_from = _valid_from(dataset) if substation_demand or circuit_demand else None
    demand = _demand(substations, substation_demand, valid_from, options)
    figures = _substation_figures(
        substations,
        demand,
        demand_voltage_headroom_mva,
        generation_voltage_headroom_mva,
        fault_current_ka,
        options,
    )
    new_substations = [
        _with(s, options, **{k: v[i] for k, v in figures.items()})
        for i, s in enumerate(substations)
    ]
    new_circuits = _circuits(
        list(dataset.circuits or ()),
        substations,
        figures["demand_available_capacity_mva"],
        circuit_demand,
        valid_from,
        options,
    )
    description = _with_rag_sentence(dataset.description, options.rag)
    return dataclasses.replace(
        dataset,
        description=description,
        substations=new_substations if dataset.substations is not None else None,
        circuits=new_circuits if dataset.circuits is not None else None,
    )


def _substation_figures(
    substations: Sequence[Substation],
    demand: _Demand,
    demand_voltage: ArrayLike | None,
    generation_voltage: ArrayLike | None,
    fault_current: ArrayLike | None,
    options: HeatmapOptions,
) -> dict[str, Any]:
    """Every computed substation attribute as an array over the substations."""
    ratings = transformer_ratings(substations)
    parents, _ = parent_index(substations)  # unresolved references: see check_dataset
    breaker_ka, fault_mva = _fault_level(substations, fault_current, options)
    common = (substations, demand, ratings, parents, fault_mva, options)
    return {
        **demand.statistics,
        "breaker_available_capacity_ka": breaker_ka,
        **_demand_figures(*common, voltage=demand_voltage),
        **_generation_figures(*common, voltage=generation_voltage),
    }


def _fault_level(
    substations: Sequence[Substation], fault_current: ArrayLike | None, options: HeatmapOptions
) -> tuple[Array, Array]:
    """Switchgear headroom [kA] (published, or from the fault current) and in MVA."""
    breaker_ka = column(substations, "breaker_available_capacity_ka")
    if fault_current is not None:
        breaker_ka = cap.breaker_headroom_ka(
            column(substations, "breaker_breaking_capacity_ka"),
            column(substations, "breaker_making_capacity_ka"),
            column(substations, "breaker_short_circuit_current_ka"),
            fault_current,
            peak_factor=options.breaker_peak_factor,
        )
    fault_mva = cap.fault_level_headroom_mva(
        breaker_ka, lowest_voltage_kv(substations), fault_mva_per_mva=options.fault_mva_per_mva
    )
    return breaker_ka, fault_mva


def _demand_figures(
    substations: Sequence[Substation],
    demand: _Demand,
    ratings: TransformerRatings,
    parents: NDArray[np.intp],
    fault_mva: Array,
    options: HeatmapOptions,
    *,
    voltage: ArrayLike | None,
) -> dict[str, Any]:
    """Firm per season (published, else N-1), headroom, limiting factor, parent cap, RAG."""
    n1 = cap.firm_capacity_mva(
        ratings.forward_mva,
        ratings.owner,
        len(substations),
        single_unit_is_firm=options.single_unit_is_firm,
    )
    firm = _given_or(column(substations, "demand_firm_capacity_mva"), n1, options)
    thermal = cap.demand_headroom_mva(
        firm,
        demand.peak_mva,
        _zero(substations, "demand_contracted_capacity_mva"),
        _zero(substations, "demand_quoted_capacity_mva"),
        quoted_weight_frac=options.quoted_weight_frac,
    )
    available, factor = _limit_and_cap(cap.worst_season(thermal), voltage, fault_mva, parents)
    published_firm = cap.worst_season(firm)
    return {
        "demand_firm_capacity_mva": published_firm,
        "demand_available_capacity_mva": available,
        "demand_constraint": rag(available, published_firm, thresholds=options.rag),
        "demand_constraint_limiting_factor": factor,
    }


def _generation_figures(
    substations: Sequence[Substation],
    demand: _Demand,
    ratings: TransformerRatings,
    parents: NDArray[np.intp],
    fault_mva: Array,
    options: HeatmapOptions,
    *,
    voltage: ArrayLike | None,
) -> dict[str, Any]:
    """Reverse firm (N-1 of step-up ratings), generation firm and headroom, reverse flow."""
    q = options.quoted_weight_frac
    reverse_firm = cap.firm_capacity_mva(
        ratings.reverse_mva,
        ratings.owner,
        len(substations),
        single_unit_is_firm=options.single_unit_is_firm,
    )
    connected = _zero(substations, "generation_connected_capacity_mva")
    contracted = _zero(substations, "generation_contracted_capacity_mva")
    quoted = _zero(substations, "generation_quoted_capacity_mva")
    firm = _given_or(
        column(substations, "generation_firm_capacity_mva"),
        cap.generation_firm_capacity_mva(reverse_firm, demand.minimum_mva, connected),
        options,
    )
    thermal = cap.generation_headroom_mva(firm, connected, contracted, quoted, quoted_weight_frac=q)
    available, factor = _limit_and_cap(cap.worst_season(thermal), voltage, fault_mva, parents)
    reverse_available = cap.reverse_power_flow_available_mva(
        reverse_firm, demand.minimum_mva, contracted, quoted, quoted_weight_frac=q
    )
    published_firm = cap.worst_season(firm)
    return {
        "generation_firm_capacity_mva": published_firm,
        "generation_available_capacity_mva": available,
        "generation_constraint": rag(available, published_firm, thresholds=options.rag),
        "generation_constraint_limiting_factor": factor,
        "reverse_power_flow_total_capacity_mva": cap.worst_season(reverse_firm),
        "reverse_power_flow_available_capacity_mva": cap.worst_season(reverse_available),
    }


def _limit_and_cap(
    thermal: Array, voltage: ArrayLike | None, fault_level: Array, parents: NDArray[np.intp]
) -> tuple[Array, NDArray[np.object_]]:
    available, factor = cap.limiting_headroom(thermal, voltage, fault_level)
    capped, source = cap_by_parent(available, parents)
    # A substation limited by its parent inherits the parent's limiting factor.
    names = np.array((*cap.LIMITING_FACTORS, None), dtype=object)
    return capped, names[factor[source]]


def _demand(
    records: Sequence[Any],
    series: DemandSeries | None,
    valid_from: datetime | None,
    options: HeatmapOptions,
) -> _Demand:
    """Statistics and seasonal extremes from the series; published figures where none."""
    given = {attr: column(records, attr) for _, attr in _STAT_ATTRS}
    given_peak = np.repeat(given["demand_maximum_mva"][:, None], 2, axis=1)
    given_min = np.repeat(given["demand_minimum_mva"][:, None], 2, axis=1)
    if series is None:
        return _Demand(given, given_peak, given_min)
    assert valid_from is not None
    values = np.atleast_2d(np.asarray(series.demand_mva, dtype=np.float64))
    if values.shape[0] != len(records):
        raise ValidationError(
            f"The demand series has {values.shape[0]} rows for {len(records)} records.",
            field="demand_mva",
        )
    start, end = statistics_window(valid_from, months=options.window_months)
    columns, expected = window_columns(
        series.first_event_start, series.resolution, values.shape[1], start=start, end=end
    )
    window = values[:, columns]
    stats = demand_statistics(
        window, min_coverage_frac=options.min_coverage_frac, expected_steps=expected
    )
    months = month_of_steps(
        series.first_event_start + series.resolution * (columns.start or 0),
        series.resolution,
        window.shape[1],
    )
    is_winter = np.isin(months, options.winter_months).astype(np.intp)  # 0 summer, 1 winter
    peak, minimum = seasonal_extremes(window, is_winter, 2)
    measured = stats.coverage_frac > 0  # rows without any value keep the published figures
    usable = ~np.isnan(stats.maximum_mva)
    statistics = {
        attr: np.where(measured, getattr(stats, name), given[attr]) for name, attr in _STAT_ATTRS
    }
    peak = np.where(measured[:, None], np.where(usable[:, None], peak, np.nan), given_peak)
    minimum = np.where(measured[:, None], np.where(usable[:, None], minimum, np.nan), given_min)
    return _Demand(statistics, peak, minimum)


def _circuits(
    circuits: list[Circuit],
    substations: Sequence[Substation],
    substation_available: Array,
    series: DemandSeries | None,
    valid_from: datetime | None,
    options: HeatmapOptions,
) -> list[Circuit]:
    """Circuit headroom from its ratings, never above the substation it comes from."""
    if not circuits:
        return circuits
    demand = _demand(circuits, series, valid_from, options)
    ratings = np.stack(
        [column(circuits, "summer_rating_mva"), column(circuits, "winter_rating_mva")], axis=1
    )
    thermal = cap.worst_season(
        cap.demand_headroom_mva(
            ratings,
            demand.peak_mva,
            _zero(circuits, "demand_contracted_capacity_mva"),
            _zero(circuits, "demand_quoted_capacity_mva"),
            quoted_weight_frac=options.quoted_weight_frac,
        )
    )
    index = substation_index(substations)
    source = np.array([index.get(c.from_substation or "", -1) for c in circuits], dtype=np.intp)
    upstream = np.where(source >= 0, substation_available[np.maximum(source, 0)], np.nan)
    available = np.where(upstream < thermal, upstream, thermal)  # NaN upstream: no cap
    status = rag(available, cap.worst_season(ratings), thresholds=options.rag)
    return [
        _with(
            c,
            options,
            demand_available_capacity_mva=available[i],
            demand_constraint=status[i],
            **{k: v[i] for k, v in demand.statistics.items()},
        )
        for i, c in enumerate(circuits)
    ]


_GIVEN_KEPT = ("demand_firm_capacity_mva", "generation_firm_capacity_mva")


def _with(record: Any, options: HeatmapOptions, **changes: Any) -> Any:
    """A copy of the record with NaN written as absent and floats rounded for publication.

    Published firm capacities are inputs, not results: unless ``recompute_firm``, they
    are kept exactly as given.
    """
    clean = {}
    decimals = options.decimals
    keep_given = not options.recompute_firm
    for key, value in changes.items():
        if keep_given and key in _GIVEN_KEPT and getattr(record, key) is not None:
            continue
        if isinstance(value, float | np.floating):
            value = None if math.isnan(value) else round(float(value), decimals)
        clean[key] = value
    return dataclasses.replace(record, **clean)


def _given_or(given: Array, computed: Array, options: HeatmapOptions) -> Array:
    """Published (one figure for every season) or computed firm capacity, per the options."""
    if options.recompute_firm:
        return np.where(np.isnan(computed), given[:, None], computed)
    return np.where(np.isnan(given)[:, None], computed, given[:, None])


def _zero(records: Sequence[Any], attr: str) -> Array:
    # An absent contracted/quoted/connected total means none is on record.
    return np.nan_to_num(column(records, attr), nan=0.0)


def _valid_from(dataset: Dataset) -> datetime:
    if not dataset.valid:
        raise ValidationError(
            "The dataset needs 'valid' to place the statistics window.", field="valid"
        )
    return dataset.valid[0]


def _with_rag_sentence(description: str | None, thresholds: RagThresholds) -> str:
    """The description with the RAG rule as its last sentence (replacing an older one)."""
    base = re.sub(r"\s*RAG status: .*$", "", description or "", flags=re.DOTALL)
    sentence = describe_rag(thresholds)
    base = base.rstrip()
    if not base:
        return sentence
    return f"{base} {sentence}" if base.endswith((".", "!", "?")) else f"{base}. {sentence}"
