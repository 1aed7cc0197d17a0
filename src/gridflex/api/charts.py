"""Vega-Lite chart specs for an asset's panels, and the HTML page that renders one offline.

The spec reads records shaped like ``GET /assets/{id}/chart_data`` answers them
(``event_start`` in ms, ``event_value``, ``sensor`` id) with the sensor names
folded in, so a client can fetch the spec once and swap data in by dataset name.
The page loads the Vega/Vega-Lite/vega-embed bundle that vl-convert-python
ships (no CDN: the server may be offline), served at ``/ui/vega-embed.js``.
"""

from __future__ import annotations

import html
import os
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from gridflex.errors import ValidationError
from gridflex.services.charts import Panel

CHART_TYPES = ("chart_for_multiple_sensors", "line_chart", "bar_chart", "daily_heatmap")
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


def chart_spec(
    panels: list[Panel],
    *,
    records: list[dict[str, Any]] | None,
    dataset_name: str,
    chart_type: str | None,
    width: str | None,
    height: str | None,
    combine_legend: bool,
) -> dict[str, Any]:
    kind = chart_type or "chart_for_multiple_sensors"
    if kind not in CHART_TYPES:
        raise ValidationError(
            f"chart_type must be one of {', '.join(CHART_TYPES)}.", field="chart_type"
        )
    size = {"width": _size(width, "width", 900), "height": _size(height, "height", 200)}
    rows = [_panel(panel, kind, size) for panel in panels]
    spec: dict[str, Any] = {
        "$schema": SCHEMA,
        "description": "Time series of an asset's sensors, one panel per entry of sensors_to_show.",
        "data": {"name": dataset_name},
        "vconcat": rows,
        "resolve": {"scale": {"x": "shared"}},
        "config": {"legend": {"orient": "bottom" if combine_legend else "right"}},
    }
    if records is not None:
        spec["data"] = {"name": dataset_name, "values": records}
    return spec


def _size(value: str | None, field: str, default: Any) -> Any:
    if value is None or value == "":
        return default
    if value == "container":
        return value
    try:
        number = float(value)
    except ValueError:
        raise ValidationError(
            f"{field} must be a number of pixels or 'container'.", field=field
        ) from None
    if not 10 <= number <= 10_000:
        raise ValidationError(f"{field} must be between 10 and 10000 pixels.", field=field)
    return number


def _panel(panel: Panel, kind: str, size: dict[str, Any]) -> dict[str, Any]:
    ids = [s.id for s in panel.sensors]
    names = {str(s.id): f"{s.name} ({s.unit})" if s.unit else s.name for s in panel.sensors}
    units = sorted({s.unit for s in panel.sensors})
    base = {
        "title": panel.title,
        "transform": [
            {"filter": {"field": "sensor", "oneOf": ids}},
            {"calculate": f"{orjson.dumps(names).decode()}[datum.sensor]", "as": "sensor_name"},
        ],
        **size,
    }
    if kind == "daily_heatmap":
        return {
            **base,
            "mark": "rect",
            "encoding": {
                "x": {"field": "event_start", "timeUnit": "hoursminutes", "type": "ordinal",
                      "title": "Time of day"},
                "y": {"field": "event_start", "timeUnit": "yearmonthdate", "type": "ordinal",
                      "title": "Day"},
                "color": {"field": "event_value", "aggregate": "mean", "type": "quantitative",
                          "title": ", ".join(units)},
                "tooltip": _tooltip(),
            },
        }  # fmt: skip
    mark = {"type": "bar"} if kind == "bar_chart" else {"type": "line", "interpolate": "step-after"}
    return {
        **base,
        "mark": {**mark, "tooltip": True},
        "encoding": {
            "x": {"field": "event_start", "type": "temporal", "title": None},
            "y": {"field": "event_value", "type": "quantitative", "title": ", ".join(units)},
            "color": {"field": "sensor_name", "type": "nominal", "title": "Sensor"},
            "tooltip": _tooltip(),
        },
    }


def _tooltip() -> list[dict[str, Any]]:
    return [
        {"field": "sensor_name", "type": "nominal", "title": "Sensor"},
        {"field": "event_start", "type": "temporal", "format": "%Y-%m-%d %H:%M", "title": "Start"},
        {"field": "event_value", "type": "quantitative", "format": ".4~f", "title": "Value"},
        {"field": "source", "type": "nominal", "title": "Source id"},
    ]


def chart_page(title: str, spec: dict[str, Any], *, server: str = "") -> str:
    """A self-contained page that renders ``spec`` with the bundled vega-embed.

    No inline code (the Content-Security-Policy allows scripts and styles from the
    server only): the spec travels as a JSON data block, which browsers never run,
    and ``/ui/chart-page.js`` draws it. Its scripts name the ``server`` they come from, so
    that the page also draws when saved and opened from a file.
    """
    # "<" escaped: the spec's strings cannot close the data block or open a comment.
    spec_json = orjson.dumps(spec).decode().replace("<", "\\u003c")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<link rel="stylesheet" href="{server}/ui/chart-page.css">
<script src="{server}/ui/vega-embed.js"></script><script src="{server}/ui/chart-page.js" defer></script></head>
<body><h1>{html.escape(title)}</h1><div id="chart"></div>
<script type="application/json" id="chart-spec">{spec_json}</script></body></html>"""


# Vega compiles expressions with ``new Function`` unless told to interpret them (``ast``),
# and vega-embed and its tooltips add <style> elements unless their default styles are off:
# both would break under a policy without 'unsafe-eval' and inline styles.
CHART_PAGE_JS = """"use strict";
(function () {
  var target = document.getElementById("chart");
  var spec = JSON.parse(document.getElementById("chart-spec").textContent);
  var options = {
    actions: false, ast: true, defaultStyle: false, tooltip: { disableDefaultStyle: true }
  };
  vegaEmbed(target, spec, options).catch(function (error) {
    target.textContent = "The chart could not be drawn: " + error;
  });
})();
"""

CHART_PAGE_CSS = """body { font-family: system-ui, sans-serif; margin: 1.5rem; }
#chart { width: 100%; }
#vg-tooltip-element {
  position: fixed; z-index: 1000; visibility: hidden; pointer-events: none;
  padding: 6px 8px; border: 1px solid #ccc; border-radius: 4px;
  background: #fff; color: #000; font: 12px system-ui, sans-serif;
}
#vg-tooltip-element.visible { visibility: visible; }
#vg-tooltip-element table { border-spacing: 0; }
#vg-tooltip-element td.key { color: #666; padding-right: 6px; text-align: right; }
"""


@lru_cache(maxsize=1)
def vega_bundle() -> bytes:
    """Vega, Vega-Lite and vega-embed as one script defining ``window.vegaEmbed`` (~1 MB).

    Bundling costs seconds of CPU and loads vl-convert's engine (~100 MB), so it happens once
    per machine: the script is kept in the cache folder (``GRIDFLEX_CACHE_DIR``, default
    ``~/.cache/gridflex``) under vl-convert's version; server processes read that file.
    """
    cached = bundle_path()
    if cached.is_file():
        return cached.read_bytes()
    import vl_convert

    # The stub makes ``snippet`` required; it defaults to None (the default snippet).
    script = vl_convert.javascript_bundle().encode()  # type: ignore[call-arg]
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(script)
    partial.replace(cached)  # atomic: another process never reads half a file
    return script


def bundle_path() -> Path:
    from importlib.metadata import version

    folder = os.environ.get("GRIDFLEX_CACHE_DIR") or Path.home() / ".cache" / "gridflex"
    return Path(folder) / f"vega-embed-{version('vl-convert-python')}.js"


def ensure_bundle() -> None:
    """Build the chart bundle now, in a child process (its engine's memory goes with it),
    unless it is cached: ``gridflex serve`` calls this before its server processes start."""
    if not bundle_path().is_file():
        subprocess.run(
            [sys.executable, "-c", "from gridflex.api.charts import vega_bundle; vega_bundle()"],
            check=False,
        )
