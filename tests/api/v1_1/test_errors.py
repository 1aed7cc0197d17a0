"""Refusals in the v1 shape: each status string with its HTTP code, and nothing of the message stored.

The posted message has two groups; the first is always valid, so a refusal caused by
the second shows that nothing is half-written.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.v1_1.helpers import EA, JEJU, send, stored

START = "2015-01-01T00:00:00Z"


def _message(**changes: Any) -> dict:
    second = {"connection": "CS 3", "values": [5, 6, 7, 8]}
    second.update(changes.pop("second", {}))
    message = {
        "type": "PostMeterDataRequest",
        "groups": [{"connection": "CS 1", "values": [1, 2, 3, 4]}, second],
        "start": START,
        "duration": "PT1H",
        "unit": "MW",
    }
    message.update(changes)
    return {k: v for k, v in message.items() if v is not None}


def refused(res: Any, status: str, code: int = 400, kind: str = "PostMeterData") -> str:
    assert res.status_code == code, res.text
    body = res.json()
    assert body["type"] == f"{kind}Response"
    assert body["status"] == status
    assert body["result"] == "Rejected"
    assert isinstance(body["message"], str) and body["message"]
    return body["message"]


def nothing_stored(settings: Any, seed: Any) -> None:
    for sensor in (*seed.cs.values(), seed.prices, seed.temperature):
        assert len(stored(settings, sensor)) == 0


POST_CASES = [
    (
        "INVALID_DOMAIN",
        {"second": {"connection": "ea1.2021-01.org.example.other:1:3"}},
        "org.example.other",
    ),
    (
        "INVALID_DOMAIN",
        {"second": {"connection": "ea2.2021-01.io.flexmeasures.company:1:3"}},
        "EA1",
    ),
    (
        "INVALID_DOMAIN",
        {"second": {"connection": "ea1.2021-13.io.flexmeasures.company:1:3"}},
        "EA1",
    ),
    ("INVALID_DOMAIN", {"second": {"connection": f"{EA}:CS 3"}}, "locally unique"),
    ("INVALID_UNIT", {"unit": "kW"}, "MW"),
    ("INVALID_UNIT", {"unit": None}, "MW"),
    ("INVALID_RESOLUTION", {"second": {"values": [1, 2, 3, 4, 5]}}, "PT12M"),
    ("INVALID_RESOLUTION", {"second": {"values": [1, 2, 3, 4, 5, 6, 7, 8]}}, "15-minute"),
    ("INVALID_HORIZON", {"horizon": "6 hours"}, "horizon"),
    ("INVALID_HORIZON", {"horizon": "PT1H"}, "after the fact"),
    ("INVALID_TIMEZONE", {"start": "2015-01-01T00:00:00"}, "timezone"),
    ("INVALID_TIMEZONE", {"prior": "2015-01-02T00:00:00"}, "timezone"),
    ("UNRECOGNIZED_CONNECTION_GROUP", {"second": {"connection": "CS 9"}}, "CS 9"),
    ("UNRECOGNIZED_CONNECTION_GROUP", {"second": {"connection": "99:3"}}, "99:3"),
    ("INVALID_MESSAGE_TYPE", {"type": None}, "PostMeterDataRequest"),
    ("INVALID_MESSAGE_TYPE", {"type": "PostPrognosisRequest"}, "PostMeterDataRequest"),
    ("PTUS_INCOMPLETE", {"second": {"values": [5, None, 7, 8]}}, "values[1]"),
    ("PTUS_INCOMPLETE", {"start": "2015-01-01T00:05:00Z"}, "PTU"),
    ("PTUS_INCOMPLETE", {"duration": "PT1H10M"}, "PTU"),
    ("REQUIRED_INFO_MISSING", {"start": None}, "start"),
    ("REQUIRED_INFO_MISSING", {"second": {"values": []}}, "values"),
    ("INVALID_PERIOD", {"start": "yesterday"}, "start"),
    ("INVALID_REQUEST", {"second": {"values": [5, "six", 7, 8]}}, "values[1]"),
]


@pytest.mark.parametrize(("status", "changes", "mentions"), POST_CASES)
def test_bad_messages_are_refused_with_their_status_and_nothing_is_stored(
    client, seed, settings, status, changes, mentions
):
    res = send(client, "POST", "postMeterData", _message(**changes), seed.mdc)
    assert mentions in refused(res, status)
    nothing_stored(settings, seed)


def test_a_timeseries_with_a_gap_has_incomplete_ptus(client, seed, settings):
    message = _message()
    message["groups"][1] = {
        "connection": "CS 3",
        "timeseries": [
            {"value": 1, "start": "2015-01-01T00:00:00Z", "duration": "PT15M"},
            {"value": 2, "start": "2015-01-01T00:30:00Z", "duration": "PT15M"},
        ],
    }
    refused(send(client, "POST", "postMeterData", message, seed.mdc), "PTUS_INCOMPLETE")
    nothing_stored(settings, seed)


def test_a_timeseries_with_mixed_durations_has_no_single_resolution(client, seed, settings):
    message = _message()
    message["groups"][1] = {
        "connection": "CS 3",
        "timeseries": [
            {"value": 1, "start": "2015-01-01T00:00:00Z", "duration": "PT15M"},
            {"value": 2, "start": "2015-01-01T00:15:00Z", "duration": "PT30M"},
        ],
    }
    refused(send(client, "POST", "postMeterData", message, seed.mdc), "INVALID_RESOLUTION")
    nothing_stored(settings, seed)


def test_data_that_cannot_be_matched_to_the_sensor_resolution_is_refused(
    client, seed, world, settings
):
    half_hourly = world.sensor(
        world.asset(seed.account, "Half-hourly meter", type_name="building"),
        "power",
        unit="MW",
        resolution="PT30M",
    )
    message = {
        "type": "PostMeterDataRequest",
        "groups": [
            {"connection": "CS 1", "values": [1, 2, 3]},
            {"connection": "Half-hourly meter", "values": [1, 2, 3]},  # 45-minute values
        ],
        "start": START,
        "duration": "PT2H15M",
        "unit": "MW",
    }
    refused(send(client, "POST", "postMeterData", message, seed.mdc), "INVALID_RESOLUTION")
    nothing_stored(settings, seed)
    assert len(stored(settings, half_hourly)) == 0


def test_a_body_that_is_not_json_is_an_invalid_request(client, seed):
    refused(send(client, "POST", "postMeterData", "{not json", seed.mdc), "INVALID_REQUEST")


def test_a_changed_value_for_the_same_belief_is_an_invalid_replacement(client, seed, settings):
    prognosis = {
        "type": "PostPrognosisRequest",
        "connection": "CS 1",
        "values": [1, 2],
        "start": START,
        "duration": "PT30M",
        "prior": "2014-12-31T12:00:00Z",
        "unit": "MW",
    }
    assert send(client, "POST", "postPrognosis", prognosis, seed.mdc).status_code == 200
    res = send(client, "POST", "postPrognosis", prognosis | {"values": [1, 3]}, seed.mdc)
    refused(res, "INVALID_REPLACEMENT", 403, "PostPrognosis")
    assert stored(settings, seed.cs["CS 1"])["event_value"].tolist() == [1, 2]


GET_CASES = [
    ("INVALID_RESOLUTION", {"resolution": "PT10M"}),
    (
        "INVALID_RESOLUTION",
        {"resolution": "PT45M"},
    ),  # one hour is no whole number of 45-minute steps
    ("INVALID_RESOLUTION", {"resolution": "soon"}),
    ("INVALID_HORIZON", {"horizon": "soon"}),
    ("INVALID_TIMEZONE", {"start": "2015-01-01T00:00:00"}),
    ("INVALID_TIMEZONE", {"prior": "2015-01-01T00:00:00"}),
    ("INVALID_UNIT", {"unit": "kW"}),
    ("INVALID_DOMAIN", {"connection": "ea1.2021-01.com.example:1:1"}),
    ("UNRECOGNIZED_CONNECTION_GROUP", {"connection": "CS 7"}),
    ("INVALID_MESSAGE_TYPE", {"type": "GetPrognosisRequest"}),
    ("PTUS_INCOMPLETE", {"duration": "PT50M"}),
    ("INVALID_SOURCE", {"sources": ["99999"]}),
    ("INVALID_SOURCE", {"sources": ["Nobody in particular"]}),
    ("REQUIRED_INFO_MISSING", {"connection": None}),
]


@pytest.mark.parametrize(("status", "changes"), GET_CASES)
def test_bad_requests_for_meter_data_are_refused_with_their_status(client, seed, status, changes):
    message = {
        "type": "GetMeterDataRequest",
        "connection": "CS 1",
        "start": START,
        "duration": "PT1H",
    }
    message = {k: v for k, v in (message | changes).items() if v is not None}
    refused(send(client, "GET", "getMeterData", message, seed.mdc), status, kind="GetMeterData")


def test_reading_finer_than_the_sensor_resolution_is_refused(client, seed, world):
    world.sensor(
        world.asset(seed.account, "Hourly meter", type_name="building"),
        "power",
        unit="MW",
        resolution="PT1H",
    )
    message = {
        "type": "GetMeterDataRequest",
        "connection": "Hourly meter",
        "start": START,
        "duration": "PT1H",
        "resolution": "PT15M",
    }
    assert "downsampled" in refused(
        send(client, "GET", "getMeterData", message, seed.mdc),
        "INVALID_RESOLUTION",
        kind="GetMeterData",
    )


PRICES = {
    "type": "PostPriceDataRequest",
    "market": f"{EA}:epex_da",
    "values": [50, 51],
    "start": START,
    "duration": "PT2H",
    "unit": "EUR/MWh",
}


@pytest.mark.parametrize(
    ("status", "changes"),
    [
        ("UNRECOGNIZED_MARKET", {"market": f"{EA}:apx_da"}),
        ("INVALID_DOMAIN", {"market": "ea1.2021-01.com.example:epex_da"}),
        ("INVALID_UNIT", {"unit": "EUR/kWh"}),
        ("INVALID_UNIT", {"unit": "USD/MWh"}),
        ("INVALID_UNIT", {"unit": "MW"}),
        ("INVALID_MESSAGE_TYPE", {"type": "PostPriceData"}),
    ],
)
def test_bad_price_messages_are_refused(client, seed, settings, status, changes):
    refused(
        send(client, "POST", "postPriceData", PRICES | changes, seed.admin),
        status,
        kind="PostPriceData",
    )
    nothing_stored(settings, seed)


def test_only_those_who_may_write_a_public_market_may_post_its_prices(client, seed, settings):
    refused(
        send(client, "POST", "postPriceData", PRICES, seed.supplier),
        "INVALID_SENDER",
        403,
        "PostPriceData",
    )
    nothing_stored(settings, seed)


WEATHER = {
    "type": "PostWeatherDataRequest",
    "sensor": f"{EA}:temperature:{JEJU[0]}:{JEJU[1]}",
    "values": [20.5, 21],
    "start": START,
    "duration": "PT30M",
    "unit": "°C",
}


@pytest.mark.parametrize(
    ("status", "changes", "mentions"),
    [
        ("UNRECOGNIZED_SENSOR", {"sensor": f"{EA}:temperature:52.37:4.89"}, "nearest"),
        ("UNRECOGNIZED_SENSOR", {"sensor": f"{EA}:wind speed:{JEJU[0]}:{JEJU[1]}"}, "wind speed"),
        ("UNRECOGNIZED_SENSOR", {"sensor": f"{EA}:humidity:{JEJU[0]}:{JEJU[1]}"}, "humidity"),
        ("INVALID_DOMAIN", {"sensor": f"{EA}:temperature:north"}, "<type>:<latitude>:<longitude>"),
        ("INVALID_DOMAIN", {"sensor": f"{EA}:temperature:95:10"}, "range"),
        ("INVALID_UNIT", {"unit": "K"}, "°C"),
        ("INVALID_UNIT", {"unit": "m/s"}, "°C"),
    ],
)
def test_bad_weather_messages_are_refused(client, seed, settings, status, changes, mentions):
    res = send(client, "POST", "postWeatherData", WEATHER | changes, seed.admin)
    assert mentions in refused(res, status, kind="PostWeatherData")
    nothing_stored(settings, seed)
