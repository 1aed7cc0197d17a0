"""Zones: the shipped registry, the GeoJSON zone format and point lookup."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from gridflex.engines.carbon import (
    ZoneIndex,
    default_zone_index,
    find_zone,
    load_default_zones,
    parse_zones_geojson,
    resolve_factors_g_per_kwh,
    type_index,
    zones_listing,
)
from gridflex.errors import ValidationError


def square(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


def feature(zone_id: str, geometry: dict | None, **props: object) -> dict:
    return {
        "type": "Feature",
        "properties": {"zoneId": zone_id, "zoneName": f"Zone {zone_id}", **props},
        "geometry": geometry,
    }


def collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


NESTED = collection(
    feature("US", {"type": "Polygon", "coordinates": [square(-100, 30, -80, 40)]}),
    feature(
        "US-CAR-DUK",
        {"type": "Polygon", "coordinates": [square(-85, 34, -82, 36)]},
        parentZoneId="US",
        countryName="United States of America",
    ),
    feature(
        "RING",
        {
            "type": "MultiPolygon",
            "coordinates": [
                [square(0, 0, 10, 10), square(4, 4, 6, 6)],  # a square with a hole
                [square(20, 0, 22, 2)],
            ],
        },
    ),
)


def test_default_registry_lists_iso_countries_with_names():
    zones = {z.zone_id: z for z in load_default_zones()}
    assert len(zones) >= 249
    assert all(len(zone_id) == 2 and zone_id.isupper() for zone_id in zones)
    assert zones["DE"].zone_name == "Germany"
    assert zones["AE"].zone_name == "United Arab Emirates"
    assert zones["AD"].zone_name == "Andorra"
    assert zones["AD"].geometry is None  # too small for the 1:110m shapes
    assert zones["FR"].geometry is not None


@pytest.mark.parametrize(
    ("place", "lat", "lon", "zone_id"),
    [
        ("Berlin", 52.52, 13.405, "DE"),
        ("Paris", 48.857, 2.352, "FR"),
        ("Oslo", 59.91, 10.75, "NO"),
        ("Madrid", 40.42, -3.70, "ES"),
        ("Kansas", 39.0, -98.0, "US"),
        ("Brasilia", -15.79, -47.88, "BR"),
        ("Maseru, in a hole of South Africa", -29.31, 27.48, "LS"),
        ("Kimberley", -28.74, 24.77, "ZA"),
        ("Gulf of Guinea", 0.0, 0.0, None),
    ],
)
def test_default_registry_finds_the_country_of_a_place(place, lat, lon, zone_id):
    found = default_zone_index().find(lat, lon)
    assert (found.zone_id if found else None) == zone_id, place


def test_zones_listing_has_the_seed_shape():
    zones = parse_zones_geojson(NESTED)
    listing = zones_listing(zones)
    assert listing["US"] == {"zoneName": "Zone US"}
    assert listing["US-CAR-DUK"] == {
        "zoneName": "Zone US-CAR-DUK",
        "countryName": "United States of America",
    }


def test_child_zone_wins_over_its_parent():
    zones = parse_zones_geojson(NESTED)
    assert find_zone(zones, 35.0, -83.0).zone_id == "US-CAR-DUK"
    assert find_zone(zones, 35.0, -90.0).zone_id == "US"


def test_holes_and_multipolygon_parts_are_respected():
    zones = parse_zones_geojson(NESTED)
    assert find_zone(zones, 2.0, 2.0).zone_id == "RING"
    assert find_zone(zones, 5.0, 5.0) is None  # inside the hole
    assert find_zone(zones, 1.0, 21.0).zone_id == "RING"
    assert find_zone(zones, 1.0, 15.0) is None


def test_lookup_matches_coordinate_comparisons_on_random_points():
    rng = np.random.default_rng(5)
    boxes = {
        f"Z{i}": (x, y, x + 7, y + 5)
        for i, (x, y) in enumerate([(-30, -20), (0, 0), (10, -15), (-20, 10)])
    }
    index = ZoneIndex(
        parse_zones_geojson(
            collection(
                *(
                    feature(z, {"type": "Polygon", "coordinates": [square(*b)]})
                    for z, b in boxes.items()
                )
            )
        )
    )
    for lon, lat in rng.uniform([-40, -30], [40, 30], (500, 2)):
        expected = [z for z, (x0, y0, x1, y1) in boxes.items() if x0 < lon < x1 and y0 < lat < y1]
        found = index.find(lat, lon)
        assert ([found.zone_id] if found else []) == expected


def test_zone_factor_overrides_are_parsed_and_applied():
    data = collection(
        feature(
            "PL",
            {"type": "Polygon", "coordinates": [square(14, 49, 24, 55)]},
            emissionFactors={"lifecycle": {"coal": 1000}, "direct": {"coal": 950}},
            emissionFactorsByYear={"2020": {"lifecycle": {"coal": 1100}}},
        )
    )
    (zone,) = parse_zones_geojson(data)
    coal = type_index("coal")
    overrides = zone.emission_factor_overrides
    assert resolve_factors_g_per_kwh(["PL"], year=2021, overrides=overrides)[0, coal] == 1000
    assert resolve_factors_g_per_kwh(["PL"], year=2020, overrides=overrides)[0, coal] == 1100
    direct = resolve_factors_g_per_kwh(["PL"], year=2020, factor_type="direct", overrides=overrides)
    assert direct[0, coal] == 950


def broken(path: str, value: object) -> dict:
    data = copy.deepcopy(NESTED)
    target = data
    *parents, last = path.split(".")
    for key in parents:
        target = target[int(key)] if key.isdigit() else target[key]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("features.1.properties.zoneName", KeyError, "features[1].properties.zoneName"),
        ("features.0.properties.zoneId", "", "features[0].properties.zoneId"),
        ("features.0.properties.zoneId", "has space", "features[0].properties.zoneId"),
        ("features.2.geometry", None, "features[2].geometry"),
        ("features.2.geometry.type", "Point", "features[2].geometry"),
        (
            "features.0.geometry.coordinates",
            [[[0, 0], [1, 0], [1, 1], [0, 0.5]]],
            "features[0].geometry",
        ),
        ("features.0.geometry.coordinates", [[[0, 0], [1, 0], [0, 0]]], "features[0].geometry"),
        ("features.0.geometry.coordinates", [square(170, 0, 190, 5)], "features[0].geometry"),
        ("features.1.properties.parentZoneId", "US-CAR-DUK", "features[1].properties.parentZoneId"),
        ("features.1.properties.zoneId", "US", "features[1].properties.zoneId"),
        (
            "features.0.properties.emissionFactors",
            {"lifecycle": {"peat": 1}},
            "features[0].properties.emissionFactors.lifecycle.peat",
        ),
        (
            "features.0.properties.emissionFactors",
            {"lifecycle": {"coal": -1}},
            "features[0].properties.emissionFactors.lifecycle.coal",
        ),
        (
            "features.0.properties.emissionFactorsByYear",
            {"20x1": {}},
            "features[0].properties.emissionFactorsByYear.20x1",
        ),
    ],
)
def test_bad_features_are_rejected_naming_index_and_property(path, value, field):
    with pytest.raises(ValidationError) as info:
        parse_zones_geojson(broken(path, value))
    assert info.value.field == field
    assert field.split(".")[0] in info.value.message


def test_parent_must_be_known_when_known_ids_are_given():
    data = collection(feature("DK-DK1", None, parentZoneId="DK"))
    assert parse_zones_geojson(data, require_geometry=False, known_zone_ids={"DK"})
    with pytest.raises(ValidationError, match="unknown zone 'DK'"):
        parse_zones_geojson(data, require_geometry=False, known_zone_ids={"SE"})


def test_not_a_feature_collection_is_rejected():
    with pytest.raises(ValidationError, match="FeatureCollection"):
        parse_zones_geojson({"type": "Feature"})


def test_out_of_range_coordinates_are_rejected():
    with pytest.raises(ValidationError) as info:
        find_zone(load_default_zones(), 95.0, 0.0)
    assert info.value.field == "lat"
