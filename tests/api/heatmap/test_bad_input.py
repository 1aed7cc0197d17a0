"""Bad input to the heatmap routes gets a clear 4xx naming what is wrong, never a 5xx.

Zip bombs are refused by the inflated-size and member-count limits (settings
``heatmap_max_import_bytes`` and ``heatmap_max_zip_members``), dates outside what a
calendar can hold name their field, and the hand-fuzzed cases (wrong types, huge
numbers, NUL characters, deep nesting) answer 4xx, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from fastapi.testclient import TestClient

from gridflex.api.app import create_app
from tests.api.heatmap.helpers import UPLOAD, complete_dataset, registry_only, upload_json

MIB = 1024 * 1024


def zip_bomb(inflated_mib: int, name: str = "Substations.csv") -> bytes:
    """A zip whose one CSV member inflates to ``inflated_mib`` MiB (zeros compress ~1000:1)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open(name, "w", force_zip64=True) as member:
            member.write(b"name,type,area,voltages,longitude,latitude\n")
            block = b"0" * MIB
            for _ in range(inflated_mib):
                member.write(block)
    return buffer.getvalue()


def _post_zip(client, headers, data: bytes, **params):
    return client.post(
        UPLOAD, params=params, content=data, headers={**headers, "Content-Type": "application/zip"}
    )


@pytest.fixture
def small_limits(settings, dso):
    """A client of an app that reads at most 1 MiB per import and 3 zip entries."""
    limited = settings.model_copy(
        update={"heatmap_max_import_bytes": MIB, "heatmap_max_zip_members": 3}
    )
    with TestClient(create_app(limited)) as client:
        yield client


def test_a_zip_bomb_is_refused_with_413_naming_the_member(client, dso):
    bomb = zip_bomb(256)  # 256 KiB that inflate to 256 MiB, past the default 64 MiB
    assert len(bomb) < 400 * 1024
    res = _post_zip(client, dso.headers, bomb)
    assert res.status_code == 413, res.text
    body = res.json()
    assert body["status"] == "PAYLOAD_TOO_LARGE"
    assert "Substations.csv" in json.dumps(body["message"])
    assert "GRIDFLEX_HEATMAP_MAX_IMPORT_BYTES" in json.dumps(body["message"])
    assert client.get("/api/v3_0/assets", headers=dso.headers).json() == []
    # As a file of a multipart form too.
    res = client.post(
        UPLOAD, files=[("files", ("network.zip", bomb, "application/zip"))], headers=dso.headers
    )
    assert res.status_code == 413 and "Substations.csv" in json.dumps(res.json()["message"])


def test_the_limit_counts_every_member_inflated(small_limits, dso):
    tables = io.BytesIO()
    with zipfile.ZipFile(tables, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Substations.csv", "name,type\n" + "A,GSP\n" * 120_000)  # 0.69 MiB
        archive.writestr("Demands.csv", "substation,name\n" + "A,D\n" * 120_000)  # 0.46 MiB
    res = _post_zip(small_limits, dso.headers, tables.getvalue())
    assert res.status_code == 413 and "Demands.csv" in json.dumps(res.json()["message"])


def test_a_zip_of_too_many_members_is_refused(small_limits, dso):
    archive_bytes = io.BytesIO()
    with zipfile.ZipFile(archive_bytes, "w") as archive:
        for i in range(4):
            archive.writestr(f"junk{i}.txt", "x")
    res = _post_zip(small_limits, dso.headers, archive_bytes.getvalue())
    assert res.status_code == 422
    assert "4 entries" in json.dumps(res.json()["message"])
    assert "GRIDFLEX_HEATMAP_MAX_ZIP_MEMBERS" in json.dumps(res.json()["message"])


def test_a_body_past_the_limit_is_refused_while_it_is_read(small_limits, dso):
    body = json.dumps({"Substations": [], "padding": "x" * (2 * MIB)})
    res = small_limits.post(
        UPLOAD, content=body, headers={**dso.headers, "Content-Type": "application/json"}
    )
    assert res.status_code == 413 and res.json()["status"] == "PAYLOAD_TOO_LARGE"


def test_the_command_line_refuses_a_zip_bomb(db, dso, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from gridflex.cli.main import app
    from gridflex.config import get_settings

    source = tmp_path / "bomb.zip"
    source.write_bytes(zip_bomb(80))
    monkeypatch.setenv("GRIDFLEX_DATABASE_URL", db)
    monkeypatch.setenv("GRIDFLEX_MODE", "test")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["heatmap", "import", str(source)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "Substations.csv" in result.output and "64" in result.output.replace("67108864", "64")


def test_moments_outside_the_calendar_name_their_field(client, dso):
    res = client.get("/heatmap", params={"at": "9999-12-31T23:59:59-01:00"})
    assert res.status_code == 422 and "at" in res.json()["message"]["query"]
    res = client.get("/heatmap", params={"at": "0001-01-01T00:00:00+01:00"})
    assert res.status_code == 422 and "years 1 to 9999" in json.dumps(res.json())
    assert upload_json(client, dso.headers, registry_only(complete_dataset())).status_code == 200
    for valid_from, valid_to in (
        ("0001-01-01", "0001-02-01"),
        ("9999-12-31T23:59:59-01:00", "2024"),
    ):
        res = client.post(
            "/heatmap/publish",
            json={"title": "Far", "validFrom": valid_from, "validTo": valid_to},
            headers=dso.headers,
        )
        assert res.status_code == 422, res.text
        assert {"valid", "validFrom"} & set(res.json()["message"]["json"])
    data = complete_dataset("far")
    data["valid"] = ["9999-12-31T00:00:00Z", "9999-12-31T23:59:59-01:00"]
    res = upload_json(client, dso.headers, data, publish="true", strict="true")
    assert res.status_code == 422
    assert res.json()["problems"][0]["field"] == "valid"
    res = upload_json(client, dso.headers, data, publish="true")
    assert res.status_code == 422 and "valid" in json.dumps(res.json()["message"])


def test_a_dataset_valid_until_year_9999_is_published_and_found(client, dso):
    data = complete_dataset("forever")
    data["valid"] = ["2024-01-01T00:00:00Z", "9999-12-31T23:59:59Z"]
    assert upload_json(client, dso.headers, data, publish="true").status_code == 200
    res = client.get("/heatmap", params={"at": "9999-12-31T00:00:00Z"})
    assert res.status_code == 200 and res.json()["identifier"] == "forever"


def _osprey(data: dict) -> dict:
    return data["Substations"][2]


FUZZ = [
    ("a NUL in a name", lambda d: _osprey(d).update(name="OSP\x00REY"), "name", "NUL"),
    ("a number of 5000 digits", lambda d: _osprey(d).update(
        demandContractedCapacity="1" * 5000), "demandContractedCapacity", "expected a number"),
    ("an object for a list of numbers", lambda d: _osprey(d).update(voltages={"a": 1}),
     "voltages", "expected"),
    ("a number for a list of records", lambda d: _osprey(d).update(Demands=5), "Demands",
     "expected a list of records"),
    ("a list for a date", lambda d: d.update(issued=[1, 2]), "issued", "ISO 8601"),
    ("a date past year 9999 in UTC", lambda d: _osprey(d)["Curtailments"][0].update(
        startTime="9999-12-31T23:59:59-01:00"), "startTime", "years 1 to 9999"),
    ("a time that is none", lambda d: _osprey(d)["Curtailments"][0].update(
        endTime="11:99+0000"), "endTime", "not a time of day"),
]  # fmt: skip


def test_hand_fuzzed_files_are_refused_clearly_when_strict_and_record_by_record_otherwise(
    client, dso
):
    for what, mutate, field, words in FUZZ:
        data = complete_dataset()
        mutate(data)
        res = upload_json(client, dso.headers, data, strict="true")
        assert res.status_code == 422, (what, res.text)
        hits = [p for p in res.json()["problems"] if p["field"] == field]
        assert hits and words in hits[0]["message"], (what, res.json()["problems"])
        res = upload_json(client, dso.headers, registry_only(data))
        assert res.status_code == 200, (what, res.text)
        examples = [e for k in res.json()["conformance"]["kinds"] for e in k["examples"]]
        assert any(e["field"] == field for e in examples) or field == "issued", what


def test_requests_that_cannot_be_parsed_answer_4xx(client, dso):
    json_headers = {**dso.headers, "Content-Type": "application/json"}
    deep = "[" * 100_000 + "]" * 100_000
    res = client.post(UPLOAD, content=deep, headers=json_headers)
    assert res.status_code == 422 and "not valid JSON" in res.json()["problems"][0]["message"]
    res = client.post(UPLOAD, content=b"PK\x03\x04" + bytes(100), headers=dso.headers)
    assert res.status_code == 422, res.text
    res = client.post(UPLOAD, params={"publish": "maybe"}, content=b"{}", headers=json_headers)
    assert res.status_code == 422 and "publish" in json.dumps(res.json())
    res = client.post("/heatmap/publish", content=deep, headers=json_headers)
    assert res.status_code == 400 and "parsing the body" in res.json()["message"]  # FastAPI's
    res = client.post(
        "/heatmap/publish",
        json={"title": "\x00", "validFrom": "2024-01-01", "validTo": "2024-02-01"},
        headers=dso.headers,
    )
    assert res.status_code == 422 and "title" in res.json()["message"]["json"]
    for path in ("/heatmap/a%00b", "/heatmap/a%00b/conformance", "/heatmap/" + "x" * 5000):
        assert client.get(path).status_code == 404, path
    for query in ({"near": "1e308,1e308", "radius": "1e308"}, {"bbox": "nan,nan,nan,nan"},
                  {"voltage": "1e999"}, {"at": "\x00"}, {"format": "\x00"}):  # fmt: skip
        assert 400 <= client.get("/heatmap", params=query).status_code < 500, query
