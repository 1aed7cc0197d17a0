"""Helpers of the v1_1 tests: sending messages as printed, reading the store and the v3_0 API."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from gridflex.config import Settings
from gridflex.store.base import session_scope
from gridflex.store.models import DataSource
from gridflex.store.queries import beliefs as q
from tests.conftest import Actor

HOST = "company.flexmeasures.io"
EA = "ea1.2021-01.io.flexmeasures.company"  # the naming authority of the seeds' examples
V1 = "/api/v1_1"
JEJU = (33.4843866, 126.477859)
PROCESSED = {"status": "PROCESSED", "message": "Request has been processed."}
FAR = 2**62


def send(
    client: Any, method: str, endpoint: str, message: str | dict, actor: Actor | None = None
) -> Any:
    """Send a message as the body (text as printed, or a dict as JSON); GETs carry it as their body too."""
    content = message if isinstance(message, str) else json.dumps(message)
    headers = {"Content-Type": "application/json", **(actor.headers if actor else {})}
    return client.request(method, f"{V1}/{endpoint}", content=content.encode(), headers=headers)


def as_printed(text: str) -> Any:
    """A printed example as data (trailing commas, as printed in the seeds, dropped)."""
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", text))


def stored(settings: Settings, sensor_id: int) -> Any:
    """Every belief of a sensor, straight from the store (structured array in key order)."""
    with session_scope(settings.database_url) as session:
        return q.beliefs_in(session, sensor_id, -FAR, FAR)


def us(text: str) -> int:
    """An ISO 8601 moment as µs since the epoch, by the standard library only."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def minutes(n: float) -> int:
    """A duration of n minutes in µs."""
    return int(n * 60 * 1_000_000)


def quarter_starts(start: str, n: int, step_min: int = 15) -> list[int]:
    return [us(start) + minutes(step_min * i) for i in range(n)]


def v3_values(
    client: Any, actor: Actor, sensor_id: int, start: str, duration: str, unit: str
) -> list:
    """Values as the v3_0 API reads them back."""
    res = client.get(
        f"/api/v3_0/sensors/{sensor_id}/data",
        headers=actor.headers,
        params={"start": start, "duration": duration, "unit": unit},
    )
    assert res.status_code == 200, res.text
    return res.json()["values"]


def user_source_id(settings: Settings, user_id: int) -> int:
    """The id of the data source standing for a user (the one v1 posts are recorded under)."""
    with session_scope(settings.database_url) as session:
        return session.scalars(sa.select(DataSource.id).where(DataSource.user_id == user_id)).one()
