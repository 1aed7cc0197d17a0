"""What the current Electricity Maps API adds to the seed, on the three-zone case.

By hand, with the direct (combustion-only) factors coal 760, wind 0, solar 0:
B consumes a third of A's coal, 760 / 3 = 253.33 gCO2eq/kWh; C consumes half
of B's mix and half solar, 253.33 / 2 = 126.67. The lifecycle figures (281,
163) are in ``test_three_zones``. For a daily mean, B's wind is then halved in hour 1
(B then consumes half coal, half wind).
"""

from __future__ import annotations

import pytest

from gridflex.services.carbon.state import REGISTRY_TTL_S
from tests.api.carbon.conftest import hour, production_csv

B_DIRECT = 760 / 3
C_DIRECT = B_DIRECT / 2


def _get(client, headers, path, **params):
    return client.get(f"/v3/{path}", params=params, headers=headers)


def _ok(client, headers, path, **params):
    answer = _get(client, headers, path, **params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_zone_can_be_given_as_zone_key_or_country_code(client, reader, three_zones):
    for name in ("zone", "zoneKey", "countryCode"):
        assert _ok(client, reader, "carbon-intensity/latest", **{name: "B"})["zone"] == "B"


def test_direct_factors_are_served_on_request(client, reader, three_zones):
    for zone, expected in (("A", 760), ("B", B_DIRECT), ("C", C_DIRECT)):
        for path in ("carbon-intensity/latest", "carbon-intensity/history"):
            body = _ok(client, reader, path, zone=zone, emissionFactorType="direct")
            point = body if path.endswith("latest") else body["history"][-1]
            assert point["carbonIntensity"] == int(expected + 0.5)
            assert point["emissionFactorType"] == "direct"
        past = _ok(
            client, reader, "carbon-intensity/past", zone=zone, datetime=hour(1),
            emissionFactorType="direct",
        )  # fmt: skip
        assert past["carbonIntensity"] == int(expected + 0.5)
    lifecycle = _ok(client, reader, "carbon-intensity/latest", zone="C")
    assert lifecycle["emissionFactorType"] == "lifecycle" and lifecycle["carbonIntensity"] == 163
    wrong = _get(client, reader, "carbon-intensity/latest", zone="C", emissionFactorType="scope3")
    assert wrong.status_code == 400 and "emissionFactorType" in wrong.json()["message"]


def test_entries_carry_the_current_fields(client, reader, three_zones):
    history = _ok(client, reader, "carbon-intensity/history", zone="B")
    assert history["temporalGranularity"] == "hourly"
    for item in history["history"]:
        assert item["zone"] == "B" and item["isEstimated"] is False
        assert item["estimationMethod"] is None and item["createdAt"] <= item["updatedAt"]
    mixes = _ok(client, reader, "power-breakdown/history", zone="B")["history"]
    assert len(mixes) == 3 and all(m["zone"] == "B" and m["createdAt"] for m in mixes)


def test_temporal_granularity_aggregates_periods(client, reader, cli, files, three_zones):
    revision = production_csv([(hour(1), "B", "wind", 50.0)])
    cli("carbon", "import", "--production", files("b.csv", revision))
    # B at hour 1: 50 MW of A's coal and 50 MW of wind, (820 + 11) / 2.
    b_hours = [(50 * 820 + 100 * 11) / 150, (820 + 11) / 2, (50 * 820 + 100 * 11) / 150]
    daily = _ok(
        client, reader, "carbon-intensity/past-range", zone="B", start=hour(0), end=hour(3),
        temporalGranularity="daily",
    )  # fmt: skip
    assert daily["temporalGranularity"] == "daily" and len(daily["data"]) == 1
    assert daily["data"][0]["datetime"] == "2024-03-01T00:00:00.000Z"
    assert daily["data"][0]["carbonIntensity"] == int(sum(b_hours) / 3 + 0.5)
    assert daily["data"][0]["temporalGranularity"] == "daily"
    day = _ok(
        client, reader, "carbon-intensity/past", zone="B", datetime=hour(2),
        temporalGranularity="daily",
    )  # fmt: skip
    assert day["carbonIntensity"] == daily["data"][0]["carbonIntensity"]
    mix = _ok(
        client, reader, "power-breakdown/past-range", zone="B", start=hour(0), end=hour(3),
        temporalGranularity="daily",
    )  # fmt: skip
    assert mix["data"][0]["powerProductionTotal"] == round((100 + 50 + 100) / 3)
    assert mix["data"][0]["powerImportBreakdown"]["A"] == 50
    finer = _get(
        client, reader, "carbon-intensity/history", zone="B", temporalGranularity="5_minutes"
    )
    assert finer.status_code == 400 and "temporalGranularity" in finer.json()["message"]
    coarse = _get(
        client, reader, "carbon-intensity/latest", zone="B", temporalGranularity="monthly"
    )
    assert coarse.status_code == 400 and "past-range" in coarse.json()["message"]
    unknown = _get(client, reader, "carbon-intensity/latest", zone="B", temporalGranularity="hour")
    assert unknown.status_code == 400 and "temporalGranularity" in unknown.json()["message"]


def test_shares_and_loads_follow_the_breakdown(client, reader, three_zones):
    mix = _ok(client, reader, "power-breakdown/past", zone="C", datetime=hour(1))
    checks = {
        "carbon-free-energy": mix["fossilFreePercentage"],
        "renewable-energy": mix["renewablePercentage"],
        "total-load": 100,  # C consumes its 50 MW of solar and 50 MW from B
        "net-load": 50,  # less its own solar
    }
    assert mix["fossilFreePercentage"] == round(100 * (1 - 1 / 6))  # a sixth is A's coal
    for signal, expected in checks.items():
        assert (
            _ok(client, reader, f"{signal}/past", zone="C", datetime=hour(1))["value"] == expected
        )
        assert _ok(client, reader, f"{signal}/latest", zone="C")["value"] == expected
        history = _ok(client, reader, f"{signal}/history", zone="C")
        assert [h["value"] for h in history["history"]] == [expected] * 3
        ranged = _ok(client, reader, f"{signal}/past-range", zone="C", start=hour(0), end=hour(3))
        assert len(ranged["data"]) == 3


@pytest.fixture
def admin(world) -> dict[str, str]:
    return {"Authorization": world.user(world.account(), roles=["admin"]).headers["Authorization"]}


def test_prices_come_from_the_linked_sensor(client, reader, admin, world, clock, three_zones):
    missing = _get(client, reader, "price-day-ahead/past", zone="B", datetime=hour(1))
    assert missing.status_code == 404 and "price_sensor_id" in missing.json()["message"]
    market = world.asset(None, name="market", type_name="market")
    prices = world.sensor(market, name="day-ahead prices", unit="EUR/MWh", resolution="PT1H")
    posted = client.post(
        f"/api/v3_0/sensors/{prices}/data",
        headers=admin,
        json={
            "values": [40.0, 60.0, 20.0],
            "start": hour(0),
            "duration": "PT3H",
            "unit": "EUR/MWh",
        },
    )
    assert posted.status_code == 200, posted.text
    zones = client.get("/api/v3_0/assets/public", headers=admin).json()
    zone_b = next(a for a in zones if a["attributes"].get("zone_id") == "B")
    linked = client.patch(
        f"/api/v3_0/assets/{zone_b['id']}",
        headers=admin,
        json={"attributes": {**zone_b["attributes"], "price_sensor_id": prices}},
    )
    assert linked.status_code == 200, linked.text
    clock.advance(REGISTRY_TTL_S)  # the zone snapshot is renewed
    past = _ok(client, reader, "price-day-ahead/past", zone="B", datetime=hour(1))
    assert past["value"] == 60.0 and past["unit"] == "EUR/MWh" and past["zone"] == "B"
    ranged = _ok(
        client, reader, "price-day-ahead/past-range", zone="B", start=hour(0), end=hour(3),
        temporalGranularity="daily",
    )  # fmt: skip
    assert [d["value"] for d in ranged["data"]] == [40.0]


def test_home_assistant_answers_ok_or_no_data(client, reader, three_zones):
    body = _ok(client, reader, "home-assistant", zone="A")
    assert body == {
        "status": "ok",
        "countryCode": "A",
        "data": {"carbonIntensity": 820.0, "fossilFuelPercentage": 100.0},
        "units": {"carbonIntensity": "gCO2eq/kWh"},
    }
    assert _ok(client, reader, "home-assistant", countryCode="SE") == {
        "status": "no-data",
        "countryCode": "SE",
    }
    assert _get(client, {}, "home-assistant", zone="A").status_code == 401
