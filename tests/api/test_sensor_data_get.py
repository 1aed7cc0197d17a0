"""GET and DELETE /api/v3_0/sensors/{id}/data: most recent beliefs, filters, resampling, units.

Cases B.22-B.26 of the reference behaviour, the seed 003 filters, and the
"most recent belief" rule (checked through the service and the store as well).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from gridflex.services import beliefs, sources
from gridflex.store.base import session_scope
from gridflex.store.models import DataSource, Sensor
from gridflex.store.queries import beliefs as q
from tests.api.belief_helpers import body, owned_sensor, rejected_fields, stored, us

START = "2026-11-23T00:00:00+01:00"
PRICES = [0.1003, 0.1009, 0.102, 0.1035, 0.1255, 0.1278, 0.1301, 0.1366]


def _get(client, owned, **params):
    res = client.get(owned.url, headers=owned.headers, params=params)
    assert res.status_code == 200, res.text
    return res.json()


def test_read_answers_in_the_reference_shape(client, world):
    owned = owned_sensor(world, unit="EUR/kWh")
    client.post(owned.url, headers=owned.headers, json=body(PRICES, START, "PT2H", "EUR/kWh"))
    assert _get(client, owned, start=START, duration="PT2H", unit="EUR/kWh") == {
        "duration": "PT2H",
        "message": "Request has been processed.",
        "resolution": "PT15M",
        "start": START,
        "status": "PROCESSED",
        "unit": "EUR/kWh",
        "values": PRICES,
    }


def test_downsampled_prices_are_hourly_means_in_the_asked_unit(client, world):
    owned = owned_sensor(world, unit="EUR/kWh")
    client.post(owned.url, headers=owned.headers, json=body(PRICES, START, "PT2H", "EUR/kWh"))
    answer = _get(client, owned, start=START, duration="PT2H", unit="EUR/MWh", resolution="PT1H")
    assert answer["resolution"] == "PT1H" and answer["unit"] == "EUR/MWh"
    assert answer["values"] == pytest.approx(
        [np.mean(PRICES[:4]) * 1000, np.mean(PRICES[4:]) * 1000], rel=1e-12
    )


def test_downsampled_energy_is_summed_and_incomplete_hours_are_null(client, world):
    owned = owned_sensor(world, unit="kWh")
    client.post(
        owned.url,
        headers=owned.headers,
        json=body([1, 2, 3, 4, 5, None, 7, 8], START, "PT2H", "kWh"),
    )
    assert _get(client, owned, start=START, duration="PT2H", unit="kWh", resolution="PT1H")[
        "values"
    ] == [10, None]


def test_energy_read_as_power_is_the_mean_power_of_each_step(client, world):
    owned = owned_sensor(world, unit="kWh")
    client.post(owned.url, headers=owned.headers, json=body([1, 2, 3, 4], START, "PT1H", "kWh"))
    assert _get(client, owned, start=START, duration="PT1H", unit="kW")["values"] == [4, 8, 12, 16]
    assert _get(client, owned, start=START, duration="PT1H", unit="kW", resolution="PT1H")[
        "values"
    ] == [10]


def test_finer_resolution_repeats_power_values(client, world):
    owned = owned_sensor(world)
    client.post(owned.url, headers=owned.headers, json=body([1, 2], START, "PT30M"))
    assert (
        _get(client, owned, start=START, duration="PT30M", unit="kW", resolution="PT5M")["values"]
        == [1] * 3 + [2] * 3
    )


def test_incompatible_unit_is_refused_naming_both_units(client, world):
    owned = owned_sensor(world, unit="EUR/kWh")
    res = client.get(
        owned.url, headers=owned.headers, params={"start": START, "duration": "PT2H", "unit": "kW"}
    )
    assert rejected_fields(res) == {
        "_schema": ["Required unit for this sensor is EUR/kWh, got incompatible unit: kW"]
    }


def test_missing_parameters_are_named(client, world):
    owned = owned_sensor(world)
    fields = rejected_fields(client.get(owned.url, headers=owned.headers))
    assert fields == {
        name: ["Missing data for required field."] for name in ("start", "duration", "unit")
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-11-23T00:00:00"}, "start"),  # naive
        ({"start": "2026-11-23T00:10:00+01:00"}, "start"),  # off the grid
        ({"duration": "PT50M", "resolution": "PT1H"}, "resolution"),  # not whole hours
        ({"duration": "PT20M"}, "duration"),  # not whole steps
        ({"resolution": "PT20M"}, "duration"),  # neither multiple nor divisor of 15 minutes
        ({"horizon": "soon"}, "horizon"),
        ({"prior": "yesterday"}, "prior"),
        ({"source": "no such source"}, "source"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(client, world, params, field):
    owned = owned_sensor(world)
    res = client.get(
        owned.url,
        headers=owned.headers,
        params={"start": START, "duration": "PT1H", "unit": "kW", **params},
    )
    assert field in rejected_fields(res)


def test_period_without_data_is_all_null(client, world):
    owned = owned_sensor(world, unit="EUR/kWh")
    answer = _get(client, owned, start="2025-01-01T00:00:00+01:00", duration="PT1H", unit="EUR/kWh")
    assert answer["values"] == [None] * 4 and answer["resolution"] == "PT15M"


def test_parameters_may_come_in_a_json_body(client, world):
    owned = owned_sensor(world)
    client.post(owned.url, headers=owned.headers, json=body([1, 2, 3, 4]))
    res = client.request(
        "GET",
        owned.url,
        headers=owned.headers,
        json={"start": START, "duration": "PT1H", "unit": "W", "resolution": "PT30M"},
    )
    assert res.status_code == 200, res.text
    assert res.json()["values"] == [1500, 3500]


def test_horizon_filter_separates_forecasts_from_measurements(client, world):
    owned = owned_sensor(world)
    start = "2026-06-01T12:00:00Z"
    client.post(
        owned.url, headers=owned.headers, json=body([5, 5, 5, 5], start, horizon="P1D")
    )  # forecast
    client.post(
        owned.url, headers=owned.headers, json=body([7, 7, 7, 7], start, horizon="-PT5M")
    )  # measured
    window = {"start": start, "duration": "PT1H", "unit": "kW"}
    assert _get(client, owned, **window)["values"] == [7] * 4  # the latest belief
    assert (
        _get(client, owned, **window, horizon="PT1H")["values"] == [5] * 4
    )  # made at least an hour ahead
    assert (
        _get(client, owned, **window, horizon="-PT10M")["values"] == [7] * 4
    )  # at most 10 minutes after


def test_time_travel_shows_what_was_known_then(client, world):
    owned = owned_sensor(world)
    start = "2026-06-01T12:00:00Z"
    for prior, values in (
        ("2026-05-30T00:00:00Z", [1, 1, 1, 1]),
        ("2026-05-31T00:00:00Z", [2, 2, None, 2]),
    ):
        client.post(owned.url, headers=owned.headers, json=body(values, start, prior=prior))
    window = {"start": start, "duration": "PT1H", "unit": "kW"}
    assert _get(client, owned, **window, prior="2026-05-29T00:00:00Z")["values"] == [None] * 4
    assert _get(client, owned, **window, prior="2026-05-30T12:00:00Z")["values"] == [1] * 4
    assert _get(client, owned, **window, prior="2026-05-31T00:00:00Z")["values"] == [2, 2, 1, 2]


def test_source_filter_by_id_name_type_and_role(client, world, settings):
    owned = owned_sensor(world)
    supplier = world.account(roles=["Supplier"])
    admin = world.user(supplier, roles=["admin"])
    start = "2026-06-01T12:00:00Z"
    client.post(
        owned.url,
        headers=owned.headers,
        json=body([1, 1, 1, 1], start, prior="2026-05-01T00:00:00Z"),
    )
    client.post(
        owned.url,
        headers=admin.headers,
        json=body([2, 2, 2, 2], start, prior="2026-04-01T00:00:00Z"),
    )
    rows = stored(settings, owned.sensor_id)
    own_id, admin_id = (int(rows["source_id"][rows["event_value"] == v][0]) for v in (1, 2))
    with session_scope(settings.database_url) as session:
        admin_name = session.get(DataSource, admin_id).name
    window = {"start": start, "duration": "PT1H", "unit": "kW"}
    assert _get(client, owned, **window)["values"] == [1] * 4
    for key in (str(admin_id), admin_name, "Supplier"):
        assert _get(client, owned, **window, source=key)["values"] == [2] * 4
    assert _get(client, owned, **window, source="user")["values"] == [1] * 4
    assert _get(client, owned, **window, source=[str(admin_id), str(own_id)])["values"] == [1] * 4
    assert _get(client, owned, **window, source="MDC")["values"] == [None] * 4


def test_other_accounts_cannot_read_but_public_sensors_are_readable(client, world):
    owned, stranger = owned_sensor(world), owned_sensor(world)
    params = {"start": START, "duration": "PT1H", "unit": "kW"}
    res = client.get(owned.url, headers=stranger.headers, params=params)
    assert res.status_code == 403 and res.json()["status"] == "INVALID_SENDER"
    public = world.sensor(world.asset(None, type_name="solar"))
    assert (
        client.get(
            f"/api/v3_0/sensors/{public}/data", headers=stranger.headers, params=params
        ).status_code
        == 200
    )


def test_instantaneous_sensor_values_are_averaged_per_step(client, world):
    owned = owned_sensor(world, unit="%", resolution="PT0M")
    client.post(owned.url, headers=owned.headers, json=body([10, 20, 30, 40], START, "PT1H", "%"))
    assert _get(client, owned, start=START, duration="PT1H", unit="%", resolution="PT30M")[
        "values"
    ] == [15, 35]
    assert _get(client, owned, start=START, duration="PT30M", unit="%")["values"] == [10, 20]


def test_delete_removes_every_belief_of_the_sensor_only(client, world, settings):
    owned = owned_sensor(world, roles=["account-admin"])
    other = world.sensor(owned.asset_id, name="other")
    client.post(owned.url, headers=owned.headers, json=body([1, 2, 3, 4]))
    client.post(f"/api/v3_0/sensors/{other}/data", headers=owned.headers, json=body([1, 2, 3, 4]))
    res = client.delete(owned.url, headers=owned.headers)
    assert res.status_code == 204
    assert res.headers["content-type"] == "application/json"
    assert len(stored(settings, owned.sensor_id)) == 0 and len(stored(settings, other)) == 4


def test_delete_needs_account_admin_rights(client, world, settings):
    owned = owned_sensor(world)
    client.post(owned.url, headers=owned.headers, json=body([1, 2, 3, 4]))
    assert client.delete(owned.url, headers=owned.headers).status_code == 403
    assert len(stored(settings, owned.sensor_id)) == 4


# The "most recent belief" rule, through the service and the store (probabilities cannot be posted).


def _write(settings, sensor_id, source_name, starts, values, belief_time, probability=0.5):
    with session_scope(settings.database_url) as session:
        sensor = session.get(Sensor, sensor_id)
        source = sources.get_or_create_source(session, name=source_name, type="forecaster")
        frame = beliefs.BeliefFrame(
            np.array(starts), np.array(values, dtype=float), belief_time, probability
        )
        beliefs.write_beliefs(session, sensor, source, frame)
        return source.id


def _read(settings, sensor_id, start, n, **filters):
    with session_scope(settings.database_url) as session:
        sensor = session.get(Sensor, sensor_id)
        series = beliefs.read_series(
            session,
            sensor,
            start=datetime.fromisoformat(start),
            duration=timedelta(minutes=15 * n),
            **filters,
        )
        return series.values.tolist()


def test_most_recent_rule_breaks_ties_deterministically(world, settings):
    owned = owned_sensor(world)
    t0, step = us("2026-06-01T00:00:00+00:00"), 900_000_000
    starts = [t0, t0 + step, t0 + 2 * step]
    bt = us("2026-05-31T00:00:00+00:00")
    older = _write(settings, owned.sensor_id, "older model", starts, [1, 1, 1], bt - 1)
    assert _read(settings, owned.sensor_id, "2026-06-01T00:00:00+00:00", 3) == [1, 1, 1]
    first = _write(settings, owned.sensor_id, "model A", starts, [2, 2, 2], bt)
    second = _write(settings, owned.sensor_id, "model B", starts[:2], [3, 3], bt)
    assert older < first < second
    # 1. latest belief time wins over older; 3. at equal belief times the higher source id wins
    assert _read(settings, owned.sensor_id, "2026-06-01T00:00:00+00:00", 3) == [3, 3, 2]
    # 2. a median (0.5) beats a quantile of a newer source at the same belief time
    _write(settings, owned.sensor_id, "model C", starts[:1], [9], bt, probability=0.9)
    assert _read(settings, owned.sensor_id, "2026-06-01T00:00:00+00:00", 3) == [3, 3, 2]
    # 4. equally close quantiles: the lower one
    _write(settings, owned.sensor_id, "model D", starts[2:], [4], bt + 1, probability=0.6)
    _write(settings, owned.sensor_id, "model D", starts[2:], [5], bt + 1, probability=0.4)
    assert _read(settings, owned.sensor_id, "2026-06-01T00:00:00+00:00", 3) == [3, 3, 5]


def test_store_fast_path_and_full_query_agree(world, settings):
    """The plain scan (one belief per event) and the reducing query give the same answer."""
    owned = owned_sensor(world)
    rng = np.random.default_rng(5)
    t0, step = us("2026-06-01T00:00:00+00:00"), 900_000_000
    starts = t0 + step * np.arange(96)
    _write(
        settings,
        owned.sensor_id,
        "only",
        starts,
        rng.normal(size=96),
        us("2026-05-01T00:00:00+00:00"),
    )
    with session_scope(settings.database_url) as session:
        fast = q.most_recent(session, owned.sensor_id, t0, t0 + 96 * step, max_events=96)
        full = q.most_recent(session, owned.sensor_id, t0, t0 + 96 * step)
    assert fast.starts_us.tolist() == full.starts_us.tolist() == starts.tolist()
    assert fast.values.tolist() == full.values.tolist()
    # with history, the fast path must notice and fall back
    _write(
        settings,
        owned.sensor_id,
        "only",
        starts[::2],
        np.zeros(48),
        us("2026-05-02T00:00:00+00:00"),
    )
    with session_scope(settings.database_url) as session:
        fast = q.most_recent(session, owned.sensor_id, t0, t0 + 96 * step, max_events=96)
    rows = stored(settings, owned.sensor_id)  # key order: the latest belief comes last per event
    last = np.r_[rows["event_start_us"][1:] != rows["event_start_us"][:-1], True]
    assert fast.values.tolist() == rows["event_value"][last].tolist()
    assert np.count_nonzero(fast.values == 0) == 48


def test_read_series_filters_by_horizon_and_prior(world, settings):
    owned = owned_sensor(world)
    t0 = us("2026-06-01T00:00:00+00:00")
    end = t0 + 900_000_000  # knowledge time of the first event
    _write(settings, owned.sensor_id, "s", [t0], [1], end - 3_600_000_000)  # an hour ahead
    _write(settings, owned.sensor_id, "s", [t0], [2], end + 60_000_000)  # a minute after
    assert _read(settings, owned.sensor_id, "2026-06-01T00:00:00+00:00", 1) == [2]
    assert _read(
        settings, owned.sensor_id, "2026-06-01T00:00:00+00:00", 1, horizon=timedelta(minutes=30)
    ) == [1]
    prior = datetime(2026, 6, 1, 0, 15, tzinfo=UTC)
    assert _read(settings, owned.sensor_id, "2026-06-01T00:00:00+00:00", 1, prior=prior) == [1]


def test_a_frame_holding_a_history_is_deduplicated_belief_by_belief(world, settings):
    owned = owned_sensor(world)
    t0 = us("2026-06-01T00:00:00+00:00")
    bt = us("2026-05-01T00:00:00+00:00")
    _write(settings, owned.sensor_id, "s", [t0], [5], bt)
    # 6 changes the story, then 5 changes it back: both are news
    _write(settings, owned.sensor_id, "s", [t0, t0], [6, 5], np.array([bt + 1, bt + 2]))
    assert stored(settings, owned.sensor_id)["event_value"].tolist() == [5, 6, 5]
    # repeating the latest value twice more says nothing new
    _write(settings, owned.sensor_id, "s", [t0, t0], [5, 5], np.array([bt + 3, bt + 4]))
    assert len(stored(settings, owned.sensor_id)) == 3
