"""Strict imports: every rule of the specification refuses the file, naming the record and field.

Each case breaks one rule of a consistent registry (the seed's example made whole);
with ``strict=true`` the answer must be 422 with a problem naming that record and
field, and nothing of the import may be stored. (Lenient imports, the default, are
tested in ``test_lenient.py``.)
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

from tests.api.heatmap.helpers import UPLOAD, complete_dataset, registry_only, upload_json

OSPREY = "Substations[2] (mRID '248ff818f157022515afc2b8e3c65894449ab903')"
CIRCUIT = "Circuits[0] (mRID '109cb050-a158-4df7-bd8e-a1e8b0469346')"


def _set(path: Callable[[dict], dict], **changes) -> Callable[[dict], None]:
    def mutate(data: dict) -> None:
        path(data).update(changes)

    return mutate


def _osprey(data: dict) -> dict:
    return data["Substations"][2]


def _drop(key: str) -> Callable[[dict], None]:
    return lambda data: _osprey(data).pop(key)


def _demand(data: dict) -> dict:
    return _osprey(data)["Demands"][0]


def _duplicate_project(data: dict) -> None:
    _osprey(data)["Generators"].append(copy.deepcopy(_osprey(data)["Generators"][0]))
    _osprey(data)["Generators"][-1]["mRID"] = _demand(data)["mRID"]


def _duplicate_substation(data: dict) -> None:
    data["Substations"].append(copy.deepcopy(data["Substations"][0]))


# (what breaks, mutation, record named, field named, words of the message)
REGISTRY_RULES = [
    ("a number that is not one", _set(_osprey, demandConnectedCapacity="lots"), OSPREY,
     "demandConnectedCapacity", "expected a number"),
    ("an unknown substation type", _set(_osprey, type="Tertiary"), OSPREY, "type",
     "expected one of GSP"),
    ("a required field missing", _drop("area"), OSPREY, "area", "required field is missing"),
    ("a negative capacity", _set(_osprey, demandContractedCapacity=-1), OSPREY,
     "demandContractedCapacity", "negative"),
    ("a project in two buckets", _set(_demand, demandQuotedCapacity=5), f"{OSPREY}.Demands[0]",
     "demandQuotedCapacity", "one bucket"),
    ("a total below its projects", _set(_osprey, demandConnectedCapacity=100), OSPREY,
     "demandConnectedCapacity", "less than"),
    ("a project listed twice", _duplicate_project, f"{OSPREY}.Generators[1]", "mRID", "also"),
    ("two substations with one mRID", _duplicate_substation, "Substations[4] (mRID 'GSP-1')",
     "mRID", "also the identifier"),
    ("a parent that does not exist", _set(_osprey, BSP="nowhere"), OSPREY, "BSP",
     "no substation"),
    ("a parent of the wrong type", _set(_osprey, BSP="GSP-1"), OSPREY, "BSP", "is a GSP"),
    ("a latitude off the globe", _set(_osprey, latitude=95), OSPREY, "latitude", "outside"),
    ("a lower-case short code", _set(_osprey, shortCode="ospe"), OSPREY, "shortCode",
     "upper-case"),
    ("an unknown constraint type", lambda d: _osprey(d)["OtherConstraints"][0].update(
        type="Political"), f"{OSPREY}.OtherConstraints[0]", "type", "expected one of"),
    ("a curtailment time that is no time", lambda d: _osprey(d)["Curtailments"][0].update(
        startTime="25:00"), f"{OSPREY}.Curtailments[0]", "startTime", "not a time"),
    ("a rating without voltages", lambda d: _osprey(d)["Transformers"][0]["Ratings"][0].pop(
        "toVoltage"), "Ratings[0]", "toVoltage", "required field is missing"),
    ("a circuit from nowhere", lambda d: d["Circuits"][0].update(FromSubstation="nowhere"),
     CIRCUIT, "FromSubstation", "no substation"),
    ("a circuit line of one point", lambda d: d["Circuits"][0]["Geometry"]["Lines"][0][
        "Coordinates"].pop(), f"{CIRCUIT}.Geometry.Lines[0]", "Coordinates", "2 or more"),
    ("a boolean that is not one", _set(_demand, aggregate="perhaps"), "Demands[0]",
     "aggregate", "true or false"),
]  # fmt: skip


def _assert_refused(res, record: str, field: str, words: str) -> None:
    assert res.status_code == 422, res.text
    body = res.json()
    assert body["status"] == "UNPROCESSABLE_ENTITY"
    hits = [p for p in body["problems"] if record in p["record"] and p["field"] == field]
    assert hits, body["problems"]
    assert words in hits[0]["message"], hits[0]
    # The platform's error shape names the first field too, with a readable message.
    ((path, messages),) = body["message"]["json"].items()
    assert path == f"{body['problems'][0]['record']}.{body['problems'][0]['field']}"
    assert "problem" in messages[0]


def test_every_registry_rule_refuses_the_import_naming_record_and_field(client, dso):
    for what, mutate, record, field, words in REGISTRY_RULES:
        data = registry_only(complete_dataset())
        mutate(data)
        res = upload_json(client, dso.headers, data, strict="true")
        try:
            _assert_refused(res, record, field, words)
        except AssertionError as exc:
            raise AssertionError(f"{what}: {exc}") from None
    assert client.get("/api/v3_0/assets", headers=dso.headers).json() == []  # nothing stored


def test_references_resolve_against_the_registry_already_there(client, dso):
    data = registry_only(complete_dataset())
    upload_json(client, dso.headers, {"Substations": data["Substations"][:2]})  # GSP and BSP
    rest = {"Substations": data["Substations"][2:], "Circuits": data["Circuits"]}
    assert upload_json(client, dso.headers, rest).status_code == 200


PUBLISH_RULES = [
    ("validity the wrong way round", lambda d: d.update(
        valid=["2024-04-01T00:00:00Z", "2024-01-01T00:00:00Z"]), "dataset", "valid", "precede"),
    ("a metadata field missing", lambda d: d.pop("rights"), "dataset", "rights",
     "required field is missing"),
    ("a computed figure missing", lambda d: _osprey(d).pop("demandAvailableCapacity"), OSPREY,
     "demandAvailableCapacity", "required field is missing"),
    ("a RAG value that is none", _set(_osprey, generationConstraint="Purple"), OSPREY,
     "generationConstraint", "expected one of Red"),
    ("an unreadable date", lambda d: d.update(issued="yesterday"), "dataset", "issued",
     "ISO 8601"),
]  # fmt: skip


def test_publishing_a_file_needs_a_complete_dataset(client, dso):
    for what, mutate, record, field, words in PUBLISH_RULES:
        data = complete_dataset()
        mutate(data)
        res = upload_json(client, dso.headers, data, publish="true", strict="true")
        try:
            _assert_refused(res, record, field, words)
        except AssertionError as exc:
            raise AssertionError(f"{what}: {exc}") from None
    assert client.get("/heatmap/datasets").json() == {"datasets": []}
    assert client.get("/api/v3_0/assets", headers=dso.headers).json() == []


def test_files_that_cannot_be_read_are_refused_clearly(client, dso):
    cases = [
        ({"Content-Type": "application/json"}, b"{not json", "dataset", "not valid JSON"),
        ({"Content-Type": "application/json"}, b"[1, 2]", "dataset", "expected a JSON object"),
        ({"Content-Type": "application/zip"}, b"PK not really", "upload.zip", "not a zip"),
        ({"Content-Type": "application/json"}, b"", "upload", "no file given"),
    ]
    for headers, body, record, words in cases:  # unreadable as a whole: refused in either mode
        res = client.post(UPLOAD, content=body, headers={**dso.headers, **headers})
        assert res.status_code == 422, (body, res.text)
        problem = res.json()["problems"][0]
        assert problem["record"] == record and words in problem["message"], problem
    res = client.post(
        UPLOAD,
        params={"strict": "true"},
        files=[("files", ("Feeders.csv", b"name\nX\n", "text/csv"))],
        headers=dso.headers,
    )
    assert res.status_code == 422 and "unknown table" in res.json()["problems"][0]["message"]
    orphan = b"substation,name,aggregate,demandConnectedCapacity,demandContractedCapacity,voltage\n"
    orphan += b"NOWHERE,X,false,1,0,11\n"
    res = client.post(
        UPLOAD,
        params={"strict": "true"},
        files=[
            ("files", ("Substations.csv", b"name,type,area,voltages,longitude,latitude\n"
                       b"A,GSP,North,132;33,0,51\n", "text/csv")),
            ("files", ("Demands.csv", orphan, "text/csv")),
        ],
        headers=dso.headers,
    )  # fmt: skip
    assert res.status_code == 422
    problem = res.json()["problems"][0]
    assert problem["record"].startswith("Demands.csv line 2") and problem["field"] == "substation"
    res = client.post(
        UPLOAD,
        files=[("files", ("a.json", json.dumps({}).encode(), "application/json")),
               ("files", ("b.csv", b"x\n", "text/csv"))],
        headers=dso.headers,
    )  # fmt: skip
    assert (
        res.status_code == 422 and "expected one .json file" in res.json()["problems"][0]["message"]
    )
