"""Rolling forecasts over a past period in one job (forecast-frequency): a backtest."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from gridflex.engines.forecasting import backtest
from tests.api.belief_helpers import stored, us
from tests.api.forecasts.helpers import (
    HISTORY_END,
    HISTORY_START,
    HOUR,
    fetch,
    history,
    iso,
    make_site,
    post,
    trigger,
)


def test_rolling_runs_are_made_at_their_starts_stored_and_scored(client, settings, world):
    site = make_site(world)
    load = history()
    post(client, site, load, HISTORY_START)
    start, end = HISTORY_END - timedelta(days=2), HISTORY_END
    forecast_id = trigger(
        client, site, start=iso(start), end=iso(end), model="boosted",
        **{"max-forecast-horizon": "PT12H", "forecast-frequency": "PT6H"},
    )  # fmt: skip
    res = fetch(client, site, forecast_id)
    assert res.status_code == 200, res.text
    answer = res.json()
    assert (answer["start"], answer["duration"]) == (iso(start), "P2D")

    expected = backtest(
        load,
        start=start,
        end=end,
        horizon=12 * HOUR,
        frequency=6 * HOUR,
        model="boosted",
        timezone="UTC",
    )
    assert len(expected.runs) == 8
    # Each event shows the latest run covering it: the run made at or before it, at most 6 h.
    latest = pd.concat([run.values for run in expected.runs]).groupby(level=0).last()
    np.testing.assert_allclose(answer["values"], latest.to_numpy(), rtol=1e-9)

    rows = stored(settings, site.sensor_id)
    mine = rows[rows["source_id"] == answer["source"]]
    origins = {us(iso(start + k * 6 * HOUR)) for k in range(8)}
    assert set(mine["belief_time_us"]) == origins  # every run made at its own start

    result = client.get(f"/api/v3_0/jobs/{forecast_id}", headers=site.headers).json()["result"]
    assert result["runs"] == 8 and result["baseline"] == "naive-weekly"
    assert result["metrics"]["mae"] == expected.metrics.mae
    pairs = expected.pairs
    assert result["metrics"]["mae"] == np.mean(np.abs(pairs["forecast"] - pairs["actual"]))
    base = np.mean(np.abs(pairs["baseline"] - pairs["actual"]))
    assert result["skill"] == 1 - result["metrics"]["mae"] / base
    # Against every baseline too, by hand over every run: the value of the hour before the
    # run (persistence) and of the same hour the day before (naive-daily).
    errors = {"model": [], "persistence": [], "naive-daily": []}
    for run in expected.runs:
        truth = load.reindex(run.values.index).to_numpy()
        errors["model"] += list(np.abs(run.values.to_numpy() - truth))
        errors["persistence"] += list(np.abs(load[run.belief_time - HOUR] - truth))
        daily = load.reindex(run.values.index - 24 * HOUR).to_numpy()
        errors["naive-daily"] += list(np.abs(daily - truth))
    for name in ("persistence", "naive-daily"):
        by_hand = 1 - np.mean(errors["model"]) / np.mean(errors[name])
        assert result["skills"][name] == pytest.approx(by_hand, rel=1e-9)
    assert result["chosen_models"] == {"boosted": 8}


def test_rolling_runs_cannot_start_after_the_cutoff(client, world):
    site = make_site(world)
    post(client, site, history(), HISTORY_START)
    res = client.post(
        site.trigger_url,
        headers=site.headers,
        json={"prior": iso(HISTORY_END), "start": iso(HISTORY_END), "duration": "P1D",
              "forecast-frequency": "PT6H"},
    )  # fmt: skip
    assert res.status_code == 422
    assert "forecast-frequency" in res.json()["message"]["json"]
