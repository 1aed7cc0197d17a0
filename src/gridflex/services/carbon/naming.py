"""How a grid zone's data live in the belief store: asset type, sensor names, data sources.

A zone is a public asset (no account) of type ``grid zone`` whose
``attributes`` hold ``zone_id``, ``zone_name``, ``country_name``,
``parent_zone_id``, ``geometry`` (GeoJSON, or None to use the shipped
country shape) and ``factor_overrides``. Its sensors, all in UTC:

=================================  ============  ==================================================
sensor name                        unit          meaning
=================================  ============  ==================================================
``production <type>``              MW            mean production of one type (``PRODUCTION_TYPES``;
                                                 storage discharge as ``hydro discharge`` and
                                                 ``battery discharge``), production positive
``storage <kind> charge``          MW            storage charging (``hydro``, ``battery``); it is
                                                 load, so it is already part of consumption
``exchange <A>-><B>``              MW            net flow between zones A and B, positive from A
                                                 to B; on the asset of A, where A < B
``carbon intensity (consumption)`` gCO2eq/kWh    computed: consumption-based (flow-traced) intensity
``carbon intensity (consumption,   gCO2eq/kWh    computed: the same with direct (combustion-only)
direct)``                                        emission factors
``carbon intensity (production)``  gCO2eq/kWh    computed: what the zone's own plants emit per kWh
``consumption <type>``             MW            computed: consumption by production type of origin
                                                 (only types that reach the zone)
``consumption total``              MW            computed: production + imports - exports
``carbon input beliefs``           (none)        computed: per event, how many input beliefs of the
                                                 traced system it was computed from; its belief
                                                 times say when the event was (re)computed
=================================  ============  ==================================================

The forecaster also stores what it forecast of the inputs, so that forecast
breakdowns can be shaped like measured ones: ``forecast production <type>``
and ``forecast exchange <A>-><B>`` (never read as inputs).

A zone asset may name a day-ahead price sensor in its ``price_sensor_id``
attribute (any sensor, e.g. of a market asset); ``price-day-ahead`` reads it.

Inputs come from users (the CLI import, the v3_0 data API); computed sensors
are written by the reporter source ``gridflex carbon`` (measured data) and the
forecaster source ``gridflex carbon forecast`` (forecasts, into the same
sensors, believed at the end of the measured data).
"""

from __future__ import annotations

from typing import TypedDict

from gridflex.engines.carbon import PRODUCTION_TYPES
from gridflex.store.queries.carbon import InputNames

ZONE_ASSET_TYPE = "grid zone"
PRODUCTION_PREFIX = "production "
CHARGE_TYPES: dict[str, str] = {
    "hydro charge": "storage hydro charge",
    "battery charge": "storage battery charge",
}
EXCHANGE_PREFIX = "exchange "
EXCHANGE_ARROW = "->"

CONSUMPTION_INTENSITY = "carbon intensity (consumption)"
CONSUMPTION_INTENSITY_DIRECT = "carbon intensity (consumption, direct)"
INTENSITY_BY_FACTOR_TYPE = {
    "lifecycle": CONSUMPTION_INTENSITY,
    "direct": CONSUMPTION_INTENSITY_DIRECT,
}
PRODUCTION_INTENSITY = "carbon intensity (production)"
CONSUMPTION_PREFIX = "consumption "
CONSUMPTION_TOTAL = "consumption total"
STAMP = "carbon input beliefs"

FORECAST_PREFIX = "forecast "
PRICE_SENSOR_ATTRIBUTE = "price_sensor_id"

MW = "MW"
INTENSITY_UNIT = "gCO2eq/kWh"


class SourceSpec(TypedDict):
    """The fields that tell one of carbon's data sources (arguments of ``get_or_create_source``)."""

    name: str
    type: str
    model: str | None
    version: str | None


REPORTER: SourceSpec = {
    "name": "gridflex carbon",
    "type": "reporter",
    "model": "flow tracing",
    "version": "1",
}
FORECASTER: SourceSpec = {
    "name": "gridflex carbon forecast",
    "type": "forecaster",
    "model": "boosted per series + flow tracing",
    "version": "1",
}


def production_sensor(production_type: str) -> str:
    return PRODUCTION_PREFIX + production_type


def consumption_sensor(production_type: str) -> str:
    return CONSUMPTION_PREFIX + production_type


def exchange_sensor(from_zone: str, to_zone: str) -> str:
    return f"{EXCHANGE_PREFIX}{from_zone}{EXCHANGE_ARROW}{to_zone}"


def production_type_of(sensor_name: str) -> str | None:
    """The production type of a ``production <type>`` sensor, else None."""
    if sensor_name.startswith(PRODUCTION_PREFIX):
        kind = sensor_name[len(PRODUCTION_PREFIX) :]
        return kind if kind in PRODUCTION_TYPES else None
    return None


def exchange_of(sensor_name: str) -> tuple[str, str] | None:
    """``(A, B)`` of an ``exchange A->B`` sensor, else None (zone ids never contain ``>``)."""
    if not sensor_name.startswith(EXCHANGE_PREFIX):
        return None
    frm, arrow, to = sensor_name[len(EXCHANGE_PREFIX) :].partition(EXCHANGE_ARROW)
    return (frm, to) if arrow and frm and to and frm != to else None


def is_input(sensor_name: str) -> bool:
    """Whether flow tracing reads this sensor (production by type and exchanges)."""
    return production_type_of(sensor_name) is not None or exchange_of(sensor_name) is not None


INTENSITY_NAMES = frozenset(
    {CONSUMPTION_INTENSITY, CONSUMPTION_INTENSITY_DIRECT, PRODUCTION_INTENSITY}
)

COMPUTED_NAMES = frozenset(
    INTENSITY_NAMES | {CONSUMPTION_TOTAL, STAMP} | {consumption_sensor(t) for t in PRODUCTION_TYPES}
)

INPUTS = InputNames(
    tuple(production_sensor(t) for t in PRODUCTION_TYPES), EXCHANGE_PREFIX, EXCHANGE_ARROW
)
"""The input sensors of flow tracing, as the store selects them."""


def forecast_sensor(input_name: str) -> str:
    """Where the forecaster keeps its forecast of an input (``forecast production wind``)."""
    return FORECAST_PREFIX + input_name
