"""The importer: real files' deviations are accepted and reported; the unreadable is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gridflex.engines.heatmap import HeatmapDataError, check_dataset, parse_dataset, parse_json
from gridflex.errors import ValidationError

DATA = Path(__file__).parent / "data" / "heatmap_seed_example.json"


def seed() -> dict[str, Any]:
    return json.loads(DATA.read_text())


def substation_with(**fields: Any) -> dict[str, Any]:
    doc = seed()
    doc["Substations"][0].update(fields)
    return doc


def notes_for(notes, field: str):
    return [n for n in notes if n.field == field]


def test_upper_case_rag_is_read_and_reported():
    dataset, notes = parse_dataset(
        substation_with(demandConstraint="AMBER", generationConstraint="red")
    )
    substation = dataset.substations[0]
    assert (substation.demand_constraint, substation.generation_constraint) == ("Amber", "Red")
    [note] = notes_for(notes, "demandConstraint")
    assert (note.original, note.value) == ("AMBER", "Amber")
    assert note.record == "Substations[0] (mRID '248ff818f157022515afc2b8e3c65894449ab903')"


def test_enum_spellings_with_spaces_and_case_are_read():
    dataset, _ = parse_dataset(
        substation_with(type="primary", demandConstraintLimitingFactor="Fault Level")
    )
    assert dataset.substations[0].type == "Primary"
    assert dataset.substations[0].demand_constraint_limiting_factor == "FaultLevel"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-01T00:00:00.000+0000", datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-01-01T00:00:00Z", datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-01-01T01:00:00+01:00", datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-01-01T02:00:00.000+0200", datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-01-01", datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-01-01T00:00:00", datetime(2024, 1, 1, tzinfo=UTC)),
    ],
)
def test_date_time_variants_become_the_same_utc_instant(text, expected):
    doc = seed()
    doc["date"] = text
    dataset, notes = parse_dataset(doc)
    assert dataset.date == expected
    assert bool(notes_for(notes, "date")) == (text != "2024-01-01T00:00:00.000+0000")


def test_date_without_offset_is_reported_as_read_as_utc():
    doc = seed()
    doc["issued"] = "2023-12-22T00:54:52"
    _, notes = parse_dataset(doc)
    [note] = notes_for(notes, "issued")
    assert "read as UTC" in note.reason


def test_numbers_as_strings_are_read_and_reported():
    dataset, notes = parse_dataset(
        substation_with(
            demandFirmCapacity="30",
            demandMaximum=" 23.5 ",
            voltages="33/11",
            breakerBreakingCapacity="25 kA",
            demandMinimum="-1.5e0",
        )
    )
    substation = dataset.substations[0]
    assert substation.demand_firm_capacity_mva == 30
    assert isinstance(substation.demand_firm_capacity_mva, int)
    assert substation.demand_maximum_mva == 23.5
    assert substation.demand_minimum_mva == -1.5
    assert substation.voltages_kv == [33, 11]
    assert substation.breaker_breaking_capacity_ka == 25
    assert {n.field for n in notes} == {
        "demandFirmCapacity",
        "demandMaximum",
        "voltages",
        "breakerBreakingCapacity",
        "demandMinimum",
    }


def test_placeholders_and_nulls_become_absent_and_are_reported():
    dataset, notes = parse_dataset(substation_with(demandMaximum="N/A", demandMinimum=None))
    substation = dataset.substations[0]
    assert substation.demand_maximum_mva is None and substation.demand_minimum_mva is None
    assert {n.field for n in notes} == {"demandMaximum", "demandMinimum"}


def test_booleans_as_text_or_numbers_are_read():
    doc = seed()
    doc["Substations"][0]["Demands"][0]["aggregate"] = "TRUE"
    doc["Substations"][0]["Generators"][0]["aggregate"] = 0
    dataset, notes = parse_dataset(doc)
    assert dataset.substations[0].demands[0].aggregate is True
    assert dataset.substations[0].generators[0].aggregate is False
    assert len(notes_for(notes, "aggregate")) == 2


def test_missing_required_fields_are_accepted_and_reported():
    doc = seed()
    del doc["Substations"][0]["area"]
    del doc["title"]
    dataset, notes = parse_dataset(doc)
    assert dataset.substations[0].area is None and dataset.title is None
    assert notes == []  # reading accepts; the checks report what the specification requires
    missing = {
        (p.record.split(" ")[0], p.field, p.kind)
        for p in check_dataset(dataset)
        if p.field in ("area", "title")
    }
    assert missing == {
        ("Substations[0]", "area", "missing-required"),
        ("dataset", "title", "missing-required"),
    }


def test_field_names_in_another_case_are_read_and_reported():
    doc = seed()
    substation = doc["Substations"][0]
    substation["mrid"] = substation.pop("mRID")
    dataset, notes = parse_dataset(doc)
    assert dataset.substations[0].mrid == "248ff818f157022515afc2b8e3c65894449ab903"
    assert [n.reason for n in notes] == ["field name spelled as specified"]


def test_single_values_where_lists_are_expected_are_wrapped():
    doc = seed()
    doc["Circuits"][0]["ToSubstation"] = "abc"
    doc["Substations"][0]["Transformers"] = doc["Substations"][0]["Transformers"][0]
    dataset, notes = parse_dataset(doc)
    assert dataset.circuits[0].to_substation == ["abc"]
    assert len(dataset.substations[0].transformers) == 1
    assert {n.field for n in notes} == {"ToSubstation", "Transformers"}


def test_time_of_day_variants_are_read():
    doc = seed()
    doc["Substations"][0]["Curtailments"][0].update(startTime="9:00", endTime="24:00")
    dataset, notes = parse_dataset(doc)
    curtailment = dataset.substations[0].curtailments[0]
    assert (curtailment.start_time, curtailment.end_time) == ("09:00", "24:00")
    assert [n.field for n in notes] == ["startTime"]


def test_unreadable_number_is_refused_naming_record_and_field():
    doc = seed()
    doc["Substations"][0]["Transformers"][0]["Ratings"][0]["summerRating"] = "big"
    with pytest.raises(HeatmapDataError) as error:
        parse_dataset(doc)
    [problem] = error.value.problems
    assert problem.record == (
        "Substations[0] (mRID '248ff818f157022515afc2b8e3c65894449ab903')"
        ".Transformers[0] (mRID '<string>').Ratings[0] (name 'Operational')"
    )
    assert problem.field == "summerRating"
    assert str(error.value).endswith("field 'summerRating': expected a number [MVA], got 'big'")
    assert isinstance(error.value, ValidationError)


def test_a_different_unit_is_refused():
    with pytest.raises(HeatmapDataError, match="demandFirmCapacity.*unit not accepted"):
        parse_dataset(substation_with(demandFirmCapacity="30 MW"))


def test_unknown_enum_value_is_refused_listing_the_choices():
    with pytest.raises(HeatmapDataError, match="expected one of Red, Amber, Green, got 'Purple'"):
        parse_dataset(substation_with(demandConstraint="Purple"))


def test_bad_date_time_is_refused():
    doc = seed()
    doc["valid"] = ["01/02/2024", "2024-04-01T00:00:00Z"]
    with pytest.raises(HeatmapDataError) as error:
        parse_dataset(doc)
    assert error.value.problems[0].path == "dataset.valid"
    assert "item 0" in error.value.problems[0].message


def test_every_unreadable_value_is_reported_at_once():
    doc = substation_with(latitude="north", type="Tertiary")
    doc["Circuits"][0]["voltage"] = True
    with pytest.raises(HeatmapDataError) as error:
        parse_dataset(doc)
    fields = [p.field for p in error.value.problems]
    assert fields == ["type", "latitude", "voltage"]
    assert (
        error.value.field == "Substations[0] (mRID '248ff818f157022515afc2b8e3c65894449ab903').type"
    )


def test_a_record_that_is_not_an_object_is_refused():
    doc = seed()
    doc["Substations"].append("OSPREY")
    with pytest.raises(HeatmapDataError, match=r"Substations\[1\]: expected an object"):
        parse_dataset(doc)


def test_invalid_json_text_is_refused():
    with pytest.raises(HeatmapDataError, match="not valid JSON"):
        parse_json(b"{not json")
