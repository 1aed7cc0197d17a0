"""The heatmap dataset as plain dataclasses: one class per class of the specification.

Every attribute carries, in its field metadata, the seed's JSON name, the kind of
value, its unit and whether the specification requires it; the (de)serialisers and
the checks read that one table (`FIELDS`), so a name, unit or required flag is
written down exactly once. Python names carry the unit (``_mva``, ``_kv``, ``_ka``,
``_s``, ``_deg``); the JSON names are the seed's, unchanged.

Conventions
-----------
- ``None`` means "absent from the document": absent fields stay absent on export,
  so a JSON round trip gives back the fields it was given (nothing invented).
- Lists of child records are ``None`` when the document had no such key and ``[]``
  when it had an empty list, for the same reason.
- Keys the specification does not know are kept verbatim in ``extra`` and written
  back after the known ones.
- Date-times are aware datetimes in UTC.

Units (OpenAPI 0.9.0 ``format``): capacities, ratings, demands [MVA]; voltages [kV];
breaker currents [kA]; short-circuit duration [s]; coordinates [decimal degrees].
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SUBSTATION_TYPES = ("GSP", "BSP", "Primary", "Secondary")
RAG_VALUES = ("Red", "Amber", "Green")
LIMITING_FACTORS = ("Thermal", "Voltage", "FaultLevel")
CONSTRAINT_TYPES = ("Voltage", "Physical", "Other")
CURTAILMENT_TYPES = ("Demand", "Generation")
SEASONS = ("Spring", "Summer", "Autumn", "Winter")
DAY_TYPES = ("Weekday", "Weekend")
GEOMETRY_TYPES = ("LineString", "MultiLineString")


@dataclass(frozen=True)
class FieldInfo:
    """How one attribute appears in the dataset format.

    ``kind`` is one of: ``str``, ``number``, ``numbers`` (list of numbers), ``bool``,
    ``datetime``, ``datetimes`` (the two-element ``valid`` range), ``enum``,
    ``time`` (time of day, ``HH:MM``), ``strs`` (list of strings), ``records``
    (list of child records of class ``item``) and ``record`` (one child record).
    """

    key: str
    kind: str
    unit: str | None = None
    required: bool = False
    choices: tuple[str, ...] = ()
    item: type | None = None


def _f(
    key: str,
    kind: str = "str",
    unit: str | None = None,
    *,
    required: bool = False,
    choices: tuple[str, ...] = (),
    item: type | None = None,
) -> Any:
    info = FieldInfo(key, kind, unit, required, choices, item)
    return field(default=None, metadata={"heatmap": info})


def _mva(key: str, *, required: bool = False) -> Any:
    return _f(key, "number", "MVA", required=required)


def _extra() -> Any:
    return field(default_factory=dict)


@dataclass
class Coordinate:
    """A point of a circuit's line [decimal degrees]."""

    latitude_deg: float | None = _f("latitude", "number", "deg", required=True)
    longitude_deg: float | None = _f("longitude", "number", "deg", required=True)
    extra: dict[str, Any] = _extra()


@dataclass
class Line:
    """An ordered series of coordinates (two or more for a drawable line)."""

    coordinates: list[Coordinate] | None = _f("Coordinates", "records", item=Coordinate)
    extra: dict[str, Any] = _extra()


@dataclass
class Geometry:
    """The geometry of a circuit: one or more lines."""

    type: str | None = _f("type", "enum", required=True, choices=GEOMETRY_TYPES)
    lines: list[Line] | None = _f("Lines", "records", item=Line)
    extra: dict[str, Any] = _extra()


@dataclass
class Constraint:
    """A non-numeric constraint on a substation or circuit."""

    name: str | None = _f("name", required=True)
    description: str | None = _f("description", required=True)
    type: str | None = _f("type", "enum", required=True, choices=CONSTRAINT_TYPES)
    extra: dict[str, Any] = _extra()


@dataclass
class Curtailment:
    """A curtailment of demand or generation capacity, optionally by season, day and window."""

    name: str | None = _f("name", required=True)
    description: str | None = _f("description", required=True)
    type: str | None = _f("type", "enum", required=True, choices=CURTAILMENT_TYPES)
    curtailed_by_mva: float | None = _mva("curtailedBy", required=True)
    technology_type: str | None = _f("technologyType")
    season: str | None = _f("season", "enum", choices=SEASONS)
    day_type: str | None = _f("dayType", "enum", choices=DAY_TYPES)
    start_time: str | None = _f("startTime", "time")
    end_time: str | None = _f("endTime", "time")
    extra: dict[str, Any] = _extra()


@dataclass
class Rating:
    """A seasonal rating of a transformer in one direction (from -> to voltage)."""

    name: str | None = _f("name", required=True)
    summer_rating_mva: float | None = _mva("summerRating", required=True)
    winter_rating_mva: float | None = _mva("winterRating", required=True)
    from_voltage_kv: float | None = _f("fromVoltage", "number", "kV", required=True)
    to_voltage_kv: float | None = _f("toVoltage", "number", "kV", required=True)
    extra: dict[str, Any] = _extra()


@dataclass
class Transformer:
    """A transformer at a substation with its ratings."""

    name: str | None = _f("name", required=True)
    voltages_kv: list[float] | None = _f("voltages", "numbers", "kV", required=True)
    mrid: str | None = _f("mRID")
    ratings: list[Rating] | None = _f("Ratings", "records", item=Rating)
    extra: dict[str, Any] = _extra()


@dataclass
class Demand:
    """An individual or aggregated demand project at a substation."""

    name: str | None = _f("name", required=True)
    aggregate: bool | None = _f("aggregate", "bool", required=True)
    demand_connected_capacity_mva: float | None = _mva("demandConnectedCapacity", required=True)
    demand_contracted_capacity_mva: float | None = _mva("demandContractedCapacity", required=True)
    voltage_kv: float | None = _f("voltage", "number", "kV", required=True)
    mrid: str | None = _f("mRID")
    demand_quoted_capacity_mva: float | None = _mva("demandQuotedCapacity")
    technology_type: str | None = _f("technologyType")
    extra: dict[str, Any] = _extra()


@dataclass
class Generator:
    """An individual or aggregated generation project at a substation."""

    name: str | None = _f("name", required=True)
    aggregate: bool | None = _f("aggregate", "bool", required=True)
    generation_connected_capacity_mva: float | None = _mva(
        "generationConnectedCapacity", required=True
    )
    generation_contracted_capacity_mva: float | None = _mva(
        "generationContractedCapacity", required=True
    )
    voltage_kv: float | None = _f("voltage", "number", "kV", required=True)
    mrid: str | None = _f("mRID")
    generation_quoted_capacity_mva: float | None = _mva("generationQuotedCapacity")
    technology_type: str | None = _f("technologyType")
    extra: dict[str, Any] = _extra()


@dataclass
class Storage:
    """An individual or aggregated storage project: it both draws (demand) and injects."""

    name: str | None = _f("name", required=True)
    aggregate: bool | None = _f("aggregate", "bool", required=True)
    demand_connected_capacity_mva: float | None = _mva("demandConnectedCapacity", required=True)
    demand_contracted_capacity_mva: float | None = _mva("demandContractedCapacity", required=True)
    generation_connected_capacity_mva: float | None = _mva(
        "generationConnectedCapacity", required=True
    )
    generation_contracted_capacity_mva: float | None = _mva(
        "generationContractedCapacity", required=True
    )
    voltage_kv: float | None = _f("voltage", "number", "kV", required=True)
    mrid: str | None = _f("mRID")
    demand_quoted_capacity_mva: float | None = _mva("demandQuotedCapacity")
    generation_quoted_capacity_mva: float | None = _mva("generationQuotedCapacity")
    technology_type: str | None = _f("technologyType")
    extra: dict[str, Any] = _extra()


@dataclass
class Substation:
    """A GSP, BSP, Primary or Secondary substation with its capacities and projects.

    ``gsp``, ``bsp`` and ``primary`` name (by mRID or name) the substations above it.
    """

    name: str | None = _f("name", required=True)
    type: str | None = _f("type", "enum", required=True, choices=SUBSTATION_TYPES)
    area: str | None = _f("area", required=True)
    voltages_kv: list[float] | None = _f("voltages", "numbers", "kV", required=True)
    longitude_deg: float | None = _f("longitude", "number", "deg", required=True)
    latitude_deg: float | None = _f("latitude", "number", "deg", required=True)
    demand_firm_capacity_mva: float | None = _mva("demandFirmCapacity", required=True)
    demand_available_capacity_mva: float | None = _mva("demandAvailableCapacity", required=True)
    demand_constraint: str | None = _f(
        "demandConstraint", "enum", required=True, choices=RAG_VALUES
    )
    demand_constraint_limiting_factor: str | None = _f(
        "demandConstraintLimitingFactor", "enum", required=True, choices=LIMITING_FACTORS
    )
    generation_firm_capacity_mva: float | None = _mva("generationFirmCapacity", required=True)
    generation_available_capacity_mva: float | None = _mva(
        "generationAvailableCapacity", required=True
    )
    generation_constraint: str | None = _f(
        "generationConstraint", "enum", required=True, choices=RAG_VALUES
    )
    generation_constraint_limiting_factor: str | None = _f(
        "generationConstraintLimitingFactor", "enum", required=True, choices=LIMITING_FACTORS
    )
    reverse_power_flow_total_capacity_mva: float | None = _mva(
        "reversePowerFlowTotalCapacity", required=True
    )
    reverse_power_flow_available_capacity_mva: float | None = _mva(
        "reversePowerFlowAvailableCapacity", required=True
    )
    mrid: str | None = _f("mRID")
    short_code: str | None = _f("shortCode")
    description: str | None = _f("description")
    gsp: str | None = _f("GSP")
    bsp: str | None = _f("BSP")
    primary: str | None = _f("Primary")
    demand_contracted_capacity_mva: float | None = _mva("demandContractedCapacity")
    demand_connected_capacity_mva: float | None = _mva("demandConnectedCapacity")
    demand_quoted_capacity_mva: float | None = _mva("demandQuotedCapacity")
    demand_maximum_mva: float | None = _mva("demandMaximum")
    demand_minimum_mva: float | None = _mva("demandMinimum")
    demand_p99_mva: float | None = _mva("demand99Percentile")
    demand_p75_mva: float | None = _mva("demand75Percentile")
    demand_p50_mva: float | None = _mva("demand50Percentile")
    demand_p25_mva: float | None = _mva("demand25Percentile")
    generation_connected_capacity_mva: float | None = _mva("generationConnectedCapacity")
    generation_contracted_capacity_mva: float | None = _mva("generationContractedCapacity")
    generation_quoted_capacity_mva: float | None = _mva("generationQuotedCapacity")
    breaker_rated_current_ka: float | None = _f("breakerRatedCurrent", "number", "kA")
    breaker_breaking_capacity_ka: float | None = _f("breakerBreakingCapacity", "number", "kA")
    breaker_making_capacity_ka: float | None = _f("breakerMakingCapacity", "number", "kA")
    breaker_available_capacity_ka: float | None = _f("breakerAvailableCapacity", "number", "kA")
    breaker_short_circuit_current_ka: float | None = _f(
        "breakerShortCircuitCurrent", "number", "kA"
    )
    breaker_short_circuit_duration_s: float | None = _f(
        "breakerShortCircuitDuration", "number", "s"
    )
    embedded_capacity_register: str | None = _f("embeddedCapacityRegister")
    demands: list[Demand] | None = _f("Demands", "records", item=Demand)
    generators: list[Generator] | None = _f("Generators", "records", item=Generator)
    storage: list[Storage] | None = _f("Storage", "records", item=Storage)
    transformers: list[Transformer] | None = _f("Transformers", "records", item=Transformer)
    other_constraints: list[Constraint] | None = _f("OtherConstraints", "records", item=Constraint)
    curtailments: list[Curtailment] | None = _f("Curtailments", "records", item=Curtailment)
    extra: dict[str, Any] = _extra()


@dataclass
class Circuit:
    """A circuit from one substation to one or more others, with ratings and demand figures."""

    mrid: str | None = _f("mRID", required=True)
    name: str | None = _f("name", required=True)
    voltage_kv: float | None = _f("voltage", "number", "kV", required=True)
    demand_constraint: str | None = _f(
        "demandConstraint", "enum", required=True, choices=RAG_VALUES
    )
    from_substation: str | None = _f("FromSubstation", required=True)
    description: str | None = _f("description")
    demand_maximum_mva: float | None = _mva("demandMaximum")
    demand_minimum_mva: float | None = _mva("demandMinimum")
    demand_p99_mva: float | None = _mva("demand99Percentile")
    demand_p75_mva: float | None = _mva("demand75Percentile")
    demand_p50_mva: float | None = _mva("demand50Percentile")
    demand_p25_mva: float | None = _mva("demand25Percentile")
    demand_available_capacity_mva: float | None = _mva("demandAvailableCapacity")
    demand_connected_capacity_mva: float | None = _mva("demandConnectedCapacity")
    demand_contracted_capacity_mva: float | None = _mva("demandContractedCapacity")
    demand_quoted_capacity_mva: float | None = _mva("demandQuotedCapacity")
    summer_rating_mva: float | None = _mva("summerRating")
    winter_rating_mva: float | None = _mva("winterRating")
    to_substation: list[str] | None = _f("ToSubstation", "strs")
    other_constraints: list[Constraint] | None = _f("OtherConstraints", "records", item=Constraint)
    geometry: Geometry | None = _f("Geometry", "record", item=Geometry)
    extra: dict[str, Any] = _extra()


@dataclass
class Dataset:
    """One published heatmap dataset: Dublin Core metadata, substations and circuits.

    ``valid`` is the validity range ``[valid_from, valid_to)`` (UTC).
    """

    contributor: str | None = _f("contributor", required=True)
    coverage: str | None = _f("coverage", required=True)
    creator: str | None = _f("creator", required=True)
    date: datetime | None = _f("date", "datetime", required=True)
    description: str | None = _f("description", required=True)
    format: str | None = _f("format", required=True)
    identifier: str | None = _f("identifier", required=True)
    issued: datetime | None = _f("issued", "datetime", required=True)
    language: str | None = _f("language", required=True)
    publisher: str | None = _f("publisher", required=True)
    rights: str | None = _f("rights", required=True)
    title: str | None = _f("title", required=True)
    valid: list[datetime] | None = _f("valid", "datetimes", required=True)
    substations: list[Substation] | None = _f("Substations", "records", item=Substation)
    circuits: list[Circuit] | None = _f("Circuits", "records", item=Circuit)
    extra: dict[str, Any] = _extra()


RECORD_CLASSES: tuple[type, ...] = (
    Dataset,
    Substation,
    Circuit,
    Demand,
    Generator,
    Storage,
    Transformer,
    Rating,
    Constraint,
    Curtailment,
    Geometry,
    Line,
    Coordinate,
)


def _field_table(cls: type) -> tuple[tuple[str, FieldInfo], ...]:
    return tuple(
        (f.name, f.metadata["heatmap"]) for f in dataclasses.fields(cls) if "heatmap" in f.metadata
    )


FIELDS: dict[type, tuple[tuple[str, FieldInfo], ...]] = {
    cls: _field_table(cls) for cls in RECORD_CLASSES
}
"""For each record class, its ``(attribute, FieldInfo)`` pairs in the seed's order."""

KEYS: dict[type, dict[str, tuple[str, FieldInfo]]] = {
    cls: {info.key: (attr, info) for attr, info in table} for cls, table in FIELDS.items()
}
"""For each record class, JSON key -> ``(attribute, FieldInfo)``."""
