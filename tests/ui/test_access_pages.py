"""Every UI route follows the API's permissions: another account's things are a 403/404 page."""

from __future__ import annotations

import pytest

from tests.ui.helpers import csrf, log_in


@pytest.fixture
def two_accounts(client, world):
    """A signed-in member of account A, and an asset with a sensor and a user of account B."""
    mine, theirs = world.account("A"), world.account("B")
    me = world.user(mine, password="right password")
    them = world.user(theirs)
    their_asset = world.asset(theirs, name="Their secret site")
    their_sensor = world.sensor(their_asset, name="their secret meter")
    my_asset = world.asset(mine, name="My site")
    log_in(client, me.email, "right password")
    return {
        "me": me,
        "them": them,
        "asset": their_asset,
        "sensor": their_sensor,
        "account": theirs,
        "mine": my_asset,
    }


READ_ROUTES = [
    "/ui/assets/{asset}",
    "/ui/assets/{asset}/chart.json",
    "/ui/sensors/{sensor}",
    "/ui/sensors/{sensor}/chart.json",
    "/ui/sensors/{sensor}/data.csv",
    "/ui/accounts/{account}",
    "/ui/users/{user}",
]


@pytest.mark.parametrize("route", READ_ROUTES)
def test_another_accounts_pages_are_refused_without_data(client, two_accounts, route):
    ids = {k: v for k, v in two_accounts.items() if isinstance(v, int)}
    path = route.format(user=two_accounts["them"].id, **ids)
    res = client.get(path)
    assert res.status_code == 403
    assert "Their secret site" not in res.text and "their secret meter" not in res.text
    if not path.endswith((".json", ".csv")):
        assert "<h1>Not allowed</h1>" in res.text


WRITE_ROUTES = [
    ("/ui/assets/{asset}/flex-context", {"ctx-site-power-capacity": "1 MW"}),
    ("/ui/assets/{asset}/flex-model", {"fm-soc-max": "10 kWh"}),
    ("/ui/assets/{asset}/schedule", {"duration": "PT24H"}),
    ("/ui/assets/{asset}/forecast", {"sensor": "{sensor}", "duration": "PT24H"}),
    ("/ui/accounts/{account}/users", {"email": "new@example.org"}),
    ("/ui/users/{user}", {"username": "renamed", "timezone": "UTC"}),
    ("/ui/users/{user}/reset-password", {}),
]


@pytest.mark.parametrize(("route", "fields"), WRITE_ROUTES)
def test_another_accounts_things_cannot_be_changed(client, two_accounts, route, fields):
    ids = {k: v for k, v in two_accounts.items() if isinstance(v, int)}
    path = route.format(user=two_accounts["them"].id, **ids)
    data = {k: v.format(**ids) for k, v in fields.items()}
    res = client.post(path, data={**data, "csrf_token": csrf(client)})
    assert res.status_code == 403


def test_upload_to_another_accounts_sensor_is_refused(client, two_accounts):
    res = client.post(
        f"/ui/sensors/{two_accounts['sensor']}/upload",
        data={"csrf_token": csrf(client)},
        files={"files": ("m.csv", b"event_start,value\n2026-01-01T00:00:00Z,1\n", "text/csv")},
    )
    assert res.status_code == 403


def test_unknown_things_are_a_404_page(client, two_accounts):
    for path in ("/ui/assets/99999", "/ui/sensors/99999", "/ui/users/99999", "/ui/accounts/99999"):
        res = client.get(path)
        assert res.status_code == 404, path
        assert "<h1>Not found</h1>" in res.text


def test_asset_tree_lists_only_what_the_user_may_read(client, two_accounts):
    page = client.get("/ui/assets")
    assert page.status_code == 200
    assert "My site" in page.text and "Their secret site" not in page.text
    # Asking for every account changes nothing for a plain member.
    assert "Their secret site" not in client.get("/ui/assets?all=true").text


def test_admin_reads_other_accounts(client, world):
    theirs = world.account("B")
    world.asset(theirs, name="Their site")
    admin = world.user(world.account("Operators"), roles=["admin"], password="right password")
    log_in(client, admin.email, "right password")
    assert "Their site" in client.get("/ui/assets?all=true").text
    accounts = client.get("/ui/accounts")
    assert accounts.status_code == 200 and "Operators" in accounts.text and ">B<" in accounts.text


def test_public_maps_follow_their_settings(world, settings):
    from fastapi.testclient import TestClient

    from gridflex.api.app import create_app

    with TestClient(create_app(settings)) as open_client:
        assert open_client.get("/ui/heatmap").status_code == 200
        assert open_client.get("/ui/carbon").status_code == 200
    closed = settings.model_copy(update={"heatmap_public": False, "carbon_map_public": False})
    with TestClient(create_app(closed)) as closed_client:
        for path in ("/ui/heatmap", "/ui/heatmap/data", "/ui/carbon", "/ui/carbon/DE"):
            res = closed_client.get(path, follow_redirects=False)
            assert res.status_code == 303 and res.headers["location"].startswith("/ui/login")
        page = closed_client.get("/")
        assert 'href="/ui/heatmap"' not in page.text


def test_pages_answer_clearly_without_the_browser_libraries(world, settings, tmp_path):
    """Installed without npm: the pages still answer, and the maps say what is missing."""
    from fastapi.testclient import TestClient

    from gridflex.api.app import create_app

    bare = settings.model_copy(update={"ui_vendor_dir": str(tmp_path)})
    with TestClient(create_app(bare)) as bare_client:
        page = bare_client.get("/ui/carbon")
        assert page.status_code == 200
        assert "The map library is not installed" in page.text
        assert "/ui/vendor/leaflet/leaflet.js" not in page.text
        assert bare_client.get("/ui/vendor/leaflet/leaflet.js").status_code == 404


def test_a_form_missing_a_field_gets_a_page_naming_it(client, world):
    admin = world.user(world.account(), roles=["account-admin"], password="right password")
    log_in(client, admin.email, "right password")
    res = client.post(f"/ui/accounts/{admin.account_id}/users", data={"csrf_token": csrf(client)})
    assert res.status_code == 422
    assert res.headers["content-type"].startswith("text/html") and "email" in res.text
