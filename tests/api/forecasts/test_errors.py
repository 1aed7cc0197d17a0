"""Refusals: too little history, unknown sensors and forecasts, bad fields, other accounts."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.api.forecasts.helpers import (
    HISTORY_END,
    HISTORY_START,
    fetch,
    history,
    iso,
    make_site,
    post,
    trigger,
)


def _refused(res, field: str) -> str:
    assert res.status_code == 422, res.text
    messages = res.json()["message"]["json"]
    assert field in messages, messages
    return messages[field][0]


def test_too_little_history_is_refused_at_once_saying_how_much_is_needed(client, world):
    site = make_site(world)
    post(client, site, history(days=1), HISTORY_START)  # one day; two are needed
    res = client.post(
        site.trigger_url,
        headers=site.headers,
        json={"prior": iso(HISTORY_START + timedelta(days=1))},
    )
    assert res.status_code == 422 and res.json()["status"] == "INSUFFICIENT_DATA"
    message = res.json()["message"]
    assert "at least 2 days" in message and "48 values at PT1H" in message and "found 24" in message


def test_history_recorded_only_after_the_cutoff_is_named_in_the_refusal(client, world):
    site = make_site(world)
    post(client, site, history(), HISTORY_START, prior=iso(HISTORY_END + timedelta(days=1)))
    res = client.post(site.trigger_url, headers=site.headers, json={"prior": iso(HISTORY_END)})
    assert res.status_code == 422
    message = res.json()["message"]
    assert "found 0" in message and "336 more value(s)" in message and "recorded after" in message


def test_unknown_sensor_is_404_and_unknown_regressor_names_its_field(client, world):
    site = make_site(world)
    post(client, site, history(), HISTORY_START)
    res = client.post("/api/v3_0/sensors/999999/forecasts/trigger", headers=site.headers, json={})
    assert res.status_code == 404
    res = client.post(
        site.trigger_url, headers=site.headers,
        json={"prior": iso(HISTORY_END), "config": {"past-regressors": [999999]}},
    )  # fmt: skip
    assert "999999" in _refused(res, "config.past-regressors")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start": iso(HISTORY_END), "end": iso(HISTORY_END), "duration": "PT1H"}, "duration"),
        ({"config": {"train-period": "P1D"}}, "config.train-period"),
        ({"config": {"max-training-period": "PT36H"}}, "config.max-training-period"),
        ({"model": "crystal-ball"}, "model"),
        ({"model": "naive-daily", "probabilistic": True}, "probabilistic"),
        ({"start": "2025-01-20T00:20:00+00:00"}, "start"),
        ({"start": "2025-01-20T00:00:00"}, "start"),
        ({"duration": "PT90M"}, "duration"),
        ({"max-forecast-horizon": "PT0H"}, "max-forecast-horizon"),
        ({"forecast-horizon": "PT6H"}, "forecast-horizon"),
        ({"config": {"regressors": ["temperature"]}}, "config.regressors.0"),
    ],
)
def test_bad_fields_are_refused_by_name(client, world, body, field):
    site = make_site(world)
    res = client.post(
        site.trigger_url, headers=site.headers, json={"prior": iso(HISTORY_END), **body}
    )
    _refused(res, field)


def test_unknown_and_foreign_forecasts_are_unknown_forecast(client, world):
    site, other = make_site(world), make_site(world)
    post(client, site, history(), HISTORY_START)
    forecast_id = trigger(client, site, prior=iso(HISTORY_END), duration="PT2H")
    for url in (site.forecast_url(str(uuid.uuid4())), site.forecast_url("not-a-uuid")):
        res = client.get(url, headers=site.headers)
        assert res.status_code == 400 and res.json()["status"] == "UNKNOWN_FORECAST"
    # Another sensor of the same owner: not this sensor's forecast.
    second = world.sensor(site.asset_id, name="other", unit="kW", resolution="PT1H")
    res = client.get(f"/api/v3_0/sensors/{second}/forecasts/{forecast_id}", headers=site.headers)
    assert res.status_code == 400 and res.json()["status"] == "UNKNOWN_FORECAST"
    # Another account's user may neither read nor trigger.
    assert client.get(site.forecast_url(forecast_id), headers=other.headers).status_code == 403
    res = client.post(site.trigger_url, headers=other.headers, json={})
    assert res.status_code == 403
    assert client.post(site.trigger_url, json={}).status_code == 401


def test_unit_that_does_not_fit_is_refused(client, world):
    site = make_site(world)
    post(client, site, history(), HISTORY_START)
    forecast_id = trigger(client, site, prior=iso(HISTORY_END), duration="PT2H")
    assert fetch(client, site, forecast_id).status_code == 200
    res = client.get(site.forecast_url(forecast_id), headers=site.headers, params={"unit": "EUR"})
    assert res.status_code == 422
