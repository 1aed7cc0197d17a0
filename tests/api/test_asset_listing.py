"""GET /assets: the tree under a root, depth, chosen fields and the cap of unpaged lists;
user preferences stay with their user."""

from __future__ import annotations

import pytest

from gridflex.config import Settings


@pytest.fixture
def tree(world):
    """site -> (battery -> (cell), pv); plus another top-level asset; all in one account."""
    account = world.account("Tree Account")
    member = world.user(account)
    site = world.asset(account, "site", type_name="building")
    battery = world.asset(account, "battery", parent_asset_id=site)
    cell = world.asset(account, "cell", parent_asset_id=battery)
    pv = world.asset(account, "pv", type_name="solar", parent_asset_id=site)
    other = world.asset(account, "other")
    ids = {"site": site, "battery": battery, "cell": cell, "pv": pv, "other": other}
    return member, ids


def _names(client, member, **params):
    res = client.get("/api/v3_0/assets", headers=member.headers, params=params)
    assert res.status_code == 200, res.text
    return sorted(a["name"] for a in res.json())


def test_root_lists_the_root_and_its_descendants(client, tree):
    member, ids = tree
    assert _names(client, member, root=ids["site"]) == ["battery", "cell", "pv", "site"]
    assert _names(client, member, root=ids["battery"]) == ["battery", "cell"]


def test_depth_counts_generations_below_the_root(client, tree):
    member, ids = tree
    assert _names(client, member, root=ids["site"], depth=0) == ["site"]
    assert _names(client, member, root=ids["site"], depth=1) == ["battery", "pv", "site"]


def test_depth_without_root_counts_from_the_top_level_assets(client, tree):
    member, _ = tree
    assert _names(client, member, depth=0) == ["other", "site"]
    assert _names(client, member, depth=1) == ["battery", "other", "pv", "site"]
    assert _names(client, member) == ["battery", "cell", "other", "pv", "site"]


def test_fields_choose_what_each_asset_shows(client, tree):
    member, ids = tree
    for fields in ("id|name", "id,name", ["id", "name"]):
        res = client.get(
            "/api/v3_0/assets",
            headers=member.headers,
            params={"root": ids["battery"], "fields": fields},
        )
        assert res.status_code == 200, res.text
        assert sorted(res.json(), key=lambda a: a["id"]) == [
            {"id": ids["battery"], "name": "battery"},
            {"id": ids["cell"], "name": "cell"},
        ]


def test_unknown_field_negative_depth_and_unreadable_root_are_refused(client, world, tree):
    member, ids = tree
    res = client.get("/api/v3_0/assets", headers=member.headers, params={"fields": "id|secret"})
    assert res.status_code == 422 and "fields" in res.json()["message"]["query"]
    res = client.get("/api/v3_0/assets", headers=member.headers, params={"depth": -1})
    assert res.status_code == 422 and "depth" in res.json()["message"]["query"]
    stranger = world.user(world.account())
    res = client.get("/api/v3_0/assets", headers=stranger.headers, params={"root": ids["site"]})
    assert res.status_code == 403
    res = client.get("/api/v3_0/assets", headers=member.headers, params={"root": 10**6})
    assert res.status_code == 404


def test_an_unpaged_list_stops_at_the_cap_and_says_so(db, world):
    from fastapi.testclient import TestClient

    from gridflex.api.app import create_app

    settings = Settings(mode="test", database_url=db, list_cap=3)
    account = world.account()
    member = world.user(account)
    for i in range(5):
        world.asset(account, f"asset {i}")
    with TestClient(create_app(settings)) as client:
        res = client.get("/api/v3_0/assets", headers=member.headers)
        assert len(res.json()) == 3
        assert (res.headers["List-Cap"], res.headers["Total-Records"]) == ("3", "5")
        paged = client.get("/api/v3_0/assets", headers=member.headers, params={"page": 2})
        assert paged.json()["num-records"] == 5 and "List-Cap" not in paged.headers
        few = client.get("/api/v3_0/assets", headers=member.headers, params={"filter": '"asset 1"'})
        assert len(few.json()) == 1 and "Total-Records" not in few.headers


def test_preferences_belong_to_their_user_and_leave_the_account_alone(client, world):
    account = world.account()
    first, second = world.user(account, roles=["account-admin"]), world.user(account)
    asset = world.asset(account, sensors_to_show=[])
    before = client.get(f"/api/v3_0/accounts/{account}", headers=first.headers).json()
    client.post(
        "/api/v3_0/assets/keep_legends_below_graphs",
        json={"keep_legends_below_graphs": False},
        headers=first.headers,
    )
    client.post(
        "/api/v3_0/assets/default_asset_view",
        json={"default_asset_view": "Graphs"},
        headers=second.headers,
    )
    after = client.get(f"/api/v3_0/accounts/{account}", headers=first.headers).json()
    assert after["attributes"] == before["attributes"]

    def legend_below(actor):
        spec = client.get(f"/api/v3_0/assets/{asset}/chart", headers=actor.headers).json()
        return spec.get("config", {}).get("legend", {}).get("orient") == "bottom"

    assert (legend_below(first), legend_below(second)) == (False, True)
    log = client.get(f"/api/v3_0/users/{first.id}/auditlog", headers=first.headers).json()
    assert any("preferences" in entry["event"] for entry in log["data"])
