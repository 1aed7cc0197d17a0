"""No 5xx from any input: ids out of range, odd digits, deep nesting, far moments, huge numbers,
NUL characters, and data stored before such input was refused. Each case is a clear 4xx that
names the field where the API knows it, and nothing is stored."""

from __future__ import annotations

import socket

import pytest
import sqlalchemy as sa

from gridflex.store.base import session_scope
from gridflex.store.queries import beliefs as q
from tests.api.belief_helpers import body, owned_sensor, stored, us

BIG = 2**40


def _fields(res, location=None):
    assert 400 <= res.status_code < 500, res.text
    message = res.json()["message"]
    return message if location is None else message[location]


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v3_0/assets/{BIG}",
        f"/api/v3_0/sensors/{10**20}",
        f"/api/v3_0/accounts/{2**31}",
        f"/api/v3_0/users/{BIG}",
        f"/api/v3_0/sensors/{BIG}/data?start=2026-01-01T00:00Z&duration=PT1H&unit=kW",
        f"/api/v3_0/assets?account_id={BIG}",
        f"/api/v3_0/sensors?asset_id={BIG}",
        f"/api/v3_0/assets?root={BIG}",
        f"/api/v3_0/assets?page={10**18}",
    ],
)
def test_ids_and_numbers_out_of_range_are_refused(client, world, path):
    admin = world.user(world.account(), roles=["admin"])
    res = client.get(path, headers=admin.headers)
    assert res.status_code in (404, 422), res.text


def test_out_of_range_ids_in_bodies_name_their_field(client, world):
    admin = world.user(world.account(), roles=["admin"])
    res = client.post(
        "/api/v3_0/assets",
        headers=admin.headers,
        json={"name": "x", "generic_asset_type_id": 1, "account_id": BIG},
    )
    assert "account_id" in _fields(res, "json")
    res = client.post(
        "/api/v3_0/sensors",
        headers=admin.headers,
        json={"name": "x", "unit": "kW", "event_resolution": "PT1H", "generic_asset_id": BIG},
    )
    assert "generic_asset_id" in _fields(res, "json")


def test_an_id_nested_in_a_flex_context_is_refused(client, world):
    owned = owned_sensor(world, resolution="PT1H")
    res = client.post(
        f"/api/v3_0/sensors/{owned.sensor_id}/schedules/trigger",
        headers=owned.headers,
        json={
            "start": "2026-11-23T00:00:00+01:00",
            "flex-model": {"soc-at-start": "1 kWh", "soc-max": "2 kWh"},
            "flex-context": {"consumption-price": {"sensor": BIG}},
        },
    )
    assert res.status_code in (400, 404, 422), res.text


@pytest.mark.parametrize("source", ["²", "١", str(BIG)])
def test_digits_that_are_not_an_id_are_refused(client, world, source):
    owned = owned_sensor(world)
    res = client.get(
        owned.url,
        headers=owned.headers,
        params={
            "start": "2026-11-23T00:00:00+01:00",
            "duration": "PT1H",
            "unit": "kW",
            "source": source,
        },
    )
    assert res.status_code == 422, res.text
    res = client.post(owned.url, headers=owned.headers, json=body([1, 2, 3, 4], source=source))
    assert res.status_code in (403, 422), res.text
    res = client.get(
        "/api/v1_1/getMeterData",
        headers=owned.headers,
        params={
            "type": "GetMeterDataRequest",
            "connection": source,
            "start": "2015-01-01T00:00Z",
            "duration": "PT1H",
        },
    )
    assert 400 <= res.status_code < 500, res.text


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "path",
    [
        "/api/v3_0/sensors/{id}/data",
        "/api/v3_0/sensors/{id}/schedules/trigger",
        "/api/v1_1/postMeterData",
        "/api/v3_0/assets",
    ],
)
def test_deeply_nested_json_is_refused(client, world, settings, path):
    owned = owned_sensor(world)
    res = client.post(
        path.format(id=owned.sensor_id),
        headers={**owned.headers, "Content-Type": "application/json"},
        content='{"values": ' + _nested(100_000) + "}",
    )
    assert 400 <= res.status_code < 500, res.text
    assert len(stored(settings, owned.sensor_id)) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duration", "P1000000000D"),
        ("start", "0001-01-01T00:00+14:00"),
        ("start", "9999-12-31T23:00-14:00"),
        ("start", "9999-12-31T23:45Z"),
    ],
)
def test_moments_and_durations_beyond_range_name_their_field(client, world, settings, field, value):
    owned = owned_sensor(world)
    res = client.post(owned.url, headers=owned.headers, json=body([1, 2, 3, 4], **{field: value}))
    assert field in _fields(res, "combined_sensor_data_description"), res.text
    assert len(stored(settings, owned.sensor_id)) == 0


@pytest.mark.parametrize("value", [10**400, 1e308, -1e200])
def test_numbers_no_sum_could_hold_are_refused(client, world, settings, value):
    owned = owned_sensor(world)
    payload = (
        '{"values": [1, '
        + str(value)
        + ', 3, 4], "start": "2026-11-23T00:00:00+01:00", "duration": "PT1H", "unit": "kW"}'
    )
    res = client.post(
        owned.url, headers={**owned.headers, "Content-Type": "application/json"}, content=payload
    )
    assert "values" in _fields(res, "combined_sensor_data_description"), res.text
    assert len(stored(settings, owned.sensor_id)) == 0


def test_nul_characters_are_refused_naming_the_field(client, world):
    admin = world.user(world.account(), roles=["admin"])
    res = client.post(
        "/api/v3_0/assets",
        headers=admin.headers,
        json={"name": "a\x00b", "generic_asset_type_id": 1},
    )
    assert "name" in _fields(res, "json")
    res = client.get("/api/v3_0/assets", headers=admin.headers, params={"filter": "a\x00b"})
    assert res.status_code in (200, 422), res.text
    res = client.get("/api/v3_0/sensors", headers=admin.headers, params={"filter": "\x00"})
    assert res.status_code in (200, 422), res.text


def _store_raw(settings, sensor_id, starts_us, values):
    """Beliefs written straight into the store, as data stored by an older release could be."""
    rows = []
    for start, value in zip(starts_us, values, strict=True):
        rows.append(
            {"sensor_id": sensor_id, "event_start_us": start, "belief_time_us": start,
             "source_id": 1, "cumulative_probability": 0.5, "belief_horizon_us": 0,
             "event_value": value}
        )  # fmt: skip
    with session_scope(settings.database_url) as session:
        session.execute(
            sa.text(
                "INSERT INTO belief (sensor_id, event_start_us, belief_time_us, source_id, "
                "cumulative_probability, belief_horizon_us, event_value) VALUES (:sensor_id, "
                ":event_start_us, :belief_time_us, :source_id, :cumulative_probability, "
                ":belief_horizon_us, :event_value)"
            ),
            rows,
        )


def test_stats_and_status_read_what_older_releases_stored(client, world, settings):
    owned = owned_sensor(world)
    client.post(owned.url, headers=owned.headers, json=body([1, 2, 3, 4]))  # makes source 1
    far = us("9999-12-31T23:45:00+00:00")
    _store_raw(settings, owned.sensor_id, [far, us("2026-01-01T00:00:00+00:00")], [1e308, 1e308])
    for route in ("stats", "status"):
        res = client.get(f"/api/v3_0/sensors/{owned.sensor_id}/{route}", headers=owned.headers)
        assert res.status_code == 200, res.text
    with session_scope(settings.database_url) as session:
        assert len(q.stats_per_source(session, owned.sensor_id, -(2**62), 2**62)) == 1


def test_an_unexpected_error_is_answered_and_the_connection_stays_open(app, live_server_for):
    """A bug in a handler is a logged 500 in the platform's shape, and the same keep-alive
    connection still serves the next request (the server used to drop it)."""

    @app.get("/api/v3_0/broken", include_in_schema=False)
    def broken() -> None:
        raise RuntimeError("a bug")

    host, port = live_server_for(app).split(":")
    with socket.create_connection((host, int(port))) as conn:
        reader = conn.makefile("rb")
        for path in ("/api/v3_0/broken", "/api/"):
            conn.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            status = reader.readline()
            length = 0
            while (line := reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            answer = reader.read(length)
            if path.endswith("broken"):
                assert b" 500 " in status and b"INTERNAL_ERROR" in answer
            else:
                assert b" 200 " in status
