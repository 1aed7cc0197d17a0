"""Signs (consumption positive in v1 messages), how connections, markets and weather addresses find
their sensors, and how values are converted on the way in and out."""

from __future__ import annotations

import pytest

from gridflex.services.legacy.addressing import distance_km
from tests.api.v1_1.helpers import EA, JEJU, send, stored, v3_values

START = "2015-01-01T00:00:00Z"


def _meter(connection: str, values: list, kind: str = "PostMeterData") -> dict:
    return {
        "type": f"{kind}Request",
        "connection": connection,
        "values": values,
        "start": START,
        "duration": f"PT{15 * len(values)}M",
        "unit": "MW",
    }


def _read(client, actor, connection: str, n: int = 2) -> list:
    message = {
        "type": "GetMeterDataRequest",
        "connection": connection,
        "start": START,
        "duration": f"PT{15 * n}M",
    }
    res = send(client, "GET", "getMeterData", message, actor)
    assert res.status_code == 200, res.text
    return res.json()["values"]


def _connection(world, seed, name: str, **sensor_fields) -> int:
    asset_fields = sensor_fields.pop("asset_fields", {})
    asset = world.asset(seed.account, name, type_name="building", **asset_fields)
    return world.sensor(
        asset, sensor_fields.pop("sensor_name", "power"), **{"unit": "MW", **sensor_fields}
    )


def test_pure_consumers_refuse_production(client, seed, world, settings):
    sensor = _connection(world, seed, "Heat pump", attributes={"is_pure_consumer": True})
    res = send(client, "POST", "postMeterData", _meter("Heat pump", [2, -1]), seed.mdc)
    assert res.status_code == 400
    assert res.json()["status"] == "POWER_VALUE_TOO_SMALL"
    assert "pure consumer" in res.json()["message"]
    assert len(stored(settings, sensor)) == 0
    assert (
        send(client, "POST", "postMeterData", _meter("Heat pump", [2, 0]), seed.mdc).status_code
        == 200
    )


def test_pure_producers_refuse_consumption_and_keep_production_negative(
    client, seed, world, settings
):
    sensor = _connection(
        world, seed, "Solar park", asset_fields={"attributes": {"is_pure_producer": True}}
    )
    res = send(client, "POST", "postMeterData", _meter("Solar park", [-3, 1]), seed.mdc)
    assert res.status_code == 400
    assert res.json()["status"] == "POWER_VALUE_TOO_BIG"
    assert len(stored(settings, sensor)) == 0
    assert (
        send(client, "POST", "postMeterData", _meter("Solar park", [-3, -1]), seed.mdc).status_code
        == 200
    )
    assert _read(client, seed.mdc, "Solar park") == [-3, -1]
    assert v3_values(client, seed.mdc, sensor, START, "PT30M", "MW") == [-3, -1]


def test_sensors_storing_production_as_positive_are_flipped_at_the_v1_edge(
    client, seed, world, settings
):
    sensor = _connection(
        world,
        seed,
        "Wind farm",
        attributes={"consumption_is_positive": False, "is_pure_producer": True},
    )
    assert (
        send(client, "POST", "postMeterData", _meter("Wind farm", [-5, -2]), seed.mdc).status_code
        == 200
    )
    assert stored(settings, sensor)["event_value"].tolist() == [5, 2]  # the sensor's own convention
    assert v3_values(client, seed.mdc, sensor, START, "PT30M", "MW") == [5, 2]
    assert _read(client, seed.mdc, "Wind farm") == [-5, -2]  # production is negative in v1 messages
    res = send(client, "POST", "postMeterData", _meter("Wind farm", [1, 0]), seed.mdc)
    assert res.json()["status"] == "POWER_VALUE_TOO_BIG"


def test_values_converted_to_kw_read_back_without_float_noise(client, seed):
    values = [2.3, 0.7, 0.1, 1.1]  # 2.3 MW -> kW -> MW is 2.3000000000000003 in plain floats
    assert (
        send(client, "POST", "postMeterData", _meter("CS 2", values), seed.mdc).status_code == 200
    )
    assert _read(client, seed.mdc, "CS 2", n=4) == values


def test_a_sensor_named_power_stands_for_the_connection(client, seed, world, settings):
    asset = world.asset(seed.account, "Office", type_name="building")
    other = world.sensor(asset, "power forecast", unit="kW")
    power = world.sensor(asset, "power", unit="kW")
    assert (
        send(client, "POST", "postMeterData", _meter("Office", [1, 2]), seed.mdc).status_code == 200
    )
    assert stored(settings, power)["event_value"].tolist() == [1000, 2000]
    assert len(stored(settings, other)) == 0


def test_a_flagged_sensor_stands_for_the_connection(client, seed, world, settings):
    asset = world.asset(seed.account, "Factory", type_name="building")
    world.sensor(asset, "power", unit="MW")
    flagged = world.sensor(
        asset, "grid connection", unit="MW", attributes={"connection_sensor": True}
    )
    assert (
        send(client, "POST", "postMeterData", _meter("Factory", [1, 2]), seed.mdc).status_code
        == 200
    )
    assert stored(settings, flagged)["event_value"].tolist() == [1, 2]


def test_assets_without_a_single_power_sensor_are_no_connections(client, seed, world):
    asset = world.asset(seed.account, "Two meters", type_name="building")
    world.sensor(asset, "meter A", unit="kW")
    world.sensor(asset, "meter B", unit="kW")
    res = send(client, "POST", "postMeterData", _meter("Two meters", [1, 2]), seed.mdc)
    assert res.json()["status"] == "UNRECOGNIZED_CONNECTION_GROUP"
    assert "connection_sensor" in res.json()["message"]
    energy = world.asset(seed.account, "Energy only", type_name="building")
    world.sensor(energy, "energy", unit="kWh")
    listed = send(
        client, "GET", "getConnection", {"type": "GetConnectionRequest"}, seed.mdc
    ).json()["names"]
    assert "Two meters" not in listed and "Energy only" not in listed


def test_a_connection_name_attribute_names_the_connection(client, seed, world, settings):
    asset = world.asset(
        seed.account, "Charging plaza", type_name="building", attributes={"connection_name": "CS 9"}
    )
    sensor = world.sensor(asset, "power", unit="MW")
    assert (
        send(client, "POST", "postMeterData", _meter("CS 9", [4, 4]), seed.mdc).status_code == 200
    )
    assert stored(settings, sensor)["event_value"].tolist() == [4, 4]
    listed = send(client, "GET", "getConnection", {"type": "GetConnectionRequest"}, seed.mdc).json()
    assert listed["names"][0] == "CS 9"
    assert listed["connections"][0].endswith(f".io.flexmeasures.company:{seed.account}:{asset}")


def test_an_ambiguous_connection_name_is_refused(client, seed, world):
    public = world.asset(
        None, "CS 1", type_name="one-way_evse"
    )  # readable by everyone, like seed's CS 1
    world.sensor(public, "power", unit="MW")
    res = send(
        client,
        "GET",
        "getMeterData",
        {**_meter("CS 1", [1]), "type": "GetMeterDataRequest"},
        seed.mdc,
    )
    assert res.json()["status"] == "UNRECOGNIZED_CONNECTION_GROUP"
    assert "ambiguous" in res.json()["message"]


def test_a_market_can_be_named_on_its_asset_and_written_by_its_owners(
    client, seed, world, settings
):
    retailer = world.account("Retail co", roles=["Supplier"])
    trader = world.user(retailer)
    market = world.asset(
        retailer, "Retail tariff", type_name="market", attributes={"market_id": "tou_tariff"}
    )
    sensor = world.sensor(market, "tariff", unit="EUR/kWh", resolution="PT1H")
    message = {
        "type": "PostPriceDataRequest",
        "market": "tou_tariff",  # the simplified notation, without EA1 prefix
        "values": [210, 230],
        "start": START,
        "duration": "PT2H",
        "unit": "EUR/MWh",
    }
    assert send(client, "POST", "postPriceData", message, trader).status_code == 200
    assert stored(settings, sensor)["event_value"].tolist() == pytest.approx(
        [0.21, 0.23], rel=1e-12
    )


def test_a_market_can_be_addressed_by_its_sensor_address(client, seed, settings):
    message = {
        "type": "PostPriceDataRequest",
        "market": f"ea1.2030-12.io.flexmeasures.company:fm1.{seed.prices}",
        "values": [40, 41, 42, 43],
        "start": START,
        "duration": "PT1H",  # 15-minute prices for an hourly sensor: averaged
        "unit": "EUR/MWh",
    }
    assert send(client, "POST", "postPriceData", message, seed.admin).status_code == 200
    assert stored(settings, seed.prices)["event_value"].tolist() == [41.5]


def test_weather_goes_to_the_nearest_station_with_that_kind_of_sensor(
    client, seed, world, settings
):
    lat, lon = JEJU
    near = world.asset(
        None, "Near", type_name="weather station", latitude=lat + 0.05, longitude=lon
    )
    far = world.asset(None, "Far", type_name="weather station", latitude=lat + 0.08, longitude=lon)
    near_wind = world.sensor(near, "wind_speed", unit="m/s")
    far_wind = world.sensor(far, "wind speed", unit="m/s")
    irradiance = world.sensor(
        far, "sun", unit="W/m²", attributes={"weather_sensor_type": "irradiance"}
    )
    base = {
        "type": "PostWeatherDataRequest",
        "start": START,
        "duration": "PT1H",
    }  # 30-minute values
    wind = base | {"sensor": f"wind speed:{lat}:{lon}", "values": [3, 4], "unit": "m/s"}
    sun = base | {"sensor": f"{EA}:radiation:{lat}:{lon}", "values": [0.5, 0.25], "unit": "kW/m²"}
    assert send(client, "POST", "postWeatherData", wind, seed.admin).status_code == 200
    assert send(client, "POST", "postWeatherData", sun, seed.admin).status_code == 200
    assert stored(settings, near_wind)["event_value"].tolist() == [
        3,
        3,
        4,
        4,
    ]  # 15-minute sensor, upsampled
    assert len(stored(settings, far_wind)) == 0
    assert stored(settings, irradiance)["event_value"].tolist() == [500, 500, 250, 250]  # W/m²


def test_a_station_too_far_away_is_named_in_the_refusal(client, seed, world, settings):
    lat, lon = 10.0, 20.0
    world.sensor(
        world.asset(
            None, "Lonely", type_name="weather station", latitude=lat + 0.18, longitude=lon
        ),
        "temperature",
        unit="°C",
    )
    message = {
        "type": "PostWeatherDataRequest",
        "sensor": f"temperature:{lat}:{lon}",
        "values": [20],
        "start": START,
        "duration": "PT15M",
        "unit": "°C",
    }
    res = send(client, "POST", "postWeatherData", message, seed.admin)
    assert res.status_code == 400 and res.json()["status"] == "UNRECOGNIZED_SENSOR"
    # 0.18 degrees of latitude on a sphere of radius 6371.0088 km: 2 * pi * 6371.0088 * 0.18 / 360 = 20.0 km.
    assert "20.0 km away" in res.json()["message"]
    assert "latitude 10.18" in res.json()["message"]


def test_great_circle_distances_match_hand_computed_values():
    assert distance_km(0, 0, 0, 1) == pytest.approx(111.195, abs=1e-3)  # 2 * pi * 6371.0088 / 360
    assert distance_km(0, 0, 90, 0) == pytest.approx(10007.55, abs=1e-2)  # a quarter meridian
    assert distance_km(*JEJU, *JEJU) == 0
