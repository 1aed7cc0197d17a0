"""GET /heatmap, /heatmap/{identifier} and /heatmap/datasets: fields, formats, validity, access."""

from __future__ import annotations

import csv
import io
import json

from fastapi.testclient import TestClient

from gridflex.api.app import create_app
from gridflex.config import Settings
from tests.api.heatmap.helpers import (
    complete_dataset,
    json_type,
    metadata,
    published,
    seed_example,
    station,
    unzip,
    with_validity,
)

ID = "c91a4b42-4b21-476d-9c6f-5201a1324b2b"


def _walk(record: dict, path: str):
    """(path of the record's class, key, value) for every field, children included."""
    for key, value in record.items():
        yield path, key, value
        children = value if isinstance(value, list) else [value]
        for child in children:
            if isinstance(child, dict):
                yield from _walk(child, f"{path}.{key}")


def test_every_field_of_the_seed_example_appears_with_its_type(client, dso):
    published(client, dso.headers, complete_dataset())
    res = client.get(f"/heatmap/{ID}")
    assert res.status_code == 200
    assert res.headers["content-type"] == "application/json"
    found: dict[tuple[str, str], set[str]] = {}
    for path, key, value in _walk(res.json(), "dataset"):
        found.setdefault((path, key), set()).add(json_type(value))
    for path, key, value in _walk(seed_example(), "dataset"):
        assert (path, key) in found, f"{path}.{key} missing from the answer"
        assert found[(path, key)] == {json_type(value)}, f"{path}.{key}"


def test_figures_keep_their_value_in_the_specified_units(client, dso):
    """MVA, kV, kA, seconds and degrees as given (the seed's numbers come back unchanged)."""
    published(client, dso.headers, complete_dataset())
    osprey = next(
        s for s in client.get(f"/heatmap/{ID}").json()["Substations"] if s["name"] == "OSPREY"
    )
    seed = seed_example()["Substations"][0]
    for key in ("demandFirmCapacity", "demandAvailableCapacity", "generationFirmCapacity",
                "demandMaximum", "demandMinimum", "breakerRatedCurrent",
                "breakerShortCircuitDuration", "longitude", "latitude", "voltages"):  # fmt: skip
        assert osprey[key] == seed[key], key
    assert osprey["Transformers"][0]["Ratings"] == seed["Transformers"][0]["Ratings"]


def test_the_dataset_valid_now_or_at_a_moment_is_served(client, dso):
    data = complete_dataset()
    q1 = with_validity(data, "q1", "2024-01-01T00:00:00.000+0000", "2024-04-01T00:00:00.000+0000",
                       "2023-12-01T00:00:00.000+0000")  # fmt: skip
    q2 = with_validity(data, "q2", "2024-04-01T00:00:00.000+0000", "2100-01-01T00:00:00.000+0000",
                       "2024-03-01T00:00:00.000+0000")  # fmt: skip
    for dataset in (q1, q2):
        published(client, dso.headers, dataset)
    assert client.get("/heatmap").json()["identifier"] == "q2"
    assert (
        client.get("/heatmap", params={"at": "2024-02-01T12:00:00Z"}).json()["identifier"] == "q1"
    )
    # valid[1] is exclusive: at the boundary the next dataset holds.
    assert (
        client.get("/heatmap", params={"at": "2024-04-01T00:00:00+00:00"}).json()["identifier"]
        == "q2"
    )
    assert client.get("/heatmap", params={"at": "2024-03-31"}).json()["identifier"] == "q1"
    res = client.get("/heatmap", params={"at": "2023-06-01T00:00:00Z"})
    assert res.status_code == 404 and "2023-06-01" in res.json()["message"]


def test_of_overlapping_datasets_the_last_issued_is_served(client, dso):
    data = complete_dataset()
    early = with_validity(data, "early", "2024-01-01T00:00:00.000+0000", "2024-07-01T00:00:00.000+0000",
                          "2023-12-01T00:00:00.000+0000")  # fmt: skip
    late = with_validity(data, "revised", "2024-01-01T00:00:00.000+0000", "2024-04-01T00:00:00.000+0000",
                         "2024-02-15T00:00:00.000+0000")  # fmt: skip
    published(client, dso.headers, late)
    published(client, dso.headers, early)
    assert client.get("/heatmap", params={"at": "2024-03-01"}).json()["identifier"] == "revised"
    assert client.get("/heatmap", params={"at": "2024-05-01"}).json()["identifier"] == "early"


def test_bad_moment_and_unknown_identifier(client, dso):
    published(client, dso.headers, complete_dataset())
    res = client.get("/heatmap", params={"at": "next tuesday"})
    assert res.status_code == 422 and "at" in res.json()["message"]["query"]
    res = client.get("/heatmap/no-such-dataset")
    assert res.status_code == 404 and "no-such-dataset" in res.json()["message"]


def test_datasets_lists_every_published_dataset_with_its_metadata(client, dso):
    data = complete_dataset()
    for name, start, end in (("a", "2024-01-01", "2024-04-01"), ("b", "2024-04-01", "2024-07-01")):
        published(client, dso.headers, with_validity(
            data, name, f"{start}T00:00:00.000+0000", f"{end}T00:00:00.000+0000",
            "2023-12-01T00:00:00.000+0000"))  # fmt: skip
    res = client.get("/heatmap/datasets")
    assert res.status_code == 200
    listed = res.json()["datasets"]
    assert [d["identifier"] for d in listed] == ["b", "a"]  # latest validity first
    assert listed[1]["valid"] == ["2024-01-01T00:00:00.000+0000", "2024-04-01T00:00:00.000+0000"]
    assert listed[1]["title"] == data["title"] and listed[1]["rights"] == data["rights"]
    assert (listed[1]["substationCount"], listed[1]["circuitCount"]) == (4, 1)
    assert client.get(listed[1]["href"]).json()["identifier"] == "a"


def test_geojson_has_substations_as_points_and_circuits_as_lines_in_lon_lat(client, dso):
    data = complete_dataset()
    published(client, dso.headers, data)
    for res in (
        client.get(f"/heatmap/{ID}", params={"format": "geojson"}),
        client.get(f"/heatmap/{ID}", headers={"Accept": "application/geo+json"}),
    ):
        assert res.status_code == 200
        assert res.headers["content-type"] == "application/geo+json"
        body = res.json()
        assert body["type"] == "FeatureCollection"
        assert body["metadata"]["identifier"] == ID
        features = body["features"]
        points = [f for f in features if f["properties"]["class"] == "Substation"]
        lines = [f for f in features if f["properties"]["class"] == "Circuit"]
        assert [p["geometry"]["coordinates"] for p in points] == [
            [s["longitude"], s["latitude"]] for s in data["Substations"]
        ]
        coordinates = data["Circuits"][0]["Geometry"]["Lines"][0]["Coordinates"]
        assert lines[0]["geometry"] == {
            "type": "LineString",
            "coordinates": [[c["longitude"], c["latitude"]] for c in coordinates],
        }


def test_the_geojson_stored_at_publishing_equals_the_one_rendered_on_request(client, dso):
    published(client, dso.headers, complete_dataset())
    stored = client.get(f"/heatmap/{ID}", params={"format": "geojson"}).json()
    whole_world = "-180,-90,180,90"  # a filter that keeps everything: rendered from the JSON
    rendered = client.get(f"/heatmap/{ID}", params={"format": "geojson", "bbox": whole_world})
    assert rendered.json() == stored


def test_csv_is_one_table_per_class_in_a_zip(client, dso):
    data = complete_dataset()
    published(client, dso.headers, data)
    res = client.get(f"/heatmap/{ID}", params={"format": "csv"})
    assert res.status_code == 200
    assert res.headers["content-type"] == "application/zip"
    assert f"heatmap-{ID}.zip" in res.headers["content-disposition"]
    tables = unzip(res.content)
    assert {"Dataset.csv", "Substations.csv", "Demands.csv", "Transformers.csv", "Ratings.csv",
            "Circuits.csv", "CircuitCoordinates.csv"} <= set(tables)  # fmt: skip
    substations = list(csv.DictReader(io.StringIO(tables["Substations.csv"])))
    assert [s["name"] for s in substations] == [s["name"] for s in data["Substations"]]
    ratings = list(csv.DictReader(io.StringIO(tables["Ratings.csv"])))
    assert ratings[0]["substation"] == data["Substations"][2]["mRID"]
    assert float(ratings[0]["winterRating"]) == 120
    # The Accept header chooses too.
    assert client.get(f"/heatmap/{ID}", headers={"Accept": "text/csv"}).content == res.content


def test_format_and_accept_that_cannot_be_served_are_refused(client, dso):
    published(client, dso.headers, complete_dataset())
    res = client.get(f"/heatmap/{ID}", params={"format": "xml"})
    assert res.status_code == 422 and "format" in res.json()["message"]["query"]
    res = client.get(f"/heatmap/{ID}", headers={"Accept": "text/html"})
    assert res.status_code == 406 and "text/html" in res.json()["message"]
    # A browser's Accept ends with */*: JSON.
    res = client.get(
        f"/heatmap/{ID}", headers={"Accept": "text/html,application/xml;q=0.9,*/*;q=0.8"}
    )
    assert res.status_code == 200 and res.headers["content-type"] == "application/json"


def test_an_unchanged_answer_is_not_sent_again(client, dso):
    published(client, dso.headers, complete_dataset())
    first = client.get(f"/heatmap/{ID}")
    etag = first.headers["etag"]
    again = client.get(f"/heatmap/{ID}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    geojson = client.get(f"/heatmap/{ID}", params={"format": "geojson"})
    assert geojson.headers["etag"] != etag


def test_reading_is_public_by_default(client, dso):
    published(client, dso.headers, complete_dataset())
    assert client.get("/heatmap").status_code == 200
    assert client.get("/heatmap/datasets").status_code == 200


def test_an_operator_can_restrict_reading_to_authenticated_users(settings, client, dso, world):
    published(client, dso.headers, complete_dataset())
    restricted = Settings(**{**settings.model_dump(), "heatmap_public": False})
    with TestClient(create_app(restricted)) as private:
        for path in ("/heatmap", f"/heatmap/{ID}", "/heatmap/datasets"):
            res = private.get(path)
            assert res.status_code == 401, path
            assert res.json()["status"] == "UNAUTHORIZED"
        reader = world.user(world.account("Developer Ltd"))
        res = private.get("/heatmap", headers=reader.headers)
        assert res.status_code == 200 and res.json()["identifier"] == ID
        assert "private" in res.headers["cache-control"]


def test_every_dublin_core_field_is_served_as_published(client, dso):
    data = complete_dataset()
    published(client, dso.headers, data)
    body = client.get(f"/heatmap/{ID}").json()
    for key in ("contributor", "coverage", "creator", "date", "description", "format",
                "identifier", "issued", "language", "publisher", "rights", "title", "valid"):  # fmt: skip
        assert body[key] == data[key], key
    assert json.loads(client.get(f"/heatmap/{ID}").content) == data


def test_a_station_record_round_trips_through_the_answer(client, dso):
    record = station("X", "GSP", 50.0, -1.0, description="plain")
    data = {**metadata("one"), "Substations": [record]}
    published(client, dso.headers, data)
    assert client.get("/heatmap/one").json()["Substations"] == [record]


def test_a_browser_asking_for_the_heatmap_is_shown_the_map(client, dso):
    res = client.get(
        "/heatmap", headers={"Accept": "text/html,application/xhtml+xml"}, follow_redirects=False
    )
    assert res.status_code == 303 and res.headers["location"] == "/ui/heatmap"
    assert client.get("/heatmap?format=json", headers={"Accept": "text/html"}).status_code != 303
