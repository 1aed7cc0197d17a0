"""Model auto (the default): the answer and the job name the chosen model and its skills; solar and weather inputs."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from gridflex.engines.forecasting import backtest, forecast
from gridflex.engines.forecasting.selection import BASELINES, candidates
from tests.api.forecasts.helpers import (
    HISTORY_END,
    HISTORY_START,
    HOUR,
    Site,
    fetch,
    forecast_of,
    history,
    iso,
    make_site,
    post,
    trigger,
)


def _job(client, site: Site, forecast_id: str) -> dict:
    return client.get(f"/api/v3_0/jobs/{forecast_id}", headers=site.headers).json()["result"]


def _link(client, world, site: Site, linked) -> None:
    """Link weather sensors to the site's sensor, as an account admin does through the API."""
    admin = world.user(site.account_id, roles=["account-admin"])
    body = {"attributes": {"weather-sensors": linked}}
    res = client.patch(f"/api/v3_0/sensors/{site.sensor_id}", headers=admin.headers, json=body)
    assert res.status_code == 200, res.text


def test_answer_and_job_name_the_chosen_model_and_its_skills(client, world):
    site = make_site(world)
    post(client, site, history(), HISTORY_START)
    forecast_id = trigger(client, site, prior=iso(HISTORY_END), duration="PT12H")
    answer = fetch(client, site, forecast_id).json()
    selection = answer["selection"]
    assert answer["model"] == selection["chosen"] == _job(client, site, forecast_id)["model"]
    assert set(selection["mae"]) == set(candidates(solar=False))
    assert selection["chosen"] == min(selection["mae"], key=selection["mae"].get)
    for baseline in BASELINES:
        by_hand = 1 - selection["mae"][selection["chosen"]] / selection["mae"][baseline]
        assert selection["skill"][baseline] == pytest.approx(by_hand)
    # The same choice, scores and values from the engine on the series the test posted.
    expected = forecast(history(), belief_time=HISTORY_END, n_steps=12, timezone="UTC")
    assert expected.selection.chosen == selection["chosen"]
    assert selection["mae"] == pytest.approx(expected.selection.mae, rel=1e-9)
    assert selection["last_run"] == iso(HISTORY_END - 12 * HOUR)
    np.testing.assert_allclose(answer["values"], expected.values.to_numpy(), rtol=1e-9)


def test_a_pure_weekly_pattern_is_forecast_by_last_week(client, world):
    site = make_site(world)
    week = np.random.default_rng(2).uniform(10, 50, 7 * 24)
    post(client, site, np.tile(week, 4), HISTORY_START)
    end = HISTORY_START + timedelta(days=28)
    answer = forecast_of(client, site, prior=iso(end), duration="PT24H")
    assert answer["model"] == "naive-weekly"
    assert answer["selection"]["mae"]["naive-weekly"] == 0.0
    np.testing.assert_allclose(answer["values"], week[:24])


def test_a_named_model_is_used_without_selection(client, world):
    site = make_site(world)
    post(client, site, history(), HISTORY_START)
    answer = forecast_of(client, site, prior=iso(HISTORY_END), duration="PT6H", model="persistence")
    assert answer["model"] == "persistence" and answer["selection"] is None
    np.testing.assert_allclose(answer["values"], [history().iloc[-1]] * 6)


def test_solar_asset_gets_clear_sky_features_for_its_location(client, world):
    account = world.account()
    headers = world.user(account).headers
    plant = world.asset(account, type_name="solar", latitude=39.742, longitude=-105.1727)
    site = Site(world.sensor(plant, name="power", resolution="PT1H"), plant, account, headers)
    post(client, site, history(), HISTORY_START)
    forecast_id = trigger(client, site, prior=iso(HISTORY_END), duration="PT6H", model="boosted")
    assert fetch(client, site, forecast_id).status_code == 200
    result = _job(client, site, forecast_id)
    assert result["solar_site"] == [39.742, -105.1727]
    assert {"clearsky_ghi", "sun_elevation"} <= set(result["model_params"]["features"])
    # A building's sensor at the same place does not.
    other = make_site(world)
    post(client, other, history(), HISTORY_START)
    other_id = trigger(client, other, prior=iso(HISTORY_END), duration="PT6H", model="boosted")
    assert fetch(client, other, other_id).status_code == 200
    assert _job(client, other, other_id)["solar_site"] is None
    assert "clearsky_ghi" not in _job(client, other, other_id)["model_params"]["features"]


def test_linked_weather_sensor_is_a_past_regressor(client, world):
    site = make_site(world)
    load = history()
    post(client, site, load, HISTORY_START)
    station = world.asset(site.account_id, type_name="weather station")
    temperature = world.sensor(station, name="temperature", unit="°C", resolution="PT1H")
    values = 10 + np.sin(np.arange(len(load)) / 24 * 2 * np.pi)
    body = {"values": list(values), "start": iso(HISTORY_START), "duration": "PT336H",
            "unit": "°C", "horizon": "PT0H"}  # fmt: skip
    res = client.post(f"/api/v3_0/sensors/{temperature}/data", headers=site.headers, json=body)
    assert res.status_code == 200, res.text
    _link(client, world, site, [temperature])

    forecast_id = trigger(client, site, prior=iso(HISTORY_END), duration="PT6H", model="boosted")
    assert fetch(client, site, forecast_id).status_code == 200
    result = _job(client, site, forecast_id)
    assert result["regressors"] == {"past": [temperature], "future": []}
    assert f"sensor {temperature}:last" in result["model_params"]["features"]
    assert f"sensor {temperature}:now" not in result["model_params"]["features"]


@pytest.mark.parametrize("linked", [[999999], "7"])
def test_a_bad_weather_link_is_refused_naming_the_attribute(client, world, linked):
    site = make_site(world)
    post(client, site, history(), HISTORY_START)
    _link(client, world, site, linked)
    res = client.post(site.trigger_url, headers=site.headers, json={"prior": iso(HISTORY_END)})
    assert res.status_code == 422, res.text
    assert "weather-sensors" in res.json()["message"]["json"]


def test_rolling_forecasts_report_the_models_chosen_and_every_skill(client, world):
    site = make_site(world)
    post(client, site, history(), HISTORY_START)
    start = HISTORY_END - timedelta(days=2)
    forecast_id = trigger(
        client, site, start=iso(start), end=iso(HISTORY_END), **{"forecast-frequency": "P1D"}
    )
    answer = fetch(client, site, forecast_id).json()
    result = _job(client, site, forecast_id)
    assert sum(result["chosen_models"].values()) == result["runs"] == 2
    assert set(answer["skills"]) == set(BASELINES) and answer["skills"] == result["skills"]
    # Runs of the whole window (no max-forecast-horizon: P2D) every day, as the engine makes them.
    day = timedelta(days=1)
    expected = backtest(
        history(), start=start, end=HISTORY_END, horizon=2 * day, frequency=day, timezone="UTC"
    )
    assert result["chosen_models"] == dict(pd.Series(expected.chosen).value_counts())
    assert result["skills"] == pytest.approx(expected.skills)


def test_clearsky_median_is_refused_for_a_sensor_that_is_not_solar(client, world):
    site = make_site(world)
    post(client, site, history(), HISTORY_START)
    res = client.post(
        site.trigger_url,
        headers=site.headers,
        json={"prior": iso(HISTORY_END), "model": "clearsky-median"},
    )
    assert res.status_code == 422, res.text
    assert "solar" in res.json()["message"]["json"]["model"][0]
