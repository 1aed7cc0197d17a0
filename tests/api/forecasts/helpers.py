"""Helpers of the forecasting API tests: a sensor with known history, trigger, wait for the result."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from gridflex.engines.forecasting import synthetic_load_kw

HOUR = timedelta(hours=1)
#: History of the tests: two weeks of hourly load, from a Monday.
HISTORY_START = datetime(2025, 1, 6, tzinfo=UTC)
HISTORY_DAYS = 14
HISTORY_END = HISTORY_START + timedelta(days=HISTORY_DAYS)


@dataclass
class Site:
    """A load sensor (hourly, kW) and a member of the account that owns it."""

    sensor_id: int
    asset_id: int
    account_id: int
    headers: dict[str, str]

    @property
    def trigger_url(self) -> str:
        return f"/api/v3_0/sensors/{self.sensor_id}/forecasts/trigger"

    def forecast_url(self, forecast_id: str) -> str:
        return f"/api/v3_0/sensors/{self.sensor_id}/forecasts/{forecast_id}"

    @property
    def data_url(self) -> str:
        return f"/api/v3_0/sensors/{self.sensor_id}/data"


def make_site(world: Any, *, resolution: str = "PT1H", unit: str = "kW") -> Site:
    account = world.account()
    actor = world.user(account)
    asset = world.asset(account, type_name="building")
    sensor = world.sensor(asset, name="load", unit=unit, resolution=resolution)
    return Site(sensor, asset, account, actor.headers)


def history(days: int = HISTORY_DAYS, seed: int = 7) -> pd.Series:
    """Hourly synthetic load from HISTORY_START [kW]."""
    return synthetic_load_kw(HISTORY_START, 24 * days, HOUR, seed=seed)


def post(
    client: Any, site: Site, values: Any, start: datetime, url: str | None = None, **extra: Any
) -> None:
    """Post hourly values; ``horizon: PT0H`` by default: each recorded when its hour ends."""
    values = [None if np.isnan(v) else float(v) for v in np.asarray(values, dtype=float)]
    extra = extra or {"horizon": "PT0H"}
    body = {
        "values": values,
        "start": start.isoformat(),
        "duration": f"PT{len(values)}H",
        "unit": "kW",
        **extra,
    }
    res = client.post(url or site.data_url, headers=site.headers, json=body)
    assert res.status_code == 200, res.text


def trigger(client: Any, site: Site, **body: Any) -> str:
    res = client.post(site.trigger_url, headers=site.headers, json=body)
    assert res.status_code == 200, res.text
    return res.json()["forecast"]


def fetch(client: Any, site: Site, forecast_id: str, timeout: float = 60, **params: Any) -> Any:
    """The answer once the job is no longer waiting or running (polling like a client)."""
    deadline = time.monotonic() + timeout
    while True:
        res = client.get(site.forecast_url(forecast_id), headers=site.headers, params=params)
        if res.status_code != 202:
            return res
        assert time.monotonic() < deadline, f"forecast {forecast_id} not ready in {timeout} s"
        time.sleep(0.05)


def forecast_of(client: Any, site: Site, **body: Any) -> dict[str, Any]:
    res = fetch(client, site, trigger(client, site, **body))
    assert res.status_code == 200, res.text
    return res.json()


def iso(moment: datetime) -> str:
    return moment.isoformat()
