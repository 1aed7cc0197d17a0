"""Every route on the demo system (``gridflex demo``): shapes, balances, consistent forecasts.

Forecast checks are by hand from the answers themselves: the forecast
consumption breakdown must add up to its total, and the forecast intensity
must be the breakdown weighted by the default lifecycle factors (storage
discharge counts as ``unknown``), because both come from one traced forecast.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from gridflex.demo.carbon import build_system
from gridflex.store.base import session_scope

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
FACTORS = {
    "biomass": 230,
    "coal": 820,
    "gas": 490,
    "geothermal": 38,
    "hydro": 24,
    "nuclear": 12,
    "oil": 650,
    "solar": 45,
    "wind": 11,
    "unknown": 700,
    "hydro discharge": 700,
    "battery discharge": 700,
}
BREAKDOWN = {
    "powerConsumptionBreakdown",
    "powerConsumptionTotal",
    "powerProductionBreakdown",
    "powerProductionTotal",
    "powerImportBreakdown",
    "powerImportTotal",
    "powerExportBreakdown",
    "powerExportTotal",
    "fossilFreePercentage",
    "renewablePercentage",
}
DEMO_ZONES = ("NL", "BE", "DE", "FR", "DK", "PL")
INTENSITY = {  # the seed's fields and those of the current API
    "zone",
    "carbonIntensity",
    "datetime",
    "updatedAt",
    "createdAt",
    "emissionFactorType",
    "isEstimated",
    "estimationMethod",
    "temporalGranularity",
}
RECORD = {"zone", "datetime", "updatedAt", "createdAt", "isEstimated", "estimationMethod"}


@pytest.fixture
def demo(settings):
    """The carbon demo system over the last three days (the demo loads a year)."""
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with session_scope(settings.database_url) as session:
        build_system(session, end - timedelta(days=3), end)


def _get(client, headers, path, **params):
    answer = client.get(path, params=params, headers=headers)
    assert answer.status_code == 200, (path, params, answer.text)
    return answer.json()


def _when(text: str) -> datetime:
    assert TIME.match(text), text
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_every_route_answers_for_every_demo_zone(client, reader, demo):
    latest = _get(client, reader, "/v3/carbon-intensity/latest", zone="DE")["datetime"]
    zones = _get(client, reader, "/v3/zones")
    routes = [r for r in zones["DE"]["access"]] if zones["DE"]["access"] != ["*"] else None
    assert routes is None
    for zone in DEMO_ZONES:
        for path, params in (
            ("carbon-intensity/latest", {}),
            ("carbon-intensity/history", {}),
            ("carbon-intensity/past", {"datetime": latest}),
            ("carbon-intensity/past-range", {"start": latest, "end": _plus(latest, hours=1)}),
            ("carbon-intensity/forecast", {}),
            ("carbon-intensity/best-window", {"duration": "PT3H"}),
            ("power-breakdown/latest", {}),
            ("power-breakdown/history", {}),
            ("power-breakdown/past", {"datetime": latest}),
            ("power-consumption-breakdown/history", {}),
            ("power-consumption-breakdown/forecast", {}),
            ("marginal-carbon-intensity/forecast", {}),
            ("marginal-power-consumption-breakdown/forecast", {}),
            ("updated-since", {"since": "2000-01-01T00:00:00Z", "limit": 5}),
        ):
            assert _get(client, reader, f"/v3/{path}", zone=zone, **params)["zone"] == zone
    # Amsterdam lies in the Netherlands (a shipped country shape).
    assert _get(client, reader, "/v3/power-breakdown/latest", lat=52.37, lon=4.89)["zone"] == "NL"


def _plus(text: str, **delta: int) -> str:
    return (_when(text) + timedelta(**delta)).isoformat()


def test_measured_routes_have_the_contract_shapes(client, reader, demo):
    latest = _get(client, reader, "/v3/carbon-intensity/latest", zone="DE")
    assert set(latest) == INTENSITY
    assert isinstance(latest["carbonIntensity"], int)
    assert latest["emissionFactorType"] == "lifecycle" and latest["isEstimated"] is False
    assert latest["temporalGranularity"] == "hourly"
    _when(latest["updatedAt"])
    history = _get(client, reader, "/v3/carbon-intensity/history", zone="DE")
    assert set(history) == {"zone", "history", "temporalGranularity"}
    assert len(history["history"]) == 24
    times = [_when(h["datetime"]) for h in history["history"]]
    assert all(b - a == timedelta(hours=1) for a, b in zip(times, times[1:], strict=False))
    assert times[-1] == _when(latest["datetime"])
    assert all(set(h) == INTENSITY and h["zone"] == "DE" for h in history["history"])
    past = _get(client, reader, "/v3/carbon-intensity/past", zone="DE", datetime=latest["datetime"])
    assert set(past) == INTENSITY
    assert past["carbonIntensity"] == latest["carbonIntensity"]
    start = history["history"][0]["datetime"]
    ranged = _get(
        client,
        reader,
        "/v3/carbon-intensity/past-range",
        zone="DE",
        start=start,
        end=_plus(latest["datetime"], hours=1),
    )
    assert [d["carbonIntensity"] for d in ranged["data"]] == [
        h["carbonIntensity"] for h in history["history"]
    ]
    assert all(set(d) == INTENSITY for d in ranged["data"])
    assert ranged["temporalGranularity"] == "hourly"
    live = _get(client, reader, "/v3/power-breakdown/latest", zone="DE")
    assert set(live) == RECORD | BREAKDOWN
    assert set(live["powerImportBreakdown"]) == {"DK", "NL", "PL"}  # DE's neighbours in the demo
    assert set(live["powerProductionBreakdown"]) == set(FACTORS)
    old = _get(client, reader, "/v3/power-breakdown/past", zone="DE", datetime=start)
    assert set(old) == RECORD | BREAKDOWN
    for path in ("/v3/power-breakdown/history", "/v3/power-consumption-breakdown/history"):
        rows = _get(client, reader, path, zone="DE")["history"]
        assert len(rows) == 24 and all(set(r) == RECORD | BREAKDOWN for r in rows)
    since = _get(client, reader, "/v3/updated-since", zone="DE", since="2000-01-01T00:00:00Z")
    assert set(since) == {"zone", "updates", "threshold", "limit", "limitReached"}
    assert since["limitReached"] is False and len(since["updates"]) == 72  # 3 days of hours
    cut = _get(
        client, reader, "/v3/updated-since", zone="DE", since="2000-01-01T00:00:00Z", limit=50
    )
    assert cut["limitReached"] is True and len(cut["updates"]) == 50
    assert all(set(u) == {"updated_at", "datetime"} for u in since["updates"])


def test_consumption_balances_in_every_demo_zone_and_step(client, reader, demo):
    for zone in DEMO_ZONES:
        for row in _get(client, reader, "/v3/power-breakdown/history", zone=zone)["history"]:
            balance = (
                row["powerProductionTotal"] + row["powerImportTotal"] - row["powerExportTotal"]
            )
            assert abs(row["powerConsumptionTotal"] - balance) <= 2  # four whole numbers
            mix = sum(row["powerConsumptionBreakdown"][k] or 0 for k in FACTORS)
            assert abs(mix - row["powerConsumptionTotal"]) <= len(FACTORS) / 2


def test_forecast_mix_and_intensity_are_consistent(client, reader, demo):
    latest = _get(client, reader, "/v3/carbon-intensity/latest", zone="DE")
    for zone in DEMO_ZONES:
        intensity = _get(client, reader, "/v3/carbon-intensity/forecast", zone=zone)
        mix = _get(client, reader, "/v3/power-consumption-breakdown/forecast", zone=zone)
        assert set(intensity) == {"zone", "forecast", "updatedAt"} == set(mix)
        assert len(intensity["forecast"]) == 48 == len(mix["forecast"])
        first = _when(intensity["forecast"][0]["datetime"])
        assert first == _when(latest["datetime"]) + timedelta(hours=1)
        for point, step in zip(intensity["forecast"], mix["forecast"], strict=True):
            assert point["datetime"] == step["datetime"]
            breakdown = step["powerConsumptionBreakdown"]
            total = step["powerConsumptionTotal"]
            assert abs(sum(breakdown.values()) - total) <= len(FACTORS) / 2
            by_hand = sum(FACTORS[k] * v for k, v in breakdown.items()) / sum(breakdown.values())
            assert abs(point["carbonIntensity"] - by_hand) <= 1.0


def test_marginal_forecasts_are_labelled_estimates(client, reader, demo):
    intensity = _get(client, reader, "/v3/marginal-carbon-intensity/forecast", zone="PL")
    mix = _get(client, reader, "/v3/marginal-power-consumption-breakdown/forecast", zone="PL")
    for body in (intensity, mix):
        assert body["isEstimate"] is True and "regression" in body["estimationMethod"]
        assert len(body["forecast"]) == 48
    for point, step in zip(intensity["forecast"], mix["forecast"], strict=True):
        shares = step["marginalPowerConsumptionBreakdown"]
        assert "hydro-discharge" in shares and sum(shares.values()) == pytest.approx(1.0)
        assert (
            shares["wind"] == 0 and shares["solar"] == 0
        )  # weather-driven, they do not follow load
        by_hand = sum(FACTORS[k.replace("-", " ")] * v for k, v in shares.items())
        assert abs(point["marginalCarbonIntensity"] - by_hand) <= 1.0


def test_best_window_has_the_lowest_mean_forecast(client, reader, demo):
    values = [
        p["carbonIntensity"]
        for p in _get(client, reader, "/v3/carbon-intensity/forecast", zone="DE")["forecast"]
    ]
    times = [
        p["datetime"]
        for p in _get(client, reader, "/v3/carbon-intensity/forecast", zone="DE")["forecast"]
    ]
    means = [sum(values[i : i + 4]) / 4 for i in range(len(values) - 3)]
    best = _get(client, reader, "/v3/carbon-intensity/best-window", zone="DE", duration="PT4H")
    assert set(best) == {"zone", "datetime", "end", "duration", "carbonIntensity", "updatedAt"}
    start = times.index(best["datetime"])
    assert _when(best["end"]) - _when(best["datetime"]) == timedelta(hours=4)
    assert abs(best["carbonIntensity"] - means[start]) <= 1  # the forecast values are rounded
    assert means[start] <= min(means) + 1
    deadline = times[10]
    early = _get(
        client,
        reader,
        "/v3/carbon-intensity/best-window",
        zone="DE",
        duration="PT4H",
        before=deadline,
    )
    assert _when(early["end"]) <= _when(deadline)
    assert abs(early["carbonIntensity"] - min(means[:7])) <= 1
    too_long = client.get(
        "/v3/carbon-intensity/best-window", params={"zone": "DE", "duration": "P3D"}, headers=reader
    )
    assert too_long.status_code == 400 and "duration" in too_long.json()["message"]
    odd = client.get(
        "/v3/carbon-intensity/best-window",
        params={"zone": "DE", "duration": "PT90M"},
        headers=reader,
    )
    assert odd.status_code == 400


def test_gridflex_demo_loads_the_system_once(client, reader, cli):
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    first = cli("demo", "--days", "3").output
    assert "Carbon demo: zones NL, BE, DE, FR, DK, PL" in " ".join(first.split())
    assert _get(client, reader, "/v3/carbon-intensity/forecast", zone="DK")["forecast"]
    again = cli("demo", "--days", "3").output
    if datetime.now(UTC) < hour + timedelta(hours=1):  # else a new hour was rightly added
        assert "Carbon demo already present (zones NL, BE, DE, FR, DK, PL), up to date" in again
