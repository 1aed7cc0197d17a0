"""Rebuild ``countries.geojson`` (run by hand; nothing imports this file).

Inputs, both fetched with ``pip download --no-deps`` and unpacked by hand:

- the Natural Earth 1:110m admin-0 country shapes (public domain) that the
  ``pyogrio`` wheel carries as a test fixture
  (``pyogrio/tests/fixtures/naturalearth_lowres/naturalearth_lowres.shp``);
- the ISO 3166-1 alpha-2 codes and English short names, read through the
  ``pycountry`` package at build time only (gridflex does not depend on it).

Usage::

    python build_countries.py NATURALEARTH_LOWRES_BASENAME PYCOUNTRY_DIR OUTPUT

Choices made here, so that the registry follows ISO 3166-1:

- Natural Earth's "Somaliland" is merged into SO and "N. Cyprus" into CY;
  Kosovo gets the user-assigned code XK, which is in wide use.
- Every ISO 3166-1 country is listed; those too small to appear at 1:110m
  (Andorra, Singapore, ...) have ``"geometry": null``.
- Rings are regrouped into polygons with holes and oriented as RFC 7946 asks
  (exteriors counter-clockwise); coordinates are rounded to 4 decimals
  (about 10 m, far below the 1:110m generalisation).
"""

from __future__ import annotations

import json
import struct
import sys

_NE_TO_ISO2_BY_NAME = {
    "Norway": "NO",
    "France": "FR",
    "Kosovo": "XK",
    "Somaliland": "SO",
    "N. Cyprus": "CY",
}
_EXTRA_ZONES = {"XK": "Kosovo"}


def _read_dbf(path: str) -> list[dict[str, str]]:
    with open(path, "rb") as f:
        data = f.read()
    n_records, header_len, record_len = struct.unpack("<IHH", data[4:12])
    fields = []
    pos = 32
    while data[pos] != 0x0D:
        name = data[pos : pos + 11].split(b"\0")[0].decode()
        fields.append((name, data[pos + 16]))
        pos += 32
    records = []
    for i in range(n_records):
        off = header_len + i * record_len + 1  # skip the deletion flag
        record = {}
        for name, length in fields:
            record[name] = data[off : off + length].decode("latin-1").strip()
            off += length
        records.append(record)
    return records


def _read_polygon_rings(path: str) -> list[list[list[tuple[float, float]]]]:
    with open(path, "rb") as f:
        data = f.read()
    pos = 100
    shapes = []
    while pos < len(data):
        _, content_words = struct.unpack(">II", data[pos : pos + 8])
        content = data[pos + 8 : pos + 8 + 2 * content_words]
        pos += 8 + 2 * content_words
        assert struct.unpack("<i", content[:4])[0] == 5, "polygon shapes only"
        n_parts, n_points = struct.unpack("<ii", content[36:44])
        starts = list(struct.unpack(f"<{n_parts}i", content[44 : 44 + 4 * n_parts])) + [n_points]
        off = 44 + 4 * n_parts
        flat = struct.unpack(f"<{2 * n_points}d", content[off : off + 16 * n_points])
        points = list(zip(flat[0::2], flat[1::2], strict=True))
        shapes.append([points[starts[k] : starts[k + 1]] for k in range(n_parts)])
    return shapes


def _signed_area(ring: list[tuple[float, float]]) -> float:
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False))


def _inside(point: tuple[float, float], ring: list[tuple[float, float]]) -> bool:
    x, y = point
    inside = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def _clean(ring: list[tuple[float, float]]) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y in ring:
        p = [round(x, 4), round(y, 4)]
        if not out or out[-1] != p:
            out.append(p)
    if out[0] != out[-1]:
        out.append(out[0])
    return out


def _polygons(rings: list[list[tuple[float, float]]]) -> list[list[list[list[float]]]]:
    # Shapefiles draw exteriors clockwise and holes counter-clockwise.
    exteriors = [r for r in rings if _signed_area(r) < 0]
    holes = [r for r in rings if _signed_area(r) > 0]
    polygons = [[_clean(list(reversed(r)))] for r in exteriors]
    for hole in holes:
        owner = next(k for k, r in enumerate(exteriors) if _inside(hole[0], r))
        polygons[owner].append(_clean(list(reversed(hole))))
    return [p for p in polygons if len(p[0]) >= 4]


def main(basename: str, pycountry_dir: str, output: str) -> None:
    sys.path.insert(0, pycountry_dir)
    import pycountry  # noqa: PLC0415 - build-time only

    iso3_to_iso2 = {c.alpha_3: c.alpha_2 for c in pycountry.countries}
    names = {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}
    names.update(_EXTRA_ZONES)
    polygons_by_zone: dict[str, list] = {}
    records = _read_dbf(basename + ".dbf")
    shapes = _read_polygon_rings(basename + ".shp")
    for record, rings in zip(records, shapes, strict=True):
        zone_id = _NE_TO_ISO2_BY_NAME.get(record["name"]) or iso3_to_iso2[record["iso_a3"]]
        polygons_by_zone.setdefault(zone_id, []).extend(_polygons(rings))
    features = []
    for zone_id in sorted(names):
        polygons = polygons_by_zone.get(zone_id)
        geometry = None
        if polygons:
            geometry = (
                {"type": "Polygon", "coordinates": polygons[0]}
                if len(polygons) == 1
                else {"type": "MultiPolygon", "coordinates": polygons}
            )
        features.append(
            {
                "type": "Feature",
                "properties": {"zoneId": zone_id, "zoneName": names[zone_id]},
                "geometry": geometry,
            }
        )
    with open(output, "w", encoding="utf-8") as f:
        json.dump(
            {"type": "FeatureCollection", "features": features},
            f,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        f.write("\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
