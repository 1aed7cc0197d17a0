"""Finding the zone: by id, by a point inside its polygon; clear answers when there is none."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("lat", "lon", "zone"), [(0.5, -39.5, "A"), (0.2, -38.9, "B"), (0.9, -37.1, "C")]
)
def test_a_point_inside_a_polygon_finds_its_zone(client, reader, three_zones, lat, lon, zone):
    answer = client.get(
        "/v3/carbon-intensity/latest", params={"lat": lat, "lon": lon}, headers=reader
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["zone"] == zone


def test_a_point_in_the_sea_gets_a_clear_404(client, reader, three_zones):
    answer = client.get(
        "/v3/carbon-intensity/latest", params={"lat": 10, "lon": -30}, headers=reader
    )
    assert answer.status_code == 404
    body = answer.json()
    assert set(body) == {"error", "message"}
    assert "lat=10" in body["message"] and "lon=-30" in body["message"]
    assert "no zone" in body["message"].lower()


def test_a_point_in_a_shipped_country_without_data_names_that_country(client, reader, three_zones):
    # Paris lies in France (a shipped zone) for which no data were sent.
    answer = client.get(
        "/v3/power-breakdown/latest", params={"lat": 48.8566, "lon": 2.3522}, headers=reader
    )
    assert answer.status_code == 404
    assert "'FR'" in answer.json()["message"]


def test_unknown_zone_is_a_bad_request(client, reader, three_zones):
    answer = client.get("/v3/carbon-intensity/history", params={"zone": "XX-NOPE"}, headers=reader)
    assert answer.status_code == 400
    assert answer.json()["error"] and "XX-NOPE" in answer.json()["message"]


@pytest.mark.parametrize(
    "params", [{}, {"lat": 1.0}, {"lon": -39.5}, {"lat": "north", "lon": 1}, {"lat": 91, "lon": 0}]
)
def test_missing_or_bad_coordinates_are_bad_requests(client, reader, three_zones, params):
    answer = client.get("/v3/carbon-intensity/latest", params=params, headers=reader)
    assert answer.status_code == 400, answer.text
    assert set(answer.json()) == {"error", "message"}


def test_a_known_zone_without_data_is_a_404_naming_it(client, reader, three_zones):
    for path in (
        "/v3/carbon-intensity/latest",
        "/v3/carbon-intensity/forecast",
        "/v3/power-breakdown/history",
    ):
        answer = client.get(path, params={"zone": "DE"}, headers=reader)
        assert answer.status_code == 404, (path, answer.text)
        assert "'DE'" in answer.json()["message"]


def test_past_hours_without_data_are_404s(client, reader, three_zones):
    answer = client.get(
        "/v3/carbon-intensity/past",
        params={"zone": "A", "datetime": "2023-01-01T00:00:00Z"},
        headers=reader,
    )
    assert answer.status_code == 404 and "'A'" in answer.json()["message"]
    naive = client.get(
        "/v3/carbon-intensity/past",
        params={"zone": "A", "datetime": "2024-03-01T00:00:00"},
        headers=reader,
    )
    assert naive.status_code == 400 and "datetime" in naive.json()["message"]
