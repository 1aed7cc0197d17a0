"""``gridflex heatmap`` (import, publish, list, export) and the demo network, on both databases."""

from __future__ import annotations

import json
import zipfile

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from gridflex.cli.main import app
from gridflex.config import get_settings
from gridflex.demo import network
from gridflex.store.base import session_scope
from tests.api.heatmap.helpers import complete_dataset, substation, transformer

ID = "c91a4b42-4b21-476d-9c6f-5201a1324b2b"


@pytest.fixture
def run(db, monkeypatch):
    monkeypatch.setenv("GRIDFLEX_DATABASE_URL", db)
    monkeypatch.setenv("GRIDFLEX_MODE", "test")
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):  # noqa: ANN202
        result = runner.invoke(app, list(args), catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    yield invoke
    get_settings.cache_clear()


def test_import_publish_list_and_export_from_the_command_line(run, tmp_path):
    run("add", "account", "--name", "Northern Networks", "--roles", "DSO")
    data = complete_dataset()
    source = tmp_path / "heatmap.json"
    source.write_text(json.dumps(data))
    output = run("heatmap", "import", str(source), "--publish").output
    assert "substations: 4 created" in output and f"Dataset {ID} published" in output
    assert ID in run("heatmap", "list").output
    exported = tmp_path / "out.json"
    run("heatmap", "export", ID, "--output", str(exported))
    assert json.loads(exported.read_text()) == data
    assert json.loads(run("heatmap", "export", "--at", "2024-02-01").output) == data
    # CSV tables: exported as a zip, imported back from a folder; the same dataset again.
    zipped = tmp_path / "out.zip"
    run("heatmap", "export", ID, "--format", "csv", "--output", str(zipped))
    folder = tmp_path / "tables"
    zipfile.ZipFile(zipped).extractall(folder)
    output = run("heatmap", "import", str(folder), "--publish").output
    assert "substations: 0 created, 0 updated, 4 unchanged" in output
    assert f"Dataset {ID} was already published" in output


def test_publishing_from_the_command_line(run, tmp_path):
    run("add", "account", "--name", "Northern Networks", "--roles", "DSO")
    records = {"Substations": [
        substation("P", "Primary", 51, -1, demandMaximum=6, demandMinimum=2,
                   demandContractedCapacity=1, Transformers=[
                       transformer("T1", 33, 11, 10, 12), transformer("T2", 33, 11, 10, 12)])
    ]}  # fmt: skip
    source = tmp_path / "registry.json"
    source.write_text(json.dumps(records))
    run("heatmap", "import", str(source))
    output = run("heatmap", "publish", "--title", "Q1", "--valid-from", "2024-01-01",
                 "--valid-to", "2024-04-01T00:00:00+00:00", "--identifier", "q1",
                 "--rights", "https://example.org/licence").output  # fmt: skip
    assert "Published dataset q1: 1 substations, 0 circuits" in output
    exported = json.loads(run("heatmap", "export", "q1").output)
    assert exported["rights"] == "https://example.org/licence"
    # Given figures: firm N-1 = 10 (summer); 10 - 6 - 1 = 3 MVA available, above 1 MVA: Green.
    (station,) = exported["Substations"]
    assert (station["demandAvailableCapacity"], station["demandConstraint"]) == (3, "Green")
    assert "q1" in run("heatmap", "list").output


def test_command_line_errors_name_record_and_field_and_store_nothing(run, tmp_path, db):
    result = run("heatmap", "import", str(tmp_path / "missing.json"), ok=False)
    assert result.exit_code == 1 and "DSO" in result.output  # no DSO account yet
    run("add", "account", "--name", "Northern Networks", "--roles", "DSO")
    broken = complete_dataset()
    broken["Substations"][2]["type"] = "Tertiary"
    source = tmp_path / "broken.json"
    source.write_text(json.dumps(broken))
    result = run("heatmap", "import", str(source), "--strict", ok=False)
    assert result.exit_code == 1
    assert "Substations[2]" in result.output and "'type'" in result.output
    assert "nothing was stored" in result.output and "unreadable 1" in result.output
    result = run("heatmap", "import", str(tmp_path / "missing.json"), ok=False)
    assert result.exit_code == 1 and "no such file" in result.output
    # The seed's registry has stations without transformers: nothing to compute capacity from.
    source.write_text(json.dumps(complete_dataset()))
    run("heatmap", "import", str(source))
    result = run("heatmap", "publish", "--title", "Q1", "--valid-from", "2024-01-01",
                 "--valid-to", "2024-04-01", ok=False)  # fmt: skip
    assert result.exit_code == 1 and "could not be computed" in result.output
    result = run("heatmap", "publish", "--title", "Q1", "--valid-from", "2024-04-01",
                 "--valid-to", "2024-01-01", ok=False)  # fmt: skip
    assert result.exit_code == 1 and "valid" in result.output
    result = run("heatmap", "export", "--format", "csv", ok=False)
    assert result.exit_code == 1 and "No heatmap dataset is valid" in result.output
    assert "0 created" not in run("heatmap", "list").output
    with session_scope(db) as session:
        assert session.scalar(sa.text("SELECT count(*) FROM heatmap_dataset")) == 0


def test_the_demo_network_is_loaded_once_and_published(db, client):
    with session_scope(db) as session:
        summary = network.build(session, None)
    assert "published" in summary
    body = client.get("/heatmap").json()
    types = [s["type"] for s in body["Substations"]]
    assert types.count("GSP") >= 3 and types.count("BSP") >= 10 and types.count("Primary") >= 60
    lines = [c for c in body["Circuits"] if len(c["Geometry"]["Lines"][0]["Coordinates"]) >= 2]
    assert len(lines) >= 2
    # A year of half-hourly demand lies behind every figure.
    with session_scope(db) as session:
        counts = session.execute(
            sa.text("SELECT sensor_id, count(*) FROM belief GROUP BY sensor_id")
        ).all()
    assert len(counts) == 75 and min(n for _, n in counts) >= 365 * 48
    assert all("demandMaximum" in s for s in body["Substations"])
    assert {s["demandConstraint"] for s in body["Substations"]} >= {"Green", "Amber"}
    with session_scope(db) as session:
        assert "already present" in network.build(session, None)
