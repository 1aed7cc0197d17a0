"""GET /api/v3_0/sensors/{id}/stats and /status: summaries per source, staleness per source type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from gridflex.services import beliefs, sources
from gridflex.store.base import session_scope
from gridflex.store.models import DataSource, Sensor
from tests.api.belief_helpers import body, owned_sensor, stored, us

START = "2026-11-23T00:00:00+01:00"
KEYS = [
    "First event start",
    "Last event end",
    "Last recorded",
    "Min value",
    "Max value",
    "Mean value",
    "Sum over values",
    "Number of values",
]


def _stats(client, owned, **params):
    res = client.get(
        f"/api/v3_0/sensors/{owned.sensor_id}/stats", headers=owned.headers, params=params
    )
    assert res.status_code == 200, res.text
    return res.json()


def _status(client, owned):
    res = client.get(f"/api/v3_0/sensors/{owned.sensor_id}/status", headers=owned.headers)
    assert res.status_code == 200, res.text
    return res.json()


def _source_key(settings, source_id):
    with session_scope(settings.database_url) as session:
        return f"{session.get(DataSource, source_id).description} (ID: {source_id})"


def test_stats_summarise_each_source_over_its_latest_values(client, world, settings):
    owned = owned_sensor(world, timezone="Europe/Amsterdam")
    admin = world.user(world.account(), roles=["admin"])
    client.post(
        owned.url, headers=owned.headers, json=body([1, 2, 3, 4], prior="2026-11-20T00:00:00Z")
    )
    client.post(
        owned.url, headers=owned.headers, json=body([5, 6, 7, 8], prior="2026-11-21T00:00:00Z")
    )  # revised
    client.post(
        owned.url,
        headers=admin.headers,
        json=body([10, 20], duration="PT30M", prior="2026-11-22T00:00:00Z"),
    )
    rows = stored(settings, owned.sensor_id)
    own_id, admin_id = (
        int(rows["source_id"][0]),
        int(rows["source_id"][rows["event_value"] == 10][0]),
    )
    stats = _stats(client, owned)
    assert list(stats) == sorted([_source_key(settings, own_id), _source_key(settings, admin_id)])
    mine, theirs = stats[_source_key(settings, own_id)], stats[_source_key(settings, admin_id)]
    latest = np.array([5, 6, 7, 8.0])
    assert mine == {
        "First event start": "2026-11-23T00:00:00+01:00",
        "Last event end": "2026-11-23T01:00:00+01:00",
        "Last recorded": "2026-11-21T01:00:00+01:00",
        "Min value": latest.min(),
        "Max value": latest.max(),
        "Mean value": latest.mean(),
        "Sum over values": latest.sum(),
        "Number of values": 4,
    }
    assert list(mine) == sorted(KEYS)
    assert theirs["Number of values"] == 2 and theirs["Sum over values"] == 30
    assert theirs["Last event end"] == "2026-11-23T00:30:00+01:00"


def test_stats_window_and_key_order(client, world):
    owned = owned_sensor(world)
    client.post(
        owned.url, headers=owned.headers, json=body([1, 2, 3, 4, 5, 6, 7, 8], duration="PT2H")
    )
    (stats,) = _stats(
        client,
        owned,
        event_start_time="2026-11-23T00:30:00+01:00",
        event_end_time="2026-11-23T01:30:00+01:00",
        sort_keys="false",
    ).values()
    assert list(stats) == KEYS
    assert stats["Number of values"] == 4 and stats["Sum over values"] == 3 + 4 + 5 + 6


def test_stats_of_a_sensor_without_data_are_empty_and_bad_windows_refused(client, world):
    owned = owned_sensor(world)
    assert _stats(client, owned) == {}
    res = client.get(
        f"/api/v3_0/sensors/{owned.sensor_id}/stats",
        headers=owned.headers,
        params={"event_start_time": "2026-11-23T00:00:00"},
    )
    assert res.status_code == 422 and "event_start_time" in str(res.json()["message"])


def test_status_without_data_is_stale(client, world):
    owned = owned_sensor(world)
    (status,) = _status(client, owned)
    assert status["stale"] is True and status["reason"] == "no data recorded"
    assert status["source_type"] is None and status["staleness"] is None
    assert status["id"] == owned.sensor_id and status["resolution"] == "15 minutes"
    assert status["relation"] == "sensor belongs to this asset"
    assert set(status) == {
        "staleness",
        "stale",
        "staleness_since",
        "reason",
        "source_type",
        "id",
        "name",
        "resolution",
        "asset_name",
        "relation",
    }


def _quarter_floor(moment: datetime) -> datetime:
    return moment.replace(minute=moment.minute // 15 * 15, second=0, microsecond=0)


def test_measurements_turn_stale_after_two_resolutions(client, world):
    fresh, old = owned_sensor(world), owned_sensor(world)
    now = datetime.now(UTC)
    recent_start = _quarter_floor(now) - timedelta(minutes=15)  # known less than 15 minutes ago
    old_start = _quarter_floor(now) - timedelta(hours=2)  # known more than 1.5 h ago
    client.post(fresh.url, headers=fresh.headers, json=body([1], recent_start.isoformat(), "PT15M"))
    client.post(old.url, headers=old.headers, json=body([1], old_start.isoformat(), "PT15M"))
    (status,) = _status(client, fresh)
    assert status["stale"] is False and status["source_type"] == "user"
    assert status["staleness_since"] == (recent_start + timedelta(minutes=15)).isoformat()
    assert status["reason"].endswith("which is not more than 30 minutes old")
    (status,) = _status(client, old)
    assert status["stale"] is True and status["staleness"] in ("1 hour", "2 hours")
    assert status["reason"].endswith("but should not be more than 30 minutes old")


def _forecast(settings, sensor_id, hours_ahead: list[float]):
    now = datetime.now(UTC)
    with session_scope(settings.database_url) as session:
        sensor = session.get(Sensor, sensor_id)
        source = sources.get_or_create_source(session, name="forecast model", type="forecaster")
        base = _quarter_floor(now)
        starts = np.array([us((base + timedelta(hours=h)).isoformat()) for h in hours_ahead])
        frame = beliefs.BeliefFrame(
            starts, np.ones(len(starts)), us((now - timedelta(minutes=1)).isoformat())
        )
        beliefs.write_beliefs(session, sensor, source, frame)


def test_forecasts_are_stale_when_they_reach_less_than_12_hours_ahead(client, world, settings):
    far, near, past = owned_sensor(world), owned_sensor(world), owned_sensor(world)
    _forecast(settings, far.sensor_id, [1, 24])
    _forecast(settings, near.sensor_id, [1, 6])
    _forecast(settings, past.sensor_id, [-3, -2])
    (status,) = _status(client, far)
    assert status["source_type"] == "forecaster" and status["stale"] is False
    assert status["reason"].endswith("which is not less than 12 hours in the future")
    (status,) = _status(client, near)
    assert status["stale"] is True and status["reason"].endswith(
        "but should be more than 12 hours in the future"
    )
    (status,) = _status(client, past)
    assert status["stale"] is True and "no future data" in status["reason"]


def test_one_status_per_source_type(client, world, settings):
    owned = owned_sensor(world)
    now = datetime.now(UTC)
    client.post(
        owned.url,
        headers=owned.headers,
        json=body([1], (_quarter_floor(now) - timedelta(minutes=30)).isoformat(), "PT15M"),
    )
    _forecast(settings, owned.sensor_id, [1, 24])
    assert [s["source_type"] for s in _status(client, owned)] == ["forecaster", "user"]


def test_status_limits_come_from_the_sensor_attributes(client, world):
    owned = owned_sensor(world, attributes={"status_specs": {"max_staleness": "PT6H"}})
    start = _quarter_floor(datetime.now(UTC)) - timedelta(hours=3)
    client.post(owned.url, headers=owned.headers, json=body([1], start.isoformat(), "PT15M"))
    (status,) = _status(client, owned)
    assert status["stale"] is False and status["reason"].endswith("not more than 6 hours old")


def test_beliefs_recorded_in_the_future_do_not_count(client, world):
    owned = owned_sensor(world)
    tomorrow = _quarter_floor(datetime.now(UTC)) + timedelta(days=1)
    client.post(
        owned.url,
        headers=owned.headers,
        json=body([1], tomorrow.isoformat(), "PT15M", prior=tomorrow.isoformat()),
    )
    assert _status(client, owned)[0]["reason"] == "no data recorded"
