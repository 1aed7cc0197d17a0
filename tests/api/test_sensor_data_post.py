"""POST /api/v3_0/sensors/{id}/data: storing, dedupe, belief timing, resolutions, units and bad input.

Cases B.1-B.21 and F.11 of the reference behaviour, plus the belief-store rules of seed 003.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from fastapi.testclient import TestClient

from gridflex.api.app import create_app
from tests.api.belief_helpers import body, owned_sensor, rejected_fields, stored, us

PRICES = [round(0.1 + 0.05 * math.sin(i / 7), 4) for i in range(192)]  # 48 h of 15-min prices
START = "2026-11-23T00:00:00+01:00"


def _get(client, owned, **params):
    res = client.get(owned.url, headers=owned.headers, params=params)
    assert res.status_code == 200, res.text
    return res.json()["values"]


def test_posted_prices_are_stored_and_read_back_exactly(client, world):
    owned = owned_sensor(world, unit="EUR/kWh")
    res = client.post(
        owned.url, headers=owned.headers, json=body(PRICES, START, "PT48H", "EUR/kWh")
    )
    assert res.status_code == 200
    assert res.json() == {"message": "Request has been processed.", "status": "PROCESSED"}
    assert _get(client, owned, start=START, duration="PT48H", unit="EUR/kWh") == PRICES


def test_reposting_identical_values_stores_nothing(client, world, settings):
    owned = owned_sensor(world, unit="EUR/kWh")
    client.post(owned.url, headers=owned.headers, json=body(PRICES, START, "PT48H", "EUR/kWh"))
    res = client.post(
        owned.url, headers=owned.headers, json=body(PRICES, START, "PT48H", "EUR/kWh")
    )
    assert res.status_code == 200
    assert res.json()["status"] == "ALREADY_RECEIVED_AND_SUCCESSFULLY_PROCESSED"
    assert res.json()["results"] == "PROCESSED"
    assert len(stored(settings, owned.sensor_id)) == 192


def test_reposting_the_same_values_in_another_unit_stores_nothing(client, world, settings):
    owned = owned_sensor(world, unit="EUR/kWh")
    client.post(owned.url, headers=owned.headers, json=body(PRICES, START, "PT48H", "EUR/kWh"))
    per_mwh = [p * 1000 for p in PRICES]
    res = client.post(
        owned.url, headers=owned.headers, json=body(per_mwh, START, "PT48H", "EUR/MWh")
    )
    assert res.json()["status"] == "ALREADY_RECEIVED_AND_SUCCESSFULLY_PROCESSED"
    assert len(stored(settings, owned.sensor_id)) == 192


def test_partial_overlap_stores_only_the_new_values(client, world, settings):
    owned = owned_sensor(world)
    client.post(owned.url, headers=owned.headers, json=body([1, 2, 3, 4]))
    res = client.post(
        owned.url, headers=owned.headers, json=body([1, 2, 3, 4, 5, 6, 7, 8], duration="PT2H")
    )
    assert res.json()["status"] == "PROCESSED"
    rows = stored(settings, owned.sensor_id)
    assert len(rows) == 8
    assert rows["event_value"].tolist() == [1, 2, 3, 4, 5, 6, 7, 8]


def test_changed_values_posted_later_become_new_beliefs_and_history_is_kept(
    client, world, settings
):
    owned = owned_sensor(world, unit="EUR/kWh")
    first = client.post(
        owned.url, headers=owned.headers, json=body(PRICES[:8], START, "PT2H", "EUR/kWh")
    )
    assert first.status_code == 200
    between = datetime.now(UTC).isoformat()
    changed = [p + 0.01 for p in PRICES[:8]]
    res = client.post(
        owned.url, headers=owned.headers, json=body(changed, START, "PT2H", "EUR/kWh")
    )
    assert res.json()["status"] == "PROCESSED"
    assert len(stored(settings, owned.sensor_id)) == 16
    assert _get(client, owned, start=START, duration="PT2H", unit="EUR/kWh") == pytest.approx(
        changed
    )
    assert (
        _get(client, owned, start=START, duration="PT2H", unit="EUR/kWh", prior=between)
        == PRICES[:8]
    )


def test_changed_value_for_the_same_belief_time_is_refused_and_nothing_is_stored(
    client, world, settings
):
    owned = owned_sensor(world)
    prior = "2026-11-20T10:00:00+00:00"
    client.post(owned.url, headers=owned.headers, json=body([1, 2, 3, 4], prior=prior))
    # four new events, but the second value contradicts what this source said at this belief time
    res = client.post(
        owned.url,
        headers=owned.headers,
        json=body([1, 9, 3, 4, 5, 6, 7, 8], duration="PT2H", prior=prior),
    )
    assert res.status_code == 403
    assert res.json()["status"] == "INVALID_REPLACEMENT"
    assert (
        "2026-11-22T23:15:00+00:00" in res.json()["message"]
        and "holds 2.0, not 9.0" in res.json()["message"]
    )
    assert stored(settings, owned.sensor_id)["event_value"].tolist() == [1, 2, 3, 4]


def test_convertible_unit_is_converted(client, world):
    owned = owned_sensor(world, unit="EUR/kWh")
    res = client.post(
        owned.url, headers=owned.headers, json=body([100.3, 100.9, 102.0, 103.5], unit="EUR/MWh")
    )
    assert res.status_code == 200
    assert _get(client, owned, start=START, duration="PT1H", unit="EUR/kWh") == pytest.approx(
        [0.1003, 0.1009, 0.102, 0.1035], rel=1e-12
    )


@pytest.mark.parametrize(
    ("sensor_unit", "posted_unit", "posted", "expected"),
    [
        ("m³/h", "m³/h", -11.28, -11.28),  # the seed's example
        ("m³/h", "l/min", 1000 / 60, 1.0),
        ("°C", "K", 293.15, 20.0),
        ("%", "", 0.5, 50.0),
        ("MW", "kW", 1500.0, 1.5),
        ("kWh", "kW", 8.0, 2.0),  # power to energy per 15-minute event: 8 kW * 0.25 h
        ("kW", "MWh", 0.001, 4.0),  # 1 kWh in 15 minutes is a mean of 4 kW
    ],
)
def test_values_are_converted_to_the_sensor_unit(
    client, world, sensor_unit, posted_unit, posted, expected
):
    owned = owned_sensor(world, unit=sensor_unit)
    res = client.post(owned.url, headers=owned.headers, json=body([posted] * 4, unit=posted_unit))
    assert res.status_code == 200, res.text
    assert _get(client, owned, start=START, duration="PT1H", unit=sensor_unit) == pytest.approx(
        [expected] * 4
    )


def test_incompatible_unit_is_refused_naming_both_units(client, world, settings):
    owned = owned_sensor(world, unit="EUR/kWh")
    res = client.post(
        owned.url, headers=owned.headers, json=body([0.25] * 96, duration="PT24H", unit="kW")
    )
    assert rejected_fields(res) == {
        "_schema": ["Required unit for this sensor is EUR/kWh, got incompatible unit: kW"]
    }
    assert len(stored(settings, owned.sensor_id)) == 0


def test_unknown_unit_is_refused(client, world):
    owned = owned_sensor(world)
    message = rejected_fields(
        client.post(owned.url, headers=owned.headers, json=body([1] * 4, unit="furlong"))
    )
    assert "furlong" in message["_schema"][0] and "kW" in message["_schema"][0]


@pytest.mark.parametrize(
    ("count", "posted"), [(3, "0:20:00"), (7, "0:08:34.285714"), (5, "0:12:00")]
)
def test_resolution_that_is_no_multiple_or_divisor_is_refused(client, world, count, posted):
    owned = owned_sensor(world, unit="EUR/kWh")
    fields = rejected_fields(
        client.post(
            owned.url, headers=owned.headers, json=body(list(range(1, count + 1)), unit="EUR/kWh")
        )
    )
    assert fields["duration"][0].startswith(
        f"Resolution of {posted} is incompatible with the sensor's required resolution of 0:15:00"
    )


def test_coarser_prices_are_repeated(client, world):
    owned = owned_sensor(world, unit="EUR/kWh")
    res = client.post(
        owned.url,
        headers=owned.headers,
        json=body([0.3, 0.31], "2026-12-20T00:00:00+01:00", "PT2H", "EUR/kWh"),
    )
    assert res.status_code == 200
    values = _get(client, owned, start="2026-12-20T00:00:00+01:00", duration="PT2H", unit="EUR/kWh")
    assert values == [0.3] * 4 + [0.31] * 4


def test_coarser_energy_is_split_over_the_steps(client, world):
    owned = owned_sensor(world, unit="kWh")
    client.post(
        owned.url, headers=owned.headers, json=body([4.0, 8.0], duration="PT2H", unit="kWh")
    )
    assert _get(client, owned, start=START, duration="PT2H", unit="kWh") == [1.0] * 4 + [2.0] * 4


def test_finer_power_is_averaged_and_finer_energy_summed(client, world):
    power, energy = owned_sensor(world, unit="kW"), owned_sensor(world, unit="kWh")
    five_minute = [1.0, 2.0, 6.0, 4.0, 4.0, 4.0]  # two 15-minute steps
    for owned, unit in ((power, "kW"), (energy, "kWh")):
        res = client.post(
            owned.url, headers=owned.headers, json=body(five_minute, duration="PT30M", unit=unit)
        )
        assert res.status_code == 200, res.text
    assert _get(client, power, start=START, duration="PT30M", unit="kW") == [3.0, 4.0]
    assert _get(client, energy, start=START, duration="PT30M", unit="kWh") == [9.0, 12.0]


def test_finer_values_that_do_not_fill_a_step_are_refused(client, world):
    owned = owned_sensor(world)
    fields = rejected_fields(
        client.post(owned.url, headers=owned.headers, json=body([1, 2, 3, 4], duration="PT20M"))
    )
    assert "multiple of 3" in fields["values"][0]


def test_horizon_sets_each_belief_time_relative_to_its_event(client, world, settings):
    """Seed 003: PT6H on 13:00-13:45 means beliefs made at 7:15, 7:30 and 7:45."""
    owned = owned_sensor(world)
    start = "2016-05-01T13:00:00Z"
    res = client.post(
        owned.url, headers=owned.headers, json=body([10, 5, 8], start, "PT45M", horizon="PT6H")
    )
    assert res.status_code == 200
    rows = stored(settings, owned.sensor_id)
    assert rows["belief_time_us"].tolist() == [
        us("2016-05-01T07:15:00Z"),
        us("2016-05-01T07:30:00Z"),
        us("2016-05-01T07:45:00Z"),
    ]
    assert set(rows["belief_horizon_us"].tolist()) == {6 * 3600 * 10**6}
    window = {"start": start, "duration": "PT45M", "unit": "kW"}
    assert _get(client, owned, **window, prior="2016-05-01T07:30:00Z") == [10, 5, None]
    assert _get(client, owned, **window, horizon="PT6H") == [10, 5, 8]
    assert _get(client, owned, **window, horizon="PT6H1M") == [None, None, None]


def test_prior_sets_one_belief_time_for_every_value(client, world, settings):
    owned = owned_sensor(world)
    start = "2016-05-01T13:00:00Z"
    client.post(
        owned.url,
        headers=owned.headers,
        json=body([10, 5, 8], start, "PT45M", prior="2016-05-01T07:45:00Z"),
    )
    assert set(stored(settings, owned.sensor_id)["belief_time_us"].tolist()) == {
        us("2016-05-01T07:45:00Z")
    }
    assert (
        _get(client, owned, start=start, duration="PT45M", unit="kW", prior="2016-05-01T07:44:00Z")
        == [None] * 3
    )


def test_prior_and_horizon_together_take_the_earliest_belief_time(client, world, settings):
    owned = owned_sensor(world)
    client.post(
        owned.url,
        headers=owned.headers,
        json=body(
            [10, 5, 8],
            "2016-05-01T13:00:00Z",
            "PT45M",
            horizon="PT6H",
            prior="2016-05-01T07:20:00Z",
        ),
    )
    assert stored(settings, owned.sensor_id)["belief_time_us"].tolist() == [
        us("2016-05-01T07:15:00Z"),
        us("2016-05-01T07:20:00Z"),
        us("2016-05-01T07:20:00Z"),
    ]


@pytest.mark.parametrize("horizon", ["-PT10M", "R/-PT10M"])
def test_negative_horizon_records_beliefs_after_the_fact(client, world, settings, horizon):
    owned = owned_sensor(world)
    client.post(
        owned.url,
        headers=owned.headers,
        json=body([10, 5, 8], "2016-05-01T13:00:00Z", "PT45M", horizon=horizon),
    )
    rows = stored(settings, owned.sensor_id)
    assert rows["belief_time_us"].tolist() == [
        us("2016-05-01T13:25:00Z"),
        us("2016-05-01T13:40:00Z"),
        us("2016-05-01T13:55:00Z"),
    ]
    assert set(rows["belief_horizon_us"].tolist()) == {-600 * 10**6}


def test_rolling_horizon_notation_equals_the_plain_horizon(client, world, settings):
    rolling, plain = owned_sensor(world), owned_sensor(world)
    for owned, horizon in ((rolling, "R/PT6H"), (plain, "PT6H")):
        client.post(owned.url, headers=owned.headers, json=body([1, 2, 3, 4], horizon=horizon))
    assert (
        stored(settings, rolling.sensor_id)["belief_time_us"].tolist()
        == stored(settings, plain.sensor_id)["belief_time_us"].tolist()
    )


def test_day_ahead_prices_are_known_at_noon_the_day_before(client, world, settings):
    owned = owned_sensor(
        world,
        unit="EUR/MWh",
        resolution="PT1H",
        timezone="Europe/Amsterdam",
        knowledge_horizon={
            "fnc": "x_days_ago_at_y_oclock",
            "x": 1,
            "y": 12,
            "z": "Europe/Amsterdam",
        },
    )
    res = client.post(
        owned.url,
        headers=owned.headers,
        json=body([50.0] * 24, "2026-11-24T00:00:00+01:00", "P1D", "EUR/MWh", horizon="PT0H"),
    )
    assert res.status_code == 200, res.text
    rows = stored(settings, owned.sensor_id)
    assert set(rows["belief_time_us"].tolist()) == {us("2026-11-23T12:00:00+01:00")}
    # horizon = knowledge time - belief time = 0 for all; the event at 23:00 was known 35 h ahead of its end
    assert set(rows["belief_horizon_us"].tolist()) == {0}


def test_without_prior_or_horizon_the_belief_time_is_the_arrival_time(client, world, settings):
    owned = owned_sensor(world)
    before = datetime.now(UTC)
    client.post(owned.url, headers=owned.headers, json=body([1, 2, 3, 4]))
    after = datetime.now(UTC)
    times = set(stored(settings, owned.sensor_id)["belief_time_us"].tolist())
    assert len(times) == 1 and us(before.isoformat()) <= times.pop() <= us(after.isoformat())


def test_null_values_are_skipped_not_stored_as_zeros(client, world, settings):
    owned = owned_sensor(world, unit="EUR/kWh")
    res = client.post(
        owned.url,
        headers=owned.headers,
        json=body([0.1, None, 0.3, 0.4], "2026-12-22T00:00:00+01:00", unit="EUR/kWh"),
    )
    assert res.json()["status"] == "PROCESSED"
    assert stored(settings, owned.sensor_id)["event_value"].tolist() == [0.1, 0.3, 0.4]
    assert _get(
        client, owned, start="2026-12-22T00:00:00+01:00", duration="PT1H", unit="EUR/kWh"
    ) == [0.1, None, 0.3, 0.4]


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"values": [1, 2, 3, 4], "duration": "PT1H", "unit": "kW"}, {"start"}),  # B.12
        (body([1, 2, 3, 4], start="tomorrow", duration="1 hour"), {"start", "duration"}),  # B.13
        (body([1, 2, 3, 4], start="2026-12-21T00:00:00"), {"start"}),  # B.16 naive
        (body(["a", 0.2, 0.3, 0.4]), {"values"}),  # B.18
        (body([]), {"values"}),  # B.19
        (body([1, True, 3, 4]), {"values"}),
        (body([1, [2], 3, 4]), {"values"}),
        (body([1, 2, 3, 4], horizon="six hours"), {"horizon"}),
        (body([1, 2, 3, 4], prior="2026-11-22T10:00:00"), {"prior"}),
        (body([1, 2, 3, 4], duration="-PT1H"), {"duration"}),
        (body([1, 2, 3, 4], duration="P1M"), {"duration"}),
        ({"values": [1, 2], "start": START, "duration": "PT30M"}, {"unit"}),
        ({"values": "1, 2", "start": START, "duration": "PT30M", "unit": "kW"}, {"values"}),
    ],
)
def test_bad_input_is_refused_naming_the_field(client, world, settings, payload, fields):
    owned = owned_sensor(world)
    rejected = rejected_fields(client.post(owned.url, headers=owned.headers, json=payload))
    assert set(rejected) == fields
    assert all(messages and all(messages) for messages in rejected.values())
    assert len(stored(settings, owned.sensor_id)) == 0


def test_missing_field_says_so(client, world):
    owned = owned_sensor(world)
    res = client.post(
        owned.url,
        headers=owned.headers,
        json={"values": [1, 2, 3, 4], "duration": "PT1H", "unit": "kW"},
    )
    assert rejected_fields(res) == {"start": ["Missing data for required field."]}


def test_naive_start_is_refused_as_not_aware(client, world):
    owned = owned_sensor(world)
    res = client.post(
        owned.url, headers=owned.headers, json=body([1, 2, 3, 4], start="2026-12-21T00:00:00")
    )
    assert "Not a valid aware datetime" in rejected_fields(res)["start"][0]


def test_nan_value_is_refused_naming_its_position(client, world):
    owned = owned_sensor(world)
    raw = '{"values": [1, NaN, 3, 4], "start": "' + START + '", "duration": "PT1H", "unit": "kW"}'
    res = client.post(
        owned.url, headers={**owned.headers, "Content-Type": "application/json"}, content=raw
    )
    assert "values[1]" in rejected_fields(res)["values"][0]


def test_body_that_is_not_json_is_refused(client, world):
    owned = owned_sensor(world)
    res = client.post(
        owned.url,
        headers={**owned.headers, "Content-Type": "application/json"},
        content=b"this is not json",
    )
    assert "not valid JSON" in rejected_fields(res)["_schema"][0]


def test_start_off_the_resolution_grid_is_refused(client, world, settings):
    owned = owned_sensor(world, unit="EUR/kWh")
    res = client.post(
        owned.url,
        headers=owned.headers,
        json=body([0.1, 0.2, 0.3, 0.4], "2026-12-21T00:07:00+01:00", unit="EUR/kWh"),
    )
    message = rejected_fields(res)["start"][0]
    assert "not aligned" in message and "2026-12-21T00:00:00+01:00" in message
    assert len(stored(settings, owned.sensor_id)) == 0


def test_unknown_sensor_is_not_found(client, world):
    owned = owned_sensor(world)
    res = client.post(
        "/api/v3_0/sensors/999999/data", headers=owned.headers, json=body([1, 2, 3, 4])
    )
    assert res.status_code == 404
    assert res.json()["message"] == "Sensor 999999 not found"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "not-a-valid-token"}])
def test_missing_or_invalid_token_is_unauthorized(client, world, headers):
    owned = owned_sensor(world)
    res = client.post(owned.url, headers=headers, json=body([1, 2, 3, 4]))
    assert res.status_code == 401
    assert res.json()["status"] == "UNAUTHORIZED"


def test_posting_to_a_public_sensor_is_forbidden(client, world, settings):
    owned = owned_sensor(world)
    public = world.sensor(world.asset(None, type_name="market"), unit="EUR/kWh", resolution="PT1H")
    res = client.post(
        f"/api/v3_0/sensors/{public}/data",
        headers=owned.headers,
        json=body([0.1, 0.2, 0.3, 0.4], duration="PT4H", unit="EUR/kWh"),
    )
    assert res.status_code == 403
    assert res.json()["status"] == "INVALID_SENDER"
    assert len(stored(settings, public)) == 0


def test_body_over_the_configured_size_is_refused(world, settings):
    owned = owned_sensor(world)
    small = create_app(settings.model_copy(update={"max_body_bytes": 2_000}))
    with TestClient(small) as client:
        res = client.post(
            owned.url,
            headers=owned.headers,
            json=body([0.12345678901234567] * 200, duration="PT50H"),
        )
    assert res.status_code == 413
    assert res.json()["status"] == "PAYLOAD_TOO_LARGE"
    assert "2000 bytes" in res.json()["message"]


def test_pure_producer_refuses_consumption_values(client, world, settings):
    owned = owned_sensor(world, attributes={"is_pure_producer": True})
    fields = rejected_fields(
        client.post(owned.url, headers=owned.headers, json=body([-1, -2, 3, -4]))
    )
    assert "pure producer" in fields["values"][0]
    assert (
        client.post(owned.url, headers=owned.headers, json=body([-1, -2, -3, 0])).status_code == 200
    )
    assert len(stored(settings, owned.sensor_id)) == 4


def test_pure_consumer_asset_refuses_production_values(client, world):
    owned = owned_sensor(world, asset_attributes={"is_pure_consumer": True})
    fields = rejected_fields(
        client.post(owned.url, headers=owned.headers, json=body([1, -2, 3, 4]))
    )
    assert "pure consumer" in fields["values"][0]


def test_only_admins_may_name_another_data_source(client, world, settings):
    owned = owned_sensor(world)
    admin = world.user(world.account(), roles=["admin"])
    first = client.post(owned.url, headers=admin.headers, json=body([1, 2, 3, 4]))
    assert first.status_code == 200
    admin_source = int(stored(settings, owned.sensor_id)["source_id"][0])
    res = client.post(
        owned.url, headers=owned.headers, json=body([5, 6, 7, 8], source=admin_source)
    )
    assert res.status_code == 403 and res.json()["status"] == "INVALID_SENDER"
    other = owned_sensor(world)
    res = client.post(
        other.url, headers=admin.headers, json=body([5, 6, 7, 8], source=admin_source)
    )
    assert res.status_code == 200
    assert set(stored(settings, other.sensor_id)["source_id"].tolist()) == {admin_source}
    unknown = client.post(other.url, headers=admin.headers, json=body([5, 6, 7, 8], source=999999))
    assert "source" in rejected_fields(unknown)


def test_a_year_of_values_round_trips(client, world, settings):
    owned = owned_sensor(world)
    values = np.round(np.random.default_rng(3).normal(10, 5, 35_040), 3).tolist()
    start = "2025-01-01T00:00:00Z"
    res = client.post(owned.url, headers=owned.headers, json=body(values, start, "P365D"))
    assert res.status_code == 200
    assert _get(client, owned, start=start, duration="P365D", unit="kW") == values
    hourly = _get(client, owned, start=start, duration="P365D", unit="kW", resolution="PT1H")
    assert hourly == pytest.approx(np.array(values).reshape(-1, 4).mean(axis=1).tolist())
    again = client.post(owned.url, headers=owned.headers, json=body(values, start, "P365D"))
    assert again.json()["status"] == "ALREADY_RECEIVED_AND_SUCCESSFULLY_PROCESSED"


def test_a_concurrent_duplicate_write_is_a_conflict_and_stores_nothing(
    client, world, settings, monkeypatch
):
    """If another request stores the same beliefs between our checks and our insert, the key clash
    becomes a 409 and the whole request is rolled back."""
    from gridflex.store.queries import beliefs as q

    owned = owned_sensor(world)
    prior = "2026-11-20T10:00:00+00:00"
    client.post(owned.url, headers=owned.headers, json=body([1, 2, 3, 4], prior=prior))
    empty = q.Picked(np.empty(0, dtype=np.int64), np.empty(0), np.empty(0, dtype=np.int64))
    monkeypatch.setattr(
        q, "most_recent", lambda *args, **kwargs: empty
    )  # the checks see nothing yet
    res = client.post(
        owned.url, headers=owned.headers, json=body([1, 2, 3, 4, 5], duration="PT75M", prior=prior)
    )
    assert res.status_code == 409 and "retry" in res.json()["message"]
    assert stored(settings, owned.sensor_id)["event_value"].tolist() == [1, 2, 3, 4]


def test_instantaneous_sensor_takes_a_value_at_any_instant(client, world, settings):
    """A state of charge is measured when it is measured (the S2 energy manager posts it at now)."""
    owned = owned_sensor(world, unit="kWh", resolution="PT0M")
    moment = "2026-11-23T12:34:56.789012+01:00"
    res = client.post(owned.url, headers=owned.headers, json=body([0.042], moment, "PT1M", "MWh"))
    assert res.status_code == 200, res.text
    [row] = stored(settings, owned.sensor_id)
    assert row["event_start_us"] == us(moment) and row["event_value"] == pytest.approx(42.0)
    res = client.get(
        owned.url,
        headers=owned.headers,
        params={"start": moment, "duration": "PT15M", "unit": "kWh", "resolution": "PT15M"},
    )
    assert res.status_code == 200, res.text
    assert res.json()["values"] == [pytest.approx(42.0)]
