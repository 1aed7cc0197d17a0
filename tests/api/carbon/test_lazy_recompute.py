"""Data posted through the v3_0 data API are traced when the carbon API is next asked.

By hand: with B's wind at 50 MW in hour 2, B consumes 50 MW of A's coal and
50 MW of wind, (50 * 820 + 50 * 11) / 100 = 415.5 gCO2eq/kWh, and C consumes
50 MW of that and 50 MW of solar, (50 * 415.5 + 50 * 45) / 100 = 230.25.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gridflex.services.carbon.state import CHECK_INTERVAL_S
from tests.api.carbon.conftest import hour, sensor_id, sensor_values

B_AFTER = (50 * 820 + 50 * 11) / 100
C_AFTER = (50 * B_AFTER + 50 * 45) / 100


@pytest.fixture
def admin(world) -> dict[str, str]:
    return {"Authorization": world.user(world.account(), roles=["admin"]).headers["Authorization"]}


def _post_wind(client, admin, value: float) -> None:
    wind = sensor_id(client, admin, "B", "production wind")
    answer = client.post(
        f"/api/v3_0/sensors/{wind}/data",
        headers=admin,
        json={"values": [value], "start": hour(2), "duration": "PT1H", "unit": "MW"},
    )
    assert answer.status_code == 200, answer.text


def test_posted_power_data_are_traced_on_the_next_request(client, reader, admin, three_zones):
    latest = client.get("/v3/carbon-intensity/latest", params={"zone": "C"}, headers=reader).json()
    assert latest["carbonIntensity"] == 163
    before = datetime.now(UTC)
    _post_wind(client, admin, 50.0)
    past = client.get(
        "/v3/carbon-intensity/past", params={"zone": "C", "datetime": hour(2)}, headers=reader
    ).json()
    assert past["carbonIntensity"] == round(C_AFTER)
    assert datetime.fromisoformat(past["updatedAt"].replace("Z", "+00:00")) > before
    stored = sensor_values(
        client,
        reader,
        sensor_id(client, reader, "C", "carbon intensity (consumption)"),
        hour(0),
        "PT3H",
        "gCO2eq/kWh",
    )
    assert stored == pytest.approx(
        [(50 * ((50 * 820 + 100 * 11) / 150) + 50 * 45) / 100] * 2 + [C_AFTER]
    )
    updates = client.get(
        "/v3/updated-since", params={"zone": "B", "since": before.isoformat()}, headers=reader
    ).json()["updates"]
    assert [u["datetime"][:13] for u in updates] == ["2024-03-01T02"]


def test_latest_sees_posted_data_within_the_check_interval(
    client, reader, admin, clock, three_zones
):
    assert (
        client.get("/v3/carbon-intensity/latest", params={"zone": "B"}, headers=reader).json()[
            "carbonIntensity"
        ]
        == 281
    )
    _post_wind(client, admin, 50.0)
    still = client.get("/v3/carbon-intensity/latest", params={"zone": "B"}, headers=reader)
    assert still.json()["carbonIntensity"] == 281  # answered from memory within the interval
    clock.advance(CHECK_INTERVAL_S)
    latest = client.get("/v3/carbon-intensity/latest", params={"zone": "B"}, headers=reader).json()
    assert latest["carbonIntensity"] == round(B_AFTER + 0.01)  # 415.5 rounds half up to 416
    history = client.get(
        "/v3/carbon-intensity/history", params={"zone": "B"}, headers=reader
    ).json()
    assert [h["carbonIntensity"] for h in history["history"]] == [281, 281, 416]


def test_breakdowns_follow_the_posted_data(client, reader, admin, three_zones):
    _post_wind(client, admin, 50.0)
    step = client.get(
        "/v3/power-breakdown/past", params={"zone": "B", "datetime": hour(2)}, headers=reader
    ).json()
    assert step["powerProductionTotal"] == 50
    assert step["powerConsumptionTotal"] == 50  # 50 wind + 50 imported - 50 exported
    assert step["powerConsumptionBreakdown"]["coal"] == 25
    assert step["powerConsumptionBreakdown"]["wind"] == 25
