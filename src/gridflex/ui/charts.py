"""Charts of the UI: the chart API's Vega-Lite specs, with data, zoom and kinds of belief.

The spec comes from `gridflex.api.charts` (the one the chart API answers); here it
gets its records (with the kind of source that made each belief: recorded,
forecast or schedule, drawn as solid, dashed or dotted lines) and a zoom that
binds the time axis to the mouse wheel and drag.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from gridflex.api import charts as chart_specs
from gridflex.errors import ValidationError
from gridflex.services import charts
from gridflex.store.models import Asset, Sensor, User
from gridflex.timing import utcnow

KINDS = {"scheduler": "schedule", "forecaster": "forecast"}  # source type -> kind; else recorded
DASHES = {"recorded": [1, 0], "forecast": [6, 3], "schedule": [2, 2]}
MAX_WINDOW = timedelta(days=92)


def user_zone(user: User | None) -> ZoneInfo:
    try:
        return ZoneInfo(user.timezone if user is not None else "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _moment(text: str | None, field: str, zone: ZoneInfo) -> datetime | None:
    """A date (``2026-11-20``) or a local date and time from a form, in the user's timezone."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{field}: {text!r} is not a date or time.", field=field) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def window(
    user: User, start: str | None = None, end: str | None = None, known_at: str | None = None
) -> tuple[charts.Window, dict[str, str]]:
    """The chart window from the page's controls, and the controls' values to show back."""
    zone = user_zone(user)
    default_start, default_end = charts.default_window(utcnow())
    lo = _moment(start, "start", zone) or default_start.astimezone(zone)
    hi = _moment(end, "end", zone)
    # The end date is inclusive on the page: the chart shows that whole day.
    hi = hi + timedelta(days=1) if hi and end and len(end) == 10 else hi
    hi = hi or default_end.astimezone(zone)
    if hi <= lo:
        raise ValidationError("The end date must not be before the start date.", field="end")
    if hi - lo > MAX_WINDOW:
        raise ValidationError("Show at most 92 days at a time.", field="end")
    known = _moment(known_at, "known_at", zone)
    shown = {
        "start": lo.astimezone(zone).date().isoformat(),
        "end": (hi - timedelta(seconds=1)).astimezone(zone).date().isoformat(),
        "known_at": known.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if known else "",
    }
    return charts.Window(lo, hi, beliefs_before=known), shown


def asset_chart(
    session: Session, asset: Asset, user: User, span: charts.Window, chart_type: str | None
) -> dict[str, Any]:
    return _chart(
        session, charts.panels(session, asset, user), span, chart_type, f"asset_{asset.id}"
    )


def sensor_chart(
    session: Session, sensor: Sensor, span: charts.Window, chart_type: str | None
) -> dict[str, Any]:
    panel = charts.Panel(f"{sensor.name} ({sensor.unit})" if sensor.unit else sensor.name, [sensor])
    return _chart(session, [panel], span, chart_type, f"sensor_{sensor.id}")


def _chart(
    session: Session,
    panels: list[charts.Panel],
    span: charts.Window,
    chart_type: str | None,
    name: str,
) -> dict[str, Any]:
    records, _, sources = charts.chart_records(
        session, [s for p in panels for s in p.sensors], span
    )
    for record in records:
        source_type = (sources.get(record["source"]) or {}).get("type") or ""
        record["kind"] = KINDS.get(source_type, "recorded")
        record["source_name"] = (sources.get(record["source"]) or {}).get("name", "")
    spec = chart_specs.chart_spec(
        panels,
        records=records,
        dataset_name=name,
        chart_type=chart_type or "line_chart",
        width=None,
        height="180",
        combine_legend=True,
    )
    for i, panel in enumerate(spec["vconcat"]):
        _decorate(panel, i, chart_type or "line_chart")
    spec["$schema"] = (
        "https://vega.github.io/schema/vega-lite/v6.json"  # the served bundle's version
    )
    spec["usermeta"] = {"records": len(records), "panels": len(panels)}
    return spec


def _decorate(panel: dict[str, Any], i: int, chart_type: str) -> None:
    if chart_type == "daily_heatmap":
        return
    encoding = panel["encoding"]
    if chart_type == "line_chart":
        encoding["strokeDash"] = {
            "field": "kind",
            "type": "nominal",
            "title": "Kind",
            "scale": {"domain": list(DASHES), "range": list(DASHES.values())},
        }
    encoding["tooltip"] = [
        *encoding["tooltip"][:3],
        {"field": "kind", "type": "nominal", "title": "Kind"},
        {"field": "source_name", "type": "nominal", "title": "Source"},
    ]
    # Drag to pan, wheel to zoom the time axis (shared by all panels).
    panel["params"] = [
        {"name": f"zoom{i}", "select": {"type": "interval", "encodings": ["x"]}, "bind": "scales"}
    ]
