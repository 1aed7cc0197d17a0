"""The reference platform's own Python client (flexmeasures-client 0.9.x), unmodified, against gridflex."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

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


async def _forecast_calls(host: str, email: str, password: str, sensor_id: int) -> dict:
    from gridflex.engines.forecasting import synthetic_load_kw

    client = FlexMeasuresClient(
        email=email, password=password, host=host, request_timeout=30, job_polling_interval=0.1
    )
    try:
        start = datetime(2025, 1, 6, tzinfo=timezone(timedelta(0)))
        load = synthetic_load_kw(start, 24 * 10, timedelta(hours=1), seed=5)
        await client.post_sensor_data(
            sensor_id,
            start=start,
            duration=timedelta(days=10),
            values=[round(float(v), 3) for v in load],
            unit="kW",
            prior=start + timedelta(days=10),
        )
        return await client.trigger_and_get_forecast(
            sensor_id,
            start=start + timedelta(days=10),
            duration="PT6H",
            train_period="P7D",
            probabilistic=True,
        )
    finally:
        await client.close()


def test_flexmeasures_client_triggers_and_gets_a_forecast(live_server, world):
    account = world.account("Forecast Client Account")
    actor = world.user(account, email="forecaster@example.org", password="client-password")
    sensor = world.sensor(world.asset(account, type_name="building"), resolution="PT1H")
    forecast = _run(_forecast_calls(live_server, actor.email, actor.password, sensor))

    assert forecast["start"] == "2025-01-16T00:00:00+00:00"
    assert (forecast["duration"], forecast["unit"]) == ("PT6H", "kW")
    assert len(forecast["values"]) == 6 and all(20 < v < 100 for v in forecast["values"])
    low, high = forecast["quantiles"]["0.1"], forecast["quantiles"]["0.9"]
    assert all(lo <= v <= hi for lo, v, hi in zip(low, forecast["values"], high, strict=True))


async def _schedule_calls(host: str, email: str, password: str, ids: dict) -> dict:
    client = FlexMeasuresClient(email=email, password=password, host=host, request_timeout=10)
    try:
        start = datetime(2026, 11, 23, tzinfo=timezone(timedelta(hours=1)))
        await client.post_sensor_data(
            ids["price"], start=start, duration="PT2H", values=[100, 300], unit="EUR/MWh"
        )
        out: dict = {}
        # One device: the client looks up the sensor's asset and posts a flex-model list there.
        out["one"] = await client.trigger_and_get_schedule(
            sensor_id=ids["power"],
            start=start,
            duration="PT2H",
            flex_model=client.create_storage_flex_model(soc_unit="kWh", soc_at_start=5, soc_max=10),
            flex_context=client.create_storage_flex_context(consumption_price_sensor=ids["price"]),
            prior=datetime.now(UTC),
            unit="MW",
        )
        # Several devices of one site, through the site's asset.
        model = {"soc-at-start": "0 kWh", "soc-max": "10 kWh", "power-capacity": "10 kW"}
        out["several"] = await client.trigger_and_get_schedule(
            asset_id=ids["building"],
            start=start,
            duration="PT2H",
            flex_model=[{**model, "sensor": ids["power"]}, {**model, "sensor": ids["power2"]}],
            flex_context={
                "consumption-price": {"sensor": ids["price"]},
                "site-consumption-capacity": "12 kW",
            },
        )
        return out
    finally:
        await client.close()


def test_flexmeasures_client_triggers_and_gets_schedules(live_server, world):
    account = world.account("Client Account")
    actor = world.user(
        account, roles=["account-admin"], email="planner@example.org", password="client-password"
    )
    building = world.asset(account, "site", type_name="building")
    # The client's storage flex-model has no power capacity: the asset's capacity_in_mw gives it (10 kW).
    battery = world.asset(
        account, "battery", parent_asset_id=building, attributes={"capacity_in_mw": 0.01}
    )
    other = world.asset(account, "battery 2", parent_asset_id=building)
    ids = {
        "building": building,
        "power": world.sensor(battery, "power", resolution="PT1H"),
        "power2": world.sensor(other, "power 2", resolution="PT1H"),
        "price": world.sensor(building, "prices", unit="EUR/MWh", resolution="PT1H"),
    }
    out = _run(_schedule_calls(live_server, actor.email, actor.password, ids))

    # Prices 0.1 then 0.3 EUR/kWh: fill the 10 kWh battery from 5 kWh, then empty it.
    assert out["one"]["values"] == pytest.approx([0.005, -0.01])
    assert out["one"]["unit"] == "MW" and out["one"]["duration"] == "PT2H"
    by_sensor = {schedule["sensor"]: schedule["values"] for schedule in out["several"]}
    assert set(by_sensor) == {ids["power"], ids["power2"]}
    assert by_sensor[ids["power"]][0] + by_sensor[ids["power2"]][0] == pytest.approx(12.0)
    assert by_sensor[ids["power"]][1] + by_sensor[ids["power2"]][1] == pytest.approx(-12.0)


async def _delete_calls(host: str, email: str, password: str, sensor_id: int) -> dict:
    client = FlexMeasuresClient(email=email, password=password, host=host, request_timeout=10)
    try:
        start = datetime(2026, 11, 23, tzinfo=timezone(timedelta(hours=1)))
        out: dict = {}

        async def read() -> list:
            data = await client.get_sensor_data(
                sensor_id, start=start, duration="PT1H", unit="kW", resolution="PT15M"
            )
            return data["values"]

        await client.post_sensor_data(
            sensor_id, start=start, duration="PT1H", values=[1.0, 2.0, 3.0, 4.0], unit="kW"
        )
        await client.delete_sensor_data(
            sensor_id, confirm_first=False, start=start, until=start + timedelta(minutes=30)
        )
        out["after_window"] = await read()
        await client.delete_sensor_data(sensor_id, confirm_first=False, source=999_999)
        out["after_unknown_source"] = await read()
        await client.delete_sensor_data(sensor_id, confirm_first=False)
        out["after_all"] = await read()
        return out
    except Exception as exc:  # the client raises on the refused delete; keep what we saw
        out["error"] = repr(exc)
        out["after_unknown_source"] = await read()
        await client.delete_sensor_data(sensor_id, confirm_first=False)
        out["after_all"] = await read()
        return out
    finally:
        await client.close()


def test_flexmeasures_client_filtered_delete_deletes_only_the_window(live_server, world):
    account = world.account("Delete Account")
    actor = world.user(
        account, roles=["account-admin"], email="deleter@example.org", password="client-password"
    )
    sensor = world.sensor(world.asset(account))
    out = _run(_delete_calls(live_server, actor.email, actor.password, sensor))

    assert out["after_window"] == [None, None, 3.0, 4.0]
    # A source that does not exist is refused (the client raises); nothing is deleted.
    assert "999999" in out["error"]
    assert out["after_unknown_source"] == [None, None, 3.0, 4.0]
    assert out["after_all"] == [None] * 4
