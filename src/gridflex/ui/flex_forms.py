"""The asset page's flex-context and flex-model forms: one input per field, checked on save
by the scheduler's own parsers, with what the asset inherits from its parents shown beside.

A field's text is a quantity (``250 EUR/MWh``, ``90%``), a sensor (``{"sensor": 3}``),
segments or a list (JSON), or ``true``/``false``; empty removes the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from gridflex import permissions
from gridflex.errors import ValidationError
from gridflex.services import assets, sensors
from gridflex.services.scheduling.flex_context import (
    CONTEXT_PRICES,
    CONTEXT_VALUES,
    OTHER,
    normalised,
    parse_context,
)
from gridflex.services.scheduling.flex_model import (
    PROCESS_FIELDS,
    SOC_FIELDS,
    STORAGE_OTHER,
    STORAGE_VALUES,
    parse_device,
)
from gridflex.services.scheduling.values import Parser
from gridflex.store.models import Asset, Sensor, User
from gridflex.units import is_convertible

CONTEXT_FIELDS = [*CONTEXT_VALUES, *CONTEXT_PRICES, *sorted(OTHER)]
MODEL_FIELDS = [
    *[f for f in sorted(STORAGE_OTHER) if f != "sensor"],
    *STORAGE_VALUES,
    *[f for f in sorted(PROCESS_FIELDS) if f != "sensor"],
]


@dataclass
class FieldRow:
    name: str
    text: str
    inherited: str = ""
    inherited_from: str = ""


@dataclass
class Device:
    asset: Asset
    sensor: Sensor
    needs_soc: bool
    soc_hint: str


@dataclass
class FlexView:
    context: list[FieldRow]
    model: list[FieldRow]
    devices: list[Device]
    forecastable: list[Sensor]
    errors: dict[str, str] = field(default_factory=dict)


def as_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def from_text(text: str, name: str) -> Any:
    """A field's value from its input (None: the field is removed)."""
    text = text.strip()
    if not text:
        return None
    if text[0] in "[{" or text in ("true", "false") or text.lstrip("-").isdigit():
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise ValidationError(f"{name}: not valid JSON ({exc}).", field=name) from None
        # A bare number is a quantity without unit, which the scheduler reads from text.
        return (
            str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
        )
    return text


def _inherited(asset: Asset) -> dict[str, tuple[Any, str]]:
    """Each flex-context field the parents set: (value, name of the nearest parent setting it)."""
    out: dict[str, tuple[Any, str]] = {}
    parent, seen = asset.parent, set()
    while parent is not None and parent.id not in seen:
        seen.add(parent.id)
        for name, value in normalised(parent.flex_context or {}).items():
            out.setdefault(name, (value, parent.name))
        parent = parent.parent
    return out


def power_sensor(asset: Asset) -> Sensor | None:
    """The device's power sensor: the one its flex-model names, else the first in a power unit."""
    named = (asset.flex_model or {}).get("sensor")
    for sensor in sorted(asset.sensors, key=lambda s: s.id):
        if sensor.id == named:
            return sensor
    return next(
        (
            s
            for s in sorted(asset.sensors, key=lambda s: s.id)
            if s.unit and is_convertible(s.unit, "kW")
        ),
        None,
    )


def devices(session: Session, asset: Asset) -> list[Device]:
    """The flexible devices under an asset: sub-assets with a stored flex-model and a power sensor."""
    found = []
    for asset_id in assets.descendant_ids(session, asset.id):
        node = assets.get_asset(session, asset_id)
        model = node.flex_model or {}
        sensor = power_sensor(node) if model else None
        if sensor is None:
            continue
        has_soc = bool(SOC_FIELDS & set(model))
        needs = has_soc and "soc-at-start" not in model and "state-of-charge" not in model
        found.append(Device(node, sensor, needs, as_text(model.get("soc-min", "0 kWh"))))
    return found


def page_context(
    session: Session,
    asset: Asset,
    user: User,
    *,
    submitted: dict[str, dict[str, str]] | None = None,
    errors: dict[str, str] | None = None,
) -> FlexView:
    submitted = submitted or {}
    own_context = normalised(asset.flex_context or {})
    inherited = _inherited(asset)
    context_rows = []
    for name in CONTEXT_FIELDS:
        value, source = inherited.get(name, (None, ""))
        text = submitted.get("context", {}).get(name, as_text(own_context.get(name)))
        context_rows.append(FieldRow(name, text, as_text(value), source))
    model = asset.flex_model or {}
    model_rows = [
        FieldRow(name, submitted.get("model", {}).get(name, as_text(model.get(name))))
        for name in MODEL_FIELDS
    ]
    tree = [
        assets.get_asset(session, asset_id) for asset_id in assets.descendant_ids(session, asset.id)
    ]
    forecastable = [
        s
        for node in tree
        for s in sorted(node.sensors, key=lambda s: s.id)
        if s.event_resolution_s > 0 and permissions.can_access_sensor(user, s, permissions.UPDATE)
    ]
    return FlexView(context_rows, model_rows, devices(session, asset), forecastable, errors or {})


def parse_form(
    form: dict[str, str], prefix: str, names: list[str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Field values from a form's ``<prefix><name>`` inputs, and the submitted texts."""
    texts = {name: str(form.get(prefix + name, "")) for name in names}
    values = {}
    for name, text in texts.items():
        value = from_text(text, name)
        if value is not None:
            values[name] = value
    return values, texts


def check_context(session: Session, asset: Asset, user: User, own: dict[str, Any]) -> None:
    """Check the context the asset would have (its parents' fields, overridden by ``own``)."""
    effective = {**{k: v for k, (v, _) in _inherited(asset).items()}, **own}
    # A sub-asset need not name a consumption price: its site (or a request) may give it.
    effective.setdefault("consumption-price", "0 EUR/MWh")
    parser = Parser(session, can_read=lambda s: permissions.can_access_sensor(user, s, "read"))
    device_ids = {d.sensor.id for d in devices(session, asset)}
    parse_context(parser, effective, device_ids)


def check_model(session: Session, asset: Asset, user: User, model: dict[str, Any]) -> None:
    sensor = (
        power_sensor(asset)
        if "sensor" not in model
        else sensors.find_sensor(session, model["sensor"])
    )
    if sensor is None:
        if model:
            raise ValidationError(
                "This asset has no power sensor (kW, MW) for a flex-model to schedule.",
                field="sensor",
            )
        return
    parser = Parser(session, can_read=lambda s: permissions.can_access_sensor(user, s, "read"))
    try:
        parse_device(parser, sensor, {**model, "sensor": sensor.id})
    except ValidationError as exc:
        # A stored flex-model may leave the state of charge at start to each request.
        if exc.field != "soc-at-start" or "soc-at-start" in model:
            raise
