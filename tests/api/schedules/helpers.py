"""Helpers for the schedule tests: post inputs, trigger, and poll the schedule like a client does."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

START = "2026-01-05T00:00:00+00:00"
T0 = datetime.fromisoformat(START)


def at(hours: float) -> str:
    """ISO time ``hours`` after START."""
    return (T0 + timedelta(hours=hours)).isoformat()


def post(
    client: TestClient,
    headers: dict[str, str],
    sensor_id: int,
    values: list[float],
    *,
    duration: str,
    unit: str,
    start: str = START,
    prior: str | None = None,
) -> None:
    body: dict[str, Any] = {"values": values, "start": start, "duration": duration, "unit": unit}
    if prior is not None:
        body["prior"] = prior
    res = client.post(f"/api/v3_0/sensors/{sensor_id}/data", headers=headers, json=body)
    assert res.status_code == 200, res.json()


def trigger(
    client: TestClient,
    headers: dict[str, str],
    *,
    sensor: int | None = None,
    asset: int | None = None,
    **body: Any,
) -> Any:
    body = {"start": START, **{k.replace("_", "-"): v for k, v in body.items()}}
    path = f"sensors/{sensor}" if sensor is not None else f"assets/{asset}"
    return client.post(f"/api/v3_0/{path}/schedules/trigger", headers=headers, json=body)


def wait_schedule(
    client: TestClient,
    headers: dict[str, str],
    sensor_id: int,
    job_id: str,
    timeout: float = 20,
    **params: Any,
) -> Any:
    """GET the schedule until it is no longer 202 (as flexmeasures-client polls)."""
    deadline = time.monotonic() + timeout
    while True:
        res = client.get(
            f"/api/v3_0/sensors/{sensor_id}/schedules/{job_id}", headers=headers, params=params
        )
        if res.status_code != 202:
            return res
        assert time.monotonic() < deadline, f"job {job_id} still pending"
        time.sleep(0.02)


def schedule(
    client: TestClient,
    headers: dict[str, str],
    sensor_id: int,
    *,
    asset: int | None = None,
    read: int | None = None,
    params: dict[str, Any] | None = None,
    **body: Any,
) -> dict[str, Any]:
    """Trigger (sensor or asset endpoint), wait, and return the schedule of ``read`` (default: sensor_id)."""
    res = (
        trigger(client, headers, asset=asset, **body)
        if asset is not None
        else trigger(client, headers, sensor=sensor_id, **body)
    )
    assert res.status_code == 200, res.json()
    got = wait_schedule(
        client, headers, read or sensor_id, res.json()["schedule"], **(params or {})
    )
    assert got.status_code == 200, got.json()
    return got.json()


def data(
    client: TestClient,
    headers: dict[str, str],
    sensor_id: int,
    *,
    duration: str,
    unit: str,
    **params: Any,
) -> list[float | None]:
    res = client.get(
        f"/api/v3_0/sensors/{sensor_id}/data",
        headers=headers,
        params={"start": START, "duration": duration, "unit": unit, **params},
    )
    assert res.status_code == 200, res.json()
    return res.json()["values"]
