"""Probabilistic forecasts (10/50/90 % quantiles) and regressors (sensor ids in ``config``)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from tests.api.belief_helpers import stored
from tests.api.forecasts.helpers import (
    HISTORY_END,
    HISTORY_START,
    Site,
    fetch,
    forecast_of,
    history,
    iso,
    make_site,
    post,
    trigger,
)

WINDOW_H = 12


def test_quantiles_are_ordered_and_stored_with_their_probabilities(client, settings, world):
    site = make_site(world)
    post(client, site, history(), HISTORY_START)
    answer = forecast_of(client, site, prior=iso(HISTORY_END), duration="PT12H", probabilistic=True)
    assert set(answer["quantiles"]) == {"0.1", "0.5", "0.9"}
    rows = stored(settings, site.sensor_id)
    mine = rows[rows["source_id"] == answer["source"]]
    by_p = {
        p: mine[np.isclose(mine["cumulative_probability"], p)]["event_value"]
        for p in (0.1, 0.5, 0.9)
    }
    assert all(len(values) == WINDOW_H for values in by_p.values())
    assert np.all(by_p[0.1] <= by_p[0.5]) and np.all(by_p[0.5] <= by_p[0.9])
    assert np.any(by_p[0.1] < by_p[0.9])  # a real spread, not three copies
    np.testing.assert_allclose(answer["values"], by_p[0.5], rtol=1e-12)
    np.testing.assert_allclose(answer["quantiles"]["0.9"], by_p[0.9], rtol=1e-12)


@pytest.fixture
def priced(client, world):
    """A load that is 40 kW + 3 kW per EUR/MWh of an hourly price drawn at random.

    Its own history cannot tell the next price, so only a forecast that reads the
    price (known over the window: a day-ahead price) can follow it.
    """
    site = make_site(world)
    price_sensor = world.sensor(site.asset_id, name="price", unit="EUR/MWh", resolution="PT1H")
    hours = 24 * 14 + WINDOW_H
    price = np.random.default_rng(11).normal(60.0, 15.0, hours)
    load = 40.0 + 3.0 * price + np.random.default_rng(12).normal(0.0, 0.5, hours)
    post(client, site, load[: 24 * 14], HISTORY_START)
    # Prices are known a day ahead: all of them recorded before the forecast is made.
    prices = Site(price_sensor, site.asset_id, site.account_id, site.headers)
    body = {"values": list(price), "start": iso(HISTORY_START), "duration": f"PT{hours}H",
            "unit": "EUR/MWh", "prior": iso(HISTORY_END - timedelta(hours=6))}  # fmt: skip
    res = client.post(prices.data_url, headers=site.headers, json=body)
    assert res.status_code == 200, res.text
    return site, price_sensor, load[24 * 14 :]


def _mae(values, truth) -> float:
    return float(np.mean(np.abs(np.asarray(values) - truth)))


def test_future_regressor_is_used_and_follows_the_price(client, priced):
    site, price_sensor, truth = priced
    common = {"prior": iso(HISTORY_END), "duration": f"PT{WINDOW_H}H"}
    without = forecast_of(client, site, **common)
    with_price = forecast_of(client, site, **common, config={"future-regressors": [price_sensor]})
    assert _mae(with_price["values"], truth) < 0.3 * _mae(without["values"], truth)
    assert with_price["source"] != without["source"]  # another configuration, another source


def test_regressors_field_uses_the_sensor_both_ways(client, priced):
    site, price_sensor, truth = priced
    forecast_id = trigger(
        client,
        site,
        prior=iso(HISTORY_END),
        duration="PT12H",
        model="boosted",
        config={"regressors": [price_sensor]},
    )
    assert fetch(client, site, forecast_id).status_code == 200
    job = client.get(f"/api/v3_0/jobs/{forecast_id}", headers=site.headers).json()
    features = job["result"]["model_params"]["features"]
    assert f"sensor {price_sensor}:now" in features  # read at each step (future)
    assert f"sensor {price_sensor}:last" in features  # and lagged (past)


def test_past_regressor_is_lagged_only(client, priced):
    site, price_sensor, _ = priced
    forecast_id = trigger(
        client, site, prior=iso(HISTORY_END), duration="PT12H", model="boosted",
        config={"past-regressors": [price_sensor]},
    )  # fmt: skip
    assert fetch(client, site, forecast_id).status_code == 200
    job = client.get(f"/api/v3_0/jobs/{forecast_id}", headers=site.headers).json()
    features = job["result"]["model_params"]["features"]
    assert f"sensor {price_sensor}:last" in features
    assert f"sensor {price_sensor}:now" not in features


def test_future_regressor_without_values_in_the_window_fails_the_job_with_the_reason(client, world):
    site = make_site(world)
    post(client, site, history(), HISTORY_START)
    temperature = world.sensor(site.asset_id, name="temperature", unit="°C", resolution="PT1H")
    measured = Site(temperature, site.asset_id, site.account_id, site.headers)
    body = {"values": [5.0] * (24 * 14), "start": iso(HISTORY_START), "duration": "PT336H",
            "unit": "°C", "horizon": "PT0H"}  # fmt: skip
    assert client.post(measured.data_url, headers=site.headers, json=body).status_code == 200
    forecast_id = trigger(
        client, site, prior=iso(HISTORY_END), duration="PT6H",
        config={"future-regressors": [temperature]},
    )  # fmt: skip
    res = fetch(client, site, forecast_id)
    assert res.status_code == 400
    assert res.json()["status"] == "UNKNOWN_FORECAST"
    assert "Forecasting job failed" in res.json()["message"]
    assert f"sensor {temperature}" in res.json()["message"]
