"""POST /sensors/{id}/forecasts/trigger and GET /sensors/{id}/forecasts/{uuid}: the job flow of schedules."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from gridflex.engines.forecasting import forecast
from gridflex.jobs import enqueue
from gridflex.store.base import session_scope
from tests.api.belief_helpers import stored, us
from tests.api.forecasts.helpers import (
    HISTORY_END,
    HISTORY_START,
    HOUR,
    fetch,
    forecast_of,
    history,
    iso,
    make_site,
    post,
)


@pytest.fixture
def site(client, world):
    site = make_site(world)
    post(client, site, history(), HISTORY_START)
    return site


def test_trigger_answers_with_the_forecast_id_its_job_and_urls(client, site):
    res = client.post(site.trigger_url, headers=site.headers, json={"prior": iso(HISTORY_END)})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["status"] == "PROCESSED" and body["forecast"] == body["job"]
    assert body["urls"] == {
        "forecast": site.forecast_url(body["forecast"]),
        "job": f"/api/v3_0/jobs/{body['job']}",
    }
    assert fetch(client, site, body["forecast"]).status_code == 200
    assert client.get(body["urls"]["job"], headers=site.headers).json()["status"] == "FINISHED"


def test_forecast_is_202_while_its_job_waits(client, settings, site):
    with session_scope(settings.database_url) as session:
        job, _ = enqueue(
            session,
            settings,
            queue="forecasting",
            func_name="tests.jobs.funcs:sleep",
            kwargs={"seconds": 1.0},
            sensor_id=site.sensor_id,
            account_id=site.account_id,
        )
        job_id = job.id
    res = client.get(site.forecast_url(job_id), headers=site.headers)
    assert res.status_code == 202
    assert res.json()["status"] in ("QUEUED", "STARTED")


def test_forecast_of_the_past_equals_the_engine_on_the_known_history(client, site):
    start = HISTORY_END
    answer = forecast_of(client, site, start=iso(start), duration="PT12H")
    assert (answer["start"], answer["duration"], answer["unit"]) == (iso(start), "PT12H", "kW")
    # Computed another way: the engine itself, on the series the test posted.
    expected = forecast(
        history(), belief_time=start, start=start, end=start + 12 * HOUR, timezone="UTC"
    )
    np.testing.assert_allclose(answer["values"], expected.values.to_numpy(), rtol=1e-9)


def test_answer_converts_to_the_asked_unit(client, site):
    answer = forecast_of(client, site, prior=iso(HISTORY_END), duration="PT3H")
    job = answer["forecast"]
    watts = fetch(client, site, job, unit="W").json()
    assert watts["unit"] == "W"
    np.testing.assert_allclose(watts["values"], np.array(answer["values"]) * 1000, rtol=1e-12)


def test_forecast_is_stored_as_beliefs_made_at_the_cutoff(client, settings, site):
    made = HISTORY_END - timedelta(minutes=20)  # between two steps
    answer = forecast_of(client, site, prior=iso(made), duration="PT6H")
    assert answer["start"] == iso(HISTORY_END)  # the first step after the cut-off
    rows = stored(settings, site.sensor_id)
    mine = rows[rows["source_id"] == answer["source"]]
    assert len(mine) == 6 and set(mine["belief_time_us"]) == {us(iso(made))}
    assert set(mine["cumulative_probability"]) == {0.5}
    # Belief horizon = knowledge time (the end of the hour) - belief time, by hand.
    ends = mine["event_start_us"] + 3600 * 10**6
    np.testing.assert_array_equal(mine["belief_horizon_us"], ends - us(iso(made)))
    np.testing.assert_allclose(mine["event_value"], answer["values"], rtol=1e-12)


def test_data_api_tells_the_forecast_from_what_was_measured_later(client, site):
    answer = forecast_of(client, site, prior=iso(HISTORY_END), duration="PT6H")
    actual = history(days=15).iloc[-24:-18].to_numpy() + 100.0  # measured afterwards, unlike it
    post(client, site, actual, HISTORY_END)

    def data(**filters):  # noqa: ANN202
        params = {"start": iso(HISTORY_END), "duration": "PT6H", "unit": "kW", **filters}
        res = client.get(site.data_url, headers=site.headers, params=params)
        assert res.status_code == 200, res.text
        return res.json()["values"]

    np.testing.assert_allclose(data(), actual)  # the most recent beliefs: the measurements
    np.testing.assert_allclose(data(prior=iso(HISTORY_END)), answer["values"])
    assert data(prior=iso(HISTORY_END - timedelta(seconds=1))) == [None] * 6
    # At least 3 h before knowledge time (the end of each hour): only the forecast of the
    # hours ending 3 h or more after it was made, from 02:00 on.
    at_3h = data(horizon="PT3H")
    assert at_3h[:2] == [None, None]
    np.testing.assert_allclose(at_3h[2:], answer["values"][2:])


def test_a_forecast_made_now_starts_at_the_next_step(client, site):
    res = client.post(site.trigger_url, headers=site.headers, json={"duration": "PT2H"})
    # Nothing of this sensor's history is known within a year before now: refused at once.
    assert res.status_code == 422 and res.json()["status"] == "INSUFFICIENT_DATA"
    now = pd.Timestamp.now(tz="UTC")
    late = history(days=3).to_numpy()
    start = (now - pd.Timedelta(days=3)).floor("h").to_pydatetime()
    post(client, site, late, start)
    answer = forecast_of(client, site, duration="PT2H")
    first = pd.Timestamp(answer["start"])
    assert now <= first + pd.Timedelta(seconds=5) and first - now <= pd.Timedelta(hours=1)
    assert len(answer["values"]) == 2 and not np.isnan(answer["values"]).any()
