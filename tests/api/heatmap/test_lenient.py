"""Lenient imports (the default): files as DNOs publish them load, with a report by kind.

Each test writes a file showing deviations of issue 17 (JSON, or a zip of CSV
tables), imports it over the API or the CLI, and checks what was stored, what was
refused, and the conformance report, in the answer and with the published dataset.
"""

from __future__ import annotations

import copy
import json

import sqlalchemy as sa

from gridflex.store.base import session_scope
from tests.api.heatmap.helpers import (
    UPLOAD,
    complete_dataset,
    metadata,
    station,
    substation,
    transformer,
    upload_json,
    zip_of,
)
from tests.api.heatmap.realistic_file import realistic_file

ID = "c91a4b42-4b21-476d-9c6f-5201a1324b2b"


def _kinds(report: dict) -> dict[str, dict]:
    return {k["kind"]: k for k in report["kinds"]}


def _keys(client, actor) -> set[str]:
    return {a["external_id"] for a in client.get("/api/v3_0/assets", headers=actor.headers).json()}


def _deviating_file() -> dict:
    """The seed's dataset made whole, then given one of each deviation a real file shows."""
    data = complete_dataset()
    osprey = data["Substations"][2]
    del osprey["Demands"][0]["demandConnectedCapacity"]  # required, missing on a sub-record
    del osprey["Generators"][0]["voltage"]
    osprey["Demands"][0]["demandQuotedCapacity"] = 5  # with 157.58 contracted: two buckets
    osprey["Demands"][0]["demandContractedCapacity"] = 157.58
    osprey["demandContractedCapacity"] = 157.58
    osprey["demandQuotedCapacity"] = 5
    osprey["shortCode"] = "OS-PE 1"
    for gone in ("demandAvailableCapacity", "generationAvailableCapacity",
                 "demandConstraintLimitingFactor", "generationConstraintLimitingFactor",
                 "reversePowerFlowTotalCapacity", "reversePowerFlowAvailableCapacity"):  # fmt: skip
        for record in data["Substations"]:
            record.pop(gone, None)
    # A total written to 7 significant digits, 4e-5 MVA below its projects: each number is
    # exact to half its last digit (5e-5 + 5e-5 + 5e-6), so this is rounding, not a deviation.
    osprey["Generators"][0]["generationConnectedCapacity"] = 100.0001
    osprey["Storage"][0]["generationConnectedCapacity"] = 23.45664
    osprey["generationConnectedCapacity"] = 123.4567
    data["issued"] = "2023-12-22T00:54:52+0000"
    data["valid"] = ["2024-01-01T00:00:00.000+0000", "2100-01-01T00:00:00+0000"]
    return data


def test_a_file_with_every_deviation_loads_and_the_report_names_each_kind(client, dso):
    data = _deviating_file()
    res = upload_json(client, dso.headers, data, publish="true")
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["refused"] == 0 and body["substations"]["created"] == 4
    report = body["conformance"]
    kinds = _kinds(report)
    missing = kinds["missing-required"]
    assert missing["outcome"] == "kept"
    assert missing["fields"]["Substations.Demands.demandConnectedCapacity"] == 1
    assert missing["fields"]["Substations.Generators.voltage"] == 1
    assert kinds["several-buckets"]["count"] == 1
    assert "demandQuotedCapacity" in kinds["several-buckets"]["examples"][0]["message"]
    assert kinds["short-code"]["examples"][0]["message"].startswith("'OS-PE 1'")
    assert "total-below-projects" not in kinds  # within the precision the file writes
    # Absent computed figures are filled where the registry allows: OSPREY has a transformer.
    filled = kinds["filled"]["fields"]
    assert filled["Substations.demandAvailableCapacity"] == 1  # the one with a peak given
    assert report["conforms"] is False and report["refused"] == 0
    # Served: given values unchanged, the gaps filled, the report kept with the dataset.
    served = client.get(f"/heatmap/{ID}").json()
    osprey = served["Substations"][2]
    given = data["Substations"][2]
    assert {k: osprey[k] for k in given} == given
    # Firm 30 - peak 23.604368 - contracted 157.58 - quoted 5 (by hand); no step-up rating.
    assert osprey["demandAvailableCapacity"] == -156.184368
    assert osprey["demandConstraintLimitingFactor"] == "Thermal"
    assert osprey["reversePowerFlowTotalCapacity"] == 0
    assert served["issued"] == "2023-12-22T00:54:52.000+0000"
    stored = client.get(f"/heatmap/{ID}/conformance").json()
    assert stored["identifier"] == ID
    assert (
        _kinds(stored)["short-code"]["count"] == 1 and stored["deviations"] == report["deviations"]
    )


def test_strict_keeps_the_all_or_nothing_refusal(client, dso):
    res = upload_json(client, dso.headers, _deviating_file(), publish="true", strict="true")
    assert res.status_code == 422
    kinds = {p["field"] for p in res.json()["problems"]}
    assert {"demandConnectedCapacity", "voltage", "shortCode", "demandQuotedCapacity"} <= kinds
    assert _keys(client, dso) == set()
    assert client.get("/heatmap/datasets").json() == {"datasets": []}


def test_records_that_cannot_be_understood_are_refused_and_references_to_them_kept(client, dso):
    """The dropped-parent chain: a GSP refused, a BSP naming it, a Primary under that BSP,
    a circuit from the GSP; and a duplicate and a station off the globe."""
    gsp = substation("G1", "GSP", 52.0, -1.0, voltages="132 or 33")  # cannot be read
    bsp = substation("B1", "BSP", 52.1, -1.1, GSP="G1")
    primary = substation("P1", "Primary", 52.2, -1.2, GSP="G1", BSP="B1")
    twin = substation("P1", "Primary", 52.3, -1.3)  # the same mRID again
    north = substation("N1", "Primary", 95.0, -1.0)  # latitude off the globe
    circuit = {"mRID": "C1", "name": "Feeder", "voltage": 11, "FromSubstation": "G1",
               "ToSubstation": ["P1"]}  # fmt: skip
    data = {"Substations": [gsp, bsp, primary, twin, north], "Circuits": [circuit]}
    body = upload_json(client, dso.headers, data).json()
    assert body["refused"] == 3, body
    kinds = _kinds(body["conformance"])
    assert kinds["unreadable"]["examples"][0]["record"] == "Substations[0] (mRID 'G1')"
    assert "record not imported" in kinds["unreadable"]["examples"][0]["message"]
    assert kinds["duplicate"]["count"] == 1 and kinds["off-globe"]["count"] == 1
    references = kinds["unresolved-reference"]
    assert references["fields"] == {"Substations.GSP": 2, "Circuits.FromSubstation": 1}
    assert all("'G1' was not imported" in e["message"] for e in references["examples"])
    assert _keys(client, dso) == {"B1", "P1", "C1"}
    assets = {a["external_id"]: a for a in client.get(
        "/api/v3_0/assets", headers=dso.headers).json()}  # fmt: skip
    assert assets["B1"]["parent_asset_id"] is None  # its GSP is not there
    assert assets["P1"]["parent_asset_id"] == assets["B1"]["id"]
    assert assets["P1"]["attributes"]["heatmap"]["GSP"] == "G1"  # the reference is kept
    assert assets["C1"]["parent_asset_id"] is None


def test_a_zip_of_csv_tables_with_deviations_and_an_orphan_row(client, dso):
    tables = {
        "Dataset.csv": "identifier,title,valid\nzipped,Zipped,"
        "2024-01-01T00:00:00+0000;2100-01-01T00:00:00.000+0000\n",
        "Substations.csv": "name,type,area,voltages,longitude,latitude,mRID,shortCode,"
        "demandFirmCapacity,demandMaximum,demandContractedCapacity\n"
        "Gamma,GSP,North,132;33,-1.5,52.5,G,GA-1,100,40.00001,10.00001\n"
        "Delta,Quaternary,North,33;11,-1.4,52.4,D,,,,\n"
        "Epsilon,BSP,North,33;11,-1.3,52.3,E,,50,,\n",
        "Demands.csv": "substation,name,aggregate,demandContractedCapacity,voltage\n"
        "G,Data centre,false,6.000004,33\n"
        "G,Heat pumps,false,4.000007,\n"
        "Z,Nowhere,false,1,33\n",
        "Transformers.csv": "substation,name,voltages,mRID\nG,T1,132;33,T1\nG,T2,132;33,T2\n",
        "Ratings.csv": "substation,transformer,name,summerRating,winterRating,fromVoltage,"
        "toVoltage\nG,T1,ONAN,60,70,132,33\nG,T2,ONAN,60,70,132,33\n",
    }
    res = client.post(
        UPLOAD, params={"publish": "true"}, content=zip_of(tables),
        headers={**dso.headers, "Content-Type": "application/zip"},
    )  # fmt: skip
    assert res.status_code == 200, res.text
    body = res.json()
    kinds = _kinds(body["conformance"])
    assert body["refused"] == 2
    assert kinds["orphan"]["examples"][0]["record"].startswith("Demands.csv line 4")
    assert kinds["unreadable"]["examples"][0]["record"] == "Substations.csv line 3 (mRID 'D')"
    assert kinds["missing-required"]["fields"]["Substations.Demands.voltage"] == 1
    assert kinds["short-code"]["count"] == 1
    assert "total-below-projects" not in kinds  # 10.00001 vs 10.000011: within the digits
    served = client.get("/heatmap/zipped").json()
    gamma = served["Substations"][0]
    assert gamma["demandMaximum"] == 40.00001 and gamma["shortCode"] == "GA-1"
    # Firm 100 given, peak 40.00001, contracted 10.00001: 49.99998 MVA available, Green.
    assert gamma["demandAvailableCapacity"] == 49.99998 and gamma["demandConstraint"] == "Green"
    assert gamma["demandConstraintLimitingFactor"] == "Thermal"
    assert [s["mRID"] for s in served["Substations"]] == ["G", "E"]


def test_a_published_file_of_a_thousand_substations_comes_back_unchanged(client, dso):
    document, rates = realistic_file(1000)
    body = upload_json(client, dso.headers, document, publish="true").json()
    assert body["refused"] == 0, body["conformance"]
    kinds = _kinds(body["conformance"])
    missing = kinds["missing-required"]["fields"]
    assert missing["Substations.Demands.demandConnectedCapacity"] == rates.demands_without_connected
    assert missing["Substations.Generators.voltage"] == rates.generators_without_voltage
    assert kinds["several-buckets"]["count"] == rates.several_buckets
    assert kinds["short-code"]["count"] == rates.bad_short_codes
    assert kinds["unresolved-reference"]["count"] == rates.outside_references
    assert rates.totals_off_by_rounding > 100 and "total-below-projects" not in kinds
    served = client.get(f"/heatmap/{body['published']['identifier']}").json()
    for table in ("Substations", "Circuits"):
        assert len(served[table]) == len(document[table])
        for given, answer in zip(document[table], served[table], strict=True):
            assert {k: answer[k] for k in given} == given
    # Every substation has transformers and a peak: the absent figures are all computed.
    for name, count in rates.missing.items():
        assert kinds["filled"]["fields"][f"Substations.{name}"] == count


def test_the_conformance_command_shows_a_published_report(client, dso, db, tmp_path):
    from typer.testing import CliRunner

    from gridflex.cli.main import app
    from gridflex.config import get_settings

    source = tmp_path / "file.json"
    source.write_text(json.dumps(_deviating_file()))
    runner = CliRunner()
    env = {"GRIDFLEX_DATABASE_URL": db, "GRIDFLEX_MODE": "test"}
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["heatmap", "import", str(source), "--publish",
                                     "--account", str(dso.account_id)], env=env)  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "0 refused" in result.output and "short-code" in result.output
        result = runner.invoke(app, ["heatmap", "conformance", ID], env=env)
        assert result.exit_code == 0, result.output
        assert "several-buckets" in result.output and "missing-required" in result.output
        result = runner.invoke(app, ["heatmap", "conformance", ID, "--json"], env=env)
        assert json.loads(result.output)["identifier"] == ID
    finally:
        get_settings.cache_clear()


def test_publishing_from_the_registry_keeps_the_registrys_deviations_in_its_report(client, dso):
    station_record = substation("A1", "Primary", 52.0, -1.0, shortCode="A 1",
                                demandMaximum=10.0, demandMinimum=1.0,
                                Transformers=[transformer("T1", 33, 11, 20, 24),
                                              transformer("T2", 33, 11, 20, 24)])  # fmt: skip
    assert upload_json(client, dso.headers, {"Substations": [station_record]}).status_code == 200
    payload = {"title": "Q1", "validFrom": "2024-01-01", "validTo": "2100-01-01"}
    res = client.post("/heatmap/publish", json={**payload, "strict": True}, headers=dso.headers)
    assert res.status_code == 422 and res.json()["problems"][0]["field"] == "shortCode"
    res = client.post("/heatmap/publish", json=payload, headers=dso.headers)
    assert res.status_code == 201, res.text
    assert _kinds(res.json()["conformance"])["short-code"]["count"] == 1
    identifier = res.json()["identifier"]
    assert _kinds(client.get(f"/heatmap/{identifier}/conformance").json())["short-code"]


def test_a_dataset_published_before_reports_were_kept_has_none(client, dso, db):
    data = copy.deepcopy(complete_dataset())
    assert upload_json(client, dso.headers, data, publish="true").status_code == 200
    with session_scope(db) as session:
        session.execute(sa.text("UPDATE heatmap_dataset SET conformance = NULL"))
    res = client.get(f"/heatmap/{ID}/conformance")
    assert res.status_code == 404 and "without a conformance report" in res.json()["message"]
    assert client.get("/heatmap/unknown/conformance").status_code == 404


def test_a_file_without_metadata_publishes_with_defaults_but_needs_its_validity(client, dso):
    records = {"Substations": [station("S1", "GSP", 52.0, -1.0)]}
    res = upload_json(client, dso.headers, records, publish="true")
    assert res.status_code == 422 and "valid" in json.dumps(res.json()["message"])
    assert _keys(client, dso) == set()  # nothing of a refused request is kept
    with_validity = {**records, "valid": metadata()["valid"]}
    res = upload_json(client, dso.headers, with_validity, publish="true")
    assert res.status_code == 200, res.text
    filled = _kinds(res.json()["conformance"])["filled"]["fields"]
    assert {"dataset.identifier", "dataset.title", "dataset.rights"} <= set(filled)
    served = client.get(res.json()["published"]["href"]).json()
    assert served["creator"] == "Northern Networks" and served["format"] == "application/json"
