"""Seed 001's data examples, posted and fetched as printed, and read back through v1_1 and v3_0.

Expected belief times and horizons are worked out by hand from seed 003's rule:
a horizon H sets each event's belief time to (event end - H); without a horizon
or prior the belief time is the arrival time, and the stored horizon is the
event end minus the belief time.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from tests.api.v1_1 import seed_examples as ex
from tests.api.v1_1.helpers import (
    as_printed,
    minutes,
    quarter_starts,
    send,
    stored,
    us,
    user_source_id,
    v3_values,
)

METER = {  # seed 001's postMeterData example, per connection
    "CS 1": [306.66, 306.66, 0, 0, 306.66, 306.66],
    "CS 3": [306.66, 306.66, 0, 0, 306.66, 306.66],
    "CS 2": [306.66, 0, 0, 0, 306.66, 306.66],
}
PROGNOSIS = {  # seed 001's postPrognosis example, per connection
    "CS 1": [300, 300, 300, 0, 0, 300],
    "CS 3": [300, 300, 300, 0, 0, 300],
    "CS 2": [300, 0, 0, 0, 300, 300],
}
MIDNIGHT = "2015-01-01T00:00:00Z"
KW_PER_MW = 1000  # CS 2 records kW


def _now_us() -> int:
    return us(datetime.now(UTC).isoformat())


def _scale(name: str) -> int:
    return KW_PER_MW if name == "CS 2" else 1


def test_post_meter_data_example_is_answered_as_printed(client, seed):
    res = send(client, "POST", "postMeterData", ex.POST_METER_DATA_REQUEST, seed.mdc)
    assert res.status_code == 200
    assert res.json() == as_printed(ex.POST_METER_DATA_RESPONSE)


def test_post_meter_data_example_stores_each_group_for_each_of_its_connections(
    client, seed, settings
):
    before = _now_us()
    send(client, "POST", "postMeterData", ex.POST_METER_DATA_REQUEST, seed.mdc)
    after = _now_us()
    starts = np.array(quarter_starts(MIDNIGHT, 6))
    for name, values in METER.items():
        rows = stored(settings, seed.cs[name])
        assert rows["event_start_us"].tolist() == starts.tolist()
        np.testing.assert_allclose(rows["event_value"], np.array(values) * _scale(name), rtol=1e-12)
        belief_time = rows["belief_time_us"][0]
        assert (rows["belief_time_us"] == belief_time).all()  # one arrival time for the message
        assert before <= belief_time <= after
        assert set(rows["source_id"].tolist()) == {user_source_id(settings, seed.mdc.id)}
        # Measured after the fact: horizon = event end - arrival (negative).
        assert rows["belief_horizon_us"].tolist() == (starts + minutes(15) - belief_time).tolist()


def test_get_meter_data_example_is_answered_as_printed(client, seed):
    send(client, "POST", "postMeterData", ex.POST_METER_DATA_REQUEST, seed.mdc)
    res = send(client, "GET", "getMeterData", ex.GET_METER_DATA_REQUEST, seed.mdc)
    assert res.status_code == 200
    assert res.json() == as_printed(ex.GET_METER_DATA_RESPONSE)


def test_meter_data_posted_through_v1_reads_back_through_v1_and_v3(client, seed):
    send(client, "POST", "postMeterData", ex.POST_METER_DATA_REQUEST, seed.mdc)
    for name, values in METER.items():
        v1 = send(
            client,
            "GET",
            "getMeterData",
            {
                "type": "GetMeterDataRequest",
                "connection": name,
                "start": MIDNIGHT,
                "duration": "PT1H30M",
            },
            seed.mdc,
        ).json()
        assert v1["values"] == values  # MW, also for CS 2 which stores kW
        v3 = v3_values(client, seed.mdc, seed.cs[name], MIDNIGHT, "PT1H30M", "MW")
        np.testing.assert_allclose(v3, values, rtol=1e-12)
        v3_kw = v3_values(client, seed.mdc, seed.cs[name], MIDNIGHT, "PT1H30M", "kW")
        np.testing.assert_allclose(v3_kw, np.array(values) * KW_PER_MW, rtol=1e-12)


def test_post_prognosis_example_is_answered_as_printed(client, seed):
    res = send(client, "POST", "postPrognosis", ex.POST_PROGNOSIS_REQUEST, seed.mdc)
    assert res.status_code == 200
    assert res.json() == as_printed(ex.POST_PROGNOSIS_RESPONSE)


def test_post_prognosis_example_records_each_value_7h30_before_its_event_ends(
    client, seed, settings
):
    send(client, "POST", "postPrognosis", ex.POST_PROGNOSIS_REQUEST, seed.mdc)
    starts = np.array(quarter_starts(MIDNIGHT, 6))
    # By hand: the event 00:00-00:15 was prognosed at 16:45 the day before, the last one (01:15-01:30) at 18:00.
    assert (starts[0] + minutes(15) - minutes(450)) == us("2014-12-31T16:45:00Z")
    assert (starts[-1] + minutes(15) - minutes(450)) == us("2014-12-31T18:00:00Z")
    for name, values in PROGNOSIS.items():
        rows = stored(settings, seed.cs[name])
        np.testing.assert_allclose(rows["event_value"], np.array(values) * _scale(name), rtol=1e-12)
        assert rows["belief_time_us"].tolist() == (starts + minutes(15) - minutes(450)).tolist()
        assert set(rows["belief_horizon_us"].tolist()) == {minutes(450)}


def test_prognosis_posted_through_v1_reads_back_through_v1_and_v3(client, seed):
    send(client, "POST", "postPrognosis", ex.POST_PROGNOSIS_REQUEST, seed.mdc)
    for name, values in PROGNOSIS.items():
        request = {
            "type": "GetPrognosisRequest",
            "connection": name,
            "start": MIDNIGHT,
            "duration": "PT1H30M",
            "horizon": "PT7H30M",
            "unit": "MW",
        }
        assert send(client, "GET", "getPrognosis", request, seed.mdc).json()["values"] == values
        v3 = client.get(
            f"/api/v3_0/sensors/{seed.cs[name]}/data",
            headers=seed.mdc.headers,
            params={"start": MIDNIGHT, "duration": "PT1H30M", "unit": "MW", "horizon": "PT7H30M"},
        ).json()["values"]
        np.testing.assert_allclose(v3, values, rtol=1e-12)


def test_get_prognosis_example_is_answered_as_printed_from_prognoses_made_6h_ahead(client, seed):
    """The printed answer holds the values prognosed at least 6 hours ahead, not later beliefs."""
    printed = as_printed(ex.GET_PROGNOSIS_RESPONSE)["values"]
    prognosis = {
        "type": "PostPrognosisRequest",
        "connection": "CS 1",
        "start": MIDNIGHT,
        "duration": "PT1H30M",
        "unit": "MW",
    }
    assert (
        send(
            client,
            "POST",
            "postPrognosis",
            {**prognosis, "values": printed, "horizon": "PT6H"},
            seed.mdc,
        ).status_code
        == 200
    )
    # Later beliefs that the 6-hour horizon filters out: a 5-hour prognosis and the measurements.
    later = [1, 2, 3, 4, 5, 6]
    assert (
        send(
            client,
            "POST",
            "postPrognosis",
            {**prognosis, "values": later, "horizon": "PT5H"},
            seed.mdc,
        ).status_code
        == 200
    )
    meter = {**prognosis, "type": "PostMeterDataRequest", "values": [7, 7, 7, 7, 7, 7]}
    assert send(client, "POST", "postMeterData", meter, seed.mdc).status_code == 200
    res = send(client, "GET", "getPrognosis", ex.GET_PROGNOSIS_REQUEST, seed.mdc)
    assert res.status_code == 200
    assert res.json() == as_printed(ex.GET_PROGNOSIS_RESPONSE)


def test_post_price_data_example_is_answered_as_printed(client, seed):
    res = send(client, "POST", "postPriceData", ex.POST_PRICE_DATA_REQUEST, seed.admin)
    assert res.status_code == 200
    assert res.json() == as_printed(ex.POST_PRICE_DATA_RESPONSE)


def test_post_price_data_example_stores_hourly_prices_published_35h_before_each_hour_ends(
    client, seed, settings
):
    send(client, "POST", "postPriceData", ex.POST_PRICE_DATA_REQUEST, seed.admin)
    prices = as_printed(ex.POST_PRICE_DATA_REQUEST)["values"]
    rows = stored(settings, seed.prices)
    # 15:00 at +09:00 is 06:00 UTC; the market's sensor is hourly, like the message.
    starts = np.array(quarter_starts("2015-01-01T06:00:00Z", 24, step_min=60))
    assert rows["event_start_us"].tolist() == starts.tolist()
    assert rows["event_value"].tolist() == prices
    assert rows["belief_time_us"].tolist() == (starts + minutes(60) - minutes(35 * 60)).tolist()
    assert set(rows["belief_horizon_us"].tolist()) == {minutes(35 * 60)}
    v3 = v3_values(client, seed.admin, seed.prices, "2015-01-01T15:00:00+09:00", "PT24H", "EUR/MWh")
    assert v3 == prices
    per_kwh = v3_values(
        client, seed.admin, seed.prices, "2015-01-01T15:00:00+09:00", "PT24H", "EUR/kWh"
    )
    np.testing.assert_allclose(per_kwh, np.array(prices) / 1000, rtol=1e-12)


def test_post_weather_data_example_is_answered_as_printed(client, seed):
    res = send(client, "POST", "postWeatherData", ex.POST_WEATHER_DATA_REQUEST, seed.admin)
    assert res.status_code == 200
    assert res.json() == as_printed(ex.POST_WEATHER_DATA_RESPONSE)


def test_post_weather_data_example_stores_forecasts_made_3h_before_each_quarter_ends(
    client, seed, settings
):
    send(client, "POST", "postWeatherData", ex.POST_WEATHER_DATA_REQUEST, seed.admin)
    temperatures = as_printed(ex.POST_WEATHER_DATA_REQUEST)["groups"][0]["values"]
    rows = stored(settings, seed.temperature)
    starts = np.array(quarter_starts("2015-01-01T06:00:00Z", 6))
    assert rows["event_start_us"].tolist() == starts.tolist()
    assert rows["event_value"].tolist() == temperatures
    # By hand: 15:00-15:15 (+09:00) forecast at 12:15, ..., 16:15-16:30 at 13:30.
    assert rows["belief_time_us"][0] == us("2015-01-01T12:15:00+09:00")
    assert rows["belief_time_us"][-1] == us("2015-01-01T13:30:00+09:00")
    assert rows["belief_time_us"].tolist() == (starts + minutes(15) - minutes(180)).tolist()
    assert set(rows["belief_horizon_us"].tolist()) == {minutes(180)}
    v3 = v3_values(
        client, seed.admin, seed.temperature, "2015-01-01T15:00:00+09:00", "PT1H30M", "°C"
    )
    assert v3 == temperatures
    kelvin = v3_values(
        client, seed.admin, seed.temperature, "2015-01-01T15:00:00+09:00", "PT1H30M", "K"
    )
    np.testing.assert_allclose(kelvin, np.array(temperatures) + 273.15, rtol=1e-12)
