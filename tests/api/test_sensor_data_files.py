"""POST /api/v3_0/sensors/{id}/data/upload: CSV and Excel files, as the flexmeasures-client sends them."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import Workbook

from tests.api.belief_helpers import owned_sensor, stored, us

START = datetime(2026, 11, 23, tzinfo=UTC)


def _csv(
    rows: list[tuple], header: tuple | None = ("event_start", "event_value"), sep: str = ","
) -> bytes:
    lines = [sep.join(header)] if header else []
    lines += [sep.join(str(cell) for cell in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def _quarters(
    values: list, start: datetime = START, step: timedelta = timedelta(minutes=15)
) -> list[tuple]:
    return [((start + i * step).isoformat(), value) for i, value in enumerate(values)]


def _upload(
    client,
    owned,
    *files: tuple[str, bytes],
    measured_instantly: bool | None = None,
    unit: str | None = None,
):
    data = {}
    if measured_instantly is not None:
        data["belief-time-measured-instantly"] = str(
            measured_instantly
        )  # "True"/"False", as the client sends
    if unit is not None:
        data["unit"] = unit
    content_types = {
        "csv": "text/csv",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    payload = [
        (
            "uploaded-files",
            (name, content, content_types.get(name.rsplit(".", 1)[-1], "text/plain")),
        )
        for name, content in files
    ]
    return client.post(f"{owned.url}/upload", headers=owned.headers, files=payload, data=data)


def _values(client, owned, start=START, duration="PT1H", unit="kW"):
    res = client.get(
        owned.url,
        headers=owned.headers,
        params={"start": start.isoformat(), "duration": duration, "unit": unit},
    )
    assert res.status_code == 200, res.text
    return res.json()["values"]


def _rejected(res) -> str:
    assert res.status_code == 422, res.text
    return res.json()["message"]["combined_sensor_data_upload"]["uploaded-files"][0]


def test_csv_upload_is_stored_and_a_second_upload_is_recognised(client, world, settings):
    owned = owned_sensor(world)
    content = _csv(_quarters([1.5, 2, 3, 4]))
    res = _upload(client, owned, ("meter.csv", content))
    assert res.status_code == 200
    assert res.json() == {"message": "Request has been processed.", "status": "PROCESSED"}
    assert _values(client, owned) == [1.5, 2, 3, 4]
    again = _upload(client, owned, ("meter.csv", content))
    assert again.json()["status"] == "ALREADY_RECEIVED_AND_SUCCESSFULLY_PROCESSED"
    assert len(stored(settings, owned.sensor_id)) == 4


def test_measured_instantly_means_known_at_the_end_of_each_event(client, world, settings):
    owned = owned_sensor(world)
    _upload(client, owned, ("meter.csv", _csv(_quarters([1, 2]))), measured_instantly=True)
    rows = stored(settings, owned.sensor_id)
    assert rows["belief_time_us"].tolist() == [
        us("2026-11-23T00:15:00Z"),
        us("2026-11-23T00:30:00Z"),
    ]
    assert set(rows["belief_horizon_us"].tolist()) == {0}


def test_without_the_flag_beliefs_are_recorded_at_upload_time(client, world, settings):
    owned = owned_sensor(world)
    before = datetime.now(UTC)
    _upload(client, owned, ("meter.csv", _csv(_quarters([1, 2]))), measured_instantly=False)
    times = set(stored(settings, owned.sensor_id)["belief_time_us"].tolist())
    assert len(times) == 1 and us(before.isoformat()) <= times.pop() <= us(
        datetime.now(UTC).isoformat()
    )


def test_belief_time_column_is_used(client, world, settings):
    owned = owned_sensor(world)
    rows = [(start, "2026-11-22T12:00:00+00:00", value) for start, value in _quarters([1, 2])]
    _upload(
        client, owned, ("forecast.csv", _csv(rows, ("event_start", "belief_time", "event_value")))
    )
    assert set(stored(settings, owned.sensor_id)["belief_time_us"].tolist()) == {
        us("2026-11-22T12:00:00Z")
    }


def test_unit_field_converts_the_values(client, world):
    owned = owned_sensor(world, unit="MW")
    res = _upload(client, owned, ("meter.csv", _csv(_quarters([1500, 2500]))), unit="kW")
    assert res.status_code == 200, res.text
    assert _values(client, owned, duration="PT30M", unit="MW") == [1.5, 2.5]


def test_several_files_in_one_request(client, world, settings):
    owned = owned_sensor(world)
    res = _upload(
        client,
        owned,
        ("a.csv", _csv(_quarters([1, 2]))),
        ("b.csv", _csv(_quarters([3, 4], START + timedelta(minutes=30)))),
    )
    assert res.status_code == 200
    assert _values(client, owned) == [1, 2, 3, 4]


def test_excel_file_with_local_timestamps(client, world):
    owned = owned_sensor(world, timezone="Europe/Amsterdam")
    book = Workbook()
    sheet = book.active
    sheet.append(["datetime", "value"])
    for i, value in enumerate([10, 20, 30, 40]):
        sheet.append(
            [datetime(2026, 11, 23, 1, 0) + i * timedelta(minutes=15), value]
        )  # naive: Amsterdam time
    buffer = io.BytesIO()
    book.save(buffer)
    res = _upload(client, owned, ("meter.xlsx", buffer.getvalue()))
    assert res.status_code == 200, res.text
    assert _values(client, owned) == [10, 20, 30, 40]  # 01:00 in Amsterdam is midnight UTC


def test_semicolon_separated_file_with_decimal_commas_and_no_header(client, world):
    owned = owned_sensor(world)
    rows = [
        (start, str(value).replace(".", ",")) for start, value in _quarters([1.25, 2.5, 3.75, 5.0])
    ]
    res = _upload(client, owned, ("export.csv", _csv(rows, header=None, sep=";")))
    assert res.status_code == 200, res.text
    assert _values(client, owned) == [1.25, 2.5, 3.75, 5.0]


def test_naive_timestamps_are_read_in_the_sensor_timezone_across_dst(client, world, settings):
    owned = owned_sensor(world, resolution="PT1H", timezone="Europe/Amsterdam")
    # the night the clocks go back: 02:00 local occurs twice
    local = [
        "2026-10-25T01:00:00",
        "2026-10-25T02:00:00",
        "2026-10-25T02:00:00",
        "2026-10-25T03:00:00",
    ]
    res = _upload(client, owned, ("dst.csv", _csv(list(zip(local, [1, 2, 3, 4], strict=True)))))
    assert res.status_code == 200, res.text
    assert stored(settings, owned.sensor_id)["event_start_us"].tolist() == [
        us(f"2026-10-24T{h:02d}:00:00Z") for h in (23,)
    ] + [us(f"2026-10-25T{h:02d}:00:00Z") for h in (0, 1, 2)]


def test_coarser_file_is_upsampled_and_finer_file_downsampled(client, world):
    power, energy = owned_sensor(world), owned_sensor(world, unit="kWh")
    _upload(client, power, ("hourly.csv", _csv(_quarters([4, 8], step=timedelta(hours=1)))))
    assert _values(client, power, duration="PT2H") == [4] * 4 + [8] * 4
    five = _quarters([1, 2, 3, 4, 5, 6], step=timedelta(minutes=5))
    _upload(client, energy, ("five.csv", _csv(five)))
    assert _values(client, energy, duration="PT30M", unit="kWh") == [6, 15]


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        (
            "meter.csv",
            _csv([("2026-11-23T00:00:00+00:00", "abc")]),
            "Row 2: 'abc' is not a valid number",
        ),
        (
            "meter.csv",
            _csv([("yesterday", 1)]),
            "Row 2: 'yesterday' is not a valid ISO 8601 event start",
        ),
        ("meter.csv", _csv(_quarters([1, 2], START + timedelta(minutes=5))), "not aligned"),
        (
            "meter.csv",
            _csv(_quarters([1, 2, 3], step=timedelta(minutes=20))),
            "resolution of 0:20:00",
        ),
        (
            "meter.csv",
            _csv([("2026-11-23T00:00:00+00:00", 1), ("2026-11-23T00:00:00+00:00", 2)]),
            "two different values",
        ),
        (
            "meter.csv",
            _csv([("2026-11-23T00:00:00+00:00", 1), ("2026-11-23T00:15:00", 2)]),
            "no UTC offset",
        ),
        ("meter.pdf", b"%PDF-1.4", "Only CSV and Excel"),
        ("meter.xls", b"\xd0\xcf\x11\xe0", ".xlsx"),
        ("meter.xlsx", b"not a zip file", "not a readable Excel"),
        ("meter.csv", _csv([]), "no values"),
        ("meter.csv", b"", "empty"),
        ("meter.csv", b"\xff\xfe\x00\x01garbage", "not a readable CSV"),
    ],
)
def test_bad_files_are_refused_naming_the_problem(client, world, settings, name, content, problem):
    owned = owned_sensor(world)
    message = _rejected(_upload(client, owned, (name, content)))
    assert problem in message and name in message
    assert len(stored(settings, owned.sensor_id)) == 0


def test_one_bad_file_means_nothing_is_stored(client, world, settings):
    owned = owned_sensor(world)
    res = _upload(
        client, owned, ("good.csv", _csv(_quarters([1, 2]))), ("bad.csv", _csv([("x", 1)]))
    )
    assert "bad.csv" in _rejected(res)
    assert len(stored(settings, owned.sensor_id)) == 0


def test_missing_file_and_bad_form_fields_are_named(client, world):
    owned = owned_sensor(world)
    res = client.post(f"{owned.url}/upload", headers=owned.headers, data={"unit": "kW"})
    assert res.status_code == 422
    assert "uploaded-files" in res.json()["message"]["combined_sensor_data_upload"]
    res = _upload(client, owned, ("meter.csv", _csv(_quarters([1]))), unit="EUR/MWh")
    assert res.status_code == 422 and "EUR/MWh" in str(res.json()["message"])
    bad_flag = client.post(
        f"{owned.url}/upload",
        headers=owned.headers,
        data={"belief-time-measured-instantly": "maybe"},
        files=[("uploaded-files", ("a.csv", _csv(_quarters([1])), "text/csv"))],
    )
    assert (
        "belief-time-measured-instantly"
        in bad_flag.json()["message"]["combined_sensor_data_upload"]
    )


def test_uploading_to_another_accounts_sensor_is_forbidden(client, world, settings):
    owned, stranger = owned_sensor(world), owned_sensor(world)
    res = client.post(
        f"{owned.url}/upload",
        headers=stranger.headers,
        files=[("uploaded-files", ("a.csv", _csv(_quarters([1])), "text/csv"))],
    )
    assert res.status_code == 403
    assert len(stored(settings, owned.sensor_id)) == 0


def test_a_year_of_quarter_hours_in_a_file(client, world):
    owned = owned_sensor(world)
    values = [round(i * 0.001, 3) for i in range(35_040)]
    res = _upload(client, owned, ("year.csv", _csv(_quarters(values))))
    assert res.status_code == 200, res.text
    assert _values(client, owned, duration="P365D") == values


# Files longer than one frame: stored frame by frame (bounded memory), still all-or-nothing.


@pytest.fixture
def small_frames(monkeypatch):
    from gridflex.services import belief_files

    monkeypatch.setattr(belief_files, "CHUNK_ROWS", 5)


def test_a_long_finer_file_is_averaged_across_frame_boundaries(client, world, small_frames):
    owned = owned_sensor(world)  # 15-minute sensor; the file has 5-minute rows
    rows = _quarters(list(range(1, 13)), step=timedelta(minutes=5))
    res = _upload(client, owned, ("meter.csv", _csv(rows)))
    assert res.status_code == 200, res.text
    assert _values(client, owned) == [2, 5, 8, 11]


def test_a_long_file_keeps_each_events_history_in_one_frame(client, world, settings, small_frames):
    owned = owned_sensor(world)
    rows = [
        (START.isoformat(), 1, (START - timedelta(hours=2)).isoformat()),
        (START.isoformat(), 2, (START - timedelta(hours=1)).isoformat()),
    ] * 1 + [
        ((START + i * timedelta(minutes=15)).isoformat(), 5, START.isoformat()) for i in range(1, 8)
    ]
    res = _upload(
        client, owned, ("history.csv", _csv(rows, ("event_start", "event_value", "belief_time")))
    )
    assert res.status_code == 200, res.text
    assert len(stored(settings, owned.sensor_id)) == 9


def test_an_unsorted_long_file_is_refused_and_nothing_is_stored(
    client, world, settings, small_frames
):
    owned = owned_sensor(world)
    rows = _quarters(list(range(12)))
    rows[8], rows[2] = rows[2], rows[8]
    res = _upload(client, owned, ("meter.csv", _csv(rows)))
    assert res.status_code == 422 and "sorted" in res.text
    assert len(stored(settings, owned.sensor_id)) == 0


def test_a_bad_row_in_a_late_frame_leaves_nothing_stored(client, world, settings, small_frames):
    owned = owned_sensor(world)
    rows = _quarters(list(range(12))) + [("2026-11-23T03:00:00+00:00", "oops")]
    res = _upload(client, owned, ("meter.csv", _csv(rows)))
    assert res.status_code == 422 and "oops" in res.text
    assert len(stored(settings, owned.sensor_id)) == 0


def test_a_clash_across_frames_is_refused(client, world, settings, small_frames):
    owned = owned_sensor(world)
    rows = (
        _quarters([1, 2, 3, 4])
        + [_quarters([1, 2, 3, 4])[3][0:1] + (9,)]
        + _quarters([5, 6, 7], start=START + timedelta(hours=1))
    )
    res = _upload(client, owned, ("meter.csv", _csv(rows)))
    assert res.status_code == 422, res.text
    assert len(stored(settings, owned.sensor_id)) == 0
