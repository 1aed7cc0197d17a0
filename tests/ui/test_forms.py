"""Web UI forms: flex-context and flex-model (checked, all or nothing), uploads with a result per
file, CSV download, and user administration."""

from __future__ import annotations

import pytest

from tests.ui.helpers import csrf, log_in


@pytest.fixture
def site(client, world):
    """A signed-in account-admin with a site, a battery under it and a price sensor."""
    account = world.account("ACME")
    admin = world.user(account, roles=["account-admin"], password="right password")
    site = world.asset(account, name="ACME site", type_name="building")
    battery = world.asset(account, name="ACME battery", parent_asset_id=site)
    power = world.sensor(battery, name="power", unit="kW")
    prices = world.sensor(site, name="prices", unit="EUR/MWh", resolution="PT1H")
    log_in(client, admin.email, "right password")
    return {"admin": admin, "site": site, "battery": battery, "power": power, "prices": prices}


def _asset(client, site, asset_id):
    return client.get(f"/api/v3_0/assets/{asset_id}", headers=site["admin"].headers).json()


def test_flex_context_is_saved_and_shown_as_inherited_below(client, site):
    res = client.post(
        f"/ui/assets/{site['site']}/flex-context",
        data={
            "csrf_token": csrf(client),
            "ctx-consumption-price": f'{{"sensor": {site["prices"]}}}',
            "ctx-site-power-capacity": "250 kVA",
        },
        follow_redirects=False,
    )
    assert res.status_code == 303
    stored = _asset(client, site, site["site"])["flex_context"]
    assert stored == {
        "consumption-price": {"sensor": site["prices"]},
        "site-power-capacity": "250 kVA",
    }
    child = client.get(f"/ui/assets/{site['battery']}")
    assert "250 kVA" in child.text and "from ACME site" in child.text


def test_a_bad_flex_context_field_is_named_and_nothing_is_saved(client, site):
    res = client.post(
        f"/ui/assets/{site['site']}/flex-context",
        data={
            "csrf_token": csrf(client),
            "ctx-site-power-capacity": "250 kVA",
            "ctx-consumption-price": "12 apples",
        },
    )
    assert res.status_code == 422
    assert "consumption-price" in res.text and "Not saved" in res.text
    assert 'value="12 apples"' in res.text  # the form keeps what was typed
    assert _asset(client, site, site["site"])["flex_context"] == {}


def test_flex_model_is_checked_by_the_scheduler(client, site):
    url = f"/ui/assets/{site['battery']}/flex-model"
    bad = client.post(url, data={"csrf_token": csrf(client), "fm-soc-max": "lots"})
    assert bad.status_code == 422 and "soc-max" in bad.text
    assert _asset(client, site, site["battery"])["flex_model"] == {}
    good = client.post(
        url,
        data={"csrf_token": csrf(client), "fm-soc-max": "100 kWh", "fm-power-capacity": "50 kW"},
        follow_redirects=False,
    )
    assert good.status_code == 303
    assert _asset(client, site, site["battery"])["flex_model"] == {
        "soc-max": "100 kWh",
        "power-capacity": "50 kW",
    }
    # With a stored flex-model the battery is a device the site can schedule now.
    assert "Schedule now" in client.get(f"/ui/assets/{site['site']}").text


GOOD = b"event_start,value\n2026-03-01T00:00:00+00:00,1.5\n2026-03-01T00:15:00+00:00,2.5\n"
BAD = b"event_start,value\n2026-03-01T00:00:00+00:00,not a number\n"


def test_upload_reports_each_file_and_stores_the_good_ones(client, site):
    res = client.post(
        f"/ui/sensors/{site['power']}/upload",
        data={"csrf_token": csrf(client)},
        files=[("files", ("good.csv", GOOD, "text/csv")), ("files", ("bad.csv", BAD, "text/csv"))],
    )
    assert res.status_code == 200
    table = res.text.split('aria-label="Upload results"')[1]
    good_row, bad_row = table.split("<tr><td>")[1:3]
    assert good_row.startswith("good.csv") and "stored" in good_row and "2 new values" in good_row
    assert bad_row.startswith("bad.csv") and "refused" in bad_row
    data = client.get(
        f"/api/v3_0/sensors/{site['power']}/data",
        params={"start": "2026-03-01T00:00:00+00:00", "duration": "PT30M", "unit": "kW"},
        headers=site["admin"].headers,
    ).json()
    assert data["values"] == [1.5, 2.5]


def test_upload_without_csrf_stores_nothing(client, site):
    res = client.post(
        f"/ui/sensors/{site['power']}/upload", files=[("files", ("good.csv", GOOD, "text/csv"))]
    )
    assert res.status_code == 403
    stats = client.get(f"/api/v3_0/sensors/{site['power']}/stats", headers=site["admin"].headers)
    assert stats.json() == {}


def test_csv_download_gives_back_what_was_uploaded(client, site):
    client.post(
        f"/ui/sensors/{site['power']}/upload",
        data={"csrf_token": csrf(client)},
        files=[("files", ("good.csv", GOOD, "text/csv"))],
    )
    res = client.get(f"/ui/sensors/{site['power']}/data.csv?start=2026-03-01&end=2026-03-01")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    lines = res.text.strip().splitlines()
    assert lines[0] == "event_start,value (kW),source"
    assert [line.split(",")[1] for line in lines[1:]] == ["1.5", "2.5"]
    assert lines[1].startswith("2026-03-01T00:00:00")


def test_account_admin_creates_and_deactivates_a_user(client, site, world):
    account = site["admin"].account_id
    res = client.post(
        f"/ui/accounts/{account}/users",
        data={"csrf_token": csrf(client), "email": "New@Example.org", "roles": ["consultant"]},
        follow_redirects=False,
    )
    assert res.status_code == 303
    page = client.get(res.headers["location"])
    assert "new@example.org" in page.text and "User created." in page.text
    user_id = int(res.headers["location"].split("/")[-1].split("?")[0])
    res = client.post(
        f"/ui/users/{user_id}",
        data={
            "csrf_token": csrf(client),
            "username": "new",
            "timezone": "UTC",
            "roles": ["consultant"],
        },
    )  # "active" left unchecked: deactivate
    assert res.status_code == 200
    user = client.get(f"/api/v3_0/users/{user_id}", headers=site["admin"].headers).json()
    assert user["active"] is False and user["roles"] == ["consultant"]


def test_account_admin_cannot_grant_admin(client, site):
    account = site["admin"].account_id
    res = client.post(
        f"/ui/accounts/{account}/users",
        data={"csrf_token": csrf(client), "email": "boss@example.org", "roles": ["admin"]},
    )
    assert res.status_code == 403
    users = client.get("/api/v3_0/users", headers=site["admin"].headers).json()
    assert "boss@example.org" not in str(users)


def test_password_reset_shows_a_new_password_and_ends_old_sessions(client, world, app):
    from fastapi.testclient import TestClient

    account = world.account()
    admin = world.user(world.account("Operators"), roles=["admin"], password="right password")
    actor = world.user(account, password="old pale lantern")
    with TestClient(app) as theirs:
        log_in(theirs, actor.email, "old pale lantern")
        log_in(client, admin.email, "right password")
        res = client.post(f"/ui/users/{actor.id}/reset-password", data={"csrf_token": csrf(client)})
        assert res.status_code == 200
        new_password = res.text.split('id="new-password" type="text" readonly value="')[1].split(
            '"'
        )[0]
        assert theirs.get("/ui/dashboard", follow_redirects=False).status_code == 303
        assert log_in(theirs, actor.email, "old pale lantern").status_code == 401
        assert log_in(theirs, actor.email, new_password).status_code == 303
