"""No data leakage across the cut-off: what was recorded after it cannot change a forecast."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from fastapi.testclient import TestClient

from gridflex.api.app import create_app
from tests.api.forecasts.helpers import (
    HISTORY_END,
    HISTORY_START,
    HOUR,
    forecast_of,
    history,
    iso,
    make_site,
    post,
)


@pytest.fixture
def fresh_client(settings):
    """A client whose identical triggers make new jobs (no reuse), so each one really computes."""
    app = create_app(settings.model_copy(update={"job_cache_ttl": timedelta(0)}))
    with TestClient(app) as test_client:
        yield test_client


def test_data_recorded_after_the_cutoff_does_not_change_the_forecast(fresh_client, world):
    client, site = fresh_client, make_site(world)
    load = history(days=15)
    post(client, site, load.iloc[: 24 * 14], HISTORY_START)
    cutoff = HISTORY_END
    ask = {"prior": iso(cutoff), "duration": "PT12H"}
    before = forecast_of(client, site, **ask)

    # After the cut-off: the actual values of the window, and a revision of the last day
    # (recorded 30 minutes after the cut-off, about events before it).
    post(client, site, load.iloc[24 * 14 :], cutoff)
    revised = load.iloc[24 * 13 : 24 * 14 - 1].to_numpy() * 3.0
    post(
        client, site, revised, cutoff - timedelta(days=1), prior=iso(cutoff + timedelta(minutes=30))
    )

    again = forecast_of(client, site, **ask)
    assert again["forecast"] != before["forecast"]  # a new job, computed again
    assert again["values"] == before["values"]

    # The guard: with a cut-off after the revision, the same window (made as if at its
    # start) does see it, so the test above would catch a leak.
    later = forecast_of(client, site, **{**ask, "start": iso(cutoff), "prior": iso(cutoff + HOUR)})
    assert later["belief_time"] == before["belief_time"] == iso(cutoff)
    assert later["source"] != before["source"]  # made with data known later: kept apart
    assert not np.allclose(later["values"], before["values"])
