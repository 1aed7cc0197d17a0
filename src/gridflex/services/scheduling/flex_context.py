"""The flex-context of a site: inherited down the asset tree, overridden by the request, built into a SiteContext.

Every asset may carry a ``flex_context``; a site's effective context is its root
ancestor's, overridden by each descendant's on the way down, and finally by the
request's fields. The legacy names ``consumption-price-sensor`` and
``production-price-sensor`` (sent by older clients) mean ``{"sensor": id}`` prices.

All prices of one schedule share one currency (that of the consumption price);
energy prices may be given per any energy unit (EUR/MWh, EUR/kWh), capacity and
peak prices per any power unit (EUR/kW, EUR/MW).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gridflex.engines.scheduling import SiteContext
from gridflex.services.sensors import get_sensor
from gridflex.store.models import Asset, Sensor
from gridflex.units import parse_quantity

from .flex_model import consumption_is_positive
from .loading import Loader, require_known
from .values import FromSensor, Parser, Spec, currency_of

# field -> (kind, grid)
CONTEXT_VALUES: dict[str, tuple[str, str]] = {
    "consumption-price": ("energy-price", "steps"),
    "production-price": ("energy-price", "steps"),
    "inflexible-consumption": ("power", "sum"),
    "inflexible-production": ("power", "sum"),
    "site-power-capacity": ("power", "steps"),
    "site-consumption-capacity": ("power", "steps"),
    "site-production-capacity": ("power", "steps"),
    "site-peak-consumption": ("power", "steps"),
    "site-peak-production": ("power", "steps"),
    "carbon-intensity": ("intensity", "steps"),
}
# Fixed prices: field -> kind.
CONTEXT_PRICES: dict[str, str] = {
    "site-consumption-breach-price": "power-price",
    "site-production-breach-price": "power-price",
    "site-peak-consumption-price": "power-price",
    "site-peak-production-price": "power-price",
    "consumption-breach-price": "power-price",
    "production-breach-price": "power-price",
    "soc-minima-breach-price": "energy-price",
    "soc-maxima-breach-price": "energy-price",
    "co2-price": "co2-price",
}
OTHER = {"relax-constraints", "inflexible-device-sensors"}
ALIASES = {
    "consumption-price-sensor": "consumption-price",
    "production-price-sensor": "production-price",
}


@dataclass(frozen=True)
class ContextSpec:
    currency: str
    values: dict[str, Spec] = field(default_factory=dict)
    prices: dict[str, float] = field(default_factory=dict)
    inflexible_sensor_ids: tuple[int, ...] = ()
    relax_constraints: bool = False


def normalised(context: dict[str, Any]) -> dict[str, Any]:
    """Legacy field names replaced by their current form (the current one wins if both are given)."""
    out = dict(context)
    for old, new in ALIASES.items():
        if old in out:
            value = out.pop(old)
            out.setdefault(new, value if isinstance(value, dict) else {"sensor": value})
    return out


def effective_flex_context(site: Asset, request: dict[str, Any] | None) -> dict[str, Any]:
    """The site's flex-context: ancestors first, each descendant overriding, the request last."""
    chain: list[Asset] = []
    node: Asset | None = site
    while node is not None and node not in chain:
        chain.append(node)
        node = node.parent
    merged: dict[str, Any] = {}
    for asset in reversed(chain):
        merged.update(normalised(asset.flex_context or {}))
    merged.update(normalised(request or {}))
    return merged


def _currency(parser: Parser, context: dict[str, Any]) -> str:
    """The currency of the schedule: that of the first price that states one (EUR if none does)."""
    for name in ("consumption-price", "production-price", *CONTEXT_PRICES):
        raw = context.get(name)
        unit = None
        if isinstance(raw, str):
            try:
                unit = parse_quantity(raw, field=name)[1]
            except Exception:  # the field's own parse reports it, naming the field
                continue
        elif isinstance(raw, dict) and isinstance(raw.get("sensor"), int):
            sensor = parser.session.get(Sensor, raw["sensor"])
            unit = sensor.unit if sensor is not None else None
        elif isinstance(raw, list) and raw and isinstance(raw[0], dict):
            value = raw[0].get("value")
            unit = parse_quantity(value, field=name)[1] if isinstance(value, str) else None
        found = currency_of(unit) if unit else None
        if found:
            return found
    return "EUR"


def parse_context(
    parser: Parser, context: dict[str, Any], device_sensor_ids: set[int]
) -> ContextSpec:
    """Check the effective flex-context and turn it into a spec; names the field on any problem."""
    parser.who = "flex-context"
    unknown = sorted(set(context) - set(CONTEXT_VALUES) - set(CONTEXT_PRICES) - OTHER)
    if unknown:
        raise parser.fail("Unknown field.", unknown[0])
    if "consumption-price" not in context:
        raise parser.fail(
            "consumption-price is required (in the request or in the flex-context of the site "
            "or one of its parent assets).",
            "consumption-price",
        )
    parser.currency = _currency(parser, context)
    values = {
        name: parser.value(
            raw, name, CONTEXT_VALUES[name][0], summed=CONTEXT_VALUES[name][1] == "sum"
        )
        for name, raw in context.items()
        if name in CONTEXT_VALUES
    }
    prices = {
        name: parser.quantity(raw, name, CONTEXT_PRICES[name])
        for name, raw in context.items()
        if name in CONTEXT_PRICES
    }
    if "co2-price" in prices and "carbon-intensity" not in values:
        raise parser.fail(
            "co2-price needs a carbon-intensity (e.g. {'sensor': id}).", "carbon-intensity"
        )
    raw_sensors = context.get("inflexible-device-sensors", [])
    if not isinstance(raw_sensors, list):
        raise parser.fail(
            "inflexible-device-sensors must be a list of sensor ids.", "inflexible-device-sensors"
        )
    inflexible = []
    for raw in raw_sensors:
        spec = parser.from_sensor(
            raw if isinstance(raw, dict) else {"sensor": raw}, "inflexible-device-sensors", "power"
        )
        if spec.sensor_id not in device_sensor_ids and spec.sensor_id not in inflexible:
            inflexible.append(spec.sensor_id)  # a scheduled device is not also inflexible
    return ContextSpec(
        currency=parser.currency,
        values=values,
        prices=prices,
        inflexible_sensor_ids=tuple(inflexible),
        relax_constraints=parser.flag(context.get("relax-constraints", False), "relax-constraints"),
    )


def _peak(loader: Loader, spec: Spec | None) -> float:
    if spec is None:
        return 0.0
    values = loader.steps(spec)
    return float(np.nanmax(values)) if np.isfinite(values).any() else 0.0


def _inflexible_kw(spec: ContextSpec, loader: Loader) -> np.ndarray:
    """Signed power of the devices that are not scheduled, consumption positive. [kW]"""
    total = np.zeros(loader.window.n)
    for sensor_id in spec.inflexible_sensor_ids:
        sensor = get_sensor(loader.session, sensor_id)
        power = np.nan_to_num(loader.sensor_series(sensor, "kW"))  # no data: nothing flows
        total += power if consumption_is_positive(sensor) else -power
    # Given as magnitudes: a production sensor may store its values with either sign.
    total += np.abs(loader.steps(spec.values.get("inflexible-consumption"), default=0.0))
    total -= np.abs(loader.steps(spec.values.get("inflexible-production"), default=0.0))
    return total


def _price(spec: ContextSpec, loader: Loader, name: str) -> np.ndarray | None:
    value = spec.values.get(name)
    if value is None:
        return None
    what = f"Prices ({name}" + (
        f", sensor {value.sensor_id})" if isinstance(value, FromSensor) else ")"
    )
    return require_known(loader.steps(value), loader.window, what, name)


def build_context(spec: ContextSpec, loader: Loader) -> SiteContext:
    """The engine's SiteContext for the window, every per-step value read from the store."""
    v, p = spec.values, spec.prices
    intensity = None
    if "carbon-intensity" in v:
        intensity = require_known(
            loader.steps(v["carbon-intensity"]),
            loader.window,
            "Carbon intensity",
            "carbon-intensity",
        )
    consumption_price = _price(spec, loader, "consumption-price")
    if consumption_price is None:  # parse_context refuses a flex-context without one
        raise ValueError("a flex-context without consumption-price")
    return SiteContext(
        consumption_price_per_kwh=consumption_price,
        production_price_per_kwh=_price(spec, loader, "production-price"),
        inflexible_power_kw=_inflexible_kw(spec, loader),
        site_power_capacity_kw=loader.steps(v.get("site-power-capacity"), default=math.inf),
        site_consumption_capacity_kw=loader.steps(
            v.get("site-consumption-capacity"), default=math.inf
        ),
        site_production_capacity_kw=loader.steps(
            v.get("site-production-capacity"), default=math.inf
        ),
        site_consumption_breach_price_per_kw=p.get("site-consumption-breach-price", math.nan),
        site_production_breach_price_per_kw=p.get("site-production-breach-price", math.nan),
        site_peak_consumption_kw=_peak(loader, v.get("site-peak-consumption")),
        site_peak_consumption_price_per_kw=p.get("site-peak-consumption-price", 0.0),
        site_peak_production_kw=_peak(loader, v.get("site-peak-production")),
        site_peak_production_price_per_kw=p.get("site-peak-production-price", 0.0),
        consumption_breach_price_per_kw=p.get("consumption-breach-price", math.nan),
        production_breach_price_per_kw=p.get("production-breach-price", math.nan),
        soc_minima_breach_price_per_kwh=p.get("soc-minima-breach-price", math.nan),
        soc_maxima_breach_price_per_kwh=p.get("soc-maxima-breach-price", math.nan),
        co2_price_per_kg=p.get("co2-price", 0.0),
        carbon_intensity_g_per_kwh=intensity,
        relax_constraints=spec.relax_constraints,
    )
