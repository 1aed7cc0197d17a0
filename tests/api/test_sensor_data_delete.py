"""DELETE /api/v3_0/sensors/{id}/data: filtered deletes remove exactly what matches, and a
destructive route never ignores a parameter (issue: a filtered delete deleted everything)."""

from __future__ import annotations

import pytest

from tests.api.belief_helpers import body, owned_sensor, stored

START = "2026-11-23T00:00:00+01:00"


def _values(client, owned, **params):
    query = {"start": START, "duration": "PT1H", "unit": "kW", **params}
    res = client.get(owned.url, headers=owned.headers, params=query)
    assert res.status_code == 200, res.text
    return res.json()["values"]


def _posted(client, world, **extra):
    owned = owned_sensor(world, roles=["account-admin"], **extra)
    res = client.post(owned.url, headers=owned.headers, json=body([1, 2, 3, 4], START))
    assert res.status_code == 200, res.text
    return owned


def test_event_window_deletes_exactly_the_events_inside(client, world, settings):
    owned = _posted(client, world)
    res = client.delete(
        owned.url,
        headers=owned.headers,
        params={"start": START, "until": "2026-11-23T00:30:00+01:00"},
    )
    assert res.status_code == 204, res.text
    assert res.headers["Deleted-Beliefs"] == "2"
    assert _values(client, owned) == [None, None, 3, 4]


def test_filters_in_a_json_body_work_as_in_the_query(client, world):
    owned = _posted(client, world)
    res = client.request(
        "DELETE",
        owned.url,
        headers=owned.headers,
        json={"start": "2026-11-23T00:15:00+01:00", "until": "2026-11-23T00:45:00+01:00"},
    )
    assert res.status_code == 204, res.text
    assert _values(client, owned) == [1, None, None, 4]


def test_an_event_only_partly_inside_the_window_is_kept(client, world):
    owned = _posted(client, world)
    res = client.delete(
        owned.url,
        headers=owned.headers,
        params={"start": "2026-11-23T00:10:00+01:00", "until": "2026-11-23T00:40:00+01:00"},
    )
    assert res.headers["Deleted-Beliefs"] == "1"
    assert _values(client, owned) == [1, None, 3, 4]


def test_source_filter_deletes_only_that_sources_beliefs(client, world):
    owned = _posted(client, world)
    colleague = world.user(owned.account_id)
    later = body([10, 20, 30, 40], START)
    assert client.post(owned.url, headers=colleague.headers, json=later).status_code == 200
    stats = client.get(f"/api/v3_0/sensors/{owned.sensor_id}/stats", headers=owned.headers).json()
    # keys read "<source description> (ID: <id>)"; the colleague's values sum to 100
    key = next(k for k, s in stats.items() if s["Sum over values"] == 100)
    colleague_source = key.rsplit("(ID: ", 1)[1].rstrip(")")
    res = client.delete(owned.url, headers=owned.headers, params={"source": colleague_source})
    assert res.status_code == 204, res.text
    assert res.headers["Deleted-Beliefs"] == "4"
    assert _values(client, owned) == [1, 2, 3, 4]


def test_belief_time_window(client, world, settings):
    owned = owned_sensor(world, roles=["account-admin"])
    early = body([1, 2, 3, 4], START, prior="2026-11-22T12:00:00+00:00")
    late = body([5, 6, 7, 8], START, prior="2026-11-24T12:00:00+00:00")
    for payload in (early, late):
        assert client.post(owned.url, headers=owned.headers, json=payload).status_code == 200
    res = client.delete(
        owned.url, headers=owned.headers, params={"beliefs_after": "2026-11-24T00:00:00+00:00"}
    )
    assert res.headers["Deleted-Beliefs"] == "4"
    assert _values(client, owned) == [1, 2, 3, 4]
    assert len(stored(settings, owned.sensor_id)) == 4


def test_instantaneous_values_at_until_lie_within_the_window(client, world):
    owned = owned_sensor(world, roles=["account-admin"], unit="%", resolution="PT0M")
    client.post(owned.url, headers=owned.headers, json=body([10, 20, 30, 40], START, unit="%"))
    res = client.delete(
        owned.url,
        headers=owned.headers,
        params={"start": "2026-11-23T00:15:00+01:00", "until": "2026-11-23T00:30:00+01:00"},
    )
    assert res.headers["Deleted-Beliefs"] == "2"
    assert _values(client, owned, unit="%") == [10, None, None, 40]
    moment = "2026-11-23T00:45:00+01:00"  # start == until: the values at that instant
    res = client.delete(owned.url, headers=owned.headers, params={"start": moment, "until": moment})
    assert res.headers["Deleted-Beliefs"] == "1"
    assert _values(client, owned, unit="%") == [10, None, None, None]


def test_unfiltered_delete_removes_everything_and_says_how_many(client, world, settings):
    owned = _posted(client, world)
    res = client.delete(owned.url, headers=owned.headers)
    assert res.status_code == 204 and res.headers["Deleted-Beliefs"] == "4"
    assert _values(client, owned) == [None] * 4
    assert len(stored(settings, owned.sensor_id)) == 0


@pytest.mark.parametrize(
    "params",
    [
        {"source": "999999"},  # a source that does not exist
        {"start": "2026-11-23"},  # no offset
        {"start": START, "until": START},  # empty window
        {"start": START, "until": "2026-11-23T00:10:00+01:00"},  # shorter than one event
        {"beliefs_after": "2026-11-24T00:00Z", "beliefs_before": "2026-11-23T00:00Z"},
    ],
)
def test_bad_filters_are_refused_and_nothing_is_deleted(client, world, settings, params):
    owned = _posted(client, world)
    res = client.delete(owned.url, headers=owned.headers, params=params)
    assert res.status_code == 422, res.text
    assert set(res.json()["message"]["query"]) <= set(params) | {"_schema"}
    assert len(stored(settings, owned.sensor_id)) == 4


def test_unknown_body_key_is_refused_and_nothing_is_deleted(client, world, settings):
    owned = _posted(client, world)
    res = client.request("DELETE", owned.url, headers=owned.headers, json={"from": START})
    assert res.status_code == 422
    assert "from" in res.json()["message"]["query"]
    assert len(stored(settings, owned.sensor_id)) == 4


def test_a_filter_given_twice_must_agree(client, world, settings):
    owned = _posted(client, world)
    res = client.request(
        "DELETE",
        owned.url,
        headers=owned.headers,
        params={"start": START},
        json={"start": "2026-11-23T00:30:00+01:00"},
    )
    assert res.status_code == 422 and "start" in res.json()["message"]["query"]
    assert len(stored(settings, owned.sensor_id)) == 4


def test_every_delete_route_refuses_an_unknown_query_parameter(client, world, settings):
    owned = _posted(client, world)
    urls = {
        "/api/v3_0/sensors/{id}/data": owned.url,
        "/api/v3_0/sensors/{id}": f"/api/v3_0/sensors/{owned.sensor_id}",
        "/api/v3_0/assets/{id}": f"/api/v3_0/assets/{owned.asset_id}",
    }
    paths = client.get("/api/v3_0/openapi.json").json()["paths"]
    routes = {path for path, operations in paths.items() if "delete" in operations}
    assert routes == set(urls), "a new DELETE route: add it here (and give it StrictQuery)"
    for url in urls.values():
        res = client.delete(url, headers=owned.headers, params={"unfiltered": "yes"})
        assert res.status_code == 422, (url, res.text)
        assert "unfiltered" in res.json()["message"]["query"]
    assert len(stored(settings, owned.sensor_id)) == 4
    assert (
        client.get(f"/api/v3_0/assets/{owned.asset_id}", headers=owned.headers).status_code == 200
    )
