"""Filters and the near search of GET /heatmap, checked against selections made by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.api.heatmap.helpers import metadata, published, station

# name, type, area, voltages, lat, lon, demand RAG, generation RAG, demand / generation available
STATIONS = [
    ("G1", "GSP", "North", [132, 33], 55.00, -2.00, "Green", "Green", 80.0, 40.0),
    ("B1", "BSP", "North", [33, 11], 55.10, -2.10, "Amber", "Green", 3.0, 12.0),
    ("P1", "Primary", "North", [33, 11], 55.05, -2.02, "Red", "Amber", -1.0, 0.8),
    ("P2", "Primary", "South", [33, 11], 51.50, -0.10, "Green", "Red", 9.5, 0.0),
    ("P3", "Primary", "South", [33, 6.6], 51.45, -0.20, "Amber", "Green", 1.2, 7.0),
    ("S1", "Secondary", "south", [11, 0.4], 51.52, -0.12, "Green", "Green", 0.5, 0.3),
]


def _dataset() -> dict:
    substations = []
    for name, kind, area, volts, lat, lon, d_rag, g_rag, d_av, g_av in STATIONS:
        substations.append(
            station(
                name,
                kind,
                lat,
                lon,
                area=area,
                voltages=volts,
                demandConstraint=d_rag,
                generationConstraint=g_rag,
                demandAvailableCapacity=d_av,
                generationAvailableCapacity=g_av,
            )  # fmt: skip
        )
    line = lambda *pts: {"type": "LineString", "Lines": [{"Coordinates": [  # noqa: E731
        {"latitude": a, "longitude": b} for a, b in pts]}]}  # fmt: skip
    circuits = [
        {"mRID": "C-north", "name": "north", "voltage": 33, "demandConstraint": "Amber",
         "FromSubstation": "B1", "ToSubstation": ["P1"],
         "Geometry": line((55.10, -2.10), (55.05, -2.02))},
        {"mRID": "C-south", "name": "south", "voltage": 11, "demandConstraint": "Green",
         "FromSubstation": "P2", "ToSubstation": ["S1"],
         "Geometry": line((51.50, -0.10), (51.52, -0.12))},
    ]  # fmt: skip
    return {**metadata("search"), "Substations": substations, "Circuits": circuits}


@pytest.fixture
def searchable(client, dso):
    published(client, dso.headers, _dataset())
    return lambda **params: client.get("/heatmap/search", params=params)


def _names(res) -> list[str]:
    assert res.status_code == 200, res.text
    return [s["name"] for s in res.json()["Substations"]]


def _circuits(res) -> list[str]:
    return [c["mRID"] for c in res.json()["Circuits"]]


def _where(test) -> list[str]:
    return [row[0] for row in STATIONS if test(row)]


def test_area_filter_ignores_case(searchable):
    assert _names(searchable(area="south")) == _where(lambda r: r[2].lower() == "south")


def test_type_filter_takes_several_types(searchable):
    res = searchable(type="Primary,Secondary")
    assert _names(res) == _where(lambda r: r[1] in ("Primary", "Secondary"))
    assert _circuits(res) == ["C-north", "C-south"]  # each starts or ends at a kept substation
    assert _names(searchable(type=["GSP", "BSP"])) == ["G1", "B1"]


def test_voltage_filter_matches_any_voltage_of_a_substation(searchable):
    assert _names(searchable(voltage="6.6")) == ["P3"]
    res = searchable(voltage="11kV")
    assert _names(res) == _where(lambda r: 11 in r[3])
    assert _circuits(res) == ["C-south"]  # the 11 kV circuit


def test_constraint_filters(searchable):
    assert _names(searchable(demandConstraint="Amber")) == _where(lambda r: r[6] == "Amber")
    assert _names(searchable(generationConstraint="red")) == _where(lambda r: r[7] == "Red")
    both = searchable(demandConstraint="Green", generationConstraint="Green")
    assert _names(both) == _where(lambda r: r[6] == "Green" and r[7] == "Green")


def test_bbox_keeps_what_lies_inside(searchable):
    res = searchable(bbox="-0.15,51.4,0,51.51")
    assert _names(res) == _where(lambda r: -0.15 <= r[5] <= 0 and 51.4 <= r[4] <= 51.51)
    assert _circuits(res) == ["C-south"]  # one of its points lies inside


def test_filters_combine_and_apply_to_every_format(searchable):
    res = searchable(area="North", demandConstraint="Red", format="geojson")
    features = res.json()["features"]
    assert [
        f["properties"]["name"] for f in features if f["properties"]["class"] == "Substation"
    ] == ["P1"]


def _km(lat1, lon1, lat2, lon2) -> float:
    """Haversine distance on a sphere of the Earth's mean radius, written out independently."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


@pytest.mark.parametrize(
    ("point", "radius", "needs", "mva"),
    [
        ((51.49, -0.11), 20.0, "demand", 1.0),
        ((51.49, -0.11), 1000.0, "generation", 5.0),
        ((55.0, -2.05), 50.0, "demand", 0.0),
        ((53.0, -1.0), 5.0, "demand", 0.0),
    ],
)
def test_near_returns_the_substations_with_room_nearest_first(
    searchable, point, radius, needs, mva
):
    column = 8 if needs == "demand" else 9
    expected = sorted(
        (_km(*point, r[4], r[5]), r[0]) for r in STATIONS
        if _km(*point, r[4], r[5]) <= radius and r[column] >= mva
    )  # fmt: skip
    res = searchable(near=f"{point[0]},{point[1]}", radius=radius, needs=needs, mva=mva)
    assert _names(res) == [name for _, name in expected]
    distances = [s["distanceKm"] for s in res.json()["Substations"]]
    assert np.allclose(distances, [d for d, _ in expected], atol=1e-3)


def test_near_keeps_the_circuits_of_the_substations_found(searchable):
    res = searchable(near="51.5,-0.1", radius=3, needs="demand")
    assert _names(res) == ["P2", "S1"]
    assert _circuits(res) == ["C-south"]


def test_near_works_within_other_filters(searchable):
    res = searchable(near="51.49,-0.11", radius=50, type="Primary")
    assert _names(res) == ["P2", "P3"]


BAD = [
    ({"near": "51.5,-0.1"}, "radius"),
    ({"radius": 10}, "near"),
    ({"mva": 1}, "near"),
    ({"near": "51.5", "radius": 10}, "near"),
    ({"near": "91,0", "radius": 10}, "near"),
    ({"near": "51.5,-0.1", "radius": 0}, "radius"),
    ({"near": "51.5,-0.1", "radius": 10, "needs": "storage"}, "needs"),
    ({"near": "51.5,-0.1", "radius": 10, "mva": -1}, "mva"),
    ({"bbox": "1,2,3"}, "bbox"),
    ({"bbox": "0,52,1,51"}, "bbox"),
    ({"type": "Tertiary"}, "type"),
    ({"demandConstraint": "Purple"}, "demandConstraint"),
    ({"voltage": "high"}, "voltage"),
]


def test_bad_search_parameters_name_the_field(searchable):
    for params, field in BAD:
        res = searchable(**params)
        assert res.status_code == 422, (params, res.text)
        assert field in res.json()["message"]["query"], (params, res.json())
