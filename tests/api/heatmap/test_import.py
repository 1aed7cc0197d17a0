"""POST /heatmap/upload: the registry as assets, JSON and CSV files, normalisations, round trips."""

from __future__ import annotations

import copy
import json

from tests.api.heatmap.helpers import (
    UPLOAD,
    complete_dataset,
    published,
    registry_only,
    unzip,
    upload_json,
    zip_of,
)

ID = "c91a4b42-4b21-476d-9c6f-5201a1324b2b"


def _registry(client, actor) -> dict[str, dict]:
    """The actor's assets by external id (key), as the assets API shows them."""
    assets = client.get("/api/v3_0/assets", headers=actor.headers).json()
    return {a["external_id"]: a for a in assets}


def test_a_json_import_puts_substations_transformers_and_circuits_in_the_registry(client, dso):
    data = registry_only(complete_dataset())
    res = upload_json(client, dso.headers, data)
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["substations"] == {"created": 4, "updated": 0, "unchanged": 0}
    assert body["transformers"]["created"] == 1 and body["circuits"]["created"] == 1
    assert body["published"] is None
    assets = _registry(client, dso)
    osprey_key = data["Substations"][2]["mRID"]
    osprey = assets[osprey_key]
    assert osprey["generic_asset_type"]["name"] == "substation"
    assert osprey["account_id"] == dso.account_id
    assert (osprey["latitude"], osprey["longitude"]) == (51.749565, -1.275823)
    record = {k: v for k, v in data["Substations"][2].items() if k != "Transformers"}
    assert osprey["attributes"]["heatmap"] == record
    # The hierarchy as parents: GSP <- BSP <- Primary <- Secondary; transformer and circuit below.
    ids = {key: a["id"] for key, a in assets.items()}
    assert osprey["parent_asset_id"] == ids["BSP-1"]
    assert assets["BSP-1"]["parent_asset_id"] == ids["GSP-1"]
    assert assets["GSP-1"]["parent_asset_id"] is None
    assert assets["OSPREY-S1"]["parent_asset_id"] == ids[osprey_key]
    assert assets["T1"]["generic_asset_type"]["name"] == "transformer"
    assert assets["T1"]["parent_asset_id"] == ids[osprey_key]
    assert assets["T1"]["attributes"]["heatmap"] == data["Substations"][2]["Transformers"][0]
    circuit = assets[data["Circuits"][0]["mRID"]]
    assert circuit["generic_asset_type"]["name"] == "circuit"
    assert circuit["parent_asset_id"] == ids[osprey_key]


def test_importing_again_updates_by_key_and_keeps_the_rest(client, dso):
    data = registry_only(complete_dataset())
    upload_json(client, dso.headers, data)
    again = upload_json(client, dso.headers, data).json()
    assert again["substations"] == {"created": 0, "updated": 0, "unchanged": 4}
    changed = {"Substations": [copy.deepcopy(data["Substations"][2])]}
    changed["Substations"][0]["demandContractedCapacity"] = 7.5
    changed["Substations"][0]["Transformers"] = []
    res = upload_json(client, dso.headers, changed).json()
    assert res["substations"] == {"created": 0, "updated": 1, "unchanged": 0}
    assert res["transformers"]["deleted"] == 1
    assets = _registry(client, dso)
    assert len([a for a in assets.values() if a["generic_asset_type"]["name"] == "substation"]) == 4
    assert "T1" not in assets
    osprey = assets[data["Substations"][2]["mRID"]]
    assert osprey["attributes"]["heatmap"]["demandContractedCapacity"] == 7.5


def test_csv_tables_import_as_files_or_a_zip_and_report_what_was_normalised(client, dso):
    substations = (
        "name;type;area;voltages;longitude;latitude;mRID;GSP;demandContractedCapacity\n"
        "Königsfeld GSP;GSP;Süd;132/33;-1.5;51.5;KG;;\n"
        "Königsfeld Primary;primary;Süd;33kV/11kV;-1.4;51.4;KP;KG;2,5\n"
    )
    files = {
        "Substations.csv": substations.encode("cp1252"),
        "Transformers.csv": b"substation,name,voltages,mRID\nKG,T1,132;33,T1\n",
    }
    res = client.post(
        UPLOAD,
        params={"strict": "true"},
        files=[("files", (name, data, "text/csv")) for name, data in files.items()],
        headers=dso.headers,
    )
    # "2,5" is not a number in a semicolon file: refused, naming the table row and field.
    assert res.status_code == 422, res.text
    problem = res.json()["problems"][0]
    assert "Substations.csv line 3" in problem["record"]
    assert problem["field"] == "demandContractedCapacity" and "2,5" in problem["message"]
    assert _registry(client, dso) == {}
    files["Substations.csv"] = substations.replace("2,5", "2.5").encode("cp1252")
    res = client.post(
        UPLOAD,
        files=[("files", (name, data, "text/csv")) for name, data in files.items()],
        headers=dso.headers,
    )
    assert res.status_code == 200, res.text
    notes = " | ".join(res.json()["normalisations"])
    assert "Windows-1252" in notes and "semicolon" in notes
    assert "'type'" in notes and "'primary'" in notes  # written as the specification spells it
    assets = _registry(client, dso)
    assert assets["KP"]["name"] == "Königsfeld Primary"
    assert assets["KP"]["attributes"]["heatmap"]["type"] == "Primary"
    assert assets["KP"]["attributes"]["heatmap"]["voltages"] == [33, 11]
    assert assets["KP"]["parent_asset_id"] == assets["KG"]["id"]
    assert assets["T1"]["parent_asset_id"] == assets["KG"]["id"]
    zipped = zip_of({"Substations.csv": files["Substations.csv"].decode("cp1252")})
    res = client.post(
        UPLOAD, content=zipped, headers={**dso.headers, "Content-Type": "application/zip"}
    )
    assert res.status_code == 200 and res.json()["substations"]["unchanged"] == 2


def test_json_variants_are_accepted_and_reported(client, dso):
    data = complete_dataset()
    osprey = data["Substations"][2]
    osprey["voltages"] = "33/11"
    osprey["demandConstraint"] = "AMBER"
    osprey["latitude"] = "51.749565"
    osprey["operatorNote"] = {"kept": True}  # not in the specification: kept verbatim
    data["issued"] = "2023-12-22T00:54:52.196Z"
    res = upload_json(client, dso.headers, data, publish="true")
    assert res.status_code == 200, res.text
    notes = res.json()["normalisations"]
    assert any("'voltages'" in n and "33/11" in n for n in notes)
    assert any("'demandConstraint'" in n and "AMBER" in n for n in notes)
    assert any("'operatorNote'" in n and "kept" in n for n in notes)
    served = client.get(f"/heatmap/{ID}").json()
    osprey_out = served["Substations"][2]
    assert osprey_out["voltages"] == [33, 11] and osprey_out["demandConstraint"] == "Amber"
    assert osprey_out["latitude"] == 51.749565 and osprey_out["operatorNote"] == {"kept": True}
    assert served["issued"] == "2023-12-22T00:54:52.196+0000"


def test_import_publish_export_and_import_again_is_lossless(client, dso):
    data = complete_dataset()
    first = published(client, dso.headers, data)
    assert first["published"] == {"identifier": ID, "new": True, "href": f"/heatmap/{ID}"}
    exported = client.get(f"/heatmap/{ID}").content
    assert json.loads(exported) == data
    again = client.post(
        UPLOAD, params={"publish": "true"}, content=exported,
        headers={**dso.headers, "Content-Type": "application/json"},
    ).json()  # fmt: skip
    assert again["published"]["new"] is False  # the very same content: nothing changes
    assert again["substations"] == {"created": 0, "updated": 0, "unchanged": 4}
    assert client.get(f"/heatmap/{ID}").content == exported


def test_the_csv_export_imports_back_to_the_same_dataset(client, dso):
    data = complete_dataset()
    published(client, dso.headers, data)
    zipped = client.get(f"/heatmap/{ID}", params={"format": "csv"}).content
    assert "Dataset.csv" in unzip(zipped)
    res = client.post(
        UPLOAD, params={"publish": "true"}, content=zipped,
        headers={**dso.headers, "Content-Type": "application/zip"},
    )  # fmt: skip
    assert res.status_code == 200, res.text
    # Published again under the same identifier: only identical content is accepted.
    assert res.json()["published"]["new"] is False
    assert res.json()["substations"]["unchanged"] == 4


def test_a_taken_identifier_with_other_content_is_refused_and_nothing_is_stored(client, dso):
    data = complete_dataset()
    published(client, dso.headers, data)
    other = copy.deepcopy(data)
    other["title"] = "Another title"
    other["Substations"].append(copy.deepcopy(other["Substations"][0]))
    other["Substations"][-1].update(name="GSP-2", mRID="GSP-2")
    res = upload_json(client, dso.headers, other, publish="true")
    assert res.status_code == 409
    assert ID in res.json()["message"]
    assert "GSP-2" not in _registry(client, dso)
    assert client.get(f"/heatmap/{ID}").json()["title"] == data["title"]


def test_importing_needs_a_dso_account(client, dso, world):
    data = registry_only(complete_dataset())
    res = upload_json(client, {}, data)
    assert res.status_code == 401
    prosumer = world.user(world.account("Solar Developer", roles=["Prosumer"]))
    res = upload_json(client, prosumer.headers, data)
    assert res.status_code == 403 and "DSO" in res.json()["message"]
    admin = world.user(world.account("Operators"), roles=["admin"])
    res = upload_json(client, admin.headers, data, account_id=dso.account_id)
    assert res.status_code == 200 and res.json()["account_id"] == dso.account_id
    res = upload_json(client, admin.headers, data, account_id=prosumer.account_id)
    assert res.status_code == 403
    member = world.user(world.account("Someone else", roles=["DSO"]))
    res = upload_json(client, member.headers, data, account_id=dso.account_id)
    assert res.status_code == 403  # only admins act for another account
