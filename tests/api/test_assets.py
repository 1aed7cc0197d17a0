"""Assets: list (plain, paginated, per account, public), create, read, update, delete, audit log, sensors."""

from __future__ import annotations

import json

import sqlalchemy as sa

from gridflex.store.base import session_scope
from gridflex.store.models import AssetType, Belief, DataSource

SEED_LIST_KEYS = {"id", "name", "latitude", "longitude", "account_id", "generic_asset_type"}
SEED_ONE_KEYS = {
    "generic_asset_type_id",
    "name",
    "id",
    "latitude",
    "longitude",
    "account_id",
    "external_id",
}


def type_id(settings, name):
    with session_scope(settings.database_url) as session:
        return session.scalar(sa.select(AssetType.id).where(AssetType.name == name))


def ids(listing):
    return sorted(a["id"] for a in listing)


def test_list_assets_of_own_account_as_a_plain_list(client, world, settings):
    account = world.account()
    member = world.user(account)
    battery = world.asset(account, name="Test battery", latitude=10, longitude=100)
    world.asset(world.account())  # someone else's
    world.asset(None)  # public
    res = client.get("/api/v3_0/assets", headers=member.headers)
    assert res.status_code == 200
    body = res.json()
    assert isinstance(body, list)
    assert ids(body) == [battery]
    asset = body[0]
    assert SEED_LIST_KEYS <= set(asset)
    assert (asset["name"], asset["latitude"], asset["longitude"], asset["account_id"]) == (
        "Test battery",
        10,
        100,
        account,
    )
    assert asset["generic_asset_type"] == {"id": type_id(settings, "battery"), "name": "battery"}


def test_listed_assets_name_their_children_and_sensors(client, world):
    account = world.account("Toy Account")
    member = world.user(account)
    building = world.asset(account, name="toy-building", type_name="building")
    battery = world.asset(account, name="toy-battery", parent_asset_id=building)
    sensor = world.sensor(battery, name="discharging")
    by_id = {a["id"]: a for a in client.get("/api/v3_0/assets", headers=member.headers).json()}
    assert [c["id"] for c in by_id[building]["child_assets"]] == [battery]
    assert by_id[battery]["parent_asset_id"] == building
    assert by_id[battery]["sensors"] == [{"id": sensor, "name": "discharging"}]
    assert by_id[battery]["owner"] == {"id": account, "name": "Toy Account"}


def test_paginated_asset_listing_counts_and_pages(client, world):
    account = world.account()
    member = world.user(account)
    made = [world.asset(account, name=f"asset {n}") for n in range(5)]
    first = client.get("/api/v3_0/assets?page=1&per_page=2", headers=member.headers).json()
    assert set(first) == {"data", "num-records", "filtered-records"}
    assert (first["num-records"], first["filtered-records"]) == (5, 5)
    pages = [
        client.get(f"/api/v3_0/assets?page={p}&per_page=2", headers=member.headers).json()
        for p in (1, 2, 3, 4)
    ]
    assert [len(p["data"]) for p in pages] == [2, 2, 1, 0]
    assert [a["id"] for p in pages for a in p["data"]] == sorted(made)
    assert (
        len(client.get("/api/v3_0/assets?page=1", headers=member.headers).json()["data"]) == 5
    )  # per_page 10


def test_filter_terms_match_asset_or_account_names(client, world):
    acme, other = world.account("ACME corp"), world.account("Other corp")
    admin = world.user(world.account("Admins"), roles=["admin"])
    solar_acme = world.asset(acme, name="solar roof", type_name="solar")
    world.asset(acme, name="battery")
    world.asset(other, name="solar field", type_name="solar")
    res = client.get(
        "/api/v3_0/assets",
        params={"all_accessible": "true", "page": 1, "filter": 'solar "ACME corp"'},
        headers=admin.headers,
    ).json()
    assert (res["num-records"], res["filtered-records"]) == (3, 1)
    assert ids(res["data"]) == [solar_acme]


def test_assets_sort_by_name_id_and_owner(client, world):
    b, a = world.account("B corp"), world.account("A corp")
    admin = world.user(world.account("Admins"), roles=["admin"])
    names = {
        world.asset(b, name="zeta"): "zeta",
        world.asset(a, name="alpha"): "alpha",
        world.asset(b, name="mid"): "mid",
    }

    def get(q):
        return client.get(f"/api/v3_0/assets?all_accessible=true&{q}", headers=admin.headers).json()

    assert [x["name"] for x in get("sort_by=name")] == ["alpha", "mid", "zeta"]
    assert [x["name"] for x in get("sort_by=name&sort_dir=desc")] == ["zeta", "mid", "alpha"]
    assert [x["id"] for x in get("sort_by=id&sort_dir=desc")] == sorted(names, reverse=True)
    assert [x["owner"]["name"] for x in get("sort_by=owner")] == ["A corp", "B corp", "B corp"]
    res = client.get("/api/v3_0/assets?sort_by=latitude; drop table", headers=admin.headers)
    assert res.status_code == 422
    assert "sort_by" in res.json()["message"]["query"]


def test_public_assets_sort_last_by_owner_on_both_backends(client, world):
    b, a = world.account("B corp"), world.account("A corp")
    admin = world.user(world.account("Admins"), roles=["admin"])
    public, in_b, in_a = world.asset(None), world.asset(b), world.asset(a)

    def get(d):
        return [
            x["id"]
            for x in client.get(
                f"/api/v3_0/assets?all_accessible=true&sort_by=owner&sort_dir={d}",
                headers=admin.headers,
            ).json()
        ]

    assert get("asc") == [in_a, in_b, public]
    assert get("desc") == [in_b, in_a, public]


def test_query_style_of_the_python_client_is_understood(client, world):
    # flexmeasures-client sends Python's str(bool): "True" / "False".
    account = world.account()
    member = world.user(account)
    own, public = world.asset(account), world.asset(None)
    query = "all_accessible=False&sort_by=id&sort_dir=asc&include_public=True"
    assert ids(client.get(f"/api/v3_0/assets?{query}", headers=member.headers).json()) == sorted(
        [own, public]
    )


def test_account_id_lists_another_readable_account(client, world):
    consultancy = world.account("Consult Co")
    client_account = world.account("Client Co", consultancy_account_id=consultancy)
    consultant = world.user(consultancy, roles=["consultant"])
    member = world.user(world.account())
    asset = world.asset(client_account)
    res = client.get(f"/api/v3_0/assets?account_id={client_account}", headers=consultant.headers)
    assert ids(res.json()) == [asset]
    assert (
        client.get(
            f"/api/v3_0/assets?account_id={client_account}", headers=member.headers
        ).status_code
        == 403
    )
    assert (
        client.get("/api/v3_0/assets?account_id=999999", headers=member.headers).status_code == 404
    )


def test_all_accessible_and_include_public(client, world):
    consultancy = world.account("Consult Co")
    client_account = world.account("Client Co", consultancy_account_id=consultancy)
    consultant = world.user(consultancy, roles=["consultant"])
    own = world.asset(consultancy)
    theirs = world.asset(client_account)
    public = world.asset(None)
    world.asset(world.account("Stranger Co"))

    def get(q):
        return ids(client.get(f"/api/v3_0/assets?{q}", headers=consultant.headers).json())

    assert get("") == [own]
    assert get("include_public=true") == sorted([own, public])
    assert get("all_accessible=true") == sorted([own, theirs, public])


def test_public_assets_route_lists_only_public_assets(client, world):
    member = world.user(world.account())
    public = world.asset(None, name="day-ahead market", type_name="market")
    world.asset(member.account_id)
    res = client.get("/api/v3_0/assets/public", headers=member.headers)
    assert res.status_code == 200
    assert ids(res.json()) == [public]
    assert res.json()[0]["account_id"] is None
    assert client.get("/api/v3_0/assets/public").status_code == 401


def test_asset_types_are_listed_with_descriptions(client, world, settings):
    member = world.user(world.account())
    res = client.get("/api/v3_0/assets/types", headers=member.headers)
    assert res.status_code == 200
    types = {t["name"]: t for t in res.json()}
    assert {"solar", "battery", "building"} <= set(types)
    assert types["solar"] == {
        "id": type_id(settings, "solar"),
        "name": "solar",
        "description": "solar panel(s)",
    }


def test_create_asset_answers_201_with_the_seed_shape(client, world, settings):
    account = world.account()
    member = world.user(account)
    body = {
        "name": "Test battery",
        "generic_asset_type_id": type_id(settings, "battery"),
        "account_id": account,
        "latitude": 40,
        "longitude": 170.3,
    }
    res = client.post("/api/v3_0/assets", json=body, headers=member.headers)
    assert res.status_code == 201
    created = res.json()
    assert SEED_ONE_KEYS <= set(created)
    assert {k: created[k] for k in body} == body
    assert (
        client.get(f"/api/v3_0/assets/{created['id']}", headers=member.headers).json()["name"]
        == "Test battery"
    )


def test_create_child_asset(client, world, settings):
    account = world.account()
    member = world.user(account)
    parent = world.asset(account, type_name="building")
    body = {
        "name": "child",
        "generic_asset_type_id": type_id(settings, "battery"),
        "account_id": account,
    }
    res = client.post(
        "/api/v3_0/assets", json={**body, "parent_asset_id": parent}, headers=member.headers
    )
    assert res.status_code == 201
    assert res.json()["parent_asset_id"] == parent
    children = client.get(f"/api/v3_0/assets/{parent}", headers=member.headers).json()[
        "child_assets"
    ]
    assert [c["id"] for c in children] == [res.json()["id"]]


def test_asset_without_account_id_goes_to_the_creator_s_account(client, world, settings):
    account = world.account()
    member = world.user(account)
    body = {"name": "mine", "generic_asset_type_id": type_id(settings, "solar")}
    res = client.post("/api/v3_0/assets", json=body, headers=member.headers)
    assert res.status_code == 201
    assert res.json()["account_id"] == account


def test_only_admins_create_public_assets(client, world, settings):
    account = world.account()
    member = world.user(account)
    admin = world.user(account, roles=["admin"])
    body = {
        "name": "market",
        "generic_asset_type_id": type_id(settings, "market"),
        "account_id": None,
    }
    assert client.post("/api/v3_0/assets", json=body, headers=member.headers).status_code == 403
    res = client.post("/api/v3_0/assets", json=body, headers=admin.headers)
    assert res.status_code == 201
    assert res.json()["account_id"] is None


def test_json_fields_are_accepted_as_objects_and_as_json_strings(client, world, settings):
    account = world.account()
    member = world.user(account)
    flex_context = {"consumption-price": {"sensor": 7}, "site-power-capacity": "500 kVA"}
    flex_model = {"soc-max": "450 kWh"}
    sensors_to_show = [{"title": "Prices", "plots": [{"sensor": 7}]}]
    base = {
        "name": "b",
        "generic_asset_type_id": type_id(settings, "battery"),
        "account_id": account,
    }
    as_objects = {
        **base,
        "flex_context": flex_context,
        "flex_model": flex_model,
        "sensors_to_show": sensors_to_show,
    }
    as_strings = {
        k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in as_objects.items()
    }
    for body in (as_objects, as_strings):
        res = client.post("/api/v3_0/assets", json=body, headers=member.headers)
        assert res.status_code == 201
        created = client.get(f"/api/v3_0/assets/{res.json()['id']}", headers=member.headers).json()
        assert (created["flex_context"], created["flex_model"], created["sensors_to_show"]) == (
            flex_context,
            flex_model,
            sensors_to_show,
        )
        assert created["attributes"] == {}
    res = client.post(
        "/api/v3_0/assets", json={**base, "flex_model": "{not json"}, headers=member.headers
    )
    assert res.status_code == 422
    assert "flex_model" in res.json()["message"]["json"]


def test_invalid_new_assets_are_422_naming_the_field(client, world, settings):
    account = world.account()
    member = world.user(account)
    foreign_parent = world.asset(world.account())
    good = {
        "name": "x",
        "generic_asset_type_id": type_id(settings, "battery"),
        "account_id": account,
    }
    for body, field in [
        ({**good, "generic_asset_type_id": 999999}, "generic_asset_type_id"),
        ({k: v for k, v in good.items() if k != "name"}, "name"),
        ({k: v for k, v in good.items() if k != "generic_asset_type_id"}, "generic_asset_type_id"),
        ({**good, "latitude": 91}, "latitude"),
        ({**good, "longitude": -181}, "longitude"),
        ({**good, "parent_asset_id": foreign_parent}, "parent_asset_id"),
        ({**good, "parent_asset_id": 999999}, "parent_asset_id"),
        ({**good, "attributes": [1]}, "attributes"),
        ({**good, "colour": "red"}, "colour"),
    ]:
        res = client.post("/api/v3_0/assets", json=body, headers=member.headers)
        assert res.status_code == 422, body
        assert field in res.json()["message"]["json"], body
    assert client.get("/api/v3_0/assets", headers=member.headers).json() == []


def test_read_asset_has_the_seed_shape(client, world, settings):
    account = world.account()
    member = world.user(account)
    asset = world.asset(account, name="Test battery", latitude=10, longitude=100)
    res = client.get(f"/api/v3_0/assets/{asset}", headers=member.headers)
    assert res.status_code == 200
    body = res.json()
    assert SEED_ONE_KEYS <= set(body)
    assert (body["id"], body["generic_asset_type_id"], body["account_id"]) == (
        asset,
        type_id(settings, "battery"),
        account,
    )
    assert client.get("/api/v3_0/assets/999999", headers=member.headers).status_code == 404


def test_update_asset_returns_the_whole_asset(client, world, settings):
    account = world.account()
    member = world.user(account)
    asset = world.asset(account, name="Test battery", latitude=10, longitude=100)
    res = client.patch(
        f"/api/v3_0/assets/{asset}",
        json={"latitude": 11.1, "longitude": 99.9},
        headers=member.headers,
    )
    assert res.status_code == 200
    body = res.json()
    assert SEED_ONE_KEYS <= set(body)
    assert (body["latitude"], body["longitude"], body["name"]) == (11.1, 99.9, "Test battery")
    res = client.patch(
        f"/api/v3_0/assets/{asset}",
        json={
            "flex_context": '{"site-power-capacity": "1 MVA"}',
            "generic_asset_type_id": type_id(settings, "solar"),
        },
        headers=member.headers,
    )
    assert res.json()["flex_context"] == {"site-power-capacity": "1 MVA"}
    assert res.json()["generic_asset_type"]["name"] == "solar"
    again = client.get(f"/api/v3_0/assets/{asset}", headers=member.headers).json()
    assert (again["latitude"], again["flex_context"]) == (11.1, {"site-power-capacity": "1 MVA"})


def test_invalid_asset_updates_are_422_naming_the_field(client, world):
    account = world.account()
    member = world.user(account)
    parent = world.asset(account, type_name="building")
    child = world.asset(account, parent_asset_id=parent)
    for body, field in [
        ({"id": 5}, "id"),
        ({"account_id": account}, "account_id"),
        ({"generic_asset_type_id": 999999}, "generic_asset_type_id"),
        ({"name": None}, "name"),
        ({"flex_model": None}, "flex_model"),
        ({"parent_asset_id": child}, "parent_asset_id"),  # a cycle
        ({"parent_asset_id": parent + child}, "parent_asset_id"),  # does not exist
        ({"latitude": "north"}, "latitude"),
    ]:
        res = client.patch(f"/api/v3_0/assets/{parent}", json=body, headers=member.headers)
        assert res.status_code == 422, body
        assert field in res.json()["message"]["json"], body
    res = client.patch(
        f"/api/v3_0/assets/{child}", json={"parent_asset_id": None}, headers=member.headers
    )
    assert (res.status_code, res.json()["parent_asset_id"]) == (200, None)


def add_beliefs(settings, sensor_ids):
    with session_scope(settings.database_url) as session:
        source = DataSource(name="test", type="user")
        session.add(source)
        session.flush()
        session.add_all(
            Belief(
                sensor_id=s,
                event_start_us=0,
                belief_time_us=0,
                source_id=source.id,
                belief_horizon_us=0,
                event_value=1.0,
            )
            for s in sensor_ids
        )


def count_beliefs(settings, sensor_ids):
    with session_scope(settings.database_url) as session:
        return session.scalar(
            sa.select(sa.func.count()).select_from(Belief).where(Belief.sensor_id.in_(sensor_ids))
        )


def test_deleting_an_asset_deletes_its_children_sensors_and_data(client, world, settings):
    account = world.account()
    account_admin = world.user(account, roles=["account-admin"])
    site = world.asset(account, type_name="building")
    device = world.asset(account, parent_asset_id=site)
    grandchild = world.asset(account, parent_asset_id=device)
    kept = world.asset(account)
    sensors = [world.sensor(site), world.sensor(device), world.sensor(grandchild)]
    kept_sensor = world.sensor(kept)
    add_beliefs(settings, [*sensors, kept_sensor])
    res = client.delete(f"/api/v3_0/assets/{site}", headers=account_admin.headers)
    assert res.status_code == 204
    for asset in (site, device, grandchild):
        assert (
            client.get(f"/api/v3_0/assets/{asset}", headers=account_admin.headers).status_code
            == 404
        )
    for sensor in sensors:
        assert (
            client.get(f"/api/v3_0/sensors/{sensor}", headers=account_admin.headers).status_code
            == 404
        )
    assert count_beliefs(settings, sensors) == 0
    assert count_beliefs(settings, [kept_sensor]) == 1
    assert ids(client.get("/api/v3_0/assets", headers=account_admin.headers).json()) == [kept]
    assert (
        client.delete(f"/api/v3_0/assets/{site}", headers=account_admin.headers).status_code == 404
    )


def test_asset_changes_appear_in_its_audit_log(client, world, settings):
    account = world.account()
    account_admin = world.user(account, roles=["account-admin"], email="boss@example.org")
    body = {
        "name": "audited",
        "generic_asset_type_id": type_id(settings, "battery"),
        "account_id": account,
    }
    asset = client.post("/api/v3_0/assets", json=body, headers=account_admin.headers).json()["id"]
    client.patch(
        f"/api/v3_0/assets/{asset}", json={"latitude": 52.0}, headers=account_admin.headers
    )
    sensor = client.post(
        "/api/v3_0/sensors",
        json={
            "name": "power",
            "unit": "kW",
            "event_resolution": "PT15M",
            "generic_asset_id": asset,
        },
        headers=account_admin.headers,
    ).json()["id"]
    client.patch(
        f"/api/v3_0/sensors/{sensor}", json={"name": "POWER"}, headers=account_admin.headers
    )
    client.delete(f"/api/v3_0/sensors/{sensor}", headers=account_admin.headers)
    res = client.get(f"/api/v3_0/assets/{asset}/auditlog", headers=account_admin.headers)
    assert res.status_code == 200
    log = res.json()
    assert (log["num-records"], log["filtered-records"]) == (5, 5)
    events = [e["event"] for e in log["data"]]
    assert "created" in events[0] and "latitude" in events[1] and "52.0" in events[1]
    assert "POWER" in events[3] and "deleted" in events[4]
    assert {e["active_user_name"] for e in log["data"]} == {"boss"}
    res = client.get(
        f"/api/v3_0/assets/{asset}/auditlog?filter=sensor&per_page=2", headers=account_admin.headers
    )
    assert (res.json()["filtered-records"], len(res.json()["data"])) == (3, 2)
    res = client.get(
        f"/api/v3_0/assets/{asset}/auditlog?sort_by=event_datetime&sort_dir=desc",
        headers=account_admin.headers,
    )
    assert [e["event"] for e in res.json()["data"]] == events[::-1]
    client.delete(f"/api/v3_0/assets/{asset}", headers=account_admin.headers)
    account_log = client.get(
        f"/api/v3_0/accounts/{account}/auditlog", headers=account_admin.headers
    ).json()
    assert "deleted" in account_log[-1]["event"] and "audited" in account_log[-1]["event"]


def test_sensors_of_an_asset_plain_and_paginated(client, world):
    account = world.account()
    member = world.user(account)
    asset = world.asset(account)
    made = [world.sensor(asset, name=name) for name in ("power", "energy", "price")]
    world.sensor(world.asset(account))  # another asset's
    res = client.get(f"/api/v3_0/assets/{asset}/sensors", headers=member.headers)
    assert res.status_code == 200
    assert ids(res.json()) == sorted(made)
    assert {"id", "name", "unit", "event_resolution", "generic_asset_id"} <= set(res.json()[0])
    res = client.get(
        f"/api/v3_0/assets/{asset}/sensors?page=1&per_page=2&sort_by=name", headers=member.headers
    ).json()
    assert (res["num-records"], [s["name"] for s in res["data"]]) == (3, ["energy", "power"])
    res = client.get(f"/api/v3_0/assets/{asset}/sensors?filter=pri", headers=member.headers).json()
    assert [s["name"] for s in res] == ["price"]


def test_asset_jobs_start_empty(client, world):
    account = world.account()
    member = world.user(account)
    asset = world.asset(account)
    res = client.get(f"/api/v3_0/assets/{asset}/jobs", headers=member.headers)
    assert res.status_code == 200
    assert res.json() == {"jobs": [], "redis_connection_err": None}


def test_view_preferences_are_stored(client, world):
    member = world.user(world.account())
    res = client.post(
        "/api/v3_0/assets/default_asset_view",
        json={"default_asset_view": "Graphs", "use_as_default": True},
        headers=member.headers,
    )
    assert (res.status_code, res.json()["message"]) == (
        200,
        "Default asset view updated successfully.",
    )
    res = client.post(
        "/api/v3_0/assets/default_asset_view",
        json={"use_as_default": False},
        headers=member.headers,
    )
    assert res.status_code == 200
    res = client.post(
        "/api/v3_0/assets/default_asset_view",
        json={"default_asset_view": "Nope"},
        headers=member.headers,
    )
    assert res.status_code == 422
    assert "default_asset_view" in res.json()["message"]["json"]
    res = client.post(
        "/api/v3_0/assets/keep_legends_below_graphs",
        json={"keep_legends_below_graphs": True},
        headers=member.headers,
    )
    assert (res.status_code, res.json()["message"]) == (
        200,
        "Legend position preference updated successfully.",
    )
