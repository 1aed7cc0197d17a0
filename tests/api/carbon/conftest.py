"""Fixtures of the carbon API tests: the CLI, a three-zone system, tokens, sensor lookups.

The three-zone case: zone A produces 100 MW of coal and exports 50 MW to B;
B produces 100 MW of wind and exports 50 MW to C; C produces 50 MW of solar.
The zones are 1° squares side by side at the equator in the Atlantic (A at
longitude -40, B at -39, C at -38), so that lat/lon lookups have a sea around them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gridflex.cli.main import app as cli_app
from gridflex.config import get_settings
from gridflex.services.carbon.state import CarbonState

START = "2024-03-01T00:00:00Z"
HOURS = 3
ZONES = {"A": -40.0, "B": -39.0, "C": -38.0}  # west edge of each 1° square at the equator
PRODUCTION = {"A": ("coal", 100.0), "B": ("wind", 100.0), "C": ("solar", 50.0)}
EXCHANGES = [("A", "B", 50.0), ("B", "C", 50.0)]


def square(west: float, south: float = 0.0, size: float = 1.0) -> dict[str, Any]:
    ring = [[west, south], [west + size, south], [west + size, south + size], [west, south + size]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def zones_geojson(**extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"zoneId": z, "zoneName": f"Zone {z}", **extra.get(z, {})},
                "geometry": square(west),
            }
            for z, west in ZONES.items()
        ],
    }


def hour(h: int) -> str:
    return f"2024-03-01T{h:02d}:00:00Z"


def production_csv(rows: list[tuple[str, str, str, float]]) -> str:
    return "datetime,zone,type,mw\n" + "".join(f"{t},{z},{k},{mw}\n" for t, z, k, mw in rows)


def exchanges_csv(rows: list[tuple[str, str, str, float]]) -> str:
    return "datetime,from_zone,to_zone,mw\n" + "".join(
        f"{t},{a},{b},{mw}\n" for t, a, b, mw in rows
    )


def three_zone_rows(hours: range = range(HOURS)) -> tuple[list, list]:
    production = [(hour(h), z, kind, mw) for h in hours for z, (kind, mw) in PRODUCTION.items()]
    exchanges = [(hour(h), a, b, mw) for h in hours for a, b, mw in EXCHANGES]
    return production, exchanges


@pytest.fixture
def cli(db: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """Run ``gridflex ...`` against the test database; ``ok=False`` allows a failure."""
    monkeypatch.setenv("GRIDFLEX_DATABASE_URL", db)
    monkeypatch.setenv("GRIDFLEX_MODE", "test")
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True) -> Any:
        result = runner.invoke(cli_app, list(args), catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    yield invoke
    get_settings.cache_clear()


@pytest.fixture
def files(tmp_path: Path) -> Callable[[str, str], str]:
    """Write a file under the test's temporary folder; returns its path."""

    def write(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


@pytest.fixture
def three_zones(cli: Callable[..., Any], files: Callable[[str, str], str]) -> None:
    """Zones A, B, C imported from GeoJSON and three hours of the three-zone case, via the CLI."""
    cli("carbon", "import-zones", files("zones.geojson", json.dumps(zones_geojson())))
    production, exchanges = three_zone_rows()
    cli(
        "carbon",
        "import",
        "--production",
        files("production.csv", production_csv(production)),
        "--exchanges",
        files("exchanges.csv", exchanges_csv(exchanges)),
    )


@pytest.fixture
def reader(world: Any) -> dict[str, str]:
    """``auth-token`` headers of a user of an account without limits."""
    actor = world.user(world.account())
    return {"auth-token": actor.headers["Authorization"]}


def sensor_id(client: Any, headers: dict[str, str], zone_id: str, name: str) -> int:
    """A zone sensor's id, found through the v3_0 API (zones are public assets)."""
    assets = client.get("/api/v3_0/assets/public", headers=_v3(headers)).json()
    asset = next(a for a in assets if a["attributes"].get("zone_id") == zone_id)
    return next(s["id"] for s in asset["sensors"] if s["name"] == name)


def sensor_values(
    client: Any, headers: dict[str, str], sensor: int, start: str, duration: str, unit: str
) -> list[float | None]:
    answer = client.get(
        f"/api/v3_0/sensors/{sensor}/data",
        headers=_v3(headers),
        params={"start": start, "duration": duration, "unit": unit},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["values"]


def _v3(headers: dict[str, str]) -> dict[str, str]:
    return {"Authorization": headers.get("auth-token") or headers["Authorization"]}


class Clock:
    """A monotonic clock that moves only when told (the carbon caches' ``clock``)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(app: Any, settings: Any) -> Clock:
    """The app's carbon caches run on this clock: tests move time instead of sleeping."""
    moved = Clock()
    app.state.carbon = CarbonState(settings.database_url, clock=moved)
    return moved
