"""Each rule of the specification gives a problem naming the record and the field."""

from __future__ import annotations

from datetime import UTC, datetime

from gridflex.engines.heatmap import (
    Circuit,
    Coordinate,
    Dataset,
    Demand,
    Generator,
    Geometry,
    Line,
    Storage,
    Substation,
    check_dataset,
)

JAN, APR = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 4, 1, tzinfo=UTC)


def complete_substation(**changes) -> Substation:
    fields = dict(
        name="OSPREY",
        type="Primary",
        area="SEPD",
        voltages_kv=[33, 11],
        longitude_deg=-1.27,
        latitude_deg=51.75,
        demand_firm_capacity_mva=30,
        demand_available_capacity_mva=0.6,
        demand_constraint="Amber",
        demand_constraint_limiting_factor="Thermal",
        generation_firm_capacity_mva=1.5,
        generation_available_capacity_mva=0.2,
        generation_constraint="Amber",
        generation_constraint_limiting_factor="Thermal",
        reverse_power_flow_total_capacity_mva=0,
        reverse_power_flow_available_capacity_mva=0,
        mrid="osp",
    )
    fields.update(changes)
    return Substation(**fields)


def dataset(substations=(), circuits=(), **changes) -> Dataset:
    fields = dict(
        contributor="c",
        coverage="c",
        creator="c",
        date=JAN,
        description="d",
        format="application/json",
        identifier="i",
        issued=JAN,
        language="en",
        publisher="p",
        rights="https://example.org",
        title="t",
        valid=[JAN, APR],
        substations=list(substations),
        circuits=list(circuits),
    )
    fields.update(changes)
    return Dataset(**fields)


def found(problems) -> set[tuple[str, str]]:
    return {(p.record, p.field) for p in problems}


def test_a_complete_dataset_has_no_problems():
    assert check_dataset(dataset([complete_substation()])) == []


def test_missing_required_fields_are_named():
    problems = check_dataset(dataset([complete_substation(area=None)], title=None))
    assert found(problems) == {("dataset", "title"), ("Substations[0] (mRID 'osp')", "area")}
    assert str(problems[0]) == "dataset, field 'title': required field is missing"


def test_values_outside_an_enum_are_named():
    problems = check_dataset(dataset([complete_substation(demand_constraint="Purple")]))
    assert found(problems) == {("Substations[0] (mRID 'osp')", "demandConstraint")}
    assert "'Purple' is not one of Red, Amber, Green" in problems[0].message


def test_valid_range_must_run_forwards():
    problems = check_dataset(dataset(valid=[APR, JAN]))
    assert found(problems) == {("dataset", "valid")}


def test_totals_at_least_the_sum_of_listed_projects():
    substation = complete_substation(
        demand_connected_capacity_mva=10.0,
        generation_contracted_capacity_mva=1.0,
        demands=[
            Demand(
                name="d",
                aggregate=True,
                demand_connected_capacity_mva=6.0,
                demand_contracted_capacity_mva=0,
                voltage_kv=11,
            )
        ],
        storage=[
            Storage(
                name="s",
                aggregate=True,
                demand_connected_capacity_mva=5.0,
                demand_contracted_capacity_mva=0,
                generation_connected_capacity_mva=5.0,
                generation_contracted_capacity_mva=0.7,
                voltage_kv=11,
            )
        ],
        generators=[
            Generator(
                name="g",
                aggregate=True,
                generation_connected_capacity_mva=0,
                generation_contracted_capacity_mva=0.3,
                voltage_kv=11,
            )
        ],
    )
    problems = check_dataset(dataset([substation]))
    # Demand connected: 6 + 5 = 11 > 10. Generation contracted: 0.7 + 0.3 = 1.0 is fine.
    assert found(problems) == {("Substations[0] (mRID 'osp')", "demandConnectedCapacity")}
    assert "total 10.0 MVA is less than the 11 MVA of the listed projects" in problems[0].message


def test_an_individual_project_sits_in_one_bucket():
    project = Demand(
        name="New load",
        aggregate=False,
        demand_connected_capacity_mva=2.0,
        demand_contracted_capacity_mva=2.0,
        voltage_kv=11,
    )
    problems = check_dataset(dataset([complete_substation(demands=[project])]))
    assert found(problems) == {
        ("Substations[0] (mRID 'osp').Demands[0] (name 'New load')", "demandContractedCapacity")
    }


def test_aggregate_projects_may_span_buckets():
    project = Demand(
        name="All LV",
        aggregate=True,
        demand_connected_capacity_mva=2.0,
        demand_contracted_capacity_mva=1.0,
        voltage_kv=0.4,
    )
    assert check_dataset(dataset([complete_substation(demands=[project])])) == []


def test_one_project_listed_twice_is_named():
    first = Generator(
        name="Wind",
        aggregate=False,
        generation_connected_capacity_mva=2.0,
        generation_contracted_capacity_mva=0,
        voltage_kv=11,
        mrid="w1",
    )
    again = Storage(
        name="Wind+battery",
        aggregate=False,
        demand_connected_capacity_mva=0,
        demand_contracted_capacity_mva=0,
        generation_connected_capacity_mva=0,
        generation_contracted_capacity_mva=2.0,
        voltage_kv=11,
        mrid="w1",
    )
    problems = check_dataset(dataset([complete_substation(generators=[first], storage=[again])]))
    assert found(problems) == {("Substations[0] (mRID 'osp').Storage[0] (mRID 'w1')", "mRID")}
    assert "also Generators[0]" in problems[0].message


def test_negative_capacity_and_bad_coordinates_are_named():
    problems = check_dataset(
        dataset([complete_substation(demand_quoted_capacity_mva=-1, latitude_deg=95.0)])
    )
    assert found(problems) == {
        ("Substations[0] (mRID 'osp')", "demandQuotedCapacity"),
        ("Substations[0] (mRID 'osp')", "latitude"),
    }


def test_negative_minimum_demand_is_allowed():
    assert check_dataset(dataset([complete_substation(demand_minimum_mva=-3.0)])) == []


def test_short_code_must_be_upper_case_alphanumeric():
    problems = check_dataset(dataset([complete_substation(short_code="Osp-1")]))
    assert found(problems) == {("Substations[0] (mRID 'osp')", "shortCode")}


def test_duplicate_substation_identifiers_are_named():
    problems = check_dataset(dataset([complete_substation(), complete_substation(name="OTHER")]))
    assert found(problems) == {("Substations[1] (mRID 'osp')", "mRID")}


def test_references_to_missing_substations_are_named():
    substation = complete_substation(gsp="nowhere")
    circuit = Circuit(
        mrid="c",
        name="c",
        voltage_kv=11,
        demand_constraint="Green",
        from_substation="osp",
        to_substation=["OSPREY", "ghost"],
    )
    problems = check_dataset(dataset([substation], [circuit]))
    assert found(problems) == {
        ("Substations[0] (mRID 'osp')", "GSP"),
        ("Circuits[0] (mRID 'c')", "ToSubstation"),
    }


def test_circuit_lines_need_two_coordinates():
    geometry = Geometry(
        type="LineString", lines=[Line(coordinates=[Coordinate(latitude_deg=1, longitude_deg=2)])]
    )
    circuit = Circuit(
        mrid="c",
        name="c",
        voltage_kv=11,
        demand_constraint="Green",
        from_substation="osp",
        geometry=geometry,
    )
    problems = check_dataset(dataset([complete_substation()], [circuit]))
    assert found(problems) == {("Circuits[0] (mRID 'c').Geometry.Lines[0]", "Coordinates")}


def test_nested_records_are_checked_with_their_path():
    project = Demand(
        name="x",
        aggregate=None,
        demand_connected_capacity_mva=0,
        demand_contracted_capacity_mva=0,
        voltage_kv=11,
    )
    problems = check_dataset(dataset([complete_substation(demands=[project])]))
    assert found(problems) == {("Substations[0] (mRID 'osp').Demands[0] (name 'x')", "aggregate")}
