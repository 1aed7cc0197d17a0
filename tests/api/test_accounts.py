"""Accounts: list (plain and paginated), read, update, audit log."""

from __future__ import annotations

import sqlalchemy as sa

from gridflex.store.base import session_scope
from gridflex.store.models import AccountRole

SEED_KEYS = {
    "id",
    "name",
    "account_roles",
    "consultancy_account_id",
    "primary_color",
    "secondary_color",
    "logo_url",
}


def role_ids(settings, names):
    with session_scope(settings.database_url) as session:
        rows = session.execute(sa.select(AccountRole.name, AccountRole.id)).all()
    return sorted(dict(rows)[name] for name in names)


def test_member_lists_only_their_own_account_as_a_plain_list(client, world, settings):
    consultancy = world.account("Consult Co")
    own = world.account(
        "Own Co", roles=["Prosumer", "Supplier"], consultancy_account_id=consultancy
    )
    world.account("Other Co")
    member = world.user(own)
    res = client.get("/api/v3_0/accounts", headers=member.headers)
    assert res.status_code == 200
    body = res.json()
    assert isinstance(body, list)
    assert [a["id"] for a in body] == [own]
    assert SEED_KEYS <= set(body[0])
    assert body[0]["account_roles"] == role_ids(settings, ["Prosumer", "Supplier"])
    assert body[0]["consultancy_account_id"] == consultancy


def test_consultant_lists_own_and_client_accounts(client, world):
    consultancy = world.account("Consult Co")
    client_account = world.account("Client Co", consultancy_account_id=consultancy)
    world.account("Stranger Co")
    consultant = world.user(consultancy, roles=["consultant"])
    plain = world.user(consultancy)
    ids = {a["id"] for a in client.get("/api/v3_0/accounts", headers=consultant.headers).json()}
    assert ids == {consultancy, client_account}
    assert [a["id"] for a in client.get("/api/v3_0/accounts", headers=plain.headers).json()] == [
        consultancy
    ]


def test_paginated_listing_counts_filters_and_sorts(client, world):
    names = ["Alpha Solar", "Beta Wind", "Gamma Solar", "Delta Storage"]
    ids = {name: world.account(name) for name in names}
    admin = world.user(ids["Alpha Solar"], roles=["admin"])
    res = client.get("/api/v3_0/accounts?page=1&per_page=3", headers=admin.headers)
    assert res.status_code == 200
    body = res.json()
    assert set(body) == {"data", "num-records", "filtered-records"}
    assert (body["num-records"], body["filtered-records"], len(body["data"])) == (4, 4, 3)
    second = client.get("/api/v3_0/accounts?page=2&per_page=3", headers=admin.headers).json()
    assert [a["id"] for a in body["data"] + second["data"]] == sorted(ids.values())

    res = client.get(
        "/api/v3_0/accounts", params={"page": 1, "filter": "solar"}, headers=admin.headers
    ).json()
    assert (res["num-records"], res["filtered-records"]) == (4, 2)
    assert {a["name"] for a in res["data"]} == {"Alpha Solar", "Gamma Solar"}

    res = client.get("/api/v3_0/accounts?sort_by=name&sort_dir=desc", headers=admin.headers).json()
    assert [a["name"] for a in res] == sorted(names, reverse=True)
    # A filter without `page` narrows the plain list too.
    assert [
        a["name"]
        for a in client.get("/api/v3_0/accounts?filter=wind", headers=admin.headers).json()
    ] == ["Beta Wind"]


def test_quoted_filter_terms_match_as_phrases(client, world):
    world.account("ACME corp")
    world.account("ACME")
    admin = world.user(world.account("Admins"), roles=["admin"])
    res = client.get(
        "/api/v3_0/accounts", params={"filter": '"acme corp"'}, headers=admin.headers
    ).json()
    assert [a["name"] for a in res] == ["ACME corp"]


def test_filter_wildcards_are_taken_literally(client, world):
    world.account("100% green")
    world.account("1000 grey")
    admin = world.user(world.account("Admins"), roles=["admin"])
    res = client.get("/api/v3_0/accounts", params={"filter": "100%"}, headers=admin.headers).json()
    assert [a["name"] for a in res] == ["100% green"]
    res = client.get("/api/v3_0/accounts", params={"filter": "1_0"}, headers=admin.headers).json()
    assert res == []


def test_bad_listing_parameters_are_422_naming_them(client, world):
    admin = world.user(world.account(), roles=["admin"])
    for query, field in [
        ("sort_by=colour", "sort_by"),
        ("sort_dir=up", "sort_dir"),
        ("page=0", "page"),
        ("page=1&per_page=0", "per_page"),
        ("page=one", "page"),
    ]:
        res = client.get(f"/api/v3_0/accounts?{query}", headers=admin.headers)
        assert res.status_code == 422, query
        assert field in res.json()["message"]["query"], query


def test_read_account_has_the_seed_shape(client, world, settings):
    consultancy = world.account("Consult Co")
    account = world.account(
        "Test Account", roles=["Prosumer", "DSO"], consultancy_account_id=consultancy
    )
    member = world.user(account)
    res = client.get(f"/api/v3_0/accounts/{account}", headers=member.headers)
    assert res.status_code == 200
    body = res.json()
    assert SEED_KEYS <= set(body)
    assert body["id"] == account
    assert body["name"] == "Test Account"
    assert body["account_roles"] == role_ids(settings, ["Prosumer", "DSO"])
    assert body["consultancy_account_id"] == consultancy


def test_unknown_account_is_404(client, world):
    admin = world.user(world.account(), roles=["admin"])
    res = client.get("/api/v3_0/accounts/999999", headers=admin.headers)
    assert res.status_code == 404
    assert "999999" in res.json()["message"]


def test_account_admin_updates_name_colours_and_logo(client, world):
    account = world.account("Test Account")
    account_admin = world.user(account, roles=["account-admin"])
    changes = {
        "name": "Test Account Updated",
        "primary_color": "#1a3443",
        "secondary_color": "#f1a122",
        "logo_url": "https://example.com/logo.png",
    }
    res = client.patch(f"/api/v3_0/accounts/{account}", json=changes, headers=account_admin.headers)
    assert res.status_code == 200
    assert {k: res.json()[k] for k in changes} == changes
    again = client.get(f"/api/v3_0/accounts/{account}", headers=account_admin.headers).json()
    assert {k: again[k] for k in changes} == changes


def test_account_attributes_are_accepted_as_object_or_json_string(client, world):
    account = world.account()
    admin = world.user(account, roles=["admin"])
    url = f"/api/v3_0/accounts/{account}"
    res = client.patch(url, json={"attributes": {"plan": "basic"}}, headers=admin.headers)
    assert res.json()["attributes"] == {"plan": "basic"}
    res = client.patch(url, json={"attributes": '{"plan": "pro"}'}, headers=admin.headers)
    assert res.json()["attributes"] == {"plan": "pro"}
    res = client.patch(url, json={"attributes": "[1, 2]"}, headers=admin.headers)
    assert res.status_code == 422
    assert "attributes" in res.json()["message"]["json"]


def test_only_admins_change_the_consultancy(client, world):
    consultancy = world.account("Consult Co")
    account = world.account("Client Co")
    account_admin = world.user(account, roles=["account-admin"])
    admin = world.user(consultancy, roles=["admin"])
    url = f"/api/v3_0/accounts/{account}"
    res = client.patch(
        url, json={"consultancy_account_id": consultancy}, headers=account_admin.headers
    )
    assert res.status_code == 422
    assert "consultancy_account_id" in res.json()["message"]["json"]
    res = client.patch(url, json={"consultancy_account_id": consultancy}, headers=admin.headers)
    assert res.status_code == 200
    assert res.json()["consultancy_account_id"] == consultancy
    for target in (account, 999999):  # itself, or an account that does not exist
        res = client.patch(url, json={"consultancy_account_id": target}, headers=admin.headers)
        assert res.status_code == 422
        assert "consultancy_account_id" in res.json()["message"]["json"]


def test_invalid_account_updates_are_422_naming_the_field(client, world):
    account = world.account("Mine")
    world.account("Taken")
    admin = world.user(account, roles=["admin"])
    for body, field in [
        ({"id": account + 1}, "id"),
        ({"name": "Taken"}, "name"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"primary_color": "red"}, "primary_color"),
        ({"account_roles": [1]}, "account_roles"),
    ]:
        res = client.patch(f"/api/v3_0/accounts/{account}", json=body, headers=admin.headers)
        assert res.status_code == 422, body
        assert field in res.json()["message"]["json"], body
    assert (
        client.get(f"/api/v3_0/accounts/{account}", headers=admin.headers).json()["name"] == "Mine"
    )


def test_account_changes_appear_in_its_audit_log(client, world):
    account = world.account("Before")
    account_admin = world.user(account, roles=["account-admin"])
    client.patch(
        f"/api/v3_0/accounts/{account}", json={"name": "After"}, headers=account_admin.headers
    )
    res = client.get(f"/api/v3_0/accounts/{account}/auditlog", headers=account_admin.headers)
    assert res.status_code == 200
    entries = res.json()
    assert isinstance(entries, list)
    renamed = [e for e in entries if "After" in e["event"]]
    assert len(renamed) == 1
    assert renamed[0]["active_user_id"] == account_admin.id
    assert {"event", "event_datetime", "active_user_id"} <= set(renamed[0])


def test_account_audit_log_is_for_admins_and_account_admins(client, world):
    account = world.account()
    member = world.user(account)
    reader = world.user(world.account(), roles=["admin-reader"])
    assert (
        client.get(f"/api/v3_0/accounts/{account}/auditlog", headers=member.headers).status_code
        == 403
    )
    assert (
        client.get(f"/api/v3_0/accounts/{account}/auditlog", headers=reader.headers).status_code
        == 200
    )


def _limit_to_germany(client, account: int, admin_headers: dict[str, str]) -> None:
    limits = {"carbon_api": {"zones": ["DE"], "routes": ["carbon-intensity/latest"]}}
    res = client.patch(
        f"/api/v3_0/accounts/{account}",
        json={"attributes": {"plan": "basic", **limits}},
        headers=admin_headers,
    )
    assert res.status_code == 200, res.text
    assert res.json()["attributes"]["carbon_api"] == limits["carbon_api"]


def test_account_admin_cannot_lift_the_account_s_carbon_api_limits(client, world):
    account = world.account()
    admin = world.user(world.account(), roles=["admin"])
    account_admin = world.user(account, roles=["account-admin"])
    _limit_to_germany(client, account, admin.headers)
    url = f"/api/v3_0/accounts/{account}"
    # Dropping the key keeps it: the caller's attributes are merged with the platform's.
    res = client.patch(url, json={"attributes": {}}, headers=account_admin.headers)
    assert res.status_code == 200, res.text
    assert set(res.json()["attributes"]) == {"carbon_api"}
    # Changing it is refused, naming the key, and nothing of the request is stored.
    res = client.patch(
        url,
        json={"name": "Renamed", "attributes": {"carbon_api": {"zones": "*", "routes": "*"}}},
        headers=account_admin.headers,
    )
    assert res.status_code == 403
    assert "carbon_api" in res.json()["message"]
    stored = client.get(url, headers=account_admin.headers).json()
    assert stored["name"] != "Renamed"
    assert stored["attributes"]["carbon_api"]["zones"] == ["DE"]
    # The limits still hold where they are used: the account's tokens see one zone.
    token = {"auth-token": account_admin.headers["Authorization"]}
    assert set(client.get("/v3/zones", headers=token).json()) == {"DE"}


def test_account_admin_edits_other_attributes_around_the_platform_s(client, world):
    account = world.account()
    admin = world.user(world.account(), roles=["admin"])
    account_admin = world.user(account, roles=["account-admin"])
    _limit_to_germany(client, account, admin.headers)
    url = f"/api/v3_0/accounts/{account}"
    current = client.get(url, headers=account_admin.headers).json()["attributes"]
    # A client that reads the attributes, changes its own key and sends them all back is fine.
    res = client.patch(
        url, json={"attributes": {**current, "plan": "pro"}}, headers=account_admin.headers
    )
    assert res.status_code == 200, res.text
    assert res.json()["attributes"] == {**current, "plan": "pro"}


def test_admins_set_change_and_clear_carbon_api_limits(client, world):
    account = world.account()
    admin = world.user(world.account(), roles=["admin"])
    _limit_to_germany(client, account, admin.headers)
    url = f"/api/v3_0/accounts/{account}"
    wider = {"carbon_api": {"zones": ["DE", "FR"], "routes": "*"}}
    res = client.patch(url, json={"attributes": wider}, headers=admin.headers)
    assert res.status_code == 200 and res.json()["attributes"] == wider
    res = client.patch(
        url,
        json={"attributes": {"carbon_api": {"routes": ["no/such-route"]}}},
        headers=admin.headers,
    )
    assert res.status_code == 422 and "attributes" in res.json()["message"]["json"]
    res = client.patch(url, json={"attributes": {}}, headers=admin.headers)
    assert res.status_code == 200 and res.json()["attributes"] == {}
