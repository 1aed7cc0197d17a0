"""Helpers shared by the sensor-data API tests: a sensor with its owner, and direct store reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from gridflex.store.base import session_scope
from gridflex.store.queries import beliefs as q

LOCATION = "combined_sensor_data_description"
FAR = 2**62


@dataclass
class Owned:
    """A sensor and a member of the account that owns it."""

    sensor_id: int
    headers: dict[str, str]
    user_id: int
    account_id: int
    asset_id: int

    @property
    def url(self) -> str:
        return f"/api/v3_0/sensors/{self.sensor_id}/data"


def owned_sensor(
    world: Any,
    *,
    unit: str = "kW",
    resolution: str = "PT15M",
    roles: list[str] | None = None,
    asset_attributes: dict | None = None,
    **fields: Any,
) -> Owned:
    account = world.account()
    actor = world.user(account, roles=roles)
    asset = world.asset(account, **({"attributes": asset_attributes} if asset_attributes else {}))
    sensor = world.sensor(asset, unit=unit, resolution=resolution, **fields)
    return Owned(sensor, actor.headers, actor.id, account, asset)


def stored(settings: Any, sensor_id: int) -> np.ndarray:
    """Every belief of a sensor, straight from the store (structured array, key order)."""
    with session_scope(settings.database_url) as session:
        return q.beliefs_in(session, sensor_id, -FAR, FAR)


def us(text: str) -> int:
    """An ISO 8601 moment as µs since the epoch, computed with the standard library only."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def body(
    values: list,
    start: str = "2026-11-23T00:00:00+01:00",
    duration: str = "PT1H",
    unit: str = "kW",
    **extra: Any,
) -> dict[str, Any]:
    return {"values": values, "start": start, "duration": duration, "unit": unit, **extra}


def rejected_fields(response: Any) -> dict[str, list[str]]:
    """The field -> messages map of a 422 answer in the reference's shape."""
    assert response.status_code == 422, response.text
    payload = response.json()
    assert payload["status"] == "UNPROCESSABLE_ENTITY" and payload["result"] == "Rejected"
    return payload["message"][LOCATION]
