"""Every public method of flexmeasures-client 0.9.6, unmodified, against a live gridflex server.

``test_flexmeasures_client.py`` drives the common session (entities, data, schedules,
forecasts, filtered deletes); this module drives the rest, and
``test_every_public_method_is_driven`` keeps the list honest: a client release with a new
method fails it until a test here calls that method.
"""

from __future__ import annotations

import asyncio
import inspect
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

flexmeasures_client = pytest.importorskip("flexmeasures_client")
from flexmeasures_client import FlexMeasuresClient  # noqa: E402
from flexmeasures_client.exceptions import InsufficientServerVersionError  # noqa: E402

# Methods called in this module or in test_flexmeasures_client.py.
DRIVEN = {
    "add_asset", "add_sensor", "close", "convert_units", "create_storage_flex_context",
    "create_storage_flex_model", "delete_asset", "delete_sensor", "delete_sensor_data",
    "determine_port", "ensure_minimum_server_version", "ensure_session", "get_access_token",
    "get_account", "get_asset", "get_asset_types", "get_assets", "get_forecast", "get_headers",
    "get_job_status", "get_schedule", "get_sensor", "get_sensor_data", "get_sensors",
    "get_user", "get_versions", "post_measurements", "post_sensor_data", "request",
    "request_once", "build_url", "trigger_and_await_report", "trigger_and_get_forecast",
    "trigger_and_get_schedule", "trigger_forecast", "trigger_report", "trigger_schedule",
    "update_asset", "update_sensor", "wait_for_job",
}  # fmt: skip
START = datetime(2026, 11, 23, tzinfo=timezone(timedelta(hours=1)))


def test_every_public_method_is_driven():
    public = {
        name
        for name, _ in inspect.getmembers(FlexMeasuresClient, inspect.isfunction)
        if not name.startswith("_")
    }
    assert public - DRIVEN == set(), "drive the new client methods in a test here"


def _client(host: str, actor) -> FlexMeasuresClient:  # noqa: ANN001
    return FlexMeasuresClient(
        email=actor.email,
        password=actor.password,
        host=host,
        request_timeout=30,
        job_polling_interval=0.1,
    )


@pytest.fixture
def site(world):
    account = world.account("Methods Account")
    actor = world.user(
        account, roles=["account-admin"], email="methods@example.org", password="client-password"
    )
    building = world.asset(account, "site", type_name="building")
    battery = world.asset(
        account, "battery", parent_asset_id=building, attributes={"capacity_in_mw": 0.01}
    )
    return {
        "account": account,
        "actor": actor,
        "building": building,
        "battery": battery,
        "power": world.sensor(battery, "power", resolution="PT1H"),
        "soc": world.sensor(battery, "state of charge", unit="kWh", resolution="PT0M"),
        "price": world.sensor(building, "prices", unit="EUR/MWh", resolution="PT1H"),
    }


async def _entity_calls(host: str, site: dict) -> dict:
    client = _client(host, site["actor"])
    try:
        out: dict = {}
        await client.get_access_token()
        out["token"] = client.access_token
        out["asset"] = await client.get_asset(site["battery"], parse_json_fields=True)
        out["tree"] = await client.get_assets(
            root=site["building"], depth=0, fields=["id", "name"], parse_json_fields=True
        )
        out["sensor"] = await client.get_sensor(site["power"], parse_json_fields=True)
        out["updated"] = await client.update_sensor(
            site["power"], {"attributes": {"capacity_in_mw": 0.01}}, parse_json_fields=True
        )
        extra = await client.add_asset(
            name="spare",
            account_id=site["account"],
            latitude=52.0,
            longitude=4.0,
            generic_asset_type_id=(await client.get_asset_types())[0]["id"],
        )
        await client.delete_asset(extra["id"], confirm_first=False)
        out["after_delete"] = [
            a["id"]
            for a in await client.get_assets(account_id=site["account"], parse_json_fields=True)
        ]
        out["spare"] = extra["id"]
        out["kw"] = client.convert_units([1000.0, 2500.0], "kW", "MW")
        return out
    finally:
        await client.close()


def test_entities_tokens_and_units(live_server, site):
    out = asyncio.run(_entity_calls(live_server, site))
    assert out["token"]
    assert (
        out["asset"]["name"] == "battery" and out["asset"]["attributes"]["capacity_in_mw"] == 0.01
    )
    assert out["tree"] == [{"id": site["building"], "name": "site"}]
    assert out["sensor"]["name"] == "power" and out["sensor"]["event_resolution"] == "PT1H"
    assert out["updated"]["attributes"] == {"capacity_in_mw": 0.01}
    assert out["spare"] not in out["after_delete"] and site["battery"] in out["after_delete"]
    assert out["kw"] == pytest.approx([1.0, 2.5])


async def _data_calls(host: str, site: dict, csv: Path) -> dict:
    client = _client(host, site["actor"])
    try:
        out: dict = {}
        out["file"] = await client.post_sensor_data(
            site["price"], file_path=str(csv), unit="EUR/MWh"
        )
        with pytest.warns(DeprecationWarning):
            await client.post_measurements(
                site["price"],
                start=START + timedelta(hours=2),
                duration="PT1H",
                values=[50],
                unit="EUR/MWh",
            )
        out["prices"] = await client.get_sensor_data(
            site["price"], start=START, duration="PT3H", unit="EUR/MWh", resolution="PT1H"
        )
        return out
    finally:
        await client.close()


def test_data_by_file_and_by_the_deprecated_call(live_server, site, tmp_path):
    csv = tmp_path / "prices.csv"
    csv.write_text(
        "event_start,value\n2026-11-23T00:00:00+01:00,100\n2026-11-23T01:00:00+01:00,300\n"
    )
    out = asyncio.run(_data_calls(live_server, site, csv))
    assert out["file"][1] == 200
    assert out["prices"]["values"] == [100, 300, 50]


async def _job_calls(host: str, site: dict) -> dict:
    client = _client(host, site["actor"])
    try:
        out: dict = {}
        await client.post_sensor_data(
            site["price"], start=START, duration="PT2H", values=[100, 300], unit="EUR/MWh"
        )
        schedule_id = await client.trigger_schedule(
            sensor_id=site["power"],
            start=START,
            duration="PT2H",
            flex_model={"soc-at-start": "5 kWh", "soc-max": "10 kWh", "soc-min": "0 kWh"},
            flex_context={"consumption-price": {"sensor": site["price"]}},
        )
        out["job"] = await client.wait_for_job(schedule_id, timeout=60)
        out["status"] = await client.get_job_status(schedule_id)
        out["schedule"] = await client.get_schedule(
            site["power"], schedule_id, duration="PT2H", unit="kW"
        )
        out["site_job"] = await client.trigger_schedule(
            asset_id=site["building"],
            start=START,
            duration="PT2H",
            flex_model=[{"sensor": site["power"], "soc-at-start": "0 kWh", "soc-max": "10 kWh"}],
            flex_context={"consumption-price": {"sensor": site["price"]}},
        )
        out["site_done"] = await client.wait_for_job(out["site_job"], timeout=60)
        # A state of charge posted at any instant, as the client's S2 energy manager does.
        await client.post_sensor_data(
            site["soc"], start=datetime.now(UTC), duration="PT1M", values=[0.005], unit="MWh"
        )
        for call in (client.trigger_report, client.trigger_and_await_report):
            with pytest.raises(InsufficientServerVersionError):
                await call(site["building"], "PandasReporter", {"input": [], "output": []})
        return out
    finally:
        await client.close()


def test_schedules_and_jobs(live_server, site):
    out = asyncio.run(_job_calls(live_server, site))
    assert out["job"]["status"] == "FINISHED" and out["status"]["status"] == "FINISHED"
    # 5 kWh at 100 EUR/MWh then sell at 300: charge 5 kW, then discharge 10 kW.
    assert out["schedule"]["values"] == pytest.approx([5.0, -10.0])
    assert out["schedule"]["unit"] == "kW"
    assert out["site_done"]["status"] == "FINISHED"


async def _forecast_calls(host: str, site: dict, world) -> dict:  # noqa: ANN001
    from gridflex.engines.forecasting import synthetic_load_kw

    client = _client(host, site["actor"])
    try:
        start = datetime(2025, 1, 6, tzinfo=UTC)
        load = synthetic_load_kw(start, 24 * 10, timedelta(hours=1), seed=7)
        await client.post_sensor_data(
            site["power"],
            start=start,
            duration=timedelta(days=10),
            values=[round(float(v), 3) for v in load],
            unit="kW",
            prior=start + timedelta(days=10),
        )
        forecast_id = await client.trigger_forecast(
            site["power"], start=start + timedelta(days=10), duration="PT4H", train_period="P7D"
        )
        return await client.get_forecast(site["power"], forecast_id)
    finally:
        await client.close()


def test_forecast_by_trigger_then_get(live_server, site, world):
    forecast = asyncio.run(_forecast_calls(live_server, site, world))
    assert forecast["start"] == "2025-01-16T00:00:00+00:00" and forecast["unit"] == "kW"
    assert len(forecast["values"]) == 4 and all(v > 0 for v in forecast["values"])


async def _s2_calls(host: str, site: dict) -> dict:
    import uuid

    from flexmeasures_client.s2.cem import CEM
    from flexmeasures_client.s2.control_types.FRBC.frbc_simple import FRBCSimple
    from s2python.frbc import FRBCStorageStatus

    client = _client(host, site["actor"])
    try:
        frbc = FRBCSimple(
            power_sensor_id=site["power"],
            soc_sensor_id=site["soc"],
            rm_discharge_sensor_id=site["power"],
            price_sensor_id=site["price"],
        )
        CEM(fm_client=client).register_control_type(frbc)
        before = datetime.now(UTC)
        with pytest.warns(DeprecationWarning):  # the energy manager uses post_measurements
            await frbc.send_storage_status(
                FRBCStorageStatus(message_id=uuid.uuid4(), present_fill_level=0.0075)
            )
        window = before.replace(second=0, microsecond=0)
        return await client.get_sensor_data(
            site["soc"], start=window, duration="PT2M", unit="kWh", resolution="PT2M"
        )
    finally:
        await client.close()


# The client's S2 code reads pydantic's deprecated ``__fields__`` (its own warning, not ours).
@pytest.mark.filterwarnings("ignore:The `__fields__` attribute is deprecated")
def test_the_clients_s2_energy_manager_posts_the_state_of_charge_at_now(live_server, site):
    pytest.importorskip("s2python")
    data = asyncio.run(_s2_calls(live_server, site))
    assert data["values"] == [pytest.approx(7.5)]
