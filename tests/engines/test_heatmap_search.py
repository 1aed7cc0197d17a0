"""Filters and the near search (nearest first, by great-circle distance)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gridflex.engines.heatmap import (
    Circuit,
    Coordinate,
    Dataset,
    Geometry,
    Line,
    Substation,
    filter_dataset,
    great_circle_km,
    nearest_substations,
    parse_bbox,
    parse_near,
)
from gridflex.errors import ValidationError


def law_of_cosines_km(lat1, lon1, lat2, lon2, radius_km=6371.0088) -> float:
    """An independent great-circle formula (spherical law of cosines)."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return radius_km * math.acos(max(-1.0, min(1.0, c)))


def network() -> Dataset:
    rng = np.random.default_rng(11)
    substations = [
        Substation(
            name=f"S{i}",
            mrid=f"m{i}",
            type=("Primary", "Secondary", "BSP")[i % 3],
            area=("SEPD", "SHEPD")[i % 2],
            voltages_kv=[33.0, 11.0] if i % 3 == 0 else [11.0, 0.4],
            latitude_deg=float(rng.uniform(50.5, 52.5)),
            longitude_deg=float(rng.uniform(-3, 0)),
            demand_available_capacity_mva=float(rng.uniform(-2, 20)),
            generation_available_capacity_mva=float(rng.uniform(-2, 20)),
            demand_constraint=("Red", "Amber", "Green")[i % 3],
            generation_constraint=("Green", "Red")[i % 2],
        )
        for i in range(60)
    ]
    return Dataset(title="t", substations=substations, circuits=[])


def test_haversine_agrees_with_the_law_of_cosines():
    # London to Edinburgh, and a short hop.
    assert great_circle_km(51.5074, -0.1278, 55.9533, -3.1883) == pytest.approx(
        law_of_cosines_km(51.5074, -0.1278, 55.9533, -3.1883), rel=1e-9
    )
    assert great_circle_km(51.5, -1.0, 51.5, -1.01) == pytest.approx(
        law_of_cosines_km(51.5, -1.0, 51.5, -1.01), rel=1e-6
    )


@pytest.mark.parametrize("needs", ["demand", "generation"])
def test_near_returns_substations_with_room_nearest_first(needs):
    dataset = network()
    lat, lon, radius, mva = 51.5, -1.5, 80.0, 5.0
    expected = sorted(
        (law_of_cosines_km(lat, lon, s.latitude_deg, s.longitude_deg), i)
        for i, s in enumerate(dataset.substations)
        if getattr(s, f"{needs}_available_capacity_mva") >= mva
        and law_of_cosines_km(lat, lon, s.latitude_deg, s.longitude_deg) <= radius
    )
    result = nearest_substations(dataset, lat=lat, lon=lon, radius_km=radius, needs=needs, mva=mva)
    assert [r.index for r in result] == [i for _, i in expected]
    assert [r.distance_km for r in result] == pytest.approx([d for d, _ in expected])
    assert 0 < len(result) < len(dataset.substations)


def test_near_skips_unknown_capacity_and_position():
    dataset = Dataset(
        substations=[
            Substation(name="a", latitude_deg=51.0, longitude_deg=-1.0),
            Substation(name="b", demand_available_capacity_mva=3.0),
            Substation(
                name="c", latitude_deg=51.0, longitude_deg=-1.001, demand_available_capacity_mva=3.0
            ),
        ]
    )
    result = nearest_substations(dataset, lat=51.0, lon=-1.0, radius_km=5, needs="demand", mva=1)
    assert [r.index for r in result] == [2]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"radius_km": 0}, "radius"),
        ({"needs": "storage"}, "needs"),
        ({"mva": -1}, "mva"),
        ({"lat": 91}, "near"),
    ],
)
def test_near_refuses_bad_parameters(kwargs, field):
    params = {"lat": 51.0, "lon": -1.0, "radius_km": 10.0, "needs": "demand", "mva": 1.0} | kwargs
    with pytest.raises(ValidationError) as error:
        nearest_substations(network(), **params)
    assert error.value.field == field


def test_filters_combine_and_match_by_hand():
    dataset = network()
    result = filter_dataset(
        dataset, area="sepd", type=["primary", "BSP"], voltage_kv=33, demand_constraint="RED"
    )
    expected = [
        s.name
        for s in dataset.substations
        if s.area == "SEPD"
        and s.type in ("Primary", "BSP")
        and 33.0 in s.voltages_kv
        and s.demand_constraint == "Red"
    ]
    assert [s.name for s in result.substations] == expected and expected


def test_generation_constraint_filter():
    result = filter_dataset(network(), generation_constraint="Green")
    assert result.substations and all(
        s.generation_constraint == "Green" for s in result.substations
    )


def test_bbox_filter_keeps_points_inside():
    dataset = network()
    box = (-2.0, 51.0, -1.0, 52.0)
    result = filter_dataset(dataset, bbox=box)
    expected = [
        s.name
        for s in dataset.substations
        if -2.0 <= s.longitude_deg <= -1.0 and 51.0 <= s.latitude_deg <= 52.0
    ]
    assert [s.name for s in result.substations] == expected and expected


def test_bbox_across_the_antimeridian():
    dataset = Dataset(
        substations=[
            Substation(name="east", longitude_deg=179.5, latitude_deg=0.0),
            Substation(name="west", longitude_deg=-179.5, latitude_deg=0.0),
            Substation(name="far", longitude_deg=0.0, latitude_deg=0.0),
        ]
    )
    result = filter_dataset(dataset, bbox=(179.0, -1.0, -179.0, 1.0))
    assert [s.name for s in result.substations] == ["east", "west"]


def test_circuits_follow_their_substations_and_own_filters():
    line = Geometry(
        type="LineString",
        lines=[
            Line(
                coordinates=[
                    Coordinate(latitude_deg=51.2, longitude_deg=-1.2),
                    Coordinate(latitude_deg=51.3, longitude_deg=-1.3),
                ]
            )
        ],
    )
    dataset = Dataset(
        substations=[Substation(name="A", area="X", mrid="a"), Substation(name="B", area="Y")],
        circuits=[
            Circuit(
                name="from-a",
                from_substation="a",
                voltage_kv=11,
                demand_constraint="Red",
                geometry=line,
            ),
            Circuit(name="b-to-a", from_substation="B", to_substation=["a"], voltage_kv=33),
            Circuit(name="from-b", from_substation="B", voltage_kv=11),
        ],
    )
    assert [c.name for c in filter_dataset(dataset, area="X").circuits] == ["from-a", "b-to-a"]
    assert [c.name for c in filter_dataset(dataset, voltage_kv=11).circuits] == ["from-a", "from-b"]
    assert [c.name for c in filter_dataset(dataset, demand_constraint="Red").circuits] == ["from-a"]
    box = (-1.25, 51.0, -1.0, 51.25)
    assert [c.name for c in filter_dataset(dataset, bbox=box).circuits] == ["from-a"]


def test_unknown_filter_values_are_refused():
    with pytest.raises(ValidationError) as error:
        filter_dataset(network(), type="Tertiary")
    assert error.value.field == "type"


def test_query_text_parsers():
    assert parse_near("51.75,-1.27") == (51.75, -1.27)
    assert parse_bbox("-2,51,-1,52") == (-2.0, 51.0, -1.0, 52.0)
    for text, parser in (("51.75", parse_near), ("a,b", parse_near), ("-2,52,-1,51", parse_bbox)):
        with pytest.raises(ValidationError):
            parser(text)
