"""Knowledge times: ex post (measurements) and at a date (day-ahead prices), across DST changes.

Expected moments are written out by hand as ISO strings with their UTC offsets.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from gridflex.engines.beliefs.knowledge import knowledge_times_us, validate_knowledge_horizon
from gridflex.errors import ValidationError

AMS = {"fnc": "at_date", "days_before": 1, "hour": 12, "timezone": "Europe/Amsterdam"}


def us(text: str) -> int:
    moment = datetime.fromisoformat(text)
    return int(moment.timestamp()) * 1_000_000


def known(
    starts: list[str], spec: dict | None, resolution: timedelta = timedelta(hours=1)
) -> list[int]:
    return knowledge_times_us(
        np.array([us(s) for s in starts]), resolution=resolution, spec=spec
    ).tolist()


def test_measurements_are_known_when_the_event_ends():
    assert known(["2026-06-01T10:00:00+00:00"], None, timedelta(minutes=15)) == [
        us("2026-06-01T10:15:00+00:00")
    ]
    assert known(["2026-06-01T10:00:00+00:00"], {"fnc": "ex_post"}) == [
        us("2026-06-01T11:00:00+00:00")
    ]


def test_ex_post_delay_comes_after_the_event_end():
    spec = {"fnc": "ex_post", "delay": "PT30M"}
    assert known(["2026-06-01T10:00:00+00:00"], spec) == [us("2026-06-01T11:30:00+00:00")]


def test_instantaneous_events_are_known_when_they_happen():
    assert known(["2026-06-01T10:07:00+00:00"], None, timedelta(0)) == [
        us("2026-06-01T10:07:00+00:00")
    ]


def test_day_ahead_prices_are_known_at_noon_the_day_before():
    starts = ["2026-06-02T00:00:00+02:00", "2026-06-02T13:00:00+02:00", "2026-06-02T23:00:00+02:00"]
    assert known(starts, AMS) == [us("2026-06-01T12:00:00+02:00")] * 3


def test_day_ahead_uses_the_local_date_not_the_utc_date():
    # 23:30 UTC on 1 June is already 2 June in Amsterdam
    assert known(["2026-06-01T22:30:00+00:00"], AMS) == [us("2026-06-01T12:00:00+02:00")]


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # the day after the clocks go back: noon on the Sunday is in winter time
        ("2026-10-26T00:00:00+01:00", "2026-10-25T12:00:00+01:00"),
        # the day the clocks go back: noon the day before is still summer time
        ("2026-10-25T12:00:00+01:00", "2026-10-24T12:00:00+02:00"),
        ("2026-10-25T01:30:00+02:00", "2026-10-24T12:00:00+02:00"),
        # the day after the clocks go forward: noon on the Sunday is in summer time
        ("2026-03-30T00:00:00+02:00", "2026-03-29T12:00:00+02:00"),
        ("2026-03-29T00:00:00+01:00", "2026-03-28T12:00:00+01:00"),
    ],
)
def test_day_ahead_knowledge_time_across_dst(start, expected):
    assert known([start], AMS) == [us(expected)]


def test_a_local_hour_that_does_not_exist_moves_to_the_end_of_the_gap():
    spec = {**AMS, "hour": 2.5}  # 02:30 does not exist on 29 March 2026 in Amsterdam
    assert known(["2026-03-30T10:00:00+02:00"], spec) == [us("2026-03-29T03:00:00+02:00")]


def test_a_local_hour_that_occurs_twice_is_taken_at_its_first_occurrence():
    spec = {**AMS, "hour": 2.5}  # 02:30 happens twice on 25 October 2026 in Amsterdam
    assert known(["2026-10-26T10:00:00+01:00"], spec) == [us("2026-10-25T02:30:00+02:00")]


def test_the_reference_platform_names_are_accepted():
    reference = {"fnc": "x_days_ago_at_y_oclock", "x": 2, "y": 9, "z": "Europe/Paris"}
    assert validate_knowledge_horizon(reference) == {
        "fnc": "at_date",
        "days_before": 2,
        "hour": 9.0,
        "timezone": "Europe/Paris",
    }
    assert known(["2026-06-03T05:00:00+02:00"], reference) == [us("2026-06-01T09:00:00+02:00")]
    assert validate_knowledge_horizon({"fnc": "ex_post", "ex_post_horizon": "PT1H"}) == {
        "fnc": "ex_post",
        "delay": "PT1H",
    }


@pytest.mark.parametrize(
    "spec",
    [
        {"fnc": "tomorrow"},
        {"fnc": "at_date", "days_before": "one"},
        {"fnc": "at_date", "hour": 25},
        {"fnc": "at_date", "timezone": "Mars/Olympus"},
        {"fnc": "ex_post", "delay": "soon"},
    ],
)
def test_invalid_specs_are_refused_naming_the_field(spec):
    with pytest.raises(ValidationError) as info:
        validate_knowledge_horizon(spec)
    assert info.value.field == "knowledge_horizon"


def test_a_year_of_day_ahead_events_is_consistent_with_a_loop():
    """Vectorised result equals a plain per-event computation with zoneinfo."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Amsterdam")
    starts = np.arange(
        us("2026-01-01T00:00:00+00:00"), us("2027-01-01T00:00:00+00:00"), 3_600_000_000
    )
    got = knowledge_times_us(starts, resolution=timedelta(hours=1), spec=AMS)
    for start, value in zip(starts[::97], got[::97], strict=True):
        local = datetime.fromtimestamp(start / 1e6, zone)
        noon = datetime(local.year, local.month, local.day, 12, tzinfo=zone) - timedelta(days=1)
        noon = noon.replace(tzinfo=None).replace(tzinfo=zone)  # re-resolve the offset for that date
        assert value == int(noon.timestamp()) * 1_000_000


def test_at_date_without_a_timezone_uses_the_sensors():
    spec = validate_knowledge_horizon({"fnc": "at_date", "days_before": 1, "hour": 12})
    assert "timezone" not in spec
    starts = np.array([us("2026-06-02T05:00:00+02:00")])
    got = knowledge_times_us(
        starts, resolution=timedelta(hours=1), spec=spec, timezone="Europe/Amsterdam"
    )
    assert got.tolist() == [us("2026-06-01T12:00:00+02:00")]
    utc = knowledge_times_us(starts, resolution=timedelta(hours=1), spec=spec)
    assert utc.tolist() == [us("2026-06-01T12:00:00+00:00")]  # 03:00Z is on 2 June in UTC too
