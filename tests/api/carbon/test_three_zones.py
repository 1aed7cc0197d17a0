"""The three-zone case through HTTP: traced intensities, own-production intensities, balances.

Expected values by hand, with the lifecycle factors coal 820, wind 11 and solar
45 gCO2eq/kWh: A consumes its own coal (820). B mixes 50 MW of A's coal with
100 MW of wind: (50 * 820 + 100 * 11) / 150 = 280.67. C mixes 50 MW of B's mix
with 50 MW of solar: (50 * 280.67 + 50 * 45) / 100 = 162.83.
"""

from __future__ import annotations

import pytest

from tests.api.carbon.conftest import HOURS, START, hour, sensor_id, sensor_values

B_BY_HAND = (50 * 820 + 100 * 11) / 150
C_BY_HAND = (50 * B_BY_HAND + 50 * 45) / 100
CONSUMPTION = {"A": 820.0, "B": B_BY_HAND, "C": C_BY_HAND}
PRODUCTION = {"A": 820.0, "B": 11.0, "C": 45.0}


def test_consumption_intensities_follow_the_flows(client, reader, three_zones):
    assert round(B_BY_HAND, 2) == 280.67 and round(C_BY_HAND, 2) == 162.83
    for zone, expected in CONSUMPTION.items():
        answer = client.get("/v3/carbon-intensity/latest", params={"zone": zone}, headers=reader)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["zone"] == zone
        assert body["carbonIntensity"] == int(expected + 0.5)  # whole numbers, as in the contract
        assert body["datetime"] == hour(HOURS - 1).replace(":00Z", ":00.000Z")
        stored = sensor_values(
            client,
            reader,
            sensor_id(client, reader, zone, "carbon intensity (consumption)"),
            START,
            f"PT{HOURS}H",
            "gCO2eq/kWh",
        )
        assert stored == pytest.approx([expected] * HOURS, abs=1e-9)


def test_production_intensities_are_those_of_the_own_plants(client, reader, three_zones):
    for zone, expected in PRODUCTION.items():
        stored = sensor_values(
            client,
            reader,
            sensor_id(client, reader, zone, "carbon intensity (production)"),
            START,
            f"PT{HOURS}H",
            "gCO2eq/kWh",
        )
        assert stored == pytest.approx([expected] * HOURS)


def test_consumption_is_production_plus_imports_minus_exports(client, reader, three_zones):
    # By hand: A keeps 100 - 50, B gets 100 + 50 - 50, C gets 50 + 50.
    expected = {"A": (100, 0, 50, 50), "B": (100, 50, 50, 100), "C": (50, 50, 0, 100)}
    for zone, (produced, imported, exported, consumed) in expected.items():
        answer = client.get("/v3/power-breakdown/history", params={"zone": zone}, headers=reader)
        assert answer.status_code == 200, answer.text
        history = answer.json()["history"]
        assert len(history) == HOURS
        for step in history:
            assert step["powerProductionTotal"] == produced
            assert step["powerImportTotal"] == imported
            assert step["powerExportTotal"] == exported
            assert step["powerConsumptionTotal"] == consumed
            assert (
                step["powerConsumptionTotal"]
                == step["powerProductionTotal"]
                + step["powerImportTotal"]
                - step["powerExportTotal"]
            )
            assert sum(v or 0 for v in step["powerConsumptionBreakdown"].values()) == consumed


def test_breakdown_names_each_neighbour_and_the_origin_of_imports(client, reader, three_zones):
    answer = client.get("/v3/power-breakdown/latest", params={"zone": "B"}, headers=reader).json()
    assert answer["powerImportBreakdown"] == {"A": 50, "C": 0}
    assert answer["powerExportBreakdown"] == {"A": 0, "C": 50}
    # B's 100 MW are one third A's coal and two thirds its own wind.
    assert answer["powerConsumptionBreakdown"]["coal"] == 33
    assert answer["powerConsumptionBreakdown"]["wind"] == 67
    assert answer["powerProductionBreakdown"]["wind"] == 100
    assert answer["powerProductionBreakdown"]["coal"] is None  # B reports no coal plants
    assert answer["renewablePercentage"] == 67 and answer["fossilFreePercentage"] == 67
    c = client.get("/v3/power-breakdown/latest", params={"zone": "C"}, headers=reader).json()
    # C's 100 MW: 50 solar, and B's mix of 50 MW: 16.67 coal and 33.33 wind.
    assert c["powerConsumptionBreakdown"]["solar"] == 50
    assert c["powerConsumptionBreakdown"]["coal"] == 17
    assert c["powerConsumptionBreakdown"]["wind"] == 33
