"""Users: list, read, create, update (fields, roles, activity), audit log."""

from __future__ import annotations

import sqlalchemy as sa

from gridflex.store.base import session_scope
from gridflex.store.models import Role

SEED_KEYS = {"active", "email", "account_id", "flexmeasures_roles", "id", "timezone", "username"}
SEED_ACCOUNT_KEYS = {
    "account_roles",
    "consultancy_account_id",
    "id",
    "logo_url",
    "name",
    "primary_color",
}


def role_id(settings, name):
    with session_scope(settings.database_url) as session:
        return session.scalar(sa.select(Role.id).where(Role.name == name))


def test_list_users_of_own_account_with_their_account(client, world):
    account = world.account("Toy Account")
    member = world.user(account, email="toy-user@example.org")
    world.user(world.account("Elsewhere"))
    res = client.get("/api/v3_0/users", headers=member.headers)
    assert res.status_code == 200
    body = res.json()
    assert isinstance(body, list)
    assert [u["id"] for u in body] == [member.id]
    user = body[0]
    assert SEED_KEYS | {"account", "last_login_at", "last_seen_at"} <= set(user)
    assert user["email"] == "toy-user@example.org"
    assert user["account_id"] == account
    assert SEED_ACCOUNT_KEYS <= set(user["account"])
    assert user["account"]["name"] == "Toy Account"


def test_inactive_users_are_listed_only_on_request(client, world):
    account = world.account()
    account_admin = world.user(account, roles=["account-admin"])
    gone = world.user(account)
    client.patch(
        f"/api/v3_0/users/{gone.id}", json={"active": False}, headers=account_admin.headers
    )
    listed = client.get("/api/v3_0/users", headers=account_admin.headers).json()
    assert [u["id"] for u in listed] == [account_admin.id]
    listed = client.get(
        "/api/v3_0/users?include_inactive=true", headers=account_admin.headers
    ).json()
    assert sorted(u["id"] for u in listed) == sorted([account_admin.id, gone.id])


def test_users_of_another_account_need_read_access_to_it(client, world):
    own, other = world.account(), world.account()
    member = world.user(own)
    stranger = world.user(other)
    admin = world.user(world.account(), roles=["admin"])
    assert (
        client.get(f"/api/v3_0/users?account_id={other}", headers=member.headers).status_code == 403
    )
    listed = client.get(f"/api/v3_0/users?account_id={other}", headers=admin.headers).json()
    assert [u["id"] for u in listed] == [stranger.id]
    assert client.get("/api/v3_0/users?account_id=999999", headers=admin.headers).status_code == 404


def test_user_listing_paginates_filters_and_sorts(client, world):
    account = world.account()
    emails = ["carol@example.org", "alice@example.org", "bob@example.org", "dave@example.org"]
    actors = [world.user(account, email=email) for email in emails]
    headers = actors[0].headers
    res = client.get("/api/v3_0/users?page=2&per_page=3&sort_by=email", headers=headers).json()
    assert (res["num-records"], res["filtered-records"]) == (4, 4)
    assert [u["email"] for u in res["data"]] == ["dave@example.org"]
    res = client.get("/api/v3_0/users?sort_by=username&sort_dir=desc", headers=headers).json()
    assert [u["username"] for u in res] == ["dave", "carol", "bob", "alice"]
    res = client.get("/api/v3_0/users", params={"page": 1, "filter": "ca"}, headers=headers).json()
    assert (res["num-records"], res["filtered-records"]) == (4, 1)
    assert res["data"][0]["email"] == "carol@example.org"
    assert client.get("/api/v3_0/users?sort_by=password_hash", headers=headers).status_code == 422


def test_read_user_wraps_the_user_in_data(client, world, settings):
    account = world.account()
    actor = world.user(account, roles=["account-admin"])
    other = world.user(account)
    res = client.get(f"/api/v3_0/users/{other.id}", headers=actor.headers)
    assert res.status_code == 200
    data = res.json()["data"]
    assert SEED_KEYS | {"last_login_at", "last_seen_at"} <= set(data)
    assert data["id"] == other.id
    assert data["flexmeasures_roles"] == []
    mine = client.get(f"/api/v3_0/users/{actor.id}", headers=actor.headers).json()["data"]
    assert mine["flexmeasures_roles"] == [role_id(settings, "account-admin")]
    assert client.get("/api/v3_0/users/999999", headers=actor.headers).status_code == 404


def test_account_admin_creates_a_user_who_can_log_in(client, world):
    account = world.account()
    account_admin = world.user(account, roles=["account-admin"])
    body = {
        "email": "New.User@Example.org",
        "username": "New User",
        "account_id": account,
        "password": "tulip harbour lantern",
    }
    res = client.post("/api/v3_0/users", json=body, headers=account_admin.headers)
    assert res.status_code == 201
    created = res.json()["data"][0]
    assert SEED_KEYS <= set(created)
    assert (created["email"], created["username"], created["account_id"]) == (
        "new.user@example.org",
        "New User",
        account,
    )
    assert created["active"] is True
    assert created["timezone"] == "Europe/Amsterdam"
    login = client.post(
        "/api/requestAuthToken",
        json={"email": "new.user@example.org", "password": "tulip harbour lantern"},
    )
    assert login.status_code == 200
    assert login.json()["user_id"] == created["id"]


def test_user_without_password_cannot_log_in_until_one_is_set(client, world):
    account = world.account()
    account_admin = world.user(account, roles=["account-admin"])
    body = {"email": "nopass@example.org", "username": "nopass", "account_id": account}
    assert (
        client.post("/api/v3_0/users", json=body, headers=account_admin.headers).status_code == 201
    )
    login = client.post(
        "/api/requestAuthToken", json={"email": "nopass@example.org", "password": ""}
    )
    assert login.status_code in (401, 422)


def test_roles_are_granted_by_name_or_id_within_the_granter_s_reach(client, world, settings):
    account = world.account()
    account_admin = world.user(account, roles=["account-admin"])
    base = {"username": "x", "account_id": account}
    res = client.post(
        "/api/v3_0/users",
        json={**base, "email": "c@example.org", "roles": ["consultant"]},
        headers=account_admin.headers,
    )
    assert res.status_code == 201
    assert res.json()["data"][0]["flexmeasures_roles"] == [role_id(settings, "consultant")]
    res = client.post(
        "/api/v3_0/users",
        json={**base, "email": "a@example.org", "roles": [role_id(settings, "account-admin")]},
        headers=account_admin.headers,
    )
    assert res.status_code == 201
    res = client.post(
        "/api/v3_0/users",
        json={**base, "email": "b@example.org", "roles": ["admin"]},
        headers=account_admin.headers,
    )
    assert res.status_code == 403


def test_invalid_new_users_are_422_naming_the_field(client, world):
    account = world.account()
    world.user(account, email="taken@example.org")
    admin = world.user(account, roles=["admin"])
    good = {"email": "fresh@example.org", "username": "fresh", "account_id": account}
    cases = [
        ({k: v for k, v in good.items() if k != "email"}, "email"),
        ({k: v for k, v in good.items() if k != "username"}, "username"),
        ({k: v for k, v in good.items() if k != "account_id"}, "account_id"),
        ({**good, "email": "not-an-email"}, "email"),
        ({**good, "email": "taken@example.org"}, "email"),
        ({**good, "timezone": "Mars/Olympus"}, "timezone"),
        ({**good, "password": "short"}, "password"),
        ({**good, "roles": ["emperor"]}, "roles"),
        ({**good, "account_id": 999999}, "account_id"),
        ({**good, "id": 5}, "id"),
    ]
    for body, field in cases:
        res = client.post("/api/v3_0/users", json=body, headers=admin.headers)
        assert res.status_code == 422, body
        assert field in res.json()["message"]["json"], body


def test_users_update_a_few_of_their_own_fields(client, world):
    actor = world.user(world.account())
    url = f"/api/v3_0/users/{actor.id}"
    res = client.patch(url, json={"username": "renamed", "timezone": "UTC"}, headers=actor.headers)
    assert res.status_code == 200
    data = res.json()["data"][0]
    assert (data["username"], data["timezone"]) == ("renamed", "UTC")
    assert client.patch(url, json={"active": False}, headers=actor.headers).status_code == 403
    assert (
        client.patch(url, json={"flexmeasures_roles": ["admin"]}, headers=actor.headers).status_code
        == 403
    )
    assert client.get(url, headers=actor.headers).json()["data"]["active"] is True


def test_plain_members_do_not_update_each_other(client, world):
    account = world.account()
    actor, other = world.user(account), world.user(account)
    assert (
        client.patch(
            f"/api/v3_0/users/{other.id}", json={"username": "x"}, headers=actor.headers
        ).status_code
        == 403
    )


def test_account_admin_sets_and_clears_roles(client, world, settings):
    account = world.account()
    account_admin = world.user(account, roles=["account-admin"])
    other = world.user(account)
    url = f"/api/v3_0/users/{other.id}"
    res = client.patch(
        url,
        json={"flexmeasures_roles": ["account-admin", "consultant"]},
        headers=account_admin.headers,
    )
    assert res.status_code == 200
    expected = sorted([role_id(settings, "account-admin"), role_id(settings, "consultant")])
    assert res.json()["data"][0]["flexmeasures_roles"] == expected
    res = client.patch(url, json={"flexmeasures_roles": []}, headers=account_admin.headers)
    assert res.status_code == 200
    assert res.json()["data"][0]["flexmeasures_roles"] == []
    assert client.get(url, headers=account_admin.headers).json()["data"]["flexmeasures_roles"] == []
    res = client.patch(
        url, json={"roles": [role_id(settings, "admin-reader")]}, headers=account_admin.headers
    )
    assert res.status_code == 403


def test_account_admin_cannot_edit_a_higher_ranked_user(client, world):
    account = world.account()
    account_admin = world.user(account, roles=["account-admin"])
    admin = world.user(account, roles=["admin"])
    for body in ({"email": "mine-now@example.org"}, {"active": False}, {"username": "demoted"}):
        res = client.patch(f"/api/v3_0/users/{admin.id}", json=body, headers=account_admin.headers)
        assert res.status_code == 403, body
    assert client.get("/api/v3_0/users", headers=admin.headers).status_code == 200


def test_invalid_user_updates_are_422_naming_the_field(client, world):
    account = world.account()
    world.user(account, email="taken@example.org")
    admin = world.user(account, roles=["admin"])
    other = world.user(account)
    for body, field in [
        ({"id": 1}, "id"),
        ({"account_id": account}, "account_id"),
        ({"timezone": "Nowhere/Land"}, "timezone"),
        ({"email": "taken@example.org"}, "email"),
        ({"email": "nope"}, "email"),
        ({"username": None}, "username"),
        ({"active": None}, "active"),
        ({"flexmeasures_roles": ["emperor"]}, "roles"),
        ({"password_hash": "x"}, "password_hash"),
    ]:
        res = client.patch(f"/api/v3_0/users/{other.id}", json=body, headers=admin.headers)
        assert res.status_code == 422, body
        assert field in res.json()["message"]["json"], body


def test_user_changes_appear_in_the_user_audit_log(client, world):
    account = world.account()
    account_admin = world.user(account, roles=["account-admin"], email="boss@example.org")
    res = client.post(
        "/api/v3_0/users",
        json={"email": "audited@example.org", "username": "audited", "account_id": account},
        headers=account_admin.headers,
    )
    user_id = res.json()["data"][0]["id"]
    client.patch(
        f"/api/v3_0/users/{user_id}", json={"timezone": "UTC"}, headers=account_admin.headers
    )
    res = client.get(f"/api/v3_0/users/{user_id}/auditlog", headers=account_admin.headers)
    assert res.status_code == 200
    body = res.json()
    assert (body["num-records"], body["filtered-records"]) == (2, 2)  # created, timezone changed
    assert all(e["active_user_name"] == "boss" for e in body["data"])
    assert {"event", "event_datetime", "active_user_name"} <= set(body["data"][0])
    res = client.get(
        f"/api/v3_0/users/{user_id}/auditlog?filter=timezone", headers=account_admin.headers
    ).json()
    assert res["filtered-records"] == 1
    assert "UTC" in res["data"][0]["event"]
    # Also on the account's log.
    events = [
        e["event"]
        for e in client.get(
            f"/api/v3_0/accounts/{account}/auditlog", headers=account_admin.headers
        ).json()
    ]
    assert any("audited" in e and "created" in e for e in events)


def test_user_audit_log_is_for_the_user_their_account_admin_and_admins(client, world):
    account = world.account()
    member, other = world.user(account), world.user(account)
    assert (
        client.get(f"/api/v3_0/users/{member.id}/auditlog", headers=member.headers).status_code
        == 200
    )
    assert (
        client.get(f"/api/v3_0/users/{member.id}/auditlog", headers=other.headers).status_code
        == 403
    )
