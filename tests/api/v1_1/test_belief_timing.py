"""Seed 003's prognosis examples: prior and horizon set the belief times exactly as the seed works them out.

Each printed fragment (values [10, 5, 8] from 13:00 for 45 minutes) is completed into a
PostPrognosisRequest for CS 1; belief times and horizons are read straight from the store
and compared with the times the seed states in words.
"""

from __future__ import annotations

import pytest

from tests.api.v1_1 import seed_examples as ex
from tests.api.v1_1.helpers import as_printed, minutes, send, stored, us

ENDS = [us("2016-05-01T13:15:00Z"), us("2016-05-01T13:30:00Z"), us("2016-05-01T13:45:00Z")]


def _post(client, seed, fragment: dict) -> None:
    message = fragment | {"type": "PostPrognosisRequest", "connection": "CS 1", "unit": "MW"}
    res = send(client, "POST", "postPrognosis", message, seed.mdc)
    assert res.status_code == 200, res.text


def _beliefs(settings, seed) -> tuple[list[int], list[int], list[float]]:
    rows = stored(settings, seed.cs["CS 1"])
    return (
        rows["belief_time_us"].tolist(),
        rows["belief_horizon_us"].tolist(),
        rows["event_value"].tolist(),
    )


def test_prior_records_the_whole_prognosis_at_7_45(client, seed, settings):
    _post(client, seed, as_printed(ex.PRIOR_EXAMPLE))
    times, horizons, values = _beliefs(settings, seed)
    assert values == [10, 5, 8]
    assert times == [us("2016-05-01T07:45:00Z")] * 3
    # "6 hours before the end of the entire time interval": the last event's horizon is exactly 6 h.
    assert horizons == [minutes(330), minutes(345), minutes(360)]


def test_horizon_pt6h_records_each_value_six_hours_before_its_event_ends(client, seed, settings):
    _post(client, seed, as_printed(ex.HORIZON_EXAMPLE))
    times, horizons, _ = _beliefs(settings, seed)
    assert times == [
        us("2016-05-01T07:15:00Z"),
        us("2016-05-01T07:30:00Z"),
        us("2016-05-01T07:45:00Z"),
    ]
    assert horizons == [minutes(360)] * 3


def test_negative_horizon_records_each_value_ten_minutes_after_the_fact(client, seed, settings):
    _post(client, seed, as_printed(ex.NEGATIVE_HORIZON_EXAMPLE))
    times, horizons, _ = _beliefs(settings, seed)
    assert times == [
        us("2016-05-01T13:25:00Z"),
        us("2016-05-01T13:40:00Z"),
        us("2016-05-01T13:55:00Z"),
    ]
    assert horizons == [-minutes(10)] * 3


def test_horizon_pt5m_means_five_minutes_left_in_the_interval(client, seed, settings):
    """Seed 003: 10 minutes after the start of each 15-minute interval is a horizon of PT5M."""
    _post(client, seed, as_printed(ex.HORIZON_EXAMPLE) | {"horizon": "PT5M"})
    times, _, _ = _beliefs(settings, seed)
    assert times == [
        us("2016-05-01T13:10:00Z"),
        us("2016-05-01T13:25:00Z"),
        us("2016-05-01T13:40:00Z"),
    ]


def test_rolling_horizon_notation_is_the_same_as_the_plain_horizon(client, seed, settings):
    _post(client, seed, as_printed(ex.HORIZON_EXAMPLE) | {"horizon": "R/PT6H"})
    times, horizons, _ = _beliefs(settings, seed)
    assert times == [end - minutes(360) for end in ENDS]
    assert horizons == [minutes(360)] * 3


@pytest.mark.parametrize(
    ("prior", "expected"),
    [
        # prior 07:20 with horizon PT6H (07:15, 07:30, 07:45): the earlier of the two per event.
        ("2016-05-01T07:20:00Z", ["07:15", "07:20", "07:20"]),
        # A prior later than every horizon time leaves the horizon times.
        ("2016-05-01T09:00:00Z", ["07:15", "07:30", "07:45"]),
        # A prior earlier than every horizon time sets them all.
        ("2016-05-01T06:00:00+00:00", ["06:00", "06:00", "06:00"]),
    ],
)
def test_prior_and_horizon_together_record_the_earliest_time(
    client, seed, settings, prior, expected
):
    _post(client, seed, as_printed(ex.HORIZON_EXAMPLE) | {"prior": prior})
    times, horizons, _ = _beliefs(settings, seed)
    assert times == [us(f"2016-05-01T{hhmm}:00Z") for hhmm in expected]
    assert horizons == [end - t for end, t in zip(ENDS, times, strict=True)]


def test_a_prognosis_without_prior_or_horizon_is_recorded_on_arrival(client, seed, settings):
    _post(client, seed, as_printed(ex.VALUES_NOTATION))
    times, horizons, _ = _beliefs(settings, seed)
    assert len(set(times)) == 1 and times[0] > us("2020-01-01T00:00:00Z")
    assert horizons == [end - times[0] for end in ENDS]


def test_a_horizon_on_the_group_overrides_the_message_horizon(client, seed, settings):
    message = {
        "type": "PostPrognosisRequest",
        "groups": [
            {"connection": "CS 1", "values": [10, 5, 8]},
            {"connection": "CS 3", "values": [10, 5, 8], "horizon": "-PT10M"},
        ],
        "start": "2016-05-01T13:00:00Z",
        "duration": "PT45M",
        "horizon": "PT6H",
        "unit": "MW",
    }
    assert send(client, "POST", "postPrognosis", message, seed.mdc).status_code == 200
    assert stored(settings, seed.cs["CS 1"])["belief_horizon_us"].tolist() == [minutes(360)] * 3
    assert stored(settings, seed.cs["CS 3"])["belief_horizon_us"].tolist() == [-minutes(10)] * 3
