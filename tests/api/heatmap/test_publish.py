"""POST /heatmap/publish: statistics, capacities, RAG and limiting factors from registry and sensors.

Demand is posted through the sensor-data API as any meter would; the expected
figures are computed here with plain numpy (statistics) or by hand from the
documented rules (capacities, RAG, limiting factors).
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from gridflex.services.heatmap import measurements
from gridflex.store.queries import beliefs as belief_queries
from gridflex.timing import format_duration
from tests.api.heatmap.helpers import demand_profile, substation, transformer, upload_json

VALID_FROM = datetime(2024, 1, 1, tzinfo=UTC)
WINDOW = (datetime(2023, 1, 1, tzinfo=UTC), VALID_FROM)  # the 12 months before valid[0]
HALF = timedelta(minutes=30)
PUBLISH = {"title": "Computed", "validFrom": "2024-01-01", "validTo": "2024-04-01T00:00:00+00:00"}


def _assets(client, actor) -> dict[str, dict]:
    return {
        a["external_id"]: a for a in client.get("/api/v3_0/assets", headers=actor.headers).json()
    }


def _sensor(client, actor, asset_id: int, *, name="demand", unit="MW", resolution="PT30M") -> int:
    res = client.post(
        "/api/v3_0/sensors",
        json={"name": name, "unit": unit, "event_resolution": resolution,
              "generic_asset_id": asset_id, "timezone": "Europe/London"},
        headers=actor.headers,
    )  # fmt: skip
    assert res.status_code == 201, res.text
    return res.json()["id"]


def _post(client, actor, sensor_id: int, values: np.ndarray, start: datetime, step: timedelta,
          unit: str, **extra) -> None:  # fmt: skip
    body = {
        "values": [None if math.isnan(v) else float(v) for v in values],
        "start": start.isoformat(),
        "duration": format_duration(step * len(values)),
        "unit": unit,
        **extra,
    }
    res = client.post(f"/api/v3_0/sensors/{sensor_id}/data", json=body, headers=actor.headers)
    assert res.status_code == 200, res.text


def _publish(client, actor, **fields):
    return client.post("/heatmap/publish", json={**PUBLISH, **fields}, headers=actor.headers)


@pytest.fixture(params=["few reads", "a read per sensor"])
def reads(request, monkeypatch):
    """Demand read as a few sensors need (serially), or one sensor per read over parallel
    connections, consumed while later reads run (as for large networks)."""
    if request.param == "a read per sensor":
        monkeypatch.setattr(measurements, "_READ_EVENTS", 1)
        monkeypatch.setattr(belief_queries, "_PARALLEL_FROM", 1)


def _steps(start: datetime, end: datetime, step: timedelta) -> np.ndarray:
    count = (end - start) // step
    return np.datetime64(start.replace(tzinfo=None)) + np.arange(count) * np.timedelta64(step)


def _statistics(values: np.ndarray) -> dict[str, float]:
    """The published statistics, computed independently with numpy."""
    return {
        "demandMaximum": float(np.nanmax(values)),
        "demandMinimum": float(np.nanmin(values)),
        **{f"demand{q}Percentile": float(np.nanpercentile(values, q)) for q in (99, 75, 50, 25)},
    }


def _units(n: int, high: float, low: float, summer: float, winter: float, reverse=None):
    units = [transformer(f"T{i}", high, low, summer, winter) for i in range(n)]
    for unit in units:
        if reverse:
            unit["Ratings"].append({"name": "R", "summerRating": reverse[0], "winterRating": reverse[1],
                                    "fromVoltage": low, "toVoltage": high})  # fmt: skip
    return units


# ---------------------------------------------------------------- statistics against numpy


def test_published_statistics_match_numpy_on_measured_demand(client, dso, reads):
    rng = np.random.default_rng(42)
    names = ("MW", "KW15", "PQ", "OUT")
    given = {"demandMaximum": 7.5, "demandMinimum": 1.25}  # published figures, no sensor
    records = {"Substations": [
        substation(n, "Primary", 51 + i / 10, -1, **(given if n == "OUT" else {}),
                   Transformers=_units(2, 33, 11, 50, 60, reverse=(25, 30)))
        for i, n in enumerate(names)
    ], "Circuits": [{"mRID": "C", "name": "C", "voltage": 11, "FromSubstation": "MW",
                     "summerRating": 20, "winterRating": 24}]}  # fmt: skip
    assert upload_json(client, dso.headers, records).status_code == 200
    ids = {k: a["id"] for k, a in _assets(client, dso).items()}
    # A month more on each side: values outside the window must not count.
    start, end = WINDOW[0] - timedelta(days=31), WINDOW[1] + timedelta(days=31)
    half = _steps(start, end, HALF)
    inside = (half >= np.datetime64("2023-01-01")) & (half < np.datetime64("2024-01-01"))
    expected: dict[str, np.ndarray] = {}

    mw = demand_profile(rng, len(half), 20.0)
    mw[rng.random(len(half)) < 0.03] = np.nan  # gaps are skipped (coverage stays above 90 %)
    mw[~inside] = 999.0
    _post(client, dso, _sensor(client, dso, ids["MW"]), mw, start, HALF, "MW")
    expected["MW"] = mw[inside]

    quarter = timedelta(minutes=15)
    kw = demand_profile(rng, 2 * len(half), 15_000.0)  # kW, every 15 minutes
    kw[rng.random(len(kw)) < 0.02] = np.nan
    _post(client, dso, _sensor(client, dso, ids["KW15"], unit="kW", resolution="PT15M"),
          kw, start, quarter, "kW")  # fmt: skip
    pairs = kw.reshape(-1, 2) / 1000  # half-hourly means of what is there [MVA]
    present = np.count_nonzero(~np.isnan(pairs), axis=1)
    means = np.where(present > 0, np.nansum(pairs, axis=1) / np.maximum(present, 1), np.nan)
    expected["KW15"] = means[inside]

    p = demand_profile(rng, len(half), 10.0)
    p[rng.random(len(half)) < 0.01] -= 14.0  # some reverse power flow: negative real power
    q = 0.3 * np.abs(p) + rng.random(len(half))
    _post(client, dso, _sensor(client, dso, ids["PQ"]), p, start, HALF, "MW")
    reactive = _sensor(client, dso, ids["PQ"], name="reactive power", unit="MVA")
    _post(client, dso, reactive, q, start, HALF, "MVA")
    expected["PQ"] = (np.sign(p) * np.sqrt(p**2 + q**2))[inside]

    c = demand_profile(rng, len(half), 5.0)
    _post(client, dso, _sensor(client, dso, ids["C"], unit="MVA"), c, start, HALF, "MVA")
    expected["C"] = c[inside]

    res = _publish(client, dso, identifier="stats")
    assert res.status_code == 201, res.text
    body = client.get("/heatmap/stats").json()
    records_out = {r["mRID"]: r for r in body["Substations"] + body["Circuits"]}
    for key, values in expected.items():
        for field, value in _statistics(values).items():
            assert records_out[key][field] == pytest.approx(value, abs=1e-6), (key, field)
    # Without a sensor the registry's figures stand, and none are invented.
    out = records_out["OUT"]
    assert (out["demandMaximum"], out["demandMinimum"]) == (7.5, 1.25)
    assert "demand50Percentile" not in out


def test_a_corrected_measurement_replaces_the_first_one(client, dso, reads):
    records = {
        "Substations": [substation("P", "Primary", 51, -1, Transformers=_units(2, 33, 11, 10, 12))]
    }
    upload_json(client, dso.headers, records)
    sensor = _sensor(client, dso, _assets(client, dso)["P"]["id"])
    n = (WINDOW[1] - WINDOW[0]) // HALF
    first = np.full(n, 5.0)
    _post(client, dso, sensor, first, WINDOW[0], HALF, "MW", prior="2024-01-01T00:00:00+00:00")
    corrected = first.copy()
    corrected[100] = 9.0  # one value corrected later: a second belief about that event
    _post(client, dso, sensor, corrected, WINDOW[0], HALF, "MW")
    assert _publish(client, dso, identifier="corrected").status_code == 201
    published = client.get("/heatmap/corrected").json()["Substations"][0]
    assert published["demandMaximum"] == 9.0 and published["demandMinimum"] == 5.0


# ---------------------------------------------------------------- capacities, RAG and limiting factors


def _seasonal(summer: float, winter: float) -> np.ndarray:
    months = _steps(*WINDOW, HALF).astype("datetime64[M]").astype(int) % 12 + 1
    return np.where(np.isin(months, (1, 2, 3, 11, 12)), winter, summer).astype(float)


def _worked_network(client, dso) -> dict[str, dict]:
    """G (GSP) above P1, PV, PF, PR (primaries); S (secondary) below PV; circuit C1 from P1."""
    subs = [
        substation("G", "GSP", 52.0, -1.0, Transformers=_units(2, 132, 33, 60, 72)),
        substation("P1", "Primary", 52.1, -1.1, GSP="G", demandContractedCapacity=1.5,
                   demandQuotedCapacity=2, generationConnectedCapacity=4,
                   generationContractedCapacity=1,
                   Transformers=_units(2, 33, 11, 10, 12, reverse=(5, 6))),
        substation("PV", "Primary", 52.2, -1.2, GSP="G", Transformers=_units(2, 33, 11, 10, 12)),
        substation("PF", "Primary", 52.3, -1.3, GSP="G", breakerAvailableCapacity=0.05,
                   Transformers=_units(2, 33, 11, 10, 12)),
        substation("PR", "Primary", 52.4, -1.4, GSP="G", Transformers=_units(2, 33, 11, 10, 12)),
        substation("S", "Secondary", 52.21, -1.21, GSP="G", Primary="PV",
                   Transformers=_units(1, 11, 0.4, 2, 2.4)),
    ]  # fmt: skip
    circuit = {"mRID": "C1", "name": "C1", "voltage": 11, "FromSubstation": "P1",
               "ToSubstation": ["S"], "summerRating": 20, "winterRating": 24}  # fmt: skip
    assert (
        upload_json(client, dso.headers, {"Substations": subs, "Circuits": [circuit]}).status_code
        == 200
    )
    assets = _assets(client, dso)
    demand = {
        "G": _seasonal(30, 50), "P1": _seasonal(6, 8), "PV": _seasonal(4, 5),
        "PF": _seasonal(4, 5), "PR": _seasonal(11, 11), "S": _seasonal(0.1, 0.1),
        "C1": _seasonal(6, 8),
    }  # fmt: skip
    july = int(np.flatnonzero(_steps(*WINDOW, HALF) >= np.datetime64("2023-07-10"))[0])
    demand["P1"][july] = 2.0  # the summer minimum
    demand["P1"][10] = 3.0  # the winter minimum (January)
    for key, values in demand.items():
        _post(client, dso, _sensor(client, dso, assets[key]["id"]), values, WINDOW[0], HALF, "MW")
    # A network study: PV can take only 0.3 MVA more demand before voltage limits bind.
    pv = assets["PV"]
    attributes = {**pv["attributes"], "heatmap_study": {"demand_voltage_headroom_mva": 0.3}}
    res = client.patch(f"/api/v3_0/assets/{pv['id']}", json={"attributes": attributes},
                       headers=dso.headers)  # fmt: skip
    assert res.status_code == 200, res.text
    res = _publish(client, dso, identifier="worked")
    assert res.status_code == 201, res.text
    body = client.get("/heatmap/worked").json()
    return {r["mRID"]: r for r in body["Substations"] + body["Circuits"]}


def test_capacities_rag_and_limiting_factors_follow_the_documented_rules(client, dso):
    out = _worked_network(client, dso)
    fault_mva = math.sqrt(3) * 11 * 0.05  # switchgear headroom 0.05 kA at the 11 kV busbar

    def figures(key: str, *names: str) -> tuple:
        return tuple(out[key][n] for n in names)

    demand = ("demandFirmCapacity", "demandAvailableCapacity", "demandConstraint",
              "demandConstraintLimitingFactor")  # fmt: skip
    generation = ("generationFirmCapacity", "generationAvailableCapacity", "generationConstraint",
                  "generationConstraintLimitingFactor")  # fmt: skip
    reverse = ("reversePowerFlowTotalCapacity", "reversePowerFlowAvailableCapacity")
    # G: N-1 firm 60 (summer) / 72 (winter); headroom min(60 - 30, 72 - 50) = 22.
    assert figures("G", *demand) == (60, 22, "Green", "Thermal")
    # No step-up ratings: no reverse capability; generation firm = 0 + minimum demand 30.
    assert figures("G", *generation) == (30, 30, "Green", "Thermal")
    assert figures("G", *reverse) == (0, 0)
    # P1: min(10 - 6, 12 - 8) - contracted 1.5 - quoted 2 = 0.5 <= max(1, 10 % of 10): Amber.
    assert figures("P1", *demand) == (10, 0.5, "Amber", "Thermal")
    # Generation firm = reverse N-1 (5 / 6) + minimum (2 / 3) + connected 4 = 11 / 13;
    # headroom = firm - connected 4 - contracted 1 = 6 / 8.
    assert figures("P1", *generation) == (11, 6, "Green", "Thermal")
    assert figures("P1", *reverse) == (5, 5)
    # PV: thermal 6, but the study's 0.3 MVA voltage headroom binds.
    assert figures("PV", *demand) == (10, 0.3, "Amber", "Voltage")
    assert figures("PV", *generation) == (4, 4, "Green", "Thermal")
    # PF: the switchgear binds both ways.
    assert figures("PF", *demand) == (10, pytest.approx(fault_mva, abs=1e-6), "Amber", "FaultLevel")
    assert figures("PF", *generation)[1:] == (
        pytest.approx(fault_mva, abs=1e-6),
        "Amber",
        "FaultLevel",
    )
    # PR: demand above firm in summer: min(10 - 11, 12 - 11) = -1 -> Red.
    assert figures("PR", *demand) == (10, -1, "Red", "Thermal")
    # S: its own 2 - 0.1 = 1.9 is capped by its Primary PV (0.3), whose limit it inherits.
    assert figures("S", *demand) == (2, 0.3, "Amber", "Voltage")
    assert figures("S", *generation) == (0.1, 0.1, "Amber", "Thermal")
    # C1: ratings 20 / 24 less demand 6 / 8 = 14, capped by P1 (0.5); 0.5 <= max(1, 2): Amber.
    assert (out["C1"]["demandAvailableCapacity"], out["C1"]["demandConstraint"]) == (0.5, "Amber")
    assert out["P1"]["demandMinimum"] == 2 and out["P1"]["demandMaximum"] == 8
    # The publisher documents its RAG rule: in the description.
    assert (
        client.get("/heatmap/worked")
        .json()["description"]
        .endswith(
            "RAG status: Red where the available capacity is at or below 0 MVA; Amber where it is "
            "above that and at most the larger of 1 MVA and 10 % of the firm capacity; Green above."
        )
    )


# ---------------------------------------------------------------- metadata, immutability, errors


def _small_registry(client, dso) -> int:
    records = {"Substations": [substation("P", "Primary", 51, -1, demandMaximum=4, demandMinimum=1,
                                          Transformers=_units(2, 33, 11, 10, 12))]}  # fmt: skip
    assert upload_json(client, dso.headers, records).status_code == 200
    return _assets(client, dso)["P"]["id"]


def test_metadata_defaults_and_inheritance(client, dso):
    _small_registry(client, dso)
    res = _publish(client, dso)
    assert res.status_code == 201, res.text
    summary = res.json()
    uuid.UUID(summary["identifier"])  # a new UUID
    body = client.get(summary["href"]).json()
    assert body["creator"] == body["publisher"] == body["contributor"] == "Northern Networks"
    assert (body["language"], body["format"], body["coverage"]) == (
        "en",
        "application/json",
        "North",
    )
    assert body["date"] == body["valid"][0] == "2024-01-01T00:00:00.000+0000"
    assert body["valid"][1] == "2024-04-01T00:00:00.000+0000"
    issued = datetime.strptime(body["issued"], "%Y-%m-%dT%H:%M:%S.%f%z")
    assert abs(issued - datetime.now(UTC)) < timedelta(minutes=5)
    assert body["rights"].startswith("https://")
    second = _publish(client, dso, title="Next quarter", validFrom="2024-04-01",
                      validTo="2024-07-01", rights="https://example.org/our-licence",
                      creator="Grid Team", identifier="q2")  # fmt: skip
    assert second.status_code == 201
    third = _publish(client, dso, title="Q3", validFrom="2024-07-01", validTo="2024-10-01",
                     identifier="q3")  # fmt: skip
    q3 = client.get("/heatmap/q3").json()
    assert third.status_code == 201
    assert (q3["rights"], q3["creator"]) == ("https://example.org/our-licence", "Grid Team")


def test_a_published_dataset_never_changes(client, dso):
    asset = _small_registry(client, dso)
    assert _publish(client, dso, identifier="fixed").status_code == 201
    before = client.get("/heatmap/fixed").content
    # The registry changes; publishing under the same identifier is refused.
    sensor = _sensor(client, dso, asset)
    _post(client, dso, sensor, np.full(17520, 3.0), WINDOW[0], HALF, "MW")
    res = _publish(client, dso, identifier="fixed")
    assert res.status_code == 409 and "fixed" in res.json()["message"]
    assert client.get("/heatmap/fixed").content == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"validFrom": "2024-04-01", "validTo": "2024-01-01"}, "valid"),
        ({"validFrom": "2024-01-01", "validTo": "2024-01-01"}, "valid"),
        ({"validFrom": "soon"}, "validFrom"),
        ({"validTo": "2024-13-01"}, "validTo"),
        ({"validFrom": "2024-01-01T00:00:00"}, "validFrom"),
        ({"title": ""}, "title"),
        ({"identifier": "datasets"}, "identifier"),
        ({"identifier": "a/b"}, "identifier"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_publish_requests_name_the_field(client, dso, body, field):
    _small_registry(client, dso)
    res = client.post("/heatmap/publish", json={**PUBLISH, **body}, headers=dso.headers)
    assert res.status_code == 422, res.text
    assert field in str(res.json()["message"]), res.json()


def test_publishing_needs_a_dso_account_and_a_registry(client, dso, world):
    res = client.post("/heatmap/publish", json=PUBLISH)
    assert res.status_code == 401
    other = world.user(world.account("Developer", roles=["Prosumer"]))
    res = client.post("/heatmap/publish", json=PUBLISH, headers=other.headers)
    assert res.status_code == 403 and "DSO" in res.json()["message"]
    res = client.post("/heatmap/publish", json=PUBLISH, headers=dso.headers)
    assert res.status_code == 422 and "registry" in res.json()["message"]["json"]


def test_figures_that_cannot_be_computed_refuse_publishing_with_the_reason(client, dso):
    records = {"Substations": [substation("P", "Primary", 51, -1, Transformers=_units(2, 33, 11, 10, 12)),
                               substation("NT", "Primary", 51.1, -1, demandMaximum=3)]}  # fmt: skip
    upload_json(client, dso.headers, records)
    sensor = _sensor(client, dso, _assets(client, dso)["P"]["id"])
    sparse = np.full(17520, np.nan)
    sparse[::3] = 4.0  # a third of the window: too little for statistics
    _post(client, dso, sensor, sparse, WINDOW[0], HALF, "MW")
    res = _publish(client, dso)
    assert res.status_code == 422
    problems = res.json()["problems"]
    by_record = {(p["record"].split(" ")[0], p["field"]): p["message"] for p in problems}
    assert "peak demand" in by_record[("Substations[0]", "demandAvailableCapacity")]
    assert "transformer" in by_record[("Substations[1]", "demandFirmCapacity")]
    assert client.get("/heatmap/datasets").json() == {"datasets": []}


def test_unusable_sensors_are_reported_not_used(client, dso):
    asset = _small_registry(client, dso)
    _sensor(client, dso, asset, resolution="PT1H")
    res = _publish(client, dso)
    assert res.status_code == 201
    (warning,) = res.json()["warnings"]
    assert "PT1H" in warning and "half-hourly" in warning
