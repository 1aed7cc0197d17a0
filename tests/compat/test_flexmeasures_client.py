"""The reference platform's own Python client (flexmeasures-client 0.9.x), unmodified, against gridflex."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

flexmeasures_client = pytest.importorskip("flexmeasures_client")
from flexmeasures_client import FlexMeasuresClient  # noqa: E402


def _run(coro):  # noqa: ANN001, ANN202
    return asyncio.run(coro)


async def _session_calls(host: str, email: str, password: str, account_id: int) -> dict:
    client = FlexMeasuresClient(email=email, password=password, host=host, request_timeout=10)
    try:
        out: dict = {}
        out["versions"] = await client.get_versions()
        out["account"] = await client.get_account()
        out["user"] = await client.get_user()
        out["types"] = await client.get_asset_types()
        battery_type = next(t["id"] for t in out["types"] if t["name"] == "battery")
        asset = await client.add_asset(
            name="client battery",
            account_id=account_id,
            latitude=52.0,
            longitude=4.0,
            generic_asset_type_id=battery_type,
            flex_model={"soc-max": "100 kWh"},
            attributes={"capacity_in_mw": 0.1},
        )
        out["asset"] = asset
        out["assets"] = await client.get_assets(parse_json_fields=True)
        sensor = await client.add_sensor(
            name="client power",
            event_resolution="PT15M",
            unit="kW",
            generic_asset_id=asset["id"],
            timezone="Europe/Amsterdam",
            attributes={"consumption_is_positive": True},
        )
        out["sensor"] = sensor
        out["sensors"] = await client.get_sensors(asset_id=asset["id"], parse_json_fields=True)
        start = datetime(2026, 11, 23, tzinfo=timezone(timedelta(hours=1)))
        await client.post_sensor_data(
            sensor["id"], start=start, duration="PT1H", values=[1.0, 2.0, 3.0, 4.0], unit="kW"
        )
        out["data"] = await client.get_sensor_data(
            sensor["id"], start=start, duration="PT1H", unit="MW", resolution="PT30M"
        )
        out["updated"] = await client.update_asset(
            asset["id"], {"name": "renamed battery"}, parse_json_fields=True
        )
        await client.delete_sensor(sensor["id"], confirm_first=False)
        out["sensors_after"] = await client.get_sensors(
            asset_id=asset["id"], parse_json_fields=True
        )
        return out
    finally:
        await client.close()


def test_flexmeasures_client_drives_gridflex(live_server, world):
    account = world.account("Client Account")
    actor = world.user(
        account, roles=["account-admin"], email="client@example.org", password="client-password"
    )
    out = _run(_session_calls(live_server, actor.email, actor.password, account))

    assert "v3_0" in out["versions"]["server_supports_api_versions"]
    assert out["versions"]["server_version"] == "1.0.1"
    assert out["account"]["id"] == account and out["account"]["name"] == "Client Account"
    assert out["user"]["email"] == "client@example.org"
    assert {"battery", "solar", "building"} <= {t["name"] for t in out["types"]}
    assert out["asset"]["name"] == "client battery"
    listed = {a["id"]: a for a in out["assets"]}
    assert listed[out["asset"]["id"]]["flex_model"] == {"soc-max": "100 kWh"}
    assert listed[out["asset"]["id"]]["attributes"] == {"capacity_in_mw": 0.1}
    assert [s["name"] for s in out["sensors"]] == ["client power"]
    assert out["sensors"][0]["attributes"] == {"consumption_is_positive": True}
    # 1, 2 | 3, 4 kW averaged per half hour, in MW
    assert out["data"]["values"] == pytest.approx([0.0015, 0.0035])
    assert out["data"]["unit"] == "MW"
    assert out["updated"]["name"] == "renamed battery"
    assert out["sensors_after"] == []
