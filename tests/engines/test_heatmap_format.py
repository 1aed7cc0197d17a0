"""The dataset format: every field of the seed's example, its type and unit; round trips.

Field names, types, units, required lists and enums are checked against the seed text
and the OpenAPI document themselves (read from ../shared when present), not against
the engine's own table.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from gridflex.engines.heatmap import (
    Circuit,
    Constraint,
    Coordinate,
    Dataset,
    Geometry,
    HeatmapDataError,
    Line,
    Substation,
    Transformer,
    parse_csv_tables,
    parse_csv_zip,
    parse_dataset,
    to_csv_tables,
    to_csv_zip,
    to_geojson,
    to_json,
)
from gridflex.engines.heatmap.model import FIELDS, KEYS

DATA = Path(__file__).parent / "data" / "heatmap_seed_example.json"
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SEED = SHARED / "seeds" / "000_4d907e433c80988b.txt"
SPEC = SHARED / "specs" / "heatmap-openapi-0.9.0.yaml"

# The OpenAPI schema of each JSON object in the seed's example, by its path.
SCHEMA_OF_PATH = {
    "": "HeatmapDataSet",
    "Substations": "Substation",
    "Circuits": "Circuit",
    "Demands": "Demand",
    "Generators": "Generator",
    "Storage": "Storage",
    "Transformers": "Transformer",
    "Ratings": "Rating",
    "OtherConstraints": "Constraint",
    "Curtailments": "Curtailment",
    "Geometry": "Geometry",
    "Lines": "Line",
    "Coordinates": "Coordinate",
}
# The spec's ``format`` for units, and how the engine writes them.
UNIT_OF_FORMAT = {"MVA": "MVA", "kV": "kV", "kA": "kA", "Seconds": "s", "DecimalDegrees": "deg"}


def seed_example() -> dict[str, Any]:
    return json.loads(DATA.read_text())


def spec_schemas() -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    if not SPEC.exists():
        pytest.skip("the OpenAPI document (../shared/specs) is not beside this checkout")
    return yaml.safe_load(SPEC.read_text())["components"]["schemas"]


def walk(obj: dict[str, Any], path: str = ""):
    """Every JSON object of the example with the name of its list ('' for the top)."""
    yield path, obj
    for key, value in obj.items():
        if isinstance(value, dict):
            yield from walk(value, key)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    yield from walk(item, key)


def model_class(schema: str) -> type:
    from gridflex.engines.heatmap import model

    return {"HeatmapDataSet": Dataset, "Constraint": model.Constraint}.get(
        schema, getattr(model, schema, None)
    )


def test_fixture_is_the_seed_example_verbatim():
    if not SEED.exists():
        pytest.skip("the seed text (../shared/seeds) is not beside this checkout")
    text = SEED.read_text()
    example = json.loads(text[text.index("{") : text.index("\nResponse")])
    assert example == seed_example()


def test_every_field_of_the_seed_example_is_a_model_field_without_normalisation():
    dataset, notes = parse_dataset(seed_example())
    assert notes == []
    for path, obj in walk(seed_example()):
        cls = model_class(SCHEMA_OF_PATH[path])
        assert set(obj) <= set(KEYS[cls]), f"{path}: {set(obj) - set(KEYS[cls])}"
    assert dataset.extra == {} and all(s.extra == {} for s in dataset.substations or ())


def test_every_field_has_the_specified_type_unit_and_required_flag():
    schemas = spec_schemas()
    json_type = {
        "str": "string",
        "number": "number",
        "bool": "boolean",
        "enum": "string",
        "datetime": "string",
        "time": "string",
    }
    for schema_name, schema in schemas.items():
        cls = model_class(schema_name)
        table = {info.key: info for _, info in FIELDS[cls]}
        assert set(table) == set(schema["properties"]), schema_name
        required = set(schema.get("required", []))
        assert {k for k, info in table.items() if info.required} == required, schema_name
        for key, prop in schema["properties"].items():
            info = table[key]
            fmt = prop.get("format") or prop.get("items", {}).get("format")
            assert info.unit == UNIT_OF_FORMAT.get(fmt), f"{schema_name}.{key}"
            if "enum" in prop:
                assert info.kind == "enum" and set(info.choices) == set(prop["enum"])
            elif prop.get("type") == "array":
                assert info.kind in ("numbers", "strs", "records", "datetimes"), key
            elif "$ref" in prop:
                assert info.kind == "record"
            elif key not in ("startTime", "endTime", "date", "issued"):
                assert json_type[info.kind] == prop["type"], f"{schema_name}.{key}"


def test_seed_example_values_come_back_with_their_json_types():
    example = seed_example()
    out = orjson.loads(to_json(parse_dataset(example)[0]))
    for (path, given), (_, written) in zip(walk(example), walk(out), strict=True):
        for key, value in given.items():
            assert type(written[key]) is type(value), f"{path}.{key}"


def test_seed_example_units_land_in_unit_named_attributes():
    substation = parse_dataset(seed_example())[0].substations[0]
    assert substation.demand_firm_capacity_mva == 30
    assert substation.voltages_kv == [33, 11]
    assert substation.breaker_short_circuit_duration_s == 123
    assert substation.breaker_breaking_capacity_ka == 123
    rating = substation.transformers[0].ratings[0]
    assert (rating.summer_rating_mva, rating.winter_rating_mva) == (100, 120)
    assert (rating.from_voltage_kv, rating.to_voltage_kv) == (33, 11)
    assert substation.curtailments[0].curtailed_by_mva == 50


def test_seed_example_date_times_are_aware_utc():
    dataset = parse_dataset(seed_example())[0]
    assert dataset.issued == datetime(2023, 12, 22, 0, 54, 52, 196000, tzinfo=UTC)
    assert dataset.valid == [datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 4, 1, tzinfo=UTC)]


def test_json_round_trip_of_the_seed_example_is_byte_for_byte():
    example = seed_example()
    written = to_json(parse_dataset(example)[0])
    assert written == orjson.dumps(example)


def test_json_round_trip_keeps_unknown_fields_and_leaves_absent_ones_absent():
    example = seed_example()
    example["x-publisher-note"] = {"nested": [1, 2]}
    substation = example["Substations"][0]
    substation["x-local-code"] = "ABC"
    for key in ("demandMaximum", "Demands", "GSP"):
        del substation[key]
    example["Circuits"][0]["Geometry"]["x-crs"] = "EPSG:4326"
    dataset, _ = parse_dataset(copy.deepcopy(example))
    assert orjson.loads(to_json(dataset)) == example


def test_json_round_trip_keeps_microseconds_and_empty_lists():
    example = seed_example()
    example["issued"] = "2023-12-22T00:54:52.196123+0000"
    example["Substations"][0]["Demands"] = []
    again = orjson.loads(to_json(parse_dataset(example)[0]))
    assert again["issued"] == "2023-12-22T00:54:52.196123+0000"
    assert again["Substations"][0]["Demands"] == []


def test_csv_zip_round_trip_of_the_seed_example_is_lossless():
    example = seed_example()
    dataset, notes = parse_csv_zip(to_csv_zip(parse_dataset(example)[0]))
    assert notes == []
    assert orjson.loads(to_json(dataset)) == example


def test_csv_zip_has_one_table_per_class_keyed_by_substation():
    archive = zipfile.ZipFile(io.BytesIO(to_csv_zip(parse_dataset(seed_example())[0])))
    names = set(archive.namelist())
    assert {
        "Dataset.csv",
        "Substations.csv",
        "Demands.csv",
        "Ratings.csv",
        "Circuits.csv",
        "CircuitCoordinates.csv",
    } <= names
    demands = archive.read("Demands.csv").decode().splitlines()
    assert demands[0].startswith("substation,name,aggregate,demandConnectedCapacity")
    assert demands[1].startswith("248ff818f157022515afc2b8e3c65894449ab903,New Demand Project")


def _small_dataset() -> Dataset:
    return Dataset(
        title="t",
        substations=[
            Substation(name="A", type="GSP", voltages_kv=[132.0, 33.0], mrid="a"),
            Substation(name="B", type="BSP", gsp="a"),
        ],
    )


def test_csv_rows_of_an_unknown_substation_are_refused_naming_line_and_column():
    tables = to_csv_tables(_small_dataset())
    tables["Demands"] = [
        {
            "substation": "a",
            "name": "ok",
            "aggregate": "false",
            "voltage": "33",
            "demandConnectedCapacity": "1",
            "demandContractedCapacity": "0",
        },
        {
            "substation": "zzz",
            "name": "lost",
            "aggregate": "false",
            "voltage": "33",
            "demandConnectedCapacity": "1",
            "demandContractedCapacity": "0",
        },
    ]
    with pytest.raises(HeatmapDataError) as error:
        parse_csv_tables(tables)
    [problem] = error.value.problems
    assert problem.record == "Demands.csv line 3 (substation 'zzz')"
    assert problem.field == "substation"


def test_csv_bad_cell_is_refused_naming_table_line_and_field():
    tables = to_csv_tables(_small_dataset())
    tables["Substations.csv"] = tables.pop("Substations")
    tables["Substations.csv"][1]["demandFirmCapacity"] = "lots"
    with pytest.raises(HeatmapDataError) as error:
        parse_csv_tables(tables)
    [problem] = error.value.problems
    assert (problem.record, problem.field) == (
        "Substations.csv line 3 (name 'B')",
        "demandFirmCapacity",
    )
    assert "Substations.csv line 3 (name 'B'), field 'demandFirmCapacity'" in str(error.value)


def test_csv_unknown_table_is_refused():
    with pytest.raises(HeatmapDataError, match="table Substation.csv: unknown table"):
        parse_csv_tables({"Substation.csv": []})


def test_csv_writer_refuses_parents_it_cannot_key():
    dataset = Dataset(
        substations=[
            Substation(name="A", other_constraints=[Constraint(name="c")]),
            Substation(name="A", transformers=[Transformer(name="T")]),
        ]
    )
    with pytest.raises(HeatmapDataError, match=r"key 'A' is also that of Substations\[0\]"):
        to_csv_zip(dataset)


def test_geojson_has_points_and_lines_in_lon_lat_order():
    circuit = Circuit(
        mrid="c1",
        name="line",
        voltage_kv=11,
        geometry=Geometry(
            type="LineString",
            lines=[
                Line(
                    coordinates=[
                        Coordinate(latitude_deg=56.0, longitude_deg=-3.0),
                        Coordinate(latitude_deg=56.5, longitude_deg=-3.5),
                    ]
                )
            ],
        ),
    )
    dataset = Dataset(
        title="t",
        substations=[Substation(name="S", mrid="s1", longitude_deg=-1.27, latitude_deg=51.7)],
        circuits=[circuit],
    )
    geo = orjson.loads(to_geojson(dataset))
    assert geo["type"] == "FeatureCollection" and geo["metadata"] == {"title": "t"}
    point, line = geo["features"]
    assert point["geometry"] == {"type": "Point", "coordinates": [-1.27, 51.7]}
    assert point["id"] == "s1" and point["properties"]["class"] == "Substation"
    assert "longitude" not in point["properties"]
    assert line["geometry"] == {"type": "LineString", "coordinates": [[-3.0, 56.0], [-3.5, 56.5]]}
    assert "Geometry" not in line["properties"] and line["properties"]["class"] == "Circuit"


def test_geojson_writes_the_seeds_one_point_line_as_a_point():
    geo = orjson.loads(to_geojson(parse_dataset(seed_example())[0]))
    substation, circuit = geo["features"]
    assert substation["geometry"]["coordinates"] == [-1.275823, 51.749565]
    assert circuit["geometry"] == {"type": "Point", "coordinates": [-3.437605, 56.397694]}
    assert substation["properties"]["demandFirmCapacity"] == 30
    assert geo["metadata"]["valid"] == [
        "2024-01-01T00:00:00.000+0000",
        "2024-04-01T00:00:00.000+0000",
    ]
