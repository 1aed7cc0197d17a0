"""Sensors: list (all query parameters), create, read, update, delete."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from gridflex.store.base import session_scope
from gridflex.store.models import Belief, DataSource

SEED_KEYS = {
    "id",
    "name",
    "unit",
    "timezone",
    "event_resolution",
    "entity_address",
    "generic_asset_id",
}
HOST = "org.example.gridflex"  # the test settings' entity_host, reversed


def ids(listing):
    return sorted(s["id"] for s in listing)


def test_list_sensors_of_own_account_as_a_plain_list(client, world):
    account = world.account()
    member = world.user(account)
    asset = world.asset(account)
    gas = world.sensor(
        asset, name="Gas demand", unit="m³/h", resolution="PT15M", timezone="Europe/Amsterdam"
    )
    world.sensor(world.asset(world.account()))
    world.sensor(world.asset(None))
    res = client.get("/api/v3_0/sensors", headers=member.headers)
    assert res.status_code == 200
    body = res.json()
    assert isinstance(body, list)
    assert ids(body) == [gas]
    sensor = body[0]
    assert SEED_KEYS <= set(sensor)
    assert (sensor["name"], sensor["unit"], sensor["event_resolution"], sensor["timezone"]) == (
        "Gas demand",
        "m³/h",
        "PT15M",
        "Europe/Amsterdam",
    )
    assert sensor["generic_asset_id"] == asset
    assert sensor["entity_address"] == f"ea1.{datetime.now(UTC):%Y-%m}.{HOST}:fm1.{gas}"


def test_paginated_sensor_listing(client, world):
    account = world.account()
    member = world.user(account)
    asset = world.asset(account)
    made = [world.sensor(asset, name=f"s{n}") for n in range(12)]
    res = client.get("/api/v3_0/sensors?page=1", headers=member.headers).json()
    assert set(res) == {"data", "num-records", "filtered-records"}
    assert (res["num-records"], res["filtered-records"], len(res["data"])) == (
        12,
        12,
        10,
    )  # per_page 10
    res = client.get("/api/v3_0/sensors?page=3&per_page=5", headers=member.headers).json()
    assert ids(res["data"]) == sorted(made)[10:]


def test_sensor_filter_matches_sensor_or_account_names_and_unit_filters(client, world):
    account = world.account("ACME corp")
    member = world.user(account)
    asset = world.asset(account)
    power = world.sensor(asset, name="site power", unit="kW")
    price = world.sensor(asset, name="price", unit="EUR/MWh")

    def get(**params):
        return ids(client.get("/api/v3_0/sensors", params=params, headers=member.headers).json())

    assert get(filter="power") == [power]
    assert get(filter="acme") == sorted([power, price])
    assert get(filter='acme "site power"') == [power]
    assert get(filter="wind") == []
    assert get(unit="EUR/MWh") == [price]
    assert get(unit="kW", filter="price") == []
    res = client.get("/api/v3_0/sensors?page=1&filter=price", headers=member.headers).json()
    assert (res["num-records"], res["filtered-records"]) == (2, 1)
    assert [
        s["name"]
        for s in client.get("/api/v3_0/sensors?sort_by=name", headers=member.headers).json()
    ] == [
        "price",
        "site power",
    ]


def test_asset_id_lists_sensors_of_the_asset_and_its_sub_assets(client, world):
    account = world.account()
    member = world.user(account)
    site = world.asset(account, type_name="building")
    device = world.asset(account, parent_asset_id=site)
    sibling = world.asset(account)
    on_site, on_device = world.sensor(site), world.sensor(device)
    world.sensor(sibling)
    assert ids(
        client.get(f"/api/v3_0/sensors?asset_id={site}", headers=member.headers).json()
    ) == sorted([on_site, on_device])
    assert ids(
        client.get(f"/api/v3_0/sensors?asset_id={device}", headers=member.headers).json()
    ) == [on_device]
    both = f"/api/v3_0/sensors?asset_id={site}&account_id={account}"
    assert ids(client.get(both, headers=member.headers).json()) == sorted([on_site, on_device])
    assert (
        client.get("/api/v3_0/sensors?asset_id=999999", headers=member.headers).status_code == 404
    )


def test_account_id_and_asset_id_of_different_accounts_is_422(client, world):
    account, other = world.account(), world.account()
    admin = world.user(account, roles=["admin"])
    asset = world.asset(other)
    res = client.get(
        f"/api/v3_0/sensors?asset_id={asset}&account_id={account}", headers=admin.headers
    )
    assert res.status_code == 422
    assert "asset_id" in res.json()["message"]["query"]


def test_account_id_lists_sensors_of_a_readable_account(client, world):
    own, other = world.account(), world.account()
    member = world.user(own)
    admin = world.user(own, roles=["admin"])
    theirs = world.sensor(world.asset(other))
    assert (
        client.get(f"/api/v3_0/sensors?account_id={other}", headers=member.headers).status_code
        == 403
    )
    assert (
        client.get(
            f"/api/v3_0/sensors?asset_id={world.asset(other)}", headers=member.headers
        ).status_code
        == 403
    )
    assert ids(
        client.get(f"/api/v3_0/sensors?account_id={other}", headers=admin.headers).json()
    ) == [theirs]


def test_public_and_consultancy_sensors_are_included_on_request(client, world):
    consultancy = world.account("Consult Co")
    client_account = world.account("Client Co", consultancy_account_id=consultancy)
    consultant = world.user(consultancy, roles=["consultant"])
    plain = world.user(consultancy)
    own = world.sensor(world.asset(consultancy))
    theirs = world.sensor(world.asset(client_account))
    public = world.sensor(world.asset(None))
    world.sensor(world.asset(world.account("Stranger Co")))

    def get(actor, query):
        return ids(client.get(f"/api/v3_0/sensors?{query}", headers=actor.headers).json())

    assert get(consultant, "") == [own]
    assert get(consultant, "include_public_assets=true") == sorted([own, public])
    assert get(consultant, "include_consultancy_clients=true") == sorted([own, theirs])
    assert get(consultant, "include_consultancy_clients=true&include_public_assets=true") == sorted(
        [own, theirs, public]
    )
    assert get(plain, "include_consultancy_clients=true") == [own]  # only consultants have clients


def test_create_sensor_answers_201_with_the_seed_shape(client, world):
    account = world.account()
    member = world.user(account)
    asset = world.asset(account)
    body = {"name": "power", "event_resolution": "PT1H", "unit": "kWh", "generic_asset_id": asset}
    res = client.post("/api/v3_0/sensors", json=body, headers=member.headers)
    assert res.status_code == 201
    created = res.json()
    assert SEED_KEYS <= set(created)
    assert {k: created[k] for k in body} == body
    assert created["timezone"] == "UTC"
    assert created["entity_address"] == f"ea1.{datetime.now(UTC):%Y-%m}.{HOST}:fm1.{created['id']}"
    assert (
        client.get(f"/api/v3_0/sensors/{created['id']}", headers=member.headers).json() == created
    )


def test_pandas_and_iso_durations_are_both_accepted(client, world):
    account = world.account()
    member = world.user(account)
    asset = world.asset(account)
    for given, shown in [
        ("PT15M", "PT15M"),
        ("P0DT0H15M0S", "PT15M"),
        ("P1D", "P1D"),
        ("PT0H", "PT0S"),
    ]:
        body = {"name": "s", "event_resolution": given, "unit": "kW", "generic_asset_id": asset}
        res = client.post("/api/v3_0/sensors", json=body, headers=member.headers)
        assert res.status_code == 201, given
        assert res.json()["event_resolution"] == shown, given


def test_sensor_json_fields_are_accepted_as_objects_and_as_json_strings(client, world):
    account = world.account()
    member = world.user(account)
    asset = world.asset(account)
    attributes = {"consumption_is_positive": True, "capacity_in_mw": 2}
    horizon = {"fnc": "at_date", "days_before": 1, "hour": 12, "timezone": "Europe/Amsterdam"}
    base = {"name": "s", "event_resolution": "PT15M", "unit": "kW", "generic_asset_id": asset}
    for encode in (lambda v: v, json.dumps):
        body = {**base, "attributes": encode(attributes), "knowledge_horizon": encode(horizon)}
        res = client.post("/api/v3_0/sensors", json=body, headers=member.headers)
        assert res.status_code == 201
        assert res.json()["attributes"] == attributes
        assert res.json()["knowledge_horizon"] == horizon


def test_default_knowledge_horizon_is_shown_in_its_stored_form(client, world):
    account = world.account()
    admin = world.user(account, roles=["account-admin"])
    sensor = world.sensor(world.asset(account))
    shown = client.get(f"/api/v3_0/sensors/{sensor}", headers=admin.headers).json()[
        "knowledge_horizon"
    ]
    res = client.patch(
        f"/api/v3_0/sensors/{sensor}", json={"knowledge_horizon": shown}, headers=admin.headers
    )
    assert res.status_code == 200
    assert res.json()["knowledge_horizon"] == shown


def test_invalid_new_sensors_are_422_naming_the_field(client, world):
    account = world.account()
    member = world.user(account)
    asset = world.asset(account)
    good = {"name": "s", "event_resolution": "PT15M", "unit": "kW", "generic_asset_id": asset}
    for body, field in [
        ({**good, "timezone": "Europe/Atlantis"}, "timezone"),
        ({**good, "event_resolution": "15 minutes"}, "event_resolution"),
        ({**good, "event_resolution": "P1M"}, "event_resolution"),  # months have no fixed length
        ({**good, "event_resolution": "-PT15M"}, "event_resolution"),
        ({**good, "event_resolution": "PT0.5S"}, "event_resolution"),
        ({**good, "unit": "furlongs per bogus"}, "unit"),
        ({**good, "generic_asset_id": 999999}, "generic_asset_id"),
        ({k: v for k, v in good.items() if k != "generic_asset_id"}, "generic_asset_id"),
        ({k: v for k, v in good.items() if k != "name"}, "name"),
        ({k: v for k, v in good.items() if k != "event_resolution"}, "event_resolution"),
        ({**good, "attributes": "not json"}, "attributes"),
        ({**good, "knowledge_horizon": {"fnc": "psychic"}}, "knowledge_horizon"),
        ({**good, "entity_address": "ea1.x"}, "entity_address"),
    ]:
        res = client.post("/api/v3_0/sensors", json=body, headers=member.headers)
        assert res.status_code == 422, body
        assert field in res.json()["message"]["json"], body
    assert client.get("/api/v3_0/sensors", headers=member.headers).json() == []


def test_read_sensor_has_the_seed_shape(client, world):
    account = world.account()
    member = world.user(account)
    asset = world.asset(account)
    sensor = world.sensor(
        asset,
        name="power",
        unit="kW",
        resolution="PT5M",
        timezone="Europe/Amsterdam",
        attributes={"consumption_is_positive": True},
    )
    res = client.get(f"/api/v3_0/sensors/{sensor}", headers=member.headers)
    assert res.status_code == 200
    body = res.json()
    assert SEED_KEYS | {"attributes"} <= set(body)
    assert body["attributes"] == {"consumption_is_positive": True}
    assert (body["id"], body["event_resolution"], body["generic_asset_id"]) == (
        sensor,
        "PT5M",
        asset,
    )
    res = client.get("/api/v3_0/sensors/999999", headers=member.headers)
    assert (res.status_code, res.json()["message"]) == (404, "Sensor 999999 not found")


def test_update_sensor_returns_the_whole_sensor(client, world):
    account = world.account()
    account_admin = world.user(account, roles=["account-admin"])
    asset = world.asset(account)
    sensor = world.sensor(asset, unit="m³/h", resolution="PT10M")
    res = client.patch(
        f"/api/v3_0/sensors/{sensor}", json={"name": "POWER"}, headers=account_admin.headers
    )
    assert res.status_code == 200
    body = res.json()
    assert SEED_KEYS <= set(body)
    assert (
        body["name"],
        body["unit"],
        body["event_resolution"],
        body["generic_asset_id"],
        body["id"],
    ) == (
        "POWER",
        "m³/h",
        "PT10M",
        asset,
        sensor,
    )
    changes = {
        "event_resolution": "P0DT1H0M0S",
        "timezone": "Europe/Amsterdam",
        "attributes": '{"a": 1}',
    }
    res = client.patch(f"/api/v3_0/sensors/{sensor}", json=changes, headers=account_admin.headers)
    assert res.status_code == 200
    again = client.get(f"/api/v3_0/sensors/{sensor}", headers=account_admin.headers).json()
    assert (again["event_resolution"], again["timezone"], again["attributes"], again["name"]) == (
        "PT1H",
        "Europe/Amsterdam",
        {"a": 1},
        "POWER",
    )


def test_invalid_sensor_updates_are_422_naming_the_field(client, world):
    account = world.account()
    account_admin = world.user(account, roles=["account-admin"])
    sensor = world.sensor(world.asset(account))
    other_asset = world.asset(account)
    for body, field in [
        ({"id": sensor + 1}, "id"),
        ({"generic_asset_id": other_asset}, "generic_asset_id"),
        ({"entity_address": "ea1.2021-01.io.flexmeasures:fm1.1"}, "entity_address"),
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"timezone": None}, "timezone"),
        ({"name": None}, "name"),
        ({"unit": "zorks"}, "unit"),
        ({"event_resolution": "soon"}, "event_resolution"),
        ({"event_resolution": None}, "event_resolution"),
    ]:
        res = client.patch(f"/api/v3_0/sensors/{sensor}", json=body, headers=account_admin.headers)
        assert res.status_code == 422, body
        assert field in res.json()["message"]["json"], body
    assert (
        client.get(f"/api/v3_0/sensors/{sensor}", headers=account_admin.headers).json()["name"]
        == "power"
    )


def test_deleting_a_sensor_deletes_its_data(client, world, settings):
    account = world.account()
    account_admin = world.user(account, roles=["account-admin"])
    asset = world.asset(account)
    doomed, kept = world.sensor(asset), world.sensor(asset)
    with session_scope(settings.database_url) as session:
        source = DataSource(name="test", type="user")
        session.add(source)
        session.flush()
        for sensor in (doomed, kept):
            session.add(
                Belief(
                    sensor_id=sensor,
                    event_start_us=0,
                    belief_time_us=0,
                    source_id=source.id,
                    belief_horizon_us=0,
                    event_value=1.0,
                )
            )
    res = client.delete(f"/api/v3_0/sensors/{doomed}", headers=account_admin.headers)
    assert res.status_code == 204
    assert (
        client.get(f"/api/v3_0/sensors/{doomed}", headers=account_admin.headers).status_code == 404
    )
    with session_scope(settings.database_url) as session:
        left = session.execute(sa.select(Belief.sensor_id)).scalars().all()
    assert left == [kept]
    assert ids(
        client.get(f"/api/v3_0/assets/{asset}/sensors", headers=account_admin.headers).json()
    ) == [kept]
    assert (
        client.delete(f"/api/v3_0/sensors/{doomed}", headers=account_admin.headers).status_code
        == 404
    )
